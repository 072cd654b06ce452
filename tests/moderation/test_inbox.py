"""The inbox: every inbound message with what was decided and why, filtered and sorted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.roles import Role
from moderation.triage import messages_triage
from tests.factories import CreatorFactory, SocialAccountFactory
from tests.helpers import client_for, member, scoping_queries

pytestmark = pytest.mark.django_db


def inbox_url(agency, **query) -> str:
    url = reverse("moderation:inbox", kwargs={"agency_slug": agency.slug})
    if query:
        from urllib.parse import urlencode

        url += "?" + urlencode(query)
    return url


@pytest.fixture
def cm(agency):
    return client_for(member(agency, Role.COMMUNITY_MANAGER, email="cm@acme.test"))


@pytest.fixture
def lina(agency):
    creator = CreatorFactory(agency=agency, display_name="Lina")
    SocialAccountFactory(creator=creator, handle="lina")
    return creator


@pytest.fixture
def messages(agency, lina, message_factory):
    """Four messages on Lina's account and one elsewhere, triaged."""
    now = timezone.now()
    made = {
        "praise": message_factory(agency, "lovely video", account="lina", sent_at=now),
        "threat": message_factory(
            agency, "I'll find where you live and hurt you", account="lina", author="angry"
        ),
        "price": message_factory(
            agency,
            "how much is the hoodie?",
            account="lina",
            author="buyer",
            campaign_code="SUMMER24",
            sent_at=now - timedelta(days=3),
        ),
        "brand": message_factory(
            agency, "what are your rates?", account="lina", author="brandco", kind="dm"
        ),
        "other": message_factory(agency, "nice", account="someoneelse", author="fan2"),
    }
    messages_triage(message_ids=[m.pk for m in made.values()])
    return made


def texts(response) -> list[str]:
    return [m.text for m in response.context["page_obj"].object_list]


def test_every_message_is_listed_with_its_decision_as_a_sentence(cm, agency, messages):
    response = cm.get(inbox_url(agency))
    assert response.status_code == 200
    assert len(texts(response)) == 5  # unflagged ones too
    html = response.content.decode()
    assert "Hidden, sent to Legal / PR" in html
    assert "Matches the category “threats or violence”: the words “find where you live”." in html
    assert "No category or intent matched." in html
    assert "Recognised as a brand inquiry" in html


def test_the_decision_reads_in_dutch_for_a_dutch_reader(cm, agency, messages):
    response = cm.get(inbox_url(agency), HTTP_ACCEPT_LANGUAGE="nl")
    assert "Juridisch / PR" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"decision": "hidden"}, {"threat"}),
        ({"decision": "escalated"}, {"threat", "brand"}),
        ({"decision": "replied"}, {"price"}),
        ({"decision": "none"}, {"praise", "other"}),
        ({"account": "@LINA"}, {"praise", "threat", "price", "brand"}),
        ({"campaign": "summer24"}, {"price"}),
        ({"kind": "dm"}, {"brand"}),
        ({"q": "hoodie"}, {"price"}),
        ({"q": "@brandco"}, {"brand"}),
    ],
)
def test_filters(cm, agency, messages, query, expected):
    response = cm.get(inbox_url(agency, **query))
    assert set(texts(response)) == {messages[name].text for name in expected}


def test_the_creator_filter_and_dates(cm, agency, lina, messages):
    response = cm.get(inbox_url(agency, creator=lina.pk))
    assert len(texts(response)) == 4
    today = timezone.localdate()
    response = cm.get(inbox_url(agency, date_to=(today - timedelta(days=2)).isoformat()))
    assert texts(response) == [messages["price"].text]
    response = cm.get(inbox_url(agency, date_from=(today - timedelta(days=1)).isoformat()))
    assert messages["price"].text not in texts(response)


def test_sorting(cm, agency, messages):
    oldest = texts(cm.get(inbox_url(agency, sort="oldest")))
    assert oldest[0] == messages["price"].text
    newest = texts(cm.get(inbox_url(agency)))
    assert newest[-1] == messages["price"].text


@pytest.mark.parametrize(
    "query",
    [
        {"creator": "abc"},
        {"creator": "99999999999999999999999"},
        {"date_from": "yesterday"},
        {"decision": "nuked"},
        {"sort": "random"},
        {"kind": "fax"},
        {"q": "x" * 201},
    ],
)
def test_bad_filters_say_what_is_wrong_and_never_fail(cm, agency, messages, query):
    response = cm.get(inbox_url(agency, **query))
    assert response.status_code == 200
    assert response.context["filter"].errors
    assert 'class="error"' in response.content.decode()


def test_another_agencys_messages_never_show(cm, agency, other_agency, messages, message_factory):
    theirs = message_factory(other_agency, "secret rival comment")
    other_creator = CreatorFactory(agency=other_agency)
    response = cm.get(inbox_url(agency))
    assert theirs.text not in texts(response)
    # naming their creator matches nothing here
    assert texts(cm.get(inbox_url(agency, creator=other_creator.pk))) == []


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.OWNER, 200),
        (Role.MANAGER, 200),
        (Role.COMMUNITY_MANAGER, 200),
        (Role.FINANCE, 403),
        (Role.CREATOR, 403),
    ],
)
def test_who_may_read_the_inbox(agency, role, status):
    response = client_for(member(agency, role)).get(inbox_url(agency))
    assert response.status_code == status


def test_an_empty_inbox_offers_the_import(agency, owner):
    response = client_for(owner).get(inbox_url(agency))
    assert "No messages yet" in response.content.decode()
    assert reverse("moderation:import", kwargs={"agency_slug": agency.slug}) in (
        response.content.decode()
    )


@pytest.mark.parametrize("size", [2, 60])
def test_the_inbox_costs_the_same_queries_for_a_few_messages_or_many(
    agency, cm, lina, message_factory, size, django_assert_num_queries
):
    ids = [
        message_factory(agency, f"how much is item {n}?", account="lina", author=f"f{n}").pk
        for n in range(size)
    ]
    messages_triage(message_ids=ids)
    url = inbox_url(agency, decision="replied", sort="newest")
    cm.get(url)
    # savepoint (ATOMIC_REQUESTS), session, user, memberships + agencies (agency_view), the
    # creators of the filter's select, count, the page of messages with author and creator,
    # their decisions (prefetch), release savepoint.
    with django_assert_num_queries(9 + scoping_queries()):
        response = cm.get(url)
    assert len(response.context["page_obj"].object_list) == min(size, 50)


def test_the_messages_api_explains_each_decision(cm, agency, messages):
    url = reverse("api:moderation-message-list", kwargs={"agency_slug": agency.slug})
    body = cm.get(url).json()
    threat = next(m for m in body["results"] if m["text"].startswith("I'll find"))
    assert threat["reasons"][0]["code"] == "keyword"
    assert threat["explanation"][0].startswith("Matches the category “threats or violence”")


def test_an_empty_queue_points_to_the_inbox(agency, cm):
    html = cm.get(reverse("moderation:queue", kwargs={"agency_slug": agency.slug})).content
    assert inbox_url(agency).encode() in html
