"""The tenant: Agency, Membership and roles, invitations, API tokens, onboarding, audit log.

What every app uses but needs the tenant's models stays here, not in core (issue 13):
tenancy.py: agency_view and get_for_agency resolve the request's Membership and Agency.
audit.py: audit_record writes an AuditLog row about an Agency.
api_base.py: the API base resolves the Membership (the role check) before a handler runs.
api_auth.py: personal-token authentication looks up the ApiToken and its Membership.
system_scope.py: its database functions name the invitation, API token and membership tables.
rls.py: its policies name agencies_agency and Membership's own-user clause; the scope they
  read (request_begin, session_scope, tenant_transaction) is core/db_scope.py.
hooks.py: the hook agencies exposes to creators for creator logins, agencies' own contract.

No serializers: the team, audit-log and /me serializers sit beside their views in api.py.
No tasks: invitation_create sends its e-mail in its transaction, so a failed send rolls it back.
"""
