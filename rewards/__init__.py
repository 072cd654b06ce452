"""Campaign bonus pools and per-asset bonus rules, evaluated against metric snapshots
and paid through the payouts trail.

No admin: pools and rules change through services.py (audited), awards only by evaluation.py.
"""
