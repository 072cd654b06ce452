"""Leads from conversations: contacts who gave an e-mail address with consent, counted
as campaign conversions.

No forms: its pages and API only read; the list's filters are leads/filters.py.
No admin: leads are written only by triage's hook (leads_record) and the follow-up service.
"""
