"""The tenant: Agency, Membership and roles, invitations, API tokens, onboarding, audit log.

No serializers: the team, audit-log and /me serializers sit beside their views in api.py.
No tasks: invitation_create sends its e-mail in its transaction, so a failed send rolls it back.
"""
