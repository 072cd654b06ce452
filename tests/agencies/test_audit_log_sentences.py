"""The audit log reads as sentences in the reader's language (issue 16): action codes as
sentences, change keys as the model's field names, values formatted, decision reasons as the
moderation explanations, and object names without English written at the time."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from agencies.audit import audit_record
from agencies.audit_display import action_sentence, entry_display
from agencies.models import AuditLog
from moderation.cases import CaseSpec, cases_open
from tests.factories import CreatorFactory

DUTCH = {"HTTP_ACCEPT_LANGUAGE": "nl"}


def _url(agency) -> str:
    return reverse("agencies:audit", args=[agency.slug])


def _unsaved(**fields) -> AuditLog:
    return AuditLog(action=fields.pop("action", "x.update"), **fields)


def test_an_entry_reads_as_a_sentence_in_dutch_for_a_dutch_reader(owner_client, owner, agency):
    creator = CreatorFactory(agency=agency, display_name="Lina Makes")
    audit_record(
        agency=agency,
        actor=owner,
        action="creator.update",
        obj=creator,
        before={"status": "active"},
        after={"status": "paused"},
    )

    dutch = owner_client.get(_url(agency), **DUTCH).content.decode()
    english = owner_client.get(_url(agency), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Creator gewijzigd" in dutch
    assert "<del>Actief</del> → <ins>Gepauzeerd</ins>" in dutch
    assert "creator.update" not in dutch.split("<tbody>")[1]
    assert "Creator changed" in english
    assert "<del>Active</del> → <ins>Paused</ins>" in english


def test_the_action_filter_offers_sentences_and_keeps_the_codes(owner_client, owner, agency):
    audit_record(agency=agency, actor=owner, action="creator.offboard")

    form = owner_client.get(_url(agency), **DUTCH).context["form"]

    assert ("creator.offboard", "Creator uitgeschreven") in [
        (value, str(label)) for value, label in form.fields["action"].choices
    ]


def test_an_unknown_code_reads_as_its_verb_on_the_translated_object_type():
    with translation.override("nl"):
        assert action_sentence("payout_line.delete", "payouts.payoutline") == (
            "Uitbetalingsregel verwijderd"
        )
        # No known verb: the code made readable, never an error.
        assert action_sentence("creator.archive_twice", "") == "Creator: archive twice"


def test_change_keys_use_the_fields_names_and_values_are_formatted():
    entry = _unsaved(
        object_type="payouts.payoutstatement",
        object_id="7",
        before={"settled_amount": "412.50", "currency": "EUR", "settled_date": None},
        after={"settled_amount": "1412.5", "currency": "EUR", "settled_date": "2026-10-23"},
    )

    with translation.override("nl"):
        changes = {c.key: c for c in entry_display(entry).changes}

    assert changes["settled_amount"].before == "€\xa0412,50"
    assert changes["settled_amount"].after == "€\xa01.412,50"
    assert changes["settled_date"].before == "—"
    assert changes["settled_date"].after == "23 okt 2026"
    # A key that is not a field of the model gets a label of its own, not the raw key.
    count = _unsaved(object_type="payouts.reconciliationrun", after={"unmatched": 3})
    with translation.override("nl"):
        [change] = entry_display(count).changes
    assert (change.field, change.after) == ("niet gekoppeld", "3")


def test_decision_reasons_read_as_sentences_not_python_lists():
    entry = _unsaved(
        action="automated.escalate",
        object_type="moderation.automatedaction",
        object_id="4",
        object_repr="Escalate to a person (Done)",
        after={
            "outcome": "done",
            "reasons": [
                {"code": "keyword", "category": "threats", "match": "find where you live"},
                {"code": "case", "case": 2},
            ],
        },
    )

    with translation.override("en"):
        shown = entry_display(entry)

    reasons = next(c for c in shown.changes if c.key == "reasons")
    assert reasons.after == (
        "Matches the category “threats or violence”: the words “find where you live”. "
        "Case #2 was opened."
    )
    assert "{" not in reasons.after
    assert shown.sentence == "Triage sent the message to a person"


def test_object_names_written_in_english_are_shown_in_the_readers_language():
    automated = _unsaved(
        object_type="moderation.automatedaction",
        object_id="9",
        object_repr="Automated DM (Scheduled)",
    )
    default = _unsaved(
        object_type="payouts.payoutline", object_id="1", object_repr="PayoutLine object (1)"
    )
    named = _unsaved(object_type="creators.creator", object_id="3", object_repr="Lina Makes")

    with translation.override("nl"):
        automated_shown = entry_display(automated)
        default_shown = entry_display(default)
        named_shown = entry_display(named)

    assert automated_shown.object_label == "Automatische DM (Ingepland)"
    assert automated_shown.object_kind == "Automatische actie #9"
    assert default_shown.object_label == ""
    assert default_shown.object_kind == "Uitbetalingsregel #1"
    assert named_shown.object_label == "Lina Makes"


@pytest.mark.parametrize(("label", "shown"), [("system", "systeem"), ("celery:import", None)])
def test_who_acted_without_a_user_is_named_in_the_readers_language(label, shown):
    entry = _unsaved(actor_label=label)
    with translation.override("nl"):
        assert entry_display(entry).actor == (shown or label)


def test_a_case_opened_by_triage_logs_its_reasons_as_codes_and_reads_them_in_dutch(
    owner_client, agency
):
    reasons = [{"code": "keyword", "category": "threats", "match": "hurt you"}]
    spec = CaseSpec(title="Comment from @x", reason="Matches …", reasons=reasons)
    [case] = cases_open(agency=agency, specs=[spec])

    entry = AuditLog.objects.get(agency=agency, action="case.open", object_id=str(case.pk))
    assert entry.after["reasons"] == reasons and "reason" not in entry.after
    page = owner_client.get(_url(agency), **DUTCH).content.decode()
    assert "Zaak geopend" in page
    assert "Valt onder de categorie \u2018bedreiging of geweld\u2019" in page
    assert "{&#x27;code&#x27;" not in page and "{'code'" not in page
