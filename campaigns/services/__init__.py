"""The campaign domain's writes. Each module is one concept; import from here."""

from __future__ import annotations

from .campaigns import (
    campaign_create,
    campaign_update,
    checklist_update,
    experiment_create,
    experiment_update,
)
from .contracts import (
    BINDING_STATUSES,
    TRANSITIONS,
    Conflict,
    ExclusivityConflict,
    contract_attach_signed_pdf,
    contract_conflicts,
    contract_create,
    contract_reminders_send,
    contract_transition,
    contract_update,
    exclusivity_conflicts,
)
from .deliverables import (
    can_review,
    caption_missing,
    deliverable_create,
    deliverable_mark_posted,
    deliverable_review,
    deliverable_submit,
    deliverable_update,
)
from .kpis import (
    attributed_deliverable,
    attribution_deadline,
    conversion_record,
    snapshot_record,
    snapshots_import,
)
from .sponsors import sponsor_create, sponsor_update

__all__ = [
    "BINDING_STATUSES",
    "TRANSITIONS",
    "Conflict",
    "ExclusivityConflict",
    "attributed_deliverable",
    "attribution_deadline",
    "campaign_create",
    "campaign_update",
    "can_review",
    "caption_missing",
    "checklist_update",
    "contract_attach_signed_pdf",
    "contract_conflicts",
    "contract_create",
    "contract_reminders_send",
    "contract_transition",
    "contract_update",
    "conversion_record",
    "deliverable_create",
    "deliverable_mark_posted",
    "deliverable_review",
    "deliverable_submit",
    "deliverable_update",
    "exclusivity_conflicts",
    "experiment_create",
    "experiment_update",
    "snapshot_record",
    "snapshots_import",
    "sponsor_create",
    "sponsor_update",
]
