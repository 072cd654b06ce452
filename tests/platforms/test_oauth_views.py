"""Linking a TikTok account: the OAuth 2.0 authorisation-code flow with state and PKCE, from
the creator's page and from the creator portal, and disconnecting."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from agencies.models import AuditLog, Membership
from agencies.roles import Role
from creators.models import Creator, SocialAccount
from platforms.models import AccountStatus, OAuthState, PlatformAccount

from ..factories import CreatorFactory, PlatformAccountFactory
from ..helpers import client_for, member, scoping_queries

CALLBACK = "platforms_oauth:tiktok-callback"


@pytest.fixture
def creator(agency):
    return CreatorFactory(agency=agency, display_name="Lena Vos")


@pytest.fixture
def tiktok_account(tiktok):
    return tiktok.add_account(open_id="open-lena", username="lenavos", display_name="Lena Vos")


def start(client, agency, creator=None):
    """Press "Link a TikTok account"; answers the authorize URL's query."""
    if creator is None:
        url = reverse("platforms:portal-link", kwargs={"agency_slug": agency.slug})
    else:
        url = reverse(
            "platforms:creator-link", kwargs={"agency_slug": agency.slug, "pk": creator.pk}
        )
    response = client.post(url)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        "https://www.tiktok.com/v2/auth/authorize/"
    )
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def consent(tiktok, query, open_id="open-lena", scopes=None):
    """The creator says yes on TikTok; answers the authorization code."""
    return tiktok.authorize(
        open_id=open_id,
        redirect_uri=query["redirect_uri"],
        scopes=scopes if scopes is not None else query["scope"],
        code_challenge=query["code_challenge"],
    )


