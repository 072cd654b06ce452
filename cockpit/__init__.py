"""The agency home: what is late or at risk, this month's figures, and the weekly digest.

No services: its two writes, digest_preferences_save and digests_send, live in digest.py.
No permissions: it uses the role sets of agencies.roles (ALL_ROLES, STAFF_ROLES) as they are.
No admin: its one model, DigestSubscription, is a member's own choice, set on the digest page.
"""
