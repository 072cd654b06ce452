"""Moderation: policies, inbound comments and DMs, triage, automated actions, cases and SLAs.

No services: writes live in policies.py, cases.py, inbound.py, triage.py, outbox.py, thanks.py.
No serializers: they sit beside their views in api.py and operations_api.py.
No admin: policy versions are immutable and case steps audited; only policies.py/cases.py write.
"""
