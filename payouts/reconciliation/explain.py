"""What reconciliation's reason codes and issues mean, in the reader's language."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .engine import REASONS

REASON_TEXT = {
    "reference": _("The bank text names the statement's reference."),
    "reference_glued": _("The reference is in the bank text, run together with other text."),
    "reference_cut": _("The bank text ends in the start of the statement's reference."),
    "amount_exact": _("The amounts agree to the cent."),
    "amount_fee": _("The deposit is short by no more than a bank fee."),
    "amount_part": _("The deposit pays part of the statement."),
    "amount_sum": _("The statements add up to the deposit."),
    "fx_rate": _("Converted at the reference rate of the booking day, within the tolerance."),
    "fx_close": _("Within a bank's usual margin of the reference rate; no other deposit is."),
    "amount_quoted": _("The bank text quotes the statement's amount in its own currency."),
    "date_close": _("Booked within five days of the settled date."),
    "date_far": _("Booked more than five days from the settled date."),
    "payer_known": _("The payer has paid statements by reference before."),
    "payer_unknown": _("No reference, and the payer has never paid a statement by reference."),
    "several_candidates": _("More than one statement fits equally well."),
    "waiting_elsewhere": _("The statement is already waiting for a decision in another group."),
}
assert set(REASON_TEXT) == set(REASONS)


def reason_sentences(codes: list[str] | None) -> list[str]:
    """The sentences for `codes`, in order, skipping codes this version does not know."""
    return [str(REASON_TEXT[code]) for code in codes or () if code in REASON_TEXT]
