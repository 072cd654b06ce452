"""Crisis playbook: pre-written crisis replies, freezing promotional deliverables while
crisis mode is on, routing risky DMs to Legal / PR, and drill records.

No serializers: the reply, drill and frozen-deliverable serializers sit beside api.py's views.
No admin: replies, freezes and drills change only through services.py, atomic and audited.
"""
