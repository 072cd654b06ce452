"""Program applications: recording one with its checklist, the decision and the
re-application date, the name check, the roster filter "can re-apply", the reminder (beat
task and command), the pages and the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from agencies.models import AuditLog
from creators import tasks
from creators.applications import (
    application_decide,
    application_submit,
    names_differ,
)
from creators.insights.selectors import agency_today
from creators.models import ApplicationOutcome, InsightSettings, ProgramApplication
from tests.factories import CreatorFactory
from tests.helpers import client_for

from .support import roster_url, scoping_queries

CP = "creativity_program"


def _apply(creator, actor=None, *, days_ago=3, **extra) -> ProgramApplication:
    today = agency_today(creator.agency)
    data = {
        "program": CP,
        "submitted_on": today - timedelta(days=days_ago),
        "review_weeks": 2,
        "has_id_document": True,
        "has_tax_information": True,
        "sample_posts": "https://tiktok.com/@a/video/1\nhttps://tiktok.com/@a/video/2",
        **extra,
    }
    return application_submit(creator=creator, actor=actor, **data)


def _reject(application, actor=None, *, days_ago=0, **extra) -> ProgramApplication:
    today = agency_today(application.agency)
    return application_decide(
        application=application,
        actor=actor,
        outcome="rejected",
        decided_on=today - timedelta(days=days_ago),
        rejection_reason=extra.pop("rejection_reason", "Not enough original content"),
        **extra,
    )


def _list_url(agency, creator=None) -> str:
    if creator is not None:
        return reverse("creators:creator-applications", args=[agency.slug, creator.pk])
    return reverse("creators:applications", args=[agency.slug])


def _api(agency, suffix="") -> str:
    return f"/api/v1/agencies/{agency.slug}/creators/applications/{suffix}"


# --- the name check ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("legal", "on_id", "differ"),
    [
        ("Zoë de Vries-Smit", "DE VRIES SMIT, Zoe", False),
        ("Jane  Doe", "jane doe", False),
        ("Jane Doe", "Jane Dough", True),
        ("Jane Doe", "", False),
        ("", "Jane Doe", False),
    ],
)
def test_names_are_compared_without_accents_case_punctuation_or_order(legal, on_id, differ):
    assert names_differ(legal, on_id) is differ


# --- recording an application through the pages ---------------------------------------------


def test_a_manager_records_an_application_with_its_checklist(manager_client, agency, manager):
    creator = CreatorFactory(agency=agency)
    today = agency_today(agency)

    response = manager_client.post(
        reverse("creators:application-create", args=[agency.slug, creator.pk]),
        {
            "program": CP,
            "submitted_on": today.isoformat(),
            "review_weeks": "3",
            "has_id_document": "on",
            "sample_posts": "https://tiktok.com/@a/video/1\n\nhttps://tiktok.com/@a/video/2\n",
            "id_name": creator.legal_name,
        },
    )

    assert response.status_code == 302
    application = ProgramApplication.objects.get(creator=creator)
    assert application.outcome == ApplicationOutcome.WAITING
    assert application.review_weeks == 3
    assert application.sample_posts.count("\n") == 1
    audit = AuditLog.objects.get(action="program_application.submit")
    assert audit.actor == manager
    # The name on the ID is personal data: the audit log says it was given, not what it is.
    assert "id_name" not in audit.after and audit.after["id_name_given"] is True
    page = manager_client.get(_list_url(agency, creator))
    assert page.context["rows"][0].expected_decision == today + timedelta(weeks=3)
    assert "Waiting for review" in page.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("review_weeks", "5", "less than or equal to 4"),
        ("review_weeks", "0", "greater than or equal to 1"),
        ("submitted_on", "2999-01-01", "The date is in the future."),
        ("submitted_on", "yesterday", "Enter a valid date."),
        (
            "sample_posts",
            "https://a.test/1\nhttps://a.test/2\nhttps://a.test/3\nhttps://a.test/4",
            "Give at most 3 sample posts.",
        ),
        ("sample_posts", "=HYPERLINK(1)", "is not a web address"),
        ("program", "youtube_partner", "Select a valid choice."),
    ],
)
def test_a_bad_application_is_refused_with_a_clear_message_and_nothing_written(
    manager_client, agency, field, value, message
):
    creator = CreatorFactory(agency=agency)
    data = {"program": CP, "submitted_on": agency_today(agency).isoformat(), "review_weeks": "2"}
    data[field] = value

    response = manager_client.post(
        reverse("creators:application-create", args=[agency.slug, creator.pk]), data
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ProgramApplication.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="program_application").exists()


def test_a_second_waiting_application_to_the_same_program_is_refused(agency):
    creator = CreatorFactory(agency=agency)
    _apply(creator)

    with pytest.raises(Exception, match="already waiting for review"):
        _apply(creator)

    assert ProgramApplication.objects.count() == 1


def test_an_offboarded_creator_cannot_apply(agency):
    creator = CreatorFactory(agency=agency, status="offboarded")

    with pytest.raises(Exception, match="is offboarded"):
        _apply(creator)


# --- the decision and the re-application date --------------------------------------------------


def test_a_rejection_sets_the_reapplication_date_from_the_agency_default(agency, owner):
    application = _apply(CreatorFactory(agency=agency))

    application = _reject(application, owner)

    assert application.outcome == "rejected"
    assert application.reapply_on == application.decided_on + timedelta(days=30)
    assert AuditLog.objects.filter(action="program_application.rejected", actor=owner).exists()


def test_the_owner_sets_the_default_wait_within_14_to_30_days(owner_client, agency):
    url = reverse("creators:application-wait", args=[agency.slug])

    owner_client.post(url, {"reapply_wait_days": "10"})
    assert not InsightSettings.objects.filter(agency=agency).exists()

    owner_client.post(url, {"reapply_wait_days": "14"})
    application = _reject(_apply(CreatorFactory(agency=agency)))

    assert InsightSettings.objects.get(agency=agency).reapply_wait_days == 14
    assert application.reapply_on == application.decided_on + timedelta(days=14)
    assert AuditLog.objects.filter(action="program_application.reapply_wait").count() == 1


def test_a_manager_cannot_change_the_default_wait(manager_client, agency):
    url = reverse("creators:application-wait", args=[agency.slug])

    assert manager_client.post(url, {"reapply_wait_days": "20"}).status_code == 403


def test_the_decision_page_refuses_a_rejection_without_reason_or_with_a_bad_wait(
    manager_client, agency
):
    application = _apply(CreatorFactory(agency=agency))
    url = reverse("creators:application-decide", args=[agency.slug, application.pk])
    today = agency_today(agency).isoformat()

    no_reason = manager_client.post(url, {"outcome": "rejected", "decided_on": today})
    bad_wait = manager_client.post(
        url,
        {
            "outcome": "rejected",
            "decided_on": today,
            "rejection_reason": "x",
            "reapply_wait_days": "45",
        },
    )
    too_early = manager_client.post(
        url,
        {"outcome": "approved", "decided_on": (agency_today(agency) - timedelta(days=30))},
    )

    assert "Give the reason the platform stated." in no_reason.content.decode()
    assert "less than or equal to 30" in bad_wait.content.decode()
    assert "cannot come before the application" in too_early.content.decode()
    application.refresh_from_db()
    assert application.outcome == "waiting"


def test_a_decision_with_its_own_wait(manager_client, agency):
    application = _apply(CreatorFactory(agency=agency))
    url = reverse("creators:application-decide", args=[agency.slug, application.pk])

    response = manager_client.post(
        url,
        {
            "outcome": "rejected",
            "decided_on": agency_today(agency).isoformat(),
            "rejection_reason": "Reused content",
            "reapply_wait_days": "21",
        },
    )

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.reapply_on == application.decided_on + timedelta(days=21)


def test_no_new_application_before_the_reapplication_date(agency):
    creator = CreatorFactory(agency=agency)
    _reject(_apply(creator, days_ago=10), days_ago=5)

    with pytest.raises(Exception, match="may apply again from"):
        _apply(creator, days_ago=0)


def test_a_new_application_after_the_wait_is_accepted(agency):
    creator = CreatorFactory(agency=agency)
    _reject(_apply(creator, days_ago=40), days_ago=35)

    again = _apply(creator, days_ago=0)

    assert again.outcome == "waiting"


def test_a_decided_application_cannot_be_decided_or_withdrawn_again(manager_client, agency):
    application = _reject(_apply(CreatorFactory(agency=agency)))

    response = manager_client.post(
        reverse("creators:application-withdraw", args=[agency.slug, application.pk]),
        follow=True,
    )

    assert "no longer waiting for review" in response.content.decode()
    application.refresh_from_db()
    assert application.outcome == "rejected"


def test_withdrawing_a_waiting_application(manager_client, agency):
    application = _apply(CreatorFactory(agency=agency))

    manager_client.post(
        reverse("creators:application-withdraw", args=[agency.slug, application.pk])
    )

    application.refresh_from_db()
    assert application.outcome == "withdrawn"
    assert AuditLog.objects.filter(action="program_application.withdraw").exists()


def test_the_checklist_is_edited_while_the_application_waits(manager_client, agency):
    application = _apply(CreatorFactory(agency=agency), has_tax_information=False)
    url = reverse("creators:application-edit", args=[agency.slug, application.pk])

    response = manager_client.post(
        url,
        {
            "review_weeks": "1",
            "has_id_document": "on",
            "has_tax_information": "on",
            "sample_posts": "https://a.test/1\nhttps://a.test/2\nhttps://a.test/3",
        },
    )

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.has_tax_information and application.review_weeks == 1
    assert AuditLog.objects.filter(action="program_application.update").exists()


# --- who sees the name warning ----------------------------------------------------------------


def test_the_name_warning_is_shown_to_managers_and_not_to_finance(
    manager_client, finance_client, agency
):
    creator = CreatorFactory(agency=agency, legal_name="Jane Doe")
    _apply(creator, id_name="Janet Doe")
    warning = "The name on the ID differs from the legal name on file."

    assert warning in manager_client.get(_list_url(agency)).content.decode()
    finance_page = finance_client.get(_list_url(agency)).content.decode()
    assert warning not in finance_page
    assert "Janet" not in finance_page


def test_the_api_hides_the_id_name_from_finance(finance_client, manager_client, agency):
    creator = CreatorFactory(agency=agency, legal_name="Jane Doe")
    _apply(creator, id_name="Janet Doe")

    finance_row = finance_client.get(_api(agency)).json()["results"][0]
    manager_row = manager_client.get(_api(agency)).json()["results"][0]

    assert "id_name" not in finance_row and "name_mismatch" not in finance_row
    assert manager_row["id_name"] == "Janet Doe" and manager_row["name_mismatch"] is True


# --- the list page -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [3, 30])
def test_the_applications_page_costs_the_same_queries_for_3_or_30(
    manager_client, agency, size, django_assert_num_queries
):
    for _n in range(size):
        _apply(CreatorFactory(agency=agency))
    url = _list_url(agency)
    manager_client.get(url)  # the first visit also saves the session
    # session, user, savepoint (ATOMIC_REQUESTS), memberships + agencies (agency_view), count,
    # the page of applications with their creators,
    # release savepoint.
    with django_assert_num_queries(7 + scoping_queries()):
        response = manager_client.get(url)

    assert len(response.context["rows"]) == size


def test_the_list_filters_by_outcome_and_ignores_a_bad_filter(manager_client, agency):
    waiting = _apply(CreatorFactory(agency=agency))
    rejected = _reject(_apply(CreatorFactory(agency=agency)))

    only_rejected = manager_client.get(_list_url(agency) + "?outcome=rejected")
    bad = manager_client.get(_list_url(agency) + "?outcome=lost&program=x")

    assert [r.application for r in only_rejected.context["rows"]] == [rejected]
    assert bad.status_code == 200
    assert {r.application for r in bad.context["rows"]} == {waiting, rejected}


# --- the roster filter -------------------------------------------------------------------------


def test_the_roster_filters_creators_who_can_reapply(manager_client, agency):
    due = CreatorFactory(agency=agency, display_name="Due Creator")
    _reject(_apply(due, days_ago=40), days_ago=31)
    waiting = CreatorFactory(agency=agency, display_name="Still Waiting")
    _reject(_apply(waiting, days_ago=10), days_ago=5)
    applied_again = CreatorFactory(agency=agency, display_name="Applied Again")
    _reject(_apply(applied_again, days_ago=60), days_ago=50)
    _apply(applied_again, days_ago=2)

    page = manager_client.get(roster_url(agency, can_reapply="true"))
    api = manager_client.get(f"/api/v1/agencies/{agency.slug}/creators/?can_reapply=true").json()

    assert [c.display_name for c in page.context["creators"]] == ["Due Creator"]
    assert [c["display_name"] for c in api["results"]] == ["Due Creator"]
    others = manager_client.get(roster_url(agency, can_reapply="false")).context["creators"]
    assert {c.display_name for c in others} == {"Still Waiting", "Applied Again"}


# --- the reminder ------------------------------------------------------------------------------


def test_the_command_reminds_the_account_manager_once(agency, manager):
    creator = CreatorFactory(agency=agency, account_manager=manager)
    _reject(_apply(creator, days_ago=40), days_ago=31)
    out = []

    call_command("application_reminders", "--agency", agency.slug, stdout=_Sink(out))
    call_command("application_reminders", "--agency", agency.slug, stdout=_Sink(out))

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [manager.email]
    assert "may apply to the Creativity Program again" in mail.outbox[0].subject
    assert "1 application(s) may re-apply, 1 reminder(s) mailed" in out[0]
    assert "0 application(s) may re-apply" in out[1]
    assert AuditLog.objects.filter(action="program_application.reminder").count() == 1


def test_the_reminder_waits_for_the_date(agency, manager):
    creator = CreatorFactory(agency=agency, account_manager=manager)
    application = _reject(_apply(creator, days_ago=10), days_ago=2)

    call_command("application_reminders", "--agency", agency.slug, stdout=_Sink([]))
    assert mail.outbox == []

    day = application.reapply_on.isoformat()
    call_command("application_reminders", "--agency", agency.slug, "--date", day, stdout=_Sink([]))
    assert len(mail.outbox) == 1


def test_the_beat_task_reminds_each_agency_and_goes_to_owners_without_a_manager(
    agency, owner, other_agency, django_capture_on_commit_callbacks
):
    creator = CreatorFactory(agency=agency, account_manager=None)
    _reject(_apply(creator, days_ago=40), days_ago=31)

    with django_capture_on_commit_callbacks(execute=True):
        tasks.application_reminders.delay()

    assert [m.to for m in mail.outbox] == [[owner.email]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--agency", "nope"], "No agency with slug 'nope'."),
        (["--agency", "acme", "--date", "31-12-2026"], "--date must be a date as YYYY-MM-DD"),
    ],
)
def test_the_command_refuses_bad_input(agency, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("application_reminders", *args)


class _Sink:
    def __init__(self, lines: list):
        self.lines = lines

    def write(self, text: str) -> None:
        self.lines.append(text)

    def flush(self) -> None:
        return None


# --- the API -----------------------------------------------------------------------------------


def test_the_api_records_decides_and_lists_an_application(manager_client, agency):
    creator = CreatorFactory(agency=agency)
    today = agency_today(agency).isoformat()

    created = manager_client.post(
        _api(agency),
        {"creator": creator.pk, "program": CP, "submitted_on": today, "review_weeks": 1},
        content_type="application/json",
    )
    pk = created.json()["id"]
    decided = manager_client.post(
        _api(agency, f"{pk}/decide/"),
        {"outcome": "rejected", "decided_on": today, "rejection_reason": "Too few views"},
        content_type="application/json",
    )

    assert created.status_code == 201
    assert (
        created.json()["expected_decision_on"]
        == (agency_today(agency) + timedelta(weeks=1)).isoformat()
    )
    assert decided.status_code == 200
    assert decided.json()["reapply_on"] == (agency_today(agency) + timedelta(days=30)).isoformat()
    listed = manager_client.get(_api(agency) + f"?creator={creator.pk}&outcome=rejected").json()
    assert [row["id"] for row in listed["results"]] == [pk]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"program": CP, "submitted_on": "2026-01-01", "review_weeks": 9}, "review_weeks"),
        ({"program": "fund", "submitted_on": "2026-01-01"}, "program"),
        ({"program": CP, "submitted_on": "soon"}, "submitted_on"),
        ({"program": CP, "submitted_on": "2999-01-01"}, "submitted_on"),
    ],
)
def test_the_api_refuses_a_bad_application(manager_client, agency, body, field):
    creator = CreatorFactory(agency=agency)

    response = manager_client.post(
        _api(agency), {"creator": creator.pk, **body}, content_type="application/json"
    )

    assert response.status_code == 400
    assert field in response.json()
    assert not ProgramApplication.objects.exists()


def test_the_api_refuses_another_agencys_creator(manager_client, agency, other_agency):
    stranger = CreatorFactory(agency=other_agency)

    response = manager_client.post(
        _api(agency),
        {"creator": stranger.pk, "program": CP, "submitted_on": "2026-01-01"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "creator" in response.json()


def test_the_api_answers_400_for_bad_list_filters(manager_client, agency, other_agency):
    stranger = CreatorFactory(agency=other_agency)

    response = manager_client.get(_api(agency) + f"?outcome=lost&creator={stranger.pk}")

    assert response.status_code == 400
    assert set(response.json()) == {"outcome", "creator"}


def test_the_api_patches_the_checklist_and_refuses_a_bad_decision(manager_client, agency):
    application = _apply(CreatorFactory(agency=agency))

    patched = manager_client.patch(
        _api(agency, f"{application.pk}/"),
        {"has_tax_information": False, "sample_posts": "not a link"},
        content_type="application/json",
    )
    decided = manager_client.post(
        _api(agency, f"{application.pk}/decide/"),
        {"outcome": "withdrawn", "decided_on": "2026-01-01"},
        content_type="application/json",
    )

    assert patched.status_code == 400 and "sample_posts" in patched.json()
    assert decided.status_code == 400 and "outcome" in decided.json()
    application.refresh_from_db()
    assert application.has_tax_information is True


def test_the_api_default_wait(owner_client, manager_client, agency):
    url = _api(agency, "wait/")

    assert manager_client.get(url).json() == {"reapply_wait_days": 30}
    assert (
        owner_client.put(
            url, {"reapply_wait_days": 31}, content_type="application/json"
        ).status_code
        == 400
    )
    assert owner_client.put(
        url, {"reapply_wait_days": 20}, content_type="application/json"
    ).json() == {"reapply_wait_days": 20}


def test_the_creator_page_links_applications_and_income(manager_client, agency, community_manager):
    creator = CreatorFactory(agency=agency)
    url = reverse("creators:detail", args=[agency.slug, creator.pk])
    income = reverse("payouts:creator_income", args=[agency.slug, creator.pk])

    manager_page = manager_client.get(url).content.decode()
    community_page = client_for(community_manager).get(url).content.decode()

    assert _list_url(agency, creator) in manager_page and income in manager_page
    assert _list_url(agency, creator) in community_page and income not in community_page
