"""Payouts: statements, adjustments, holds and disputes, bank imports, reconciliation, FX rates,
commission, creator payments and exports.

No admin: money rows change only through the audited, row-locking services.py and reconciliation/.
"""
