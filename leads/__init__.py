"""Leads from conversations: contacts who gave an e-mail address with consent, counted
as campaign conversions."""
