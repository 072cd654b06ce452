"""The roster cache (creators/roster_cache.py): the roster table and the API list pages are
served from the cache until a committed write changes what they show, never to another
agency, role, language or address, and never stale after a write."""

from __future__ import annotations

import io
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agencies.models import Membership
from agencies.roles import Role
from agencies.services import membership_set_role
from agencies.tokens import api_token_create
from core.db_scope import tenant_transaction
from creators import roster_cache, services
from creators.insights import rate_cards
from creators.insights import services as insight_services
from creators.models import Creator, SocialAccount
from tests.factories import CreatorFactory, NicheTagFactory, SocialAccountFactory
from tests.helpers import client_for, member, scoping_queries

from .support import roster_url


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs a block as if its transaction committed: its roster-version bumps happen."""

    def run(block):
        with django_capture_on_commit_callbacks(execute=True):
            return block()

    return run


@pytest.fixture
def roster(agency, manager, committed):
    def build():
        beauty = NicheTagFactory(agency=agency, name="beauty")
        mila = CreatorFactory(
            agency=agency,
            display_name="Mila Jansen",
            legal_name="Mila de Jong",
            email="mila@example.com",
            country="NL",
            account_manager=manager,
            niches=[beauty],
        )
        SocialAccountFactory(creator=mila, handle="milamakes", followers=50_000)
        return mila

    return committed(build)


def _api(user, agency) -> Client:
    membership = Membership.objects.get(user=user, agency=agency)
    _token, plain = api_token_create(membership=membership, name="test", actor=user)
    return Client(HTTP_AUTHORIZATION=f"Token {plain}")


def _api_url(agency) -> str:
    return reverse("api:creator-list", args=[agency.slug])


def _committed_version(agency) -> str:
    return roster_cache.committed_version(agency.pk)


# --- every write that changes the roster replaces the version -------------------------------


def _tiers() -> dict:
    return {
        "micro": {"min_followers": 5_000, "fee_min": D("20"), "fee_max": D("100")},
        "mid": {"min_followers": 60_000, "fee_min": D("100"), "fee_max": D("1000")},
        "macro": {"min_followers": 500_000, "fee_min": D("1000"), "fee_max": D("3000")},
        "mega": {"min_followers": 1_000_000, "fee_min": D("3000"), "fee_max": None},
    }


ROSTER_IMPORT = (
    "display_name,email,country,niches,tiktok_handle,tiktok_followers\n"
    "Noah Bakker,noah@example.com,GB,tech,noahplays,12000\n"
)

WRITES = {
    "creator_create": lambda c: services.creator_create(
        agency=c["agency"], actor=c["owner"], display_name="Noah", email="noah@example.com"
    ),
    "creator_update": lambda c: services.creator_update(
        creator=c["mila"], actor=c["owner"], display_name="Mila J."
    ),
    "creator_update (niches)": lambda c: services.creator_update(
        creator=c["mila"], actor=c["owner"], niches=["fashion"]
    ),
    "creator_offboard": lambda c: services.creator_offboard(
        creator=c["mila"], actor=c["owner"], reason="left"
    ),
    "social_account_add": lambda c: services.social_account_add(
        creator=c["mila"], actor=c["owner"], platform="instagram", handle="mila.ig"
    ),
    "social_account_update": lambda c: services.social_account_update(
        account=c["mila"].social_accounts.get(), actor=c["owner"], followers=70_000
    ),
    "social_account_remove": lambda c: services.social_account_remove(
        account=c["mila"].social_accounts.get(), actor=c["owner"]
    ),
    "niche_tags_get_or_create": lambda c: services.niche_tags_get_or_create(
        agency=c["agency"], names=["gaming"]
    ),
    "account_snapshot_record (followers)": lambda c: insight_services.account_snapshot_record(
        account=c["mila"].social_accounts.get(),
        actor=c["owner"],
        date=timezone.localdate(),
        followers=80_000,
        views_last_30_days=100_000,
    ),
    "rate_card_update": lambda c: rate_cards.rate_card_update(
        agency=c["agency"], actor=c["owner"], tiers=_tiers(), currency="EUR"
    ),
    "membership_set_role (manager choices)": lambda c: membership_set_role(
        membership=Membership.objects.get(user=c["manager"], agency=c["agency"]),
        role=Role.FINANCE,
        actor=c["owner"],
    ),
    "import_roster command": lambda c: call_command(
        "import_roster",
        "--agency",
        c["agency"].slug,
        str(c["csv"]),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    ),
    "the manager renames themselves": lambda c: (
        c["manager"].__class__.objects.filter(pk=c["manager"].pk).update(first_name="Renamed")
    ),
    "bulk_update of followers": lambda c: SocialAccount.objects.bulk_update(
        [SocialAccount(pk=a.pk, followers=1) for a in c["mila"].social_accounts.all()],
        ["followers"],
    ),
    "raw SQL": lambda c: connection.cursor().execute(
        "UPDATE creators_creator SET email = 'x@example.com' WHERE id = %s", [c["mila"].pk]
    ),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_every_write_to_what_the_roster_shows_replaces_its_version(
    write, agency, owner, manager, roster, committed, tmp_path
):
    csv = tmp_path / "roster.csv"
    csv.write_text(ROSTER_IMPORT)
    before = _committed_version(agency)

    context = {"agency": agency, "owner": owner, "manager": manager, "mila": roster, "csv": csv}

    committed(lambda: write(context))

    assert _committed_version(agency) != before


def test_reading_the_roster_or_signing_in_keeps_the_version(
    agency, manager, manager_client, roster
):
    manager_client.get(roster_url(agency))
    before = _committed_version(agency)

    client_for(manager).get(roster_url(agency))  # signing in writes last_login
    Creator.objects.filter(agency=agency).count()

    assert _committed_version(agency) == before


# --- served from the cache, and fresh after a write -----------------------------------------


def test_a_committed_edit_shows_on_the_next_page_and_api_list(
    agency, manager, manager_client, roster, committed
):
    api = _api(manager, agency)
    assert b"Mila Jansen" in manager_client.get(roster_url(agency)).content
    assert api.get(_api_url(agency)).json()["results"][0]["display_name"] == "Mila Jansen"

    edit = reverse("creators:edit", args=[agency.slug, roster.pk])
    page = manager_client.get(edit)
    data = {**page.context["form"].initial, "display_name": "Mila Visser"}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    response = committed(lambda: manager_client.post(edit, data))

    assert response.status_code == 302
    assert b"Mila Visser" in manager_client.get(roster_url(agency)).content
    assert api.get(_api_url(agency)).json()["results"][0]["display_name"] == "Mila Visser"


def test_a_rolled_back_write_is_never_served(agency, manager_client, roster, committed):
    url = roster_url(agency)
    manager_client.get(url)
    with pytest.raises(RuntimeError), transaction.atomic():
        Creator.objects.filter(pk=roster.pk).update(display_name="Never committed")
        assert b"Never committed" in manager_client.get(url).content  # its own writes
        raise RuntimeError

    assert b"Never committed" not in manager_client.get(url).content
    assert b"Mila Jansen" in manager_client.get(url).content


def test_an_unchanged_roster_is_answered_from_the_cache(
    agency, manager_client, roster, django_assert_num_queries
):
    url = roster_url(agency, sort="-created")
    rendered = manager_client.get(url, HTTP_HX_REQUEST="true")
    key_parts = roster_cache.version(agency.pk)

    # savepoint, session, user, membership + agency, release: no roster query at all.
    with django_assert_num_queries(5 + scoping_queries()):
        cached = manager_client.get(url, HTTP_HX_REQUEST="true")

    assert cached.content == rendered.content
    assert roster_cache.version(agency.pk) == key_parts


# --- never to another agency, role, language or address --------------------------------------


def test_another_agency_never_gets_this_agencys_cached_page(
    agency, other_agency, manager_client, roster, committed
):
    other_manager = committed(lambda: member(other_agency, Role.MANAGER))
    committed(
        lambda: CreatorFactory(agency=other_agency, display_name="Zoe Other", email="z@x.test")
    )
    other_client = client_for(other_manager)
    manager_client.get(roster_url(agency))
    manager_client.get(_api_url(agency))

    page = other_client.get(roster_url(other_agency)).content
    api = _api(other_manager, other_agency).get(_api_url(other_agency)).json()

    assert b"Zoe Other" in page
    assert b"Mila Jansen" not in page
    assert [row["display_name"] for row in api["results"]] == ["Zoe Other"]
    assert roster_cache.key("table", agency_id=agency.pk, role="m", parts=["/"]) != (
        roster_cache.key("table", agency_id=other_agency.pk, role="m", parts=["/"])
    )


def test_a_write_in_one_agencys_scope_keeps_another_agencys_version(
    agency, other_agency, owner, roster, committed
):
    before = _committed_version(other_agency)

    def write():
        with tenant_transaction(agency.pk):
            services.creator_update(creator=roster, actor=owner, display_name="Mila J.")

    committed(write)

    # On PostgreSQL the write's row-level-security scope names its agency; elsewhere every
    # agency's version is replaced (correct, only less precise).
    assert (_committed_version(other_agency) == before) == (connection.vendor == "postgresql")


def test_a_users_rename_in_one_agencys_scope_replaces_every_agencys_version(
    agency, other_agency, manager, committed
):
    # The manager's name shows in every roster they manage in, whichever agency's page
    # they renamed themselves on.
    before = _committed_version(other_agency)

    def rename():
        with tenant_transaction(agency.pk):
            manager.__class__.objects.filter(pk=manager.pk).update(last_name="Renamed")

    committed(rename)

    assert _committed_version(other_agency) != before


def test_a_role_that_cannot_edit_never_gets_the_edit_buttons_cached_for_another(
    agency, manager_client, finance_client, roster
):
    create = reverse("creators:create", args=[agency.slug]).encode()
    assert create in manager_client.get(roster_url(agency)).content

    assert create not in finance_client.get(roster_url(agency)).content


def test_a_search_by_legal_name_is_cached_per_role(agency, manager_client, finance_client, roster):
    url = roster_url(agency, q="de Jong")
    assert b"Mila Jansen" in manager_client.get(url, HTTP_HX_REQUEST="true").content

    assert b"Mila Jansen" not in finance_client.get(url, HTTP_HX_REQUEST="true").content


def test_each_language_gets_its_own_table(agency, manager_client, roster):
    english = manager_client.get(roster_url(agency), HTTP_HX_REQUEST="true")

    dutch = manager_client.get(
        roster_url(agency), HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="nl"
    )

    assert b"Followers" in english.content
    assert b"Volgers" in dutch.content


def test_the_api_links_follow_the_host_asked(agency, manager, committed):
    committed(
        lambda: [
            CreatorFactory(agency=agency, display_name=f"C{n:03}", email=f"c{n}@x.test")
            for n in range(60)
        ]
    )
    api = _api(manager, agency)

    first = api.get(_api_url(agency), HTTP_HOST="testserver").json()
    second = api.get(_api_url(agency), HTTP_HOST="localhost").json()

    assert first["next"].startswith("http://testserver/")
    assert second["next"].startswith("http://localhost/")


def test_the_api_keeps_each_media_type_of_the_list_apart(agency, manager, roster, committed):
    # As JSON the rendered body is kept: an indented answer asked for by its media type, the
    # browsable API and the plain JSON must each come back as asked, from the cache too.
    api = _api(manager, agency)
    url = _api_url(agency)
    for _ in range(2):  # the second round from the cache
        plain = api.get(url)
        indented = api.get(url, HTTP_ACCEPT="application/json; indent=4")
        browsable = api.get(url, HTTP_ACCEPT="text/html")

        assert plain["Content-Type"] == indented["Content-Type"] == "application/json"
        assert plain.json() == indented.json()
        assert plain.json()["results"][0]["display_name"] == "Mila Jansen"
        assert b"\n    " not in plain.content and b'\n    "count"' in indented.content
        assert browsable["Content-Type"].startswith("text/html")
        assert b"Mila Jansen" in browsable.content
        assert "Accept" in plain["Vary"]


def test_an_eligibility_filter_is_never_cached(agency, manager_client, roster):
    assert not roster_cache.usable({"eligibility": "creativity_program"})
    assert not roster_cache.usable({"can_reapply": "true"})
    assert roster_cache.usable({"q": "mila", "sort": "-followers", "page": "2"})


def test_a_roster_import_through_the_page_shows_at_once(
    agency, owner, owner_client, roster, committed
):
    owner_client.get(roster_url(agency))
    upload = SimpleUploadedFile("roster.csv", ROSTER_IMPORT.encode(), content_type="text/csv")

    committed(
        lambda: owner_client.post(reverse("creators:import", args=[agency.slug]), {"file": upload})
    )

    assert Creator.objects.filter(agency=agency, display_name="Noah Bakker").exists()
    assert b"Noah Bakker" in owner_client.get(roster_url(agency)).content
