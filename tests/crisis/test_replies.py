"""The crisis reply library: defaults on first use, editing, search, and its use on a case."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.models import AuditLog
from crisis.models import CrisisReply
from moderation.cases import case_open
from moderation.models import Level, OutboxMessage
from moderation.policies import crisis_mode_set
from tests.helpers import client_for, member, scoping_queries
from tests.moderation.conftest import make_message

from .builders import make_reply

pytestmark = pytest.mark.django_db


def replies_url(agency) -> str:
    return reverse("crisis:replies", args=[agency.slug])


def test_the_first_visit_creates_the_default_library_in_english_and_dutch(
    agency, community_manager
):
    response = client_for(community_manager).get(replies_url(agency))

    assert response.status_code == 200
    languages = set(CrisisReply.objects.filter(agency=agency).values_list("language", flat=True))
    assert languages == {"en", "nl"}
    assert "Holding statement" in response.content.decode()
    assert AuditLog.objects.filter(agency=agency, action="crisis.replies_seeded").count() == 1


def test_an_emptied_library_stays_empty_and_says_so(agency, community_manager):
    client = client_for(community_manager)
    client.get(replies_url(agency))
    for reply in CrisisReply.objects.filter(agency=agency):
        client.post(reverse("crisis:reply-delete", args=[agency.slug, reply.pk]))

    response = client.get(replies_url(agency))

    assert not CrisisReply.objects.filter(agency=agency).exists()
    assert "The crisis library is empty" in response.content.decode()


def test_adding_editing_and_deleting_a_reply_is_audited(agency, community_manager):
    client = client_for(community_manager)

    client.post(
        replies_url(agency), {"language": "nl", "title": "Excuses", "text": "Het spijt ons."}
    )
    reply = CrisisReply.objects.get(agency=agency, title="Excuses")
    client.post(
        reverse("crisis:reply-edit", args=[agency.slug, reply.pk]),
        {"language": "nl", "title": "Excuses", "text": "Het spijt ons echt."},
    )
    reply.refresh_from_db()
    client.post(reverse("crisis:reply-delete", args=[agency.slug, reply.pk]))

    assert reply.text == "Het spijt ons echt."
    assert not CrisisReply.objects.filter(pk=reply.pk).exists()
    actions = list(
        AuditLog.objects.filter(agency=agency, action__startswith="crisis.reply_")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["crisis.reply_create", "crisis.reply_update", "crisis.reply_delete"]


@pytest.mark.parametrize(
    "data, error",
    [
        ({"language": "en", "title": "", "text": "x"}, "This field is required"),
        ({"language": "en", "title": "Hold", "text": "   "}, "This field is required"),
        ({"language": "de", "title": "Hold", "text": "x"}, "Select a valid choice"),
        ({"language": "en", "title": "Hold", "text": "x" * 1001}, "at most 1000"),
        ({"language": "en", "title": "holding statement", "text": "x"}, "already has a reply"),
    ],
    ids=["no-title", "blank-text", "language", "too-long", "duplicate"],
)
def test_a_bad_reply_is_refused_and_nothing_is_written(agency, community_manager, data, error):
    client = client_for(community_manager)
    client.get(replies_url(agency))
    before = CrisisReply.objects.filter(agency=agency).count()

    response = client.post(replies_url(agency), data)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert CrisisReply.objects.filter(agency=agency).count() == before


def test_search_by_words_and_language(agency, community_manager):
    client = client_for(community_manager)
    client.get(replies_url(agency))

    found = client.get(replies_url(agency), {"q": "geduld", "language": "nl"}).content.decode()
    none = client.get(replies_url(agency), {"q": "nothing-like-this"}).content.decode()

    assert "Eerste reactie" in found and "Holding statement" not in found
    assert "No crisis reply matches" in none


def test_an_account_manager_reads_the_library_but_cannot_change_it(agency, manager_client):
    reply = make_reply(agency)

    assert manager_client.get(replies_url(agency)).status_code == 200
    create = manager_client.post(replies_url(agency), {"language": "en", "title": "X", "text": "Y"})
    delete = manager_client.post(reverse("crisis:reply-delete", args=[agency.slug, reply.pk]))

    assert create.status_code == 403 and delete.status_code == 403
    assert CrisisReply.objects.filter(pk=reply.pk).exists()


def test_another_agencys_reply_is_not_found(agency, other_agency, community_manager):
    theirs = make_reply(other_agency)

    response = client_for(community_manager).post(
        reverse("crisis:reply-edit", args=[agency.slug, theirs.pk]),
        {"language": "en", "title": "Mine now", "text": "x"},
    )

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.title != "Mine now"


@pytest.mark.parametrize("size", [2, 12])
def test_the_library_page_costs_the_same_queries_at_any_size(
    agency, community_manager, size, django_assert_num_queries
):
    client = client_for(community_manager)
    client.get(replies_url(agency))
    for _ in range(size):
        make_reply(agency)
    # session, user, savepoint, memberships; the defaults' marker; count of replies; page of
    # replies; release. The same at every size.
    with django_assert_num_queries(8 + scoping_queries()):
        response = client.get(replies_url(agency))
    assert response.status_code == 200


def legal_case(agency):
    message = make_message(agency, "what happened?!", kind="dm", author="worried")
    return case_open(agency=agency, title="Worried fan", message=message, level=Level.LEGAL_PR)


def test_a_legal_pr_case_offers_the_library_while_crisis_mode_is_on(agency, owner):
    case = legal_case(agency)
    client = client_for(owner)
    url = reverse("moderation:case", args=[agency.slug, case.pk])

    assert "Use a crisis reply" not in client.get(url).content.decode()
    crisis_mode_set(agency=agency, actor=owner, enabled=True)
    page = client.get(url).content.decode()

    assert "Use a crisis reply" in page and "EN · Holding statement" in page


def test_a_chosen_crisis_reply_is_sent_when_the_box_is_left_empty(agency, owner):
    case = legal_case(agency)
    crisis_mode_set(agency=agency, actor=owner, enabled=True)
    client = client_for(owner)
    client.get(reverse("moderation:case", args=[agency.slug, case.pk]))
    reply = CrisisReply.objects.get(agency=agency, title="Holding statement")

    response = client.post(
        reverse("moderation:case-reply", args=[agency.slug, case.pk]),
        {"reply-crisis_reply": str(reply.pk), "reply-text": ""},
    )

    assert response.status_code == 302
    assert OutboxMessage.objects.get(agency=agency).text == reply.text


def test_neither_a_text_nor_a_crisis_reply_is_refused(agency, owner):
    case = legal_case(agency)
    crisis_mode_set(agency=agency, actor=owner, enabled=True)

    response = client_for(owner).post(
        reverse("moderation:case-reply", args=[agency.slug, case.pk]),
        {"reply-crisis_reply": "", "reply-text": ""},
    )

    assert response.status_code == 400
    assert "Write the reply or choose a crisis reply" in response.content.decode()
    assert not OutboxMessage.objects.filter(agency=agency).exists()


def test_a_crisis_reply_of_another_agency_is_not_a_choice(agency, other_agency, owner):
    case = legal_case(agency)
    crisis_mode_set(agency=agency, actor=owner, enabled=True)
    theirs = make_reply(other_agency)
    member(other_agency, "owner")

    response = client_for(owner).post(
        reverse("moderation:case-reply", args=[agency.slug, case.pk]),
        {"reply-crisis_reply": str(theirs.pk), "reply-text": ""},
    )

    assert response.status_code == 400
    assert not OutboxMessage.objects.filter(agency=agency).exists()
