"""The bulk writers store exactly what the ORM would: dates, JSON, foreign keys, booleans,
across chunk boundaries, and leave other rows alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from agencies.models import AuditLog
from moderation import bulk
from moderation.bulk import bulk_insert, bulk_set
from moderation.models import ActionKind, ActionOutcome, AutomatedAction, Contact, DmState
from moderation.policies import policy_ensure_default

pytestmark = pytest.mark.django_db
WHEN = datetime(2025, 3, 30, 1, 30, 15, 123456, tzinfo=UTC)  # the night clocks go forward


def test_bulk_insert_sets_keys_and_stores_every_kind_of_value(agency):
    version = policy_ensure_default(agency=agency).current_version
    actions = [
        AutomatedAction(
            agency=agency,
            policy_version_id=version.pk if n % 2 else None,
            kind=ActionKind.REPLY,
            outcome=ActionOutcome.SCHEDULED,
            reasons=[f"reason {n}", {"nested": n}],
            promotional=bool(n % 2),
            due_at=WHEN + timedelta(minutes=n),
            text="“quotes” and émojis 🎉",
        )
        for n in range(150)  # more than one SQLite chunk (999 parameters)
    ]

    bulk_insert(actions)

    assert len({a.pk for a in actions}) == 150
    assert [a.pk for a in actions] == sorted(a.pk for a in actions)
    stored = {a.pk: a for a in AutomatedAction.objects.filter(agency=agency)}
    for action in actions:
        row = stored[action.pk]
        assert row.reasons == action.reasons and row.due_at == action.due_at
        assert row.promotional == action.promotional
        assert row.policy_version_id == action.policy_version_id
        assert row.text == action.text and row.created_at is not None


def test_bulk_set_updates_the_named_fields_of_the_given_rows_only(agency, other_agency):
    contacts = [
        Contact.objects.create(agency=agency, platform="tiktok", handle=f"p{n}") for n in range(3)
    ]
    bystander = Contact.objects.create(agency=other_agency, platform="tiktok", handle="p0")
    contacts[0].dm_opted_in_at, contacts[0].dm_state = WHEN, DmState.ASKED_NAME
    contacts[1].dm_opted_in_at, contacts[1].dm_state = None, DmState.OPTED_OUT
    contacts[2].name = "not saved: not among the fields"

    assert bulk_set(contacts, ["dm_opted_in_at", "dm_state"]) == 3

    rows = {c.pk: c for c in Contact.objects.all()}
    assert (rows[contacts[0].pk].dm_opted_in_at, rows[contacts[0].pk].dm_state) == (
        WHEN,
        DmState.ASKED_NAME,
    )
    assert rows[contacts[1].pk].dm_state == DmState.OPTED_OUT
    assert rows[contacts[2].pk].name == ""
    assert rows[bystander.pk].dm_state == DmState.NONE


def test_bulk_insert_of_audit_entries_keeps_them_append_only(agency):
    entries = [AuditLog(agency=agency, action="x.y", after={"n": n}) for n in range(200)]
    bulk_insert(entries)
    assert AuditLog.objects.filter(agency=agency, action="x.y").count() == 200
    with pytest.raises(PermissionError):
        entries[0].save()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the array form is PostgreSQL's")
def test_on_postgresql_a_batch_is_one_statement_of_the_same_text_whatever_its_size(
    agency, monkeypatch
):
    # One array per column: psycopg parses (and PostgreSQL plans) one short text, instead
    # of a VALUES list whose placeholders grow with the batch.
    monkeypatch.setattr(bulk, "ARRAY_ROWS", 40)  # chunks of 40 rows: 150 -> 4 statements
    sent: list[tuple[str, list]] = []

    def record(execute, sql, params, many, context):
        sent.append((sql, params))
        return execute(sql, params, many, context)

    def contacts(n: int, prefix: str) -> list[Contact]:
        return [
            Contact(agency=agency, platform="tiktok", handle=f"{prefix}{i}", name=f"N{i}")
            for i in range(n)
        ]

    small, large = contacts(3, "s"), contacts(150, "l")
    with connection.execute_wrapper(record):
        bulk_insert(small)
        bulk_insert(large)
        for contact in large:
            contact.dm_state, contact.dm_opted_in_at = DmState.ASKED_NAME, WHEN
        bulk_set(large, ["dm_state", "dm_opted_in_at"])

    inserts = [sql for sql, _ in sent if sql.startswith("INSERT")]
    updates = [sql for sql, _ in sent if sql.startswith("UPDATE")]
    assert len(inserts) == 1 + 4 and len(set(inserts)) == 1
    assert len(updates) == 4 and len(set(updates)) == 1
    # each array as one literal string (a type the literal does not cover would be a list)
    assert all(isinstance(param, str) for _, params in sent for param in params)
    assert {c.pk for c in Contact.objects.filter(dm_state=DmState.ASKED_NAME)} == {
        c.pk for c in large
    }
    assert Contact.objects.get(pk=large[-1].pk).dm_opted_in_at == WHEN
    assert [c.pk for c in large] == sorted(c.pk for c in large)


def test_audit_rows_store_exactly_what_audit_entries_store(agency, owner):
    # `AuditRows` (columns, no instances, JSON written directly) and `audit_entry` +
    # `audit_bulk` (instances through the fields) must leave the same rows behind.
    from decimal import Decimal

    from moderation.auditing import AuditRows, audit_bulk, audit_entry

    case_like = Contact.objects.create(agency=agency, platform="tiktok", handle="h")
    variants = [
        {"after": None},
        {"after": {"reasons": [{"code": "keyword", "match": "idiot", "score": -0.5}]}},
        {"after": {"outcome": ActionOutcome.SENT, "flag": True, "none": None, "n": 3}},
        # not JSON as it is: dates, decimals, tuples, models, non-str keys, a choice as key
        {"after": {"due_at": WHEN, "amount": Decimal("1.50"), "pair": (1, 2), "who": owner}},
        {"after": {1: "one", 2.5: "half", None: "none", ActionKind.HIDE: "hide"}},
        {"after": {True: "yes", "set": {3}}},
        {"before": {"level": 1, "same": "x"}, "after": {"level": 2, "same": "x"}},
        {"obj": case_like, "actor": owner, "after": {"when": [WHEN.date()]}},
        {"obj": case_like, "object_repr": "given", "actor_label": "moderation:test"},
    ]
    rows = AuditRows()
    entries = []
    for n, variant in enumerate(variants):
        kwargs = {"agency_id": agency.pk, "action": f"test.{n}", **variant}
        entries.append(audit_entry(**kwargs))
        rows.add(**kwargs)
    audit_bulk(entries)
    rows.save()

    fields = [f.attname for f in AuditLog._meta.concrete_fields if f.attname not in ("id",)]
    stored = list(AuditLog.objects.filter(agency=agency).order_by("id").values_list(*fields))
    by_entries, by_rows = stored[: len(variants)], stored[len(variants) :]
    created = fields.index("created_at")
    strip = [row[:created] + row[created + 1 :] for row in stored]
    assert strip[: len(variants)] == strip[len(variants) :]
    assert all(row[created] is not None for row in by_entries + by_rows)


def test_audit_rows_read_before_and_after_when_added(agency):
    from moderation.auditing import AuditRows

    reasons = [{"code": "keyword"}]
    rows = AuditRows()
    rows.add(agency_id=agency.pk, action="test.snapshot", after={"reasons": reasons})
    reasons.append({"code": "case", "case": 1})  # changed before the rows are saved
    rows.save()

    assert AuditLog.objects.get(action="test.snapshot").after == {"reasons": [{"code": "keyword"}]}


def test_keys_in_selects_by_primary_key_and_an_empty_list_costs_no_query(
    agency, django_assert_num_queries
):
    from moderation.bulk import keys_in

    contacts = [
        Contact.objects.create(agency=agency, platform="tiktok", handle=f"k{n}") for n in range(5)
    ]
    wanted = [contacts[3].pk, str(contacts[0].pk), contacts[3].pk]  # repeated, as text

    found = Contact.objects.filter(keys_in(wanted), handle__startswith="k").order_by("pk")

    assert [c.pk for c in found] == [contacts[0].pk, contacts[3].pk]
    with django_assert_num_queries(0):
        assert list(Contact.objects.filter(keys_in([]))) == []
