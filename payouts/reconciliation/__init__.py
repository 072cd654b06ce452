"""Reconciliation: match open bank credits to open payout statements of one agency, in passes.

Passes, in order, over the credits still open (not allocated in full, not a reversal, not
reversed, not waiting in the exceptions queue):

  reversal      a reversal transaction undoes the allocations of the credit it takes back;
  reference     the statement's platform reference appears (normalised) in the remittance
                information or end-to-end id: one statement → full or partial payment (or a
                fee within the allowance), several → a batched deposit if they add up;
  amount_date   same currency, the exact open amount, booked within the date window after
                the settled date, with exactly one candidate on both sides;
  batch         one deposit equal to the sum of 2-4 open statements in the window: among the
                closest ones, or one creator's statements of one day (bounded subset
                search; exactly one subset);
  fx            statement in another currency, converted at the configured reference rate,
                within the FX tolerance and fee allowance, with exactly one candidate on
                both sides; records the implied rate and the difference.

Ambiguity is never resolved by the machine: when more than one candidate fits, every
candidate becomes a *proposed* match in one group for staff to confirm or reject. A pair that
exists in any state is never proposed again, so a rerun over unchanged data changes nothing.

Concurrency: each batch runs in its own transaction, first locking the agency's
PayoutSettings row (so two runs of one agency interleave only between batches), then
writing what the engine decided, guarded: an allocation grows only where it still fits, a
match goes in only where its pair is new (`writes.write_batch`); if anything moved since
the engine read it, that batch is planned again under row locks. A large run decides in a
forked process while this one writes the batch before (`runs._decided_apart`), in the
same order and transactions as inline. A worker killed mid-run loses the batches it had
not committed (one, or two when deciding apart); the rerun starts over from the database
state and completes the same decisions.

Modules: `references` (finding platform references in bank text), `engine` (the pure
matching decisions), `writes` (persisting them set-based), `reversals`, `runs` (loading,
batching, the Celery-facing run lifecycle) and `decisions` (staff confirm/reject/manual).
Summaries are selectors (`payouts.selectors.reconciliation_summary`).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .decisions import match_confirm, match_manual, match_reject, match_unmatch
    from .references import normalise_reference
    from .runs import agencies_due, reconcile, run_execute, run_start, start_due_runs

# The package's services by module, imported when first asked for (PEP 562): a template tag
# library reads `explain` from here, and Django imports every tag library when a process
# builds its template engine (every `manage.py check`), which would otherwise import the
# runs module and through it the Celery app.
_EXPORTS = {
    "agencies_due": "runs",
    "match_confirm": "decisions",
    "match_manual": "decisions",
    "match_reject": "decisions",
    "match_unmatch": "decisions",
    "normalise_reference": "references",
    "reconcile": "runs",
    "run_execute": "runs",
    "run_start": "runs",
    "start_due_runs": "runs",
}

__all__ = [
    "agencies_due",
    "match_confirm",
    "match_manual",
    "match_reject",
    "match_unmatch",
    "normalise_reference",
    "reconcile",
    "run_execute",
    "run_start",
    "start_due_runs",
]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)
