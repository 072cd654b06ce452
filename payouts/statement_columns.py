"""The columns of a payout statements CSV, in the order the samples and the bench's files
write them (`statement_import` reads them by header, in any order). Plain names and no
Django, so a file generator can write the format without setting Django up."""

from __future__ import annotations

COLUMNS = [
    "platform_reference",
    "creator_handle",
    "source",
    "period_start",
    "period_end",
    "currency",
    "estimated_amount",
    "settled_amount",
    "status",
    "settled_date",
]
# Optional: the code of a campaign linked to the contract the payout was earned under.
CONTRACT_COLUMN = "contract"
