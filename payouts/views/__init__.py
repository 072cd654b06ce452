"""Payouts pages, one module per concern: `statements` (the list, a statement, its lines, the
CSV import), `adjustments` (adjustments, holds, disputes, paying the creator), `sample_files`,
`bank` (accounts, imports, transactions), `reconciliation` (runs, exceptions, matches, the
report export), `settings` (payout settings and commissions), `fx` (exchange rates and the
reference-rate import), `evidence` (a dispute's evidence pack), `income` (a creator's income
mix, staff and portal), `portal` (the creator's own payouts), and `common` for what they share.

Thin views over services and selectors. Reads are open to owners, finance and account
managers; every write to owners and finance (payouts/permissions.py). A form with errors
answers 400 and shows them next to the fields. Nothing is re-exported here: payouts/urls.py
imports each module.
"""
