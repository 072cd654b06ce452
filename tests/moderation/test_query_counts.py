"""Every moderation list page and API list costs the same queries for a few rows or many
(more than a page), and so does the case detail page with a long timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from agencies.roles import Role
from moderation.cases import CaseSpec, case_note, cases_open
from moderation.inbound import MessageIn, messages_ingest
from moderation.models import Case
from moderation.outbox import send_due_actions
from moderation.policies import policy_create, policy_version_publish
from moderation.rules import default_rules
from moderation.triage import messages_triage
from tests.factories import CreatorFactory
from tests.helpers import client_for, member

pytestmark = pytest.mark.django_db
SIZES = [2, 60]  # a few rows, and more than one page (50)


def scoping() -> int:
    """Statements row-level security adds to a request on PostgreSQL (core/db_scope.py): the
    middleware names the user, `agency_view` or the API base the agency, and
    `request_finished` clears both."""
    return 3 if connection.vendor == "postgresql" else 0


def url(agency, name: str, **kwargs) -> str:
    return reverse(name, kwargs={"agency_slug": agency.slug, **kwargs})


def ingest(agency, texts: list[str], *, creator_account: str = "acme") -> list[int]:
    now = timezone.now()
    batch = [
        MessageIn("tiktok", f"q{n}", "comment", creator_account, f"fan{n}", text, now)
        for n, text in enumerate(texts)
    ]
    return messages_ingest(agency=agency, messages=batch, source="api").created


def open_cases(agency, size: int, **spec) -> list:
    return cases_open(
        agency=agency, specs=[CaseSpec(title=f"case {n}", **spec) for n in range(size)]
    )


@pytest.fixture
def staff(agency):
    return client_for(member(agency, Role.COMMUNITY_MANAGER, email="cm@acme.test"))


def visit(client, path: str, expected: int, django_assert_num_queries):
    client.get(path)  # the first visit also saves the session and creates defaults
    with django_assert_num_queries(expected + scoping()):
        response = client.get(path)
    assert response.status_code == 200
    return response


# --- HTML pages ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_the_review_queue(agency, staff, size, django_assert_num_queries):
    open_cases(agency, size, creator=CreatorFactory(agency=agency))
    # savepoint (ATOMIC_REQUESTS), session, user, memberships + agencies (agency_view), the
    # moderation settings (crisis banner), the member's notifications, count, the page of
    # cases with assignee, creator and message,
    # release savepoint.
    response = visit(staff, url(agency, "moderation:queue"), 9, django_assert_num_queries)
    assert len(response.context["page_obj"].object_list) == min(size, 50)


@pytest.mark.parametrize("size", SIZES)
def test_the_case_detail_with_a_long_timeline(
    agency, staff, owner, size, django_assert_num_queries
):
    [message_id] = ingest(agency, ["This is terrible and awful, I hate it"])
    messages_triage(message_ids=[message_id])
    case = Case.objects.get(message_id=message_id)
    for n in range(size):
        case_note(case=case, actor=owner, text=f"note {n}")
    # savepoint, session, user, memberships + agencies, the case with its message, author, assignee
    # and creator, the staff choices of the action form, the timeline with actors, the message's
    # automated decisions with their policy versions and policies, release savepoint.
    response = visit(
        staff, url(agency, "moderation:case", pk=case.pk), 9, django_assert_num_queries
    )
    assert len(response.context["events"]) == size + 1


@pytest.mark.parametrize("size", SIZES)
def test_the_policies_page(agency, staff, owner, size, django_assert_num_queries):
    policy_create(agency=agency, actor=owner, name="Default")
    for n in range(size):
        policy_create(
            agency=agency, actor=owner, name=f"Own {n}", creator=CreatorFactory(agency=agency)
        )
    # savepoint, session, user, memberships + agencies, the policies with creator and current
    # version, the creators of the "new policy" form, release.
    response = visit(staff, url(agency, "moderation:policies"), 7, django_assert_num_queries)
    assert len(response.context["policies"]) == size + 1


@pytest.mark.parametrize("size", SIZES)
def test_a_policy_page_with_many_versions(agency, staff, owner, size, django_assert_num_queries):
    policy = policy_create(agency=agency, actor=owner, name="Default")
    for _ in range(size):
        policy_version_publish(policy=policy, actor=owner, rules=default_rules())
    # savepoint, session, user, memberships + agencies, the policy with its current version and
    # creator, the last 20 versions with their authors, release.
    response = visit(
        staff, url(agency, "moderation:policy", pk=policy.pk), 7, django_assert_num_queries
    )
    assert len(response.context["versions"]) == min(size + 1, 20)


def outbox_of(agency, size: int) -> None:
    ids = ingest(agency, ["how much is it?"] * size)
    actions = messages_triage(message_ids=ids)
    due = max(a.due_at for batch in actions.values() for a in batch if a.due_at)
    send_due_actions(now=due + timedelta(seconds=1))


@pytest.mark.parametrize("size", SIZES)
def test_the_outbox_page(agency, staff, size, django_assert_num_queries):
    outbox_of(agency, size)
    # savepoint, session, user, memberships + agencies, count, the page of the outbox, release
    # savepoint.
    response = visit(staff, url(agency, "moderation:outbox"), 7, django_assert_num_queries)
    assert len(response.context["page_obj"].object_list) == min(size, 30, 50)


@pytest.mark.parametrize("size", SIZES)
def test_the_creator_portal(agency, size, django_assert_num_queries):
    creator_user = member(agency, Role.CREATOR, email="lina@acme.test")
    open_cases(agency, size, creator=creator_user.creator_profiles.get())
    client = client_for(creator_user)
    # savepoint, session, user, memberships + agencies, the creator's roster entry, count, the
    # page of their cases, release savepoint.
    response = visit(client, url(agency, "moderation:portal"), 8, django_assert_num_queries)
    assert len(response.context["page_obj"].object_list) == min(size, 50)


# --- API lists -------------------------------------------------------------------------------


def api_get(client, path: str, expected: int, django_assert_num_queries) -> dict:
    client.get(path)
    with django_assert_num_queries(expected + scoping()):
        response = client.get(path)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("size", SIZES)
def test_the_cases_api(agency, staff, size, django_assert_num_queries):
    open_cases(agency, size)
    # savepoint, session, user, membership + agency (the API base), count, the page of
    # cases, release savepoint.
    body = api_get(staff, url(agency, "api:moderation-case-list"), 7, django_assert_num_queries)
    assert body["count"] == size and len(body["results"]) == min(size, 50)


@pytest.mark.parametrize("size", SIZES)
def test_the_messages_api(agency, staff, size, django_assert_num_queries):
    ingest(agency, [f"lovely video {n}" for n in range(size)])
    # savepoint, session, user, memberships + agencies, count, the page of messages with their
    # authors, release savepoint.
    body = api_get(staff, url(agency, "api:moderation-message-list"), 7, django_assert_num_queries)
    assert body["count"] == size and len(body["results"]) == min(size, 50)


@pytest.mark.parametrize("size", SIZES)
def test_the_policies_api(agency, staff, owner, size, django_assert_num_queries):
    for n in range(size):
        policy_create(
            agency=agency, actor=owner, name=f"Own {n}", creator=CreatorFactory(agency=agency)
        )
    # savepoint, session, user, memberships + agencies, count, the page of policies with their
    # current versions, release savepoint.
    body = api_get(staff, url(agency, "api:moderation-policy-list"), 7, django_assert_num_queries)
    assert body["count"] == size and len(body["results"]) == min(size, 50)


@pytest.mark.parametrize("size", SIZES)
def test_the_outbox_api(agency, staff, size, django_assert_num_queries):
    outbox_of(agency, size)
    # savepoint, session, user, memberships + agencies, count, the page of the outbox, release.
    body = api_get(staff, url(agency, "api:moderation-outbox-list"), 7, django_assert_num_queries)
    assert body["count"] == min(size, 30) and len(body["results"]) == min(size, 30, 50)
