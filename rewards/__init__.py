"""Campaign bonus pools and per-asset bonus rules, evaluated against metric snapshots
and paid through the payouts trail."""
