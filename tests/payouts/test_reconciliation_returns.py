"""Returns in every form banks send them, references in whatever wording, and a weaker
pair never taking a statement from a stronger one: through bank files and runs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agencies.models import AuditLog
from payouts.bank_import import bank_statement_import
from payouts.models import BankTransaction, IssueKind, Match, ReconciliationIssue
from payouts.reconciliation import reconcile
from payouts.reconciliation.references import ReferenceIndex, normalise_reference
from payouts.reconciliation.reversals import has_return_code, has_return_word

from .builders import account, credit, settings_row, statement

D = Decimal
pytestmark = pytest.mark.django_db
IBAN = "NL91ABNA0417164300"
_refs = count(1)


def entry(
    amount: str,
    *,
    debit: bool = False,
    day: str = "2025-02-03",
    remittance: str = "",
    end_to_end: str = "",
    reversal: bool = False,
    code: str = "PMNT/RCDT/ESCT",
    payer: str = "TikTok Pte. Ltd.",
) -> str:
    domain, family, sub = code.split("/")
    e2e = f"<EndToEndId>{escape(end_to_end)}</EndToEndId>" if end_to_end else ""
    party = (
        f"<RltdPties><Cdtr><Nm>{escape(payer)}</Nm></Cdtr></RltdPties>"
        if debit
        else f"<RltdPties><Dbtr><Nm>{escape(payer)}</Nm></Dbtr></RltdPties>"
    )
    return (
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt>'
        f"<CdtDbtInd>{'DBIT' if debit else 'CRDT'}</CdtDbtInd>"
        + ("<RvslInd>true</RvslInd>" if reversal else "")
        + f"<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{day}</Dt></BookgDt>"
        f"<ValDt><Dt>{day}</Dt></ValDt><AcctSvcrRef>BANK{next(_refs):06d}</AcctSvcrRef>"
        f"<BkTxCd><Domn><Cd>{domain}</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>{sub}"
        "</SubFmlyCd></Fmly></Domn></BkTxCd>"
        f"<NtryDtls><TxDtls><Refs>{e2e}</Refs>{party}"
        f"<RmtInf><Ustrd>{escape(remittance)}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
    )


def camt(*entries: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        f"<Stmt><Id>S{next(_refs)}</Id><Acct><Id><IBAN>{IBAN}</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        + "".join(entries)
        + "</Stmt></BkToCstmrStmt></Document>"
    ).encode()


def load(agency, *entries: str) -> None:
    bank_statement_import(
        account=account(agency, IBAN), actor=None, data=camt(*entries), file_name="s.xml"
    )


def confirmed(agency):
    return {
        (m.statement.platform_reference, m.transaction.booking_date)
        for m in Match.objects.filter(agency=agency, status="confirmed").select_related(
            "statement", "transaction"
        )
    }


# --- returns ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "return_entry",
    [
        # CAMT reversal indicator, with the original's end-to-end id.
        dict(reversal=True, end_to_end="E2E-77", code="PMNT/RCDT/ESCT"),
        # A return code, its own bank reference, no end-to-end id, the reference in the text.
        dict(code="PMNT/ICDT/RRTN", remittance="RETURN TTCR-2025-000077 MS13"),
        # Only a return word in front of the original's text.
        dict(code="PMNT/ICDT/ESCT", remittance="TERUGBOEKING Payout TTCR-2025-000077 feb"),
        dict(code="PMNT/ICDT/ESCT", remittance="STORNO /RFB/ TTCR2025000077"),
        dict(code="PMNT/ICDT/ESCT", remittance="R-transactie terugbetaling TTCR-2025-000077"),
        dict(code="PMNT/ICDT/ESCT", remittance="RÜCKBUCHUNG SVWZ+TTCR-2025-000077"),
    ],
    ids=["rvslind", "return-code", "terugboeking", "storno", "r-transactie", "rueckbuchung"],
)
def test_a_return_in_a_later_file_reopens_the_statement_for_the_real_repayment(
    agency, return_entry
):
    s = statement(agency, "TTCR-2025-000077", "250.00")
    load(agency, entry("250.00", remittance="Payout TTCR-2025-000077 feb", end_to_end="E2E-77"))
    reconcile(agency=agency)
    assert confirmed(agency) == {("TTCR-2025-000077", dt.date(2025, 2, 3))}

    load(
        agency,
        entry("250.00", debit=True, day="2025-02-05", payer="Talentdesk", **return_entry),
        entry("250.00", day="2025-02-12", remittance="Payout TTCR-2025-000077 again"),
    )
    reconcile(agency=agency)

    assert confirmed(agency) == {("TTCR-2025-000077", dt.date(2025, 2, 12))}
    original = BankTransaction.objects.get(booking_date=dt.date(2025, 2, 3))
    assert original.allocated_amount == 0
    assert original.reversed_by.booking_date == dt.date(2025, 2, 5)
    reversed_match = Match.objects.get(transaction=original)
    assert reversed_match.status == "reversed"
    assert "returned by the bank on 2025-02-05" in reversed_match.note
    entry_ = AuditLog.objects.get(action="match.reverse")
    assert "returned by the bank" in entry_.after["note"]
    s.refresh_from_db()
    assert (s.allocated_amount, s.status) == (D("250.00"), "reconciled")
    # Nothing changes on a rerun.
    reconcile(agency=agency)
    assert Match.objects.filter(agency=agency).count() == 2


def test_a_return_in_the_same_file_leaves_the_original_unmatched(agency):
    statement(agency, "TTCR-2025-000088", "80.00")
    load(
        agency,
        entry("80.00", remittance="TTCR-2025-000088"),
        entry("80.00", debit=True, day="2025-02-04", remittance="RETURN TTCR-2025-000088"),
        entry("80.00", day="2025-02-10", remittance="TTCR-2025-000088"),
    )
    reconcile(agency=agency)
    assert confirmed(agency) == {("TTCR-2025-000088", dt.date(2025, 2, 10))}
    assert not Match.objects.filter(transaction__booking_date=dt.date(2025, 2, 3)).exists()


def test_a_return_that_fits_no_credit_goes_to_the_exceptions_queue(agency):
    statement(agency, "TTCR-2025-000099", "60.00")
    load(agency, entry("60.00", debit=True, code="PMNT/ICDT/RRTN", remittance="RETURN"))
    reconcile(agency=agency)
    issue = ReconciliationIssue.objects.get()
    assert (issue.kind, issue.transaction.amount) == (IssueKind.UNLINKED_RETURN, D("60.00"))
    reconcile(agency=agency)
    assert ReconciliationIssue.objects.count() == 1  # raised once


def test_a_return_that_fits_two_credits_equally_is_not_guessed(agency):
    statement(agency, "TTCR-2025-000101", "60.00")
    statement(agency, "TTCR-2025-000102", "60.00")
    load(
        agency,
        entry("60.00", remittance="TTCR-2025-000101", end_to_end="SAME"),
        entry("60.00", remittance="TTCR-2025-000102", end_to_end="SAME"),
    )
    reconcile(agency=agency)
    load(agency, entry("60.00", debit=True, day="2025-02-06", reversal=True, end_to_end="SAME"))
    reconcile(agency=agency)
    assert ReconciliationIssue.objects.get().kind == IssueKind.UNLINKED_RETURN
    assert Match.objects.filter(status="confirmed").count() == 2


def test_an_ordinary_debit_with_a_return_word_is_left_alone(agency):
    load(agency, entry("19.99", debit=True, remittance="Return shipping label webshop"))
    reconcile(agency=agency)
    assert not ReconciliationIssue.objects.exists()


def test_return_words_and_codes_are_read_in_every_spelling():
    for text in ["RETURN", "Retour", "storno", "TERUGBOEKING", "R-transactie", "RÜCKBUCHUNG"]:
        assert has_return_word(f"x {text} y"), text
    assert not has_return_word("Payout February")
    assert has_return_code("PMNT/RCDT/RRTN") and has_return_code("NRTI 159")
    assert not has_return_code("PMNT/RCDT/ESCT")


# --- references ------------------------------------------------------------------------------

REFERENCE = st.from_regex(r"TTCR-20[0-9]{2}-[0-9]{6}", fullmatch=True)
NOISE = st.sampled_from(
    ["", "REF:", "/RFB/", "EREF/", "betalingskenmerk ", "Payout ", "ref. ", "//", "TikTok "]
)
SUFFIX = st.sampled_from(["", " May", "/", " 2025", " CREATOR FUND", ")", "."])
SPELLING = st.sampled_from(["as is", "lower", "no dashes", "spaced", "line break"])


def spelled(ref: str, how: str) -> str:
    return {
        "as is": ref,
        "lower": ref.lower(),
        "no dashes": ref.replace("-", ""),
        "spaced": ref.replace("-", " "),
        "line break": ref[:7] + "\n" + ref[7:],
    }[how]


@settings(max_examples=200, deadline=None)
@given(ref=REFERENCE, prefix=NOISE, suffix=SUFFIX, how=SPELLING)
def test_any_reference_in_any_wrapping_is_found(ref, prefix, suffix, how):
    index = ReferenceIndex([normalise_reference(ref), "TTCR2099000000"])
    found = index.find(f"{prefix}{spelled(ref, how)}{suffix}")
    assert normalise_reference(ref) in found.whole


@settings(max_examples=100, deadline=None)
@given(ref=REFERENCE, prefix=NOISE, cut=st.integers(10, 13))
def test_a_reference_cut_short_is_found_by_its_start(ref, prefix, cut):
    key = normalise_reference(ref)
    index = ReferenceIndex([key])
    assert key in index.find(f"{prefix}{key[:cut]}").cut


def test_the_longest_reference_wins_where_two_overlap():
    index = ReferenceIndex(["TT20250001", "TT202500012"])
    assert index.find("payout TT-2025-00012").whole == {"TT202500012"}


# --- assignment ------------------------------------------------------------------------------


def test_among_cut_references_the_one_paid_to_the_cent_wins(agency):
    exact = statement(agency, "TTCR-2025-01-000123", "100.00")
    statement(agency, "TTCR-2025-01-000124", "101.50")  # a fee short would fit it too
    credit(agency, "100.00", remittance="TIKTOK PAYOUT TTCR-2025-01-0001")
    reconcile(agency=agency)
    match = Match.objects.get(status="confirmed")
    assert match.statement == exact
    assert "reference_cut" in match.reasons and "amount_exact" in match.reasons


def test_a_credit_naming_a_paid_statement_is_not_matched_to_another_by_amount(agency):
    statement(agency, "TTCR-2025-000301", "40.00")
    statement(agency, "TTCR-2025-000302", "40.00", settled_date=dt.date(2025, 2, 1))
    credit(agency, "40.00", remittance="TTCR-2025-000301")
    duplicate = credit(agency, "40.00", remittance="TTCR-2025-000301 duplicate")
    reconcile(agency=agency)
    assert not Match.objects.filter(transaction=duplicate).exists()


def test_a_platform_payer_beats_a_sponsor_paying_the_same_amount(agency):
    statement(agency, "TTCR-2025-000401", "75.00")
    s = statement(agency, "TTCR-2025-000402", "120.00")
    credit(agency, "75.00", remittance="TTCR-2025-000401").__class__.objects.filter(
        remittance_info="TTCR-2025-000401"
    ).update(counterparty_name="TikTok Pte. Ltd.")
    payout = credit(agency, "120.00", remittance="Creator payout")
    sponsor = credit(agency, "120.00", remittance="Invoice 2025-118")
    BankTransaction.objects.filter(pk=payout.pk).update(counterparty_name="TIKTOK PTE LTD")
    BankTransaction.objects.filter(pk=sponsor.pk).update(counterparty_name="Glow Cosmetics BV")
    reconcile(agency=agency)
    match = Match.objects.get(statement=s)
    assert (match.transaction, match.status) == (payout, "confirmed")
    assert "payer_known" in match.reasons
    assert not Match.objects.filter(transaction=sponsor).exists()


def test_a_statement_waiting_for_a_person_is_shown_beside_a_later_weaker_claim(agency):
    a = statement(agency, "TTCR-2025-000501", "50.00")
    b = statement(agency, "TTCR-2025-000502", "50.00")
    credit(agency, "50.00", remittance="payout")  # fits both: proposed
    reconcile(agency=agency)
    later = credit(agency, "50.00", remittance="payout", booking_date=dt.date(2025, 2, 4))
    reconcile(agency=agency)
    assert not Match.objects.filter(status="confirmed").exists()
    assert {m.statement for m in Match.objects.filter(transaction=later)} == {a, b}


def test_a_clean_reference_confirms_past_a_waiting_proposal(agency):
    a = statement(agency, "TTCR-2025-000601", "50.00")
    statement(agency, "TTCR-2025-000602", "50.00")
    credit(agency, "50.00", remittance="payout")
    reconcile(agency=agency)
    named = credit(agency, "50.00", remittance="TTCR-2025-000601", booking_date=dt.date(2025, 2, 4))
    reconcile(agency=agency)
    assert Match.objects.get(status="confirmed").transaction == named
    assert Match.objects.get(status="confirmed").statement == a


def test_a_deposit_needing_a_missing_rate_says_which_rate_to_add(agency):
    settings_row(agency, fx_reference_rates={})
    s = statement(agency, "TTCR-2025-000701", "1000.00", currency="USD")
    txn = credit(agency, "921.00", currency="EUR", remittance="TTCR-2025-000701")
    reconcile(agency=agency)
    issue = ReconciliationIssue.objects.get()
    assert (issue.kind, issue.base, issue.quote, issue.rate_date) == (
        IssueKind.MISSING_RATE,
        "USD",
        "EUR",
        txn.booking_date,
    )
    assert issue.statement == s
    settings_row(agency, fx_reference_rates={"USD/EUR": "0.92"})
    reconcile(agency=agency)
    assert Match.objects.get().status == "confirmed"
    issue.refresh_from_db()
    assert issue.resolved_at is not None


# --- the exceptions queue --------------------------------------------------------------------


def test_the_queue_explains_each_candidate_and_lists_open_issues(client, agency, finance):
    statement(agency, "TTCR-2025-000801", "50.00")
    statement(agency, "TTCR-2025-000802", "50.00")
    credit(agency, "50.00", remittance="payout")
    load(agency, entry("33.00", debit=True, code="PMNT/ICDT/RRTN", remittance="RETURN"))
    reconcile(agency=agency)
    client.force_login(finance)

    page = client.get(f"/a/{agency.slug}/payouts/exceptions/").content.decode()

    assert "More than one statement fits equally well." in page
    assert "no single earlier deposit of this amount fits it" in page


def test_closing_an_issue_needs_a_note_and_is_audited(client, agency, finance):
    load(agency, entry("33.00", debit=True, code="PMNT/ICDT/RRTN", remittance="RETURN"))
    reconcile(agency=agency)
    issue = ReconciliationIssue.objects.get()
    client.force_login(finance)
    url = f"/a/{agency.slug}/payouts/exceptions/issues/{issue.pk}/resolve/"

    client.post(url, {"resolution": "   "})
    issue.refresh_from_db()
    assert issue.resolved_at is None  # refused: nothing written
    assert not AuditLog.objects.filter(action="reconciliation_issue.resolve").exists()

    client.post(url, {"resolution": "Webshop refund, not a payout"})
    issue.refresh_from_db()
    assert (issue.resolution, issue.resolved_by) == ("Webshop refund, not a payout", finance)
    assert AuditLog.objects.filter(action="reconciliation_issue.resolve").count() == 1
    response = client.post(url, {"resolution": "again"}, follow=True)
    assert "already closed" in response.content.decode()


def test_a_sponsor_paying_the_amount_of_an_unpaid_statement_goes_to_a_person(agency):
    statement(agency, "TTCR-2025-000901", "30.00")
    statement(agency, "TTCR-2025-000902", "212.40")  # never paid by the platform
    named = credit(agency, "30.00", remittance="TTCR-2025-000901")
    sponsor = credit(agency, "212.40", remittance="Invoice 77")
    BankTransaction.objects.filter(pk=named.pk).update(counterparty_name="TikTok Pte. Ltd.")
    BankTransaction.objects.filter(pk=sponsor.pk).update(counterparty_name="Glow Cosmetics BV")
    reconcile(agency=agency)
    proposal = Match.objects.get(transaction=sponsor)
    assert proposal.status == "proposed" and "payer_unknown" in proposal.reasons


def test_a_return_in_the_first_file_is_tied_by_the_reference_it_names(agency):
    # Nothing is matched yet, and two credits of the same amount came in that week: the
    # reference in the return's text decides which one went back.
    statement(agency, "TTCR-2025-001001", "90.00")
    statement(agency, "TTCR-2025-001002", "90.00")
    load(
        agency,
        entry("90.00", remittance="Payout TTCR-2025-001001 feb"),
        entry("90.00", remittance="Payout TTCR-2025-001002 feb"),
        entry(
            "90.00",
            debit=True,
            day="2025-02-05",
            code="PMNT/ICDT/RRTN",
            remittance="RETURN TTCR2025001002 MS03",
        ),
        entry("90.00", day="2025-02-12", remittance="Payout TTCR-2025-001002 again"),
    )
    reconcile(agency=agency)
    assert confirmed(agency) == {
        ("TTCR-2025-001001", dt.date(2025, 2, 3)),
        ("TTCR-2025-001002", dt.date(2025, 2, 12)),
    }
    assert not ReconciliationIssue.objects.exists()


def test_a_reference_only_in_the_structured_creditor_reference_matches(agency):
    s = statement(agency, "TTCR-2025-001101", "44.00")
    structured = entry("44.00", remittance="Creator payout May").replace(
        "<Ustrd>Creator payout May</Ustrd>",
        "<Ustrd>Creator payout May</Ustrd><Strd><CdtrRefInf><Ref>TTCR-2025-001101</Ref>"
        "</CdtrRefInf></Strd>",
    )
    load(agency, structured)
    load(agency, structured)  # the same file again: nothing new
    reconcile(agency=agency)
    txn = BankTransaction.objects.get()
    assert txn.remittance_info == "Creator payout May TTCR-2025-001101"
    assert Match.objects.get(status="confirmed").statement == s


def test_among_fx_candidates_the_one_at_the_rate_of_the_day_wins(agency):
    settings_row(agency, fx_reference_rates={"USD/EUR": "0.92"}, fx_tolerance=D("0.03"))
    close = statement(agency, "TTCR-2025-001201", "1000.00", currency="USD")
    statement(agency, "TTCR-2025-001202", "1015.00", currency="USD")  # 1.5 % off: tolerated
    txn = credit(agency, "918.00", currency="EUR", remittance="payout")
    reconcile(agency=agency)
    match = Match.objects.get(status="confirmed")
    assert (match.statement, match.transaction) == (close, txn)
    assert "fx_close" in match.reasons and match.reference_rate == D("0.92")


def test_a_cut_reference_paid_to_the_cent_confirms_past_a_waiting_batch_proposal(agency):
    s1 = statement(agency, "TTCR-2025-01-001301", "100.00")
    statement(agency, "TTCR-2025-01-009399", "100.00")
    statement(agency, "TTCR-2025-01-009302", "50.00")
    credit(agency, "150.00", remittance="payout")
    reconcile(agency=agency)
    assert Match.objects.filter(statement=s1, status="proposed").exists()

    named = credit(
        agency, "100.00", remittance="PAYOUT TTCR-2025-01-0013", booking_date=dt.date(2025, 2, 4)
    )
    reconcile(agency=agency)

    match = Match.objects.get(transaction=named)
    assert (match.statement, match.status) == (s1, "confirmed")


def test_a_deposit_quoting_the_original_amount_matches_its_foreign_statement(agency):
    settings_row(agency, fx_reference_rates={"USD/EUR": "0.92"}, fx_tolerance=D("0.03"))
    quoted = statement(agency, "TTCR-2025-001501", "250.00", currency="USD")
    statement(agency, "TTCR-2025-001502", "250.90", currency="USD")  # as close at the rate
    txn = credit(agency, "229.90", currency="EUR", remittance="/OCMT/USD250,00/ creator payout")
    reconcile(agency=agency)
    match = Match.objects.get(status="confirmed")
    assert (match.statement, match.transaction) == (quoted, txn)
    assert "amount_quoted" in match.reasons


@settings(max_examples=100, deadline=None)
@given(
    amount=st.decimals(min_value=D("0.01"), max_value=D("999999.99"), places=2),
    style=st.sampled_from(["USD {:.2f}", "/OCMT/USD{:,.2f}/", "usd {:,.2f} payout"]),
)
def test_a_quoted_amount_is_read_back_exactly(amount, style):
    from payouts.reconciliation.references import quoted_amounts

    text = style.format(amount)
    if "OCMT" in style:  # the SWIFT subfield writes a decimal comma, no thousands
        text = f"/OCMT/USD{amount:.2f}/".replace(".", ",")
    assert ("USD", amount) in quoted_amounts(text)


def test_a_deposit_quoting_a_foreign_amount_is_not_matched_by_its_own_currency(agency):
    settings_row(agency, fx_reference_rates={"USD/EUR": "0.92"})
    usd = statement(agency, "TTCR-2025-001601", "25.00", currency="USD")
    statement(agency, "TTCR-2025-001602", "22.95")  # EUR, the deposit's amount to the cent
    txn = credit(agency, "22.95", currency="EUR", remittance="USD 25.00 creator payout")
    reconcile(agency=agency)
    match = Match.objects.get(transaction=txn)
    assert (match.statement, match.status, match.rule) == (usd, "confirmed", "fx")


def test_a_return_is_tied_to_the_paid_credit_not_one_merely_proposed_for_it(agency):
    paid = statement(agency, "TTCR-2025-001701", "43.13")
    statement(agency, "TTCR-2025-001702", "43.13", settled_date=dt.date(2025, 2, 1))
    load(agency, entry("43.13", remittance="TikTok creator payout TTCR-2025-001701"))
    reconcile(agency=agency)
    load(agency, entry("43.13", day="2025-02-04", remittance="CREATOR PAYMENTS"))
    reconcile(agency=agency)  # proposed for both statements, the paid one included
    load(
        agency,
        entry(
            "43.13",
            debit=True,
            day="2025-02-06",
            code="PMNT/RCDT/RRTN",
            remittance="Retour AC04 rekening opgeheven TTCR-2025-001701 terugboeking",
        ),
    )
    reconcile(agency=agency)
    original = BankTransaction.objects.get(remittance_info__startswith="TikTok")
    assert original.reversed_by is not None
    assert Match.objects.get(transaction=original, statement=paid).status == "reversed"
    assert not ReconciliationIssue.objects.exists()
