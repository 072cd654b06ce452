"""The platform accounts API: the list with each grant's state, and disconnecting."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.models import AuditLog
from platforms.models import AccountStatus

from ..factories import CreatorFactory, PlatformAccountFactory
from ..helpers import scoping_queries


def list_url(agency) -> str:
    return reverse("api:platform-account-list", kwargs={"agency_slug": agency.slug})


def disconnect_url(agency, account) -> str:
    return reverse(
        "api:platform-account-disconnect", kwargs={"agency_slug": agency.slug, "pk": account.pk}
    )


def test_the_list_shows_each_grants_state_and_never_a_token(manager_client, agency, other_agency):
    account = PlatformAccountFactory(
        creator=CreatorFactory(agency=agency), handle="lena", scopes=["video.list"]
    )
    PlatformAccountFactory(creator=CreatorFactory(agency=other_agency), handle="rival")

    body = manager_client.get(list_url(agency)).json()

    assert [row["handle"] for row in body["results"]] == ["lena"]
    row = body["results"][0]
    assert row["id"] == account.pk and row["status"] == "linked"
    assert row["token_state"] == "valid"
    assert "comment.list.manage" in row["missing_scopes"]
    text = str(body)
    assert account.access_token not in text and "ciphertext" not in text


def test_the_list_reads_in_a_fixed_number_of_queries(
    manager_client, agency, django_assert_num_queries
):
    manager_client.get(list_url(agency))
    for _ in range(3):
        PlatformAccountFactory(creator=CreatorFactory(agency=agency))
    # savepoint, session, user, membership + agency (API base), count, the page of accounts
    # with their creators, release savepoint.
    with django_assert_num_queries(7 + scoping_queries()):
        response = manager_client.get(list_url(agency))
    assert response.json()["count"] == 3


def test_disconnecting_revokes_and_answers_the_account(manager_client, manager, agency, tiktok):
    tiktok.add_account(open_id="open-api")
    grant = tiktok.issue_tokens("open-api")
    account = PlatformAccountFactory(
        creator=CreatorFactory(agency=agency),
        external_id="open-api",
        tokens=(grant["access_token"], grant["refresh_token"]),
    )

    response = manager_client.post(disconnect_url(agency, account))

    assert response.status_code == 200
    assert response.json()["status"] == "disconnected" and response.json()["revoked"] is True
    account.refresh_from_db()
    assert account.status == AccountStatus.DISCONNECTED and account.access_token_ciphertext == ""
    assert AuditLog.objects.get(action="platform_account.disconnect").actor == manager


@pytest.mark.parametrize("client_name", ["finance_client", "creator_client"])
def test_only_owners_and_managers_disconnect(request, client_name, agency):
    account = PlatformAccountFactory(creator=CreatorFactory(agency=agency), tokens=False)
    response = request.getfixturevalue(client_name).post(disconnect_url(agency, account))
    assert response.status_code == 403
    account.refresh_from_db()
    assert account.status == AccountStatus.LINKED


def test_another_agencys_account_is_a_404(manager_client, agency, other_agency):
    theirs = PlatformAccountFactory(creator=CreatorFactory(agency=other_agency), tokens=False)
    assert manager_client.post(disconnect_url(agency, theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == AccountStatus.LINKED