def come_back(client, **params):
    """TikTok redirects the browser to the callback; follow it to the agency's page."""
    return client.get(reverse(CALLBACK), params, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_start_sends_the_browser_to_tiktok_with_state_and_an_s256_challenge(
    manager_client, agency, creator, tiktok, settings
):
    query = start(manager_client, agency, creator)

    assert query["client_key"] == "ck-test"
    assert query["response_type"] == "code"
    assert query["redirect_uri"] == settings.TIKTOK_REDIRECT_URI
    assert query["code_challenge_method"] == "S256"
    assert query["scope"].split(",") == settings.TIKTOK_SCOPES
    attempt = OAuthState.objects.get()
    # Only the state's digest is kept; the verifier is encrypted and matches the challenge.
    assert attempt.state_digest == hashlib.sha256(query["state"].encode()).hexdigest()
    assert query["state"] not in attempt.code_verifier_ciphertext
    challenge = base64.urlsafe_b64encode(hashlib.sha256(attempt.code_verifier.encode()).digest())
    assert challenge.rstrip(b"=").decode() == query["code_challenge"]
    assert attempt.creator == creator and attempt.expires_at > timezone.now()


def test_a_manager_links_a_creators_account_end_to_end(
    manager_client, manager, agency, creator, tiktok, tiktok_account
):
    query = start(manager_client, agency, creator)
    code = consent(tiktok, query)

    response = come_back(manager_client, code=code, state=query["state"], scopes=query["scope"])

    assert response.redirect_chain[-1][0] == reverse(
        "platforms:creator-accounts", kwargs={"agency_slug": agency.slug, "pk": creator.pk}
    )
    account = PlatformAccount.objects.get()
    assert (account.creator, account.external_id, account.handle) == (
        creator,
        "open-lena",
        "lenavos",
    )
    assert account.status == AccountStatus.LINKED and account.linked_by == manager
    assert account.scopes == query["scope"].split(",")
    assert account.access_token.startswith("act") and account.refresh_token.startswith("rft")
    assert account.access_expires_at > timezone.now() + timedelta(hours=23)
    assert account.social_account == SocialAccount.objects.get(creator=creator, handle="lenavos")
    entry = AuditLog.objects.get(action="platform_account.link")
    assert entry.actor == manager and entry.after["handle"] == "lenavos"
    assert "lenavos" in response.content.decode()
    assert any("is linked" in m for m in messages_of(response))


def test_a_creator_links_their_own_account_from_the_portal(
    creator_client, creator_user, agency, tiktok, tiktok_account
):
    own = Creator.objects.get(user=creator_user)
    query = start(creator_client, agency)
    response = come_back(creator_client, code=consent(tiktok, query), state=query["state"])

    assert response.redirect_chain[-1][0] == reverse(
        "platforms:portal-accounts", kwargs={"agency_slug": agency.slug}
    )
    assert PlatformAccount.objects.get().creator == own


def test_the_state_works_once(manager_client, agency, creator, tiktok, tiktok_account):
    query = start(manager_client, agency, creator)
    code = consent(tiktok, query)
    come_back(manager_client, code=code, state=query["state"])
    complete = reverse("platforms:oauth-complete", kwargs={"agency_slug": agency.slug})

    replay = manager_client.get(complete, {"code": code, "state": query["state"]}, follow=True)

    assert any("already used" in m for m in messages_of(replay))
    assert PlatformAccount.objects.count() == 1
    assert AuditLog.objects.filter(action__startswith="platform_account.").count() == 1


def test_a_tampered_state_is_refused_before_any_code_is_exchanged(
    manager_client, agency, creator, tiktok, tiktok_account
):
    query = start(manager_client, agency, creator)
    code = consent(tiktok, query)
    tiktok.requests.clear()

    response = manager_client.get(reverse(CALLBACK), {"code": code, "state": query["state"] + "x"})
    assert response.status_code == 400
    assert "does not belong to a link started in this browser" in response.content.decode()

    complete = reverse("platforms:oauth-complete", kwargs={"agency_slug": agency.slug})
    forged = manager_client.get(complete, {"code": code, "state": "forged"}, follow=True)
    assert any("did not match a link you started" in m for m in messages_of(forged))
    assert tiktok.requests == [] and not PlatformAccount.objects.exists()


def test_an_attempt_expires_after_ten_minutes(
    manager_client, agency, creator, tiktok, tiktok_account
):
    query = start(manager_client, agency, creator)
    code = consent(tiktok, query)
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        response = come_back(manager_client, code=code, state=query["state"])
    assert any("expired" in m for m in messages_of(response))
    assert not PlatformAccount.objects.exists()


def test_another_person_cannot_finish_someone_elses_link(
    manager_client, owner_client, agency, creator, tiktok, tiktok_account
):
    query = start(manager_client, agency, creator)
    code = consent(tiktok, query)
    complete = reverse("platforms:oauth-complete", kwargs={"agency_slug": agency.slug})

    # The owner (same agency) holds the code and state but did not start this link.
    response = owner_client.get(complete, {"code": code, "state": query["state"]}, follow=True)

    assert any("did not match a link you started" in m for m in messages_of(response))
    assert not PlatformAccount.objects.exists()


def test_a_state_from_one_agency_does_not_finish_a_link_in_another(
    agency, other_agency, creator, tiktok, tiktok_account
):
    user = member(agency, Role.MANAGER)
    Membership.objects.create(user=user, agency=other_agency, role=Role.MANAGER)
    client = client_for(user)
    query = start(client, agency, creator)
    code = consent(tiktok, query)
    complete = reverse("platforms:oauth-complete", kwargs={"agency_slug": other_agency.slug})

    response = client.get(complete, {"code": code, "state": query["state"]}, follow=True)

    assert any("did not match a link you started" in m for m in messages_of(response))
    assert not PlatformAccount.objects.exists()


def test_a_refusal_on_tiktok_is_shown_and_uses_up_the_state(
    manager_client, agency, creator, tiktok, tiktok_account
):
    query = start(manager_client, agency, creator)
    response = come_back(
        manager_client,
        error="access_denied",
        error_description="The user denied the request",
        state=query["state"],
    )
    assert any("The user denied the request" in m for m in messages_of(response))
    assert OAuthState.objects.get().used_at is not None
    assert not PlatformAccount.objects.exists()


def test_a_code_tiktok_does_not_accept_links_nothing(
    manager_client, agency, creator, tiktok, tiktok_account
):
    query = start(manager_client, agency, creator)
    response = come_back(manager_client, code="not-a-real-code", state=query["state"])
    assert any("TikTok refused the link" in m for m in messages_of(response))
    assert not PlatformAccount.objects.exists()
    assert not AuditLog.objects.filter(action="platform_account.link").exists()


def test_a_wrong_pkce_verifier_is_refused_by_tiktok(
    manager_client, agency, creator, tiktok, tiktok_account
):
    query = start(manager_client, agency, creator)
    code = consent(tiktok, {**query, "code_challenge": "not-the-challenge"})
    response = come_back(manager_client, code=code, state=query["state"])
    assert any("code_verifier does not match" in m for m in messages_of(response))
    assert not PlatformAccount.objects.exists()


def test_an_account_linked_to_another_creator_is_not_moved(
    manager_client, agency, creator, tiktok, tiktok_account
):
    PlatformAccountFactory(
        creator=CreatorFactory(agency=agency, display_name="Someone Else"), external_id="open-lena"
    )
    query = start(manager_client, agency, creator)
    response = come_back(manager_client, code=consent(tiktok, query), state=query["state"])
    assert any("already linked to Someone Else" in m for m in messages_of(response))
    assert PlatformAccount.objects.get().creator.display_name == "Someone Else"


def test_reconnecting_renews_the_grant_of_the_same_account(
    manager_client, agency, creator, tiktok, tiktok_account
):
    account = PlatformAccountFactory(
        creator=creator, external_id="open-lena", status=AccountStatus.RECONNECT, scopes=[]
    )
    query = start(manager_client, agency, creator)
    come_back(manager_client, code=consent(tiktok, query), state=query["state"])

    account.refresh_from_db()
    assert account.status == AccountStatus.LINKED and account.status_reason == ""
    assert account.scopes == query["scope"].split(",")
    assert PlatformAccount.objects.count() == 1
    assert AuditLog.objects.filter(action="platform_account.relink").count() == 1


def test_linking_is_refused_in_production_without_a_token_key(
    manager_client, agency, creator, tiktok, settings
):
    settings.DEBUG = False
    settings.TESTING = False
    settings.PLATFORM_TOKEN_KEYS = []
    url = reverse("platforms:creator-link", kwargs={"agency_slug": agency.slug, "pk": creator.pk})
    response = manager_client.post(url, follow=True)
    assert any("PLATFORM_TOKEN_KEYS" in m for m in messages_of(response))
    assert not OAuthState.objects.exists()


def test_linking_says_so_when_tiktok_is_not_configured(manager_client, agency, creator, settings):
    settings.TIKTOK_CLIENT_KEY = ""
    url = reverse("platforms:creator-link", kwargs={"agency_slug": agency.slug, "pk": creator.pk})
    response = manager_client.post(url, follow=True)
    assert any("TIKTOK_CLIENT_KEY" in m for m in messages_of(response))


def test_disconnecting_revokes_at_tiktok_then_forgets_the_tokens(
    manager_client, manager, agency, creator, tiktok, tiktok_account
):
    grant = tiktok.issue_tokens("open-lena")
    account = PlatformAccountFactory(
        creator=creator,
        external_id="open-lena",
        tokens=(grant["access_token"], grant["refresh_token"]),
    )
    url = reverse("platforms:disconnect", kwargs={"agency_slug": agency.slug, "pk": account.pk})

    response = manager_client.post(url, follow=True)

    account.refresh_from_db()
    assert account.status == AccountStatus.DISCONNECTED
    assert account.access_token_ciphertext == "" and account.refresh_token_ciphertext == ""
    assert ("POST", "tt_user/oauth2/revoke/") in tiktok.requests
    assert "open-lena" in tiktok._revoked
    entry = AuditLog.objects.get(action="platform_account.disconnect")
    assert entry.actor == manager and entry.after["revoked"] is True
    assert any("no longer has access" in m for m in messages_of(response))


def test_disconnecting_while_tiktok_is_down_still_forgets_the_tokens_and_says_so(
    manager_client, agency, creator, tiktok, tiktok_account
):
    account = PlatformAccountFactory(creator=creator, external_id="open-lena")
    tiktok.fail_next(status=503, path="revoke")
    url = reverse("platforms:disconnect", kwargs={"agency_slug": agency.slug, "pk": account.pk})

    response = manager_client.post(url, follow=True)

    account.refresh_from_db()
    assert account.status == AccountStatus.DISCONNECTED and account.access_token_ciphertext == ""
    assert any("could not confirm the revocation" in m for m in messages_of(response))


def test_a_creator_cannot_disconnect_another_creators_account(creator_client, agency, tiktok):
    someone_else = PlatformAccountFactory(creator=CreatorFactory(agency=agency))
    url = reverse(
        "platforms:portal-disconnect", kwargs={"agency_slug": agency.slug, "pk": someone_else.pk}
    )
    assert creator_client.post(url).status_code == 404
    someone_else.refresh_from_db()
    assert someone_else.status == AccountStatus.LINKED


def test_another_agencys_account_is_never_reachable(manager_client, agency, other_agency, tiktok):
    theirs = PlatformAccountFactory(creator=CreatorFactory(agency=other_agency))
    disconnect = reverse(
        "platforms:disconnect", kwargs={"agency_slug": agency.slug, "pk": theirs.pk}
    )
    page = reverse(
        "platforms:creator-accounts", kwargs={"agency_slug": agency.slug, "pk": theirs.creator_id}
    )
    assert manager_client.post(disconnect).status_code == 404
    assert manager_client.get(page).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == AccountStatus.LINKED


def test_finance_sees_connections_but_cannot_link_or_disconnect(
    finance_client, agency, creator, tiktok
):
    account = PlatformAccountFactory(creator=creator)
    page = reverse(
        "platforms:creator-accounts", kwargs={"agency_slug": agency.slug, "pk": creator.pk}
    )
    link = reverse("platforms:creator-link", kwargs={"agency_slug": agency.slug, "pk": creator.pk})
    disconnect = reverse(
        "platforms:disconnect", kwargs={"agency_slug": agency.slug, "pk": account.pk}
    )
    response = finance_client.get(page)
    assert response.status_code == 200 and "Link a TikTok account" not in response.content.decode()
    assert finance_client.post(link).status_code == 403
    assert finance_client.post(disconnect).status_code == 403


def test_the_page_warns_about_a_grant_that_needs_reconnecting_or_lacks_a_scope(
    manager_client, agency, creator
):
    PlatformAccountFactory(
        creator=creator,
        handle="gone",
        status=AccountStatus.RECONNECT,
        status_reason="TikTok no longer accepts the grant",
    )
    PlatformAccountFactory(creator=creator, handle="partial", scopes=["video.list"])
    page = reverse(
        "platforms:creator-accounts", kwargs={"agency_slug": agency.slug, "pk": creator.pk}
    )
    body = manager_client.get(page).content.decode()
    assert "@gone:" in body and "reconnect the account" in body
    assert "@partial:" in body and "Permissions not granted: user.info.basic" in body
    assert body.count(">Reconnect</button>") == 2


def test_the_agency_list_reads_in_a_fixed_number_of_queries(
    manager_client, agency, django_assert_num_queries
):
    url = reverse("platforms:accounts", kwargs={"agency_slug": agency.slug})
    manager_client.get(url)  # the first visit also saves the session
    for _ in range(3):
        PlatformAccountFactory(creator=CreatorFactory(agency=agency))
    # savepoint (ATOMIC_REQUESTS), session, user, memberships + agencies (agency_view), the
    # accounts with their creators, release savepoint.
    with django_assert_num_queries(6 + scoping_queries()):
        response = manager_client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("<tr>") == 4  # the header and three accounts


def test_the_callback_needs_a_signed_in_person(client, db, tiktok):
    response = client.get(reverse(CALLBACK), {"code": "c", "state": "s"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "params",
    [{}, {"state": ""}, {"state": "x" * 5000, "code": "c"}],
    ids=["nothing", "empty state", "huge state"],
)
def test_bad_callbacks_are_answered_with_a_sentence_not_an_error(manager_client, tiktok, params):
    response = manager_client.get(reverse(CALLBACK), params)
    assert response.status_code == 400
    assert "Start again" in response.content.decode()


def test_bad_completions_write_nothing(manager_client, agency, creator, tiktok):
    query = start(manager_client, agency, creator)
    complete = reverse("platforms:oauth-complete", kwargs={"agency_slug": agency.slug})
    response = manager_client.get(complete, {"state": query["state"], "code": ""}, follow=True)
    assert any("no authorisation code" in m for m in messages_of(response))
    response = manager_client.get(complete, {"state": "s" * 300, "code": "c"}, follow=True)
    assert any("valid state" in m for m in messages_of(response))
    assert not PlatformAccount.objects.exists()


def test_the_connections_page_lets_its_link_form_reach_tiktok_and_nothing_else(
    manager_client, agency, creator, settings
):
    settings.TIKTOK_AUTH_URL = "https://www.tiktok.com/v2/auth/authorize/"
    page = reverse(
        "platforms:creator-accounts", kwargs={"agency_slug": agency.slug, "pk": creator.pk}
    )
    policy = manager_client.get(page)["Content-Security-Policy"]
    assert "form-action 'self' https://www.tiktok.com;" in policy
    assert "script-src 'self';" in policy
    other = manager_client.get(reverse("platforms:accounts", kwargs={"agency_slug": agency.slug}))
    assert "form-action 'self';" in other["Content-Security-Policy"]


def test_the_creators_page_warns_about_a_grant_that_needs_a_person(manager_client, agency, creator):
    PlatformAccountFactory(creator=creator, handle="fine")
    PlatformAccountFactory(creator=creator, handle="gone", status=AccountStatus.RECONNECT)
    PlatformAccountFactory(creator=creator, handle="partial", scopes=["video.list"])
    body = manager_client.get(
        reverse("creators:detail", kwargs={"agency_slug": agency.slug, "pk": creator.pk})
    ).content.decode()
    assert "@gone:" in body and "reconnect the account" in body
    assert "@partial:" in body and "Permissions not granted" in body
    assert "@fine:" not in body


def test_disconnecting_an_account_without_tokens_asks_tiktok_nothing(
    manager_client, agency, creator, tiktok
):
    account = PlatformAccountFactory(creator=creator, status=AccountStatus.RECONNECT, tokens=False)
    url = reverse("platforms:disconnect", kwargs={"agency_slug": agency.slug, "pk": account.pk})
    response = manager_client.post(url, follow=True)
    account.refresh_from_db()
    assert account.status == AccountStatus.DISCONNECTED
    assert tiktok.requests == []
    assert any("no longer has access" in m for m in messages_of(response))
