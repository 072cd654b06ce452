"""The roster pages: list with search, filters, sort and pages; detail; create, edit, offboard;
social accounts. Who sees which buttons, and what the page costs in queries."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from django.urls import reverse

from agencies.models import AuditLog
from agencies.roles import Role
from creators import roster_cache, services
from creators.models import Creator, CreatorStatus, SocialAccount
from tests.factories import CreatorFactory, NicheTagFactory, SocialAccountFactory
from tests.helpers import client_for, member

from .roster_data import bulk_roster
from .support import roster_url, scoping_queries


def _names(response) -> list[str]:
    return [c.display_name for c in response.context["creators"]]


@pytest.fixture
def roster(agency, owner, manager):
    """Three creators with different niches, countries, managers, statuses and followers."""
    beauty = NicheTagFactory(agency=agency, name="beauty")
    tech = NicheTagFactory(agency=agency, name="tech")
    mila = CreatorFactory(
        agency=agency,
        display_name="Mila Jansen",
        legal_name="Mila de Jong",
        email="mila@example.com",
        country="NL",
        account_manager=manager,
        niches=[beauty],
    )
    noah = CreatorFactory(
        agency=agency,
        display_name="noah bakker",
        email="noah@example.com",
        country="GB",
        account_manager=owner,
        status=CreatorStatus.PAUSED,
        niches=[tech],
    )
    sara = CreatorFactory(
        agency=agency,
        display_name="Sara Visser",
        email="sara@example.com",
        country="DE",
        niches=[beauty, tech],
    )
    SocialAccountFactory(creator=mila, handle="milamakes", followers=50_000)
    SocialAccountFactory(creator=mila, platform="instagram", handle="mila.ig", followers=5_000)
    SocialAccountFactory(creator=noah, handle="noahplays", followers=2_000_000)
    SocialAccountFactory(creator=sara, handle="saracooks", followers=12_000)
    return {"mila": mila, "noah": noah, "sara": sara}


# --- list ------------------------------------------------------------------------------------


def test_the_roster_lists_the_agencys_creators_sorted_by_name(
    manager_client, agency, other_agency, roster
):
    CreatorFactory(agency=other_agency, display_name="Anna Rival")

    response = manager_client.get(roster_url(agency))

    assert response.status_code == 200
    # Sorted case-insensitively: "noah bakker" between Mila and Sara.
    assert _names(response) == ["Mila Jansen", "noah bakker", "Sara Visser"]
    assert b"Anna Rival" not in response.content
    assert b"3 creators" in response.content


def test_the_roster_shows_total_followers_across_accounts(manager_client, agency, roster):
    response = manager_client.get(roster_url(agency))

    totals = {c.display_name: c.total_followers for c in response.context["creators"]}
    assert totals == {"Mila Jansen": 55_000, "noah bakker": 2_000_000, "Sara Visser": 12_000}
    assert b"55,000" in response.content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("mila", ["Mila Jansen"]),
        ("de jong", ["Mila Jansen"]),  # legal name, two words
        ("NOAH@example", ["noah bakker"]),  # e-mail, any case
        ("@saracooks", ["Sara Visser"]),  # a handle, with its @
        ("mila.ig", ["Mila Jansen"]),  # a second account finds the creator once
        ("nobody", []),
    ],
)
def test_search_matches_names_emails_and_handles(manager_client, agency, roster, query, expected):
    response = manager_client.get(roster_url(agency, q=query))

    assert _names(response) == expected


def test_a_handle_search_never_finds_another_agencys_creator(
    manager_client, agency, other_agency, roster
):
    SocialAccountFactory(creator=CreatorFactory(agency=other_agency), handle="rivalhandle")

    response = manager_client.get(roster_url(agency, q="rivalhandle"))

    assert _names(response) == []


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": "paused"}, ["noah bakker"]),
        ({"manager": "manager@acme.test"}, ["Mila Jansen"]),
        ({"manager": "none"}, ["Sara Visser"]),
        ({"niche": "beauty"}, ["Mila Jansen", "Sara Visser"]),
        ({"niche": "TECH"}, ["noah bakker", "Sara Visser"]),
        ({"country": "DE"}, ["Sara Visser"]),
        ({"niche": "beauty", "country": "NL"}, ["Mila Jansen"]),
    ],
)
def test_filters_narrow_the_roster(manager_client, agency, roster, filters, expected):
    response = manager_client.get(roster_url(agency, **filters))

    assert _names(response) == expected


def test_an_unknown_filter_value_is_reported_and_ignored(manager_client, agency, roster):
    response = manager_client.get(roster_url(agency, niche="no-such-niche", status="paused"))

    assert response.status_code == 200
    assert _names(response) == ["noah bakker"]
    assert response.context["filter"].form.errors["niche"]


def test_another_agencys_manager_or_niche_cannot_be_used_as_a_filter(
    manager_client, agency, other_agency, outsider, roster
):
    NicheTagFactory(agency=other_agency, name="rivalniche")

    response = manager_client.get(roster_url(agency, manager=outsider.email))
    assert "manager" in response.context["filter"].form.errors

    response = manager_client.get(roster_url(agency, niche="rivalniche"))
    assert "niche" in response.context["filter"].form.errors


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-name", ["Sara Visser", "noah bakker", "Mila Jansen"]),
        ("followers", ["Sara Visser", "Mila Jansen", "noah bakker"]),
        ("-followers", ["noah bakker", "Mila Jansen", "Sara Visser"]),
        ("country", ["Sara Visser", "noah bakker", "Mila Jansen"]),  # DE, GB, NL
        ("status", ["Mila Jansen", "Sara Visser", "noah bakker"]),  # active, then paused
        ("-created", ["Sara Visser", "noah bakker", "Mila Jansen"]),
    ],
)
def test_the_roster_sorts_by_each_column(manager_client, agency, roster, sort, expected):
    response = manager_client.get(roster_url(agency, sort=sort))

    assert _names(response) == expected


def test_the_roster_pages_by_25(manager_client, agency, manager):
    bulk_roster(agency, 30)

    first = manager_client.get(roster_url(agency))
    second = manager_client.get(roster_url(agency, page=2))
    beyond = manager_client.get(roster_url(agency, page=99))

    assert len(first.context["creators"]) == 25
    assert len(second.context["creators"]) == 5
    assert _names(beyond) == _names(second)  # past the end: the last page
    assert b'rel="next"' in first.content


def test_htmx_gets_only_the_table(manager_client, agency, roster):
    response = manager_client.get(roster_url(agency, q="mila"), HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="roster-table"')
    assert "<html" not in body
    assert "Mila Jansen" in body
    assert "noah bakker" not in body


def test_an_htmx_history_restore_gets_the_whole_page(manager_client, agency, roster):
    response = manager_client.get(
        roster_url(agency), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )

    assert b"<html" in response.content


def test_an_empty_roster_invites_to_add_or_import(manager_client, agency):
    response = manager_client.get(roster_url(agency))

    assert b"Your roster is empty" in response.content
    assert reverse("creators:import", args=[agency.slug]).encode() in response.content


def test_a_search_without_matches_says_so_and_offers_the_whole_roster(
    manager_client, agency, roster
):
    response = manager_client.get(roster_url(agency, q="zzz"))

    assert b"No creators match" in response.content
    assert b"Your roster is empty" not in response.content


def test_finance_reads_the_roster_without_edit_buttons(finance_client, agency, roster):
    response = finance_client.get(roster_url(agency))

    assert response.status_code == 200
    assert reverse("creators:create", args=[agency.slug]).encode() not in response.content
    assert reverse("creators:import", args=[agency.slug]).encode() not in response.content


def test_a_creator_cannot_open_the_roster(creator_client, agency, roster):
    assert creator_client.get(roster_url(agency)).status_code == 403


def _roster_page_queries(client, agency, django_assert_num_queries, **query):
    url = roster_url(agency, **query)
    client.get(url)  # the first visit also saves the session and caches the roster's facets
    # The table rendered (roster cache bypassed): savepoint (ATOMIC_REQUESTS), session, user,
    # memberships + agencies (agency_view), the page of creators with manager, login and total
    # followers, their niches, their social accounts, release. Was 13: the countries, the count and
    # the niche and manager choices of the filter form now come from the cache
    # (selectors.roster_facets, account_manager_options).
    with (
        patch.object(roster_cache, "usable", return_value=False),
        django_assert_num_queries(8 + scoping_queries()),
    ):
        response = client.get(url)
    assert response.status_code == 200
    # The table from the roster cache (creators/roster_cache.py): savepoint, session, user,
    # memberships + agencies, release.
    with django_assert_num_queries(5 + scoping_queries()):
        cached = client.get(url)
    assert _table(cached) == _table(response)
    return response


def _table(response) -> bytes:
    """The roster table of a page (the rest carries per-request nonces and tokens)."""
    content = response.content
    start = content.index(b'<div id="roster-table"')
    return content[start : content.index(b"</main>", start)]


@pytest.mark.parametrize("size", [10, 500])
def test_the_roster_page_costs_the_same_queries_for_10_or_500_creators(
    manager_client, agency, manager, size, django_assert_num_queries
):
    bulk_roster(agency, size, manager=manager)

    response = _roster_page_queries(manager_client, agency, django_assert_num_queries)

    assert len(response.context["creators"]) == min(size, 25)


@pytest.mark.parametrize("size", [10, 500])
def test_a_filtered_htmx_roster_costs_the_same_queries_for_10_or_500_creators(
    manager_client, agency, manager, size, django_assert_num_queries
):
    bulk_roster(agency, size, manager=manager)
    url = roster_url(
        agency, q="bulk", niche="beauty", manager=manager.email, sort="-followers", page=2
    )
    manager_client.get(url, HTTP_HX_REQUEST="true")
    # Rendered (roster cache bypassed): savepoint, session, user, memberships + agencies, the
    # manager and the niche named in the filters, count, the page, its niches, its social
    # accounts, release savepoint.
    with (
        patch.object(roster_cache, "usable", return_value=False),
        django_assert_num_queries(11 + scoping_queries()),
    ):
        response = manager_client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    # From the roster cache: savepoint, session, user, memberships + agencies, release.
    with django_assert_num_queries(5 + scoping_queries()):
        cached = manager_client.get(url, HTTP_HX_REQUEST="true")
    assert cached.content == response.content


# --- detail ----------------------------------------------------------------------------------


def test_the_detail_page_shows_the_creator_and_their_accounts(manager_client, agency, roster):
    mila = roster["mila"]

    response = manager_client.get(reverse("creators:detail", args=[agency.slug, mila.pk]))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Mila de Jong" in body
    assert "@milamakes" in body
    assert "manager@acme.test" in body
    assert reverse("creators:edit", args=[agency.slug, mila.pk]) in body


def test_community_managers_see_the_detail_without_edit_buttons(agency, roster):
    client = client_for(member(agency, Role.COMMUNITY_MANAGER))
    mila = roster["mila"]

    response = client.get(reverse("creators:detail", args=[agency.slug, mila.pk]))

    assert response.status_code == 200
    assert reverse("creators:edit", args=[agency.slug, mila.pk]).encode() not in response.content
    assert b"Offboard" not in response.content


def test_another_agencys_creator_is_a_404(manager_client, agency, other_agency):
    rival = CreatorFactory(agency=other_agency, display_name="Rival Person")

    response = manager_client.get(reverse("creators:detail", args=[agency.slug, rival.pk]))

    assert response.status_code == 404
    assert b"Rival Person" not in response.content


# --- create and edit -------------------------------------------------------------------------


def _form(**overrides) -> dict:
    return {
        "display_name": "Lotte de Vries",
        "email": "lotte@example.com",
        "legal_name": "",
        "country": "NL",
        "date_of_birth": "1999-02-03",
        "account_type": "creator",
        "status": "active",
        "account_manager": "",
        "user": "",
        "niches": "beauty, Food",
        "notes": "",
        **overrides,
    }


def test_a_manager_adds_a_creator(manager_client, agency, manager):
    response = manager_client.post(
        reverse("creators:create", args=[agency.slug]), _form(account_manager=manager.pk)
    )

    creator = Creator.objects.get(agency=agency, email="lotte@example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("creators:detail", args=[agency.slug, creator.pk])
    assert creator.account_manager == manager
    assert sorted(t.name for t in creator.niches.all()) == ["Food", "beauty"]
    assert AuditLog.objects.filter(action="creator.create", actor=manager).exists()


def test_adding_a_creator_with_a_taken_email_shows_the_error_next_to_the_field(
    manager_client, agency
):
    CreatorFactory(agency=agency, email="lotte@example.com")

    response = manager_client.post(
        reverse("creators:create", args=[agency.slug]), _form(email="LOTTE@example.com")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert Creator.objects.filter(agency=agency).count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("display_name", ""),
        ("email", "not-an-email"),
        ("country", "XX"),
        ("date_of_birth", "31-12-1999"),
        ("account_type", "celebrity"),
        ("status", "offboarded"),  # offboarding has its own, audited, action
    ],
)
def test_bad_input_is_reported_and_nothing_is_saved(manager_client, agency, field, value):
    response = manager_client.post(
        reverse("creators:create", args=[agency.slug]), _form(**{field: value})
    )

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Creator.objects.filter(agency=agency).exists()


def test_the_manager_list_offers_only_owners_and_managers_of_this_agency(
    manager_client, agency, owner, manager, finance, outsider
):
    response = manager_client.get(reverse("creators:create", args=[agency.slug]))

    choices = set(response.context["form"].fields["account_manager"].queryset)
    assert choices == {owner, manager}


def test_a_manager_edits_a_creator(manager_client, agency, manager, roster):
    mila = roster["mila"]
    url = reverse("creators:edit", args=[agency.slug, mila.pk])

    page = manager_client.get(url)
    assert page.context["form"].initial["niches"] == "beauty"

    response = manager_client.post(
        url,
        _form(display_name="Mila J.", email="mila@example.com", niches="beauty", status="paused"),
    )

    assert response.status_code == 302
    mila.refresh_from_db()
    assert mila.display_name == "Mila J."
    assert mila.status == CreatorStatus.PAUSED
    entry = AuditLog.objects.get(action="creator.update")
    assert entry.after["display_name"] == "Mila J."


def test_finance_cannot_edit(finance_client, agency, roster):
    mila = roster["mila"]

    response = finance_client.post(
        reverse("creators:edit", args=[agency.slug, mila.pk]), _form(display_name="Hacked")
    )

    assert response.status_code == 403
    mila.refresh_from_db()
    assert mila.display_name == "Mila Jansen"


# --- offboard and reactivate -----------------------------------------------------------------


def test_offboarding_asks_for_confirmation_then_offboards(manager_client, agency, roster):
    mila = roster["mila"]
    url = reverse("creators:offboard", args=[agency.slug, mila.pk])

    confirm = manager_client.get(url)
    assert confirm.status_code == 200
    mila.refresh_from_db()
    assert mila.status == CreatorStatus.ACTIVE

    response = manager_client.post(url, {"reason": "Moved to another agency"})

    assert response.status_code == 302
    mila.refresh_from_db()
    assert mila.status == CreatorStatus.OFFBOARDED
    assert AuditLog.objects.get(action="creator.offboard").after["reason"] == (
        "Moved to another agency"
    )


def test_an_offboarded_creator_is_reactivated_from_their_page(manager_client, agency, roster):
    mila = roster["mila"]
    services.creator_offboard(creator=mila, actor=None)

    detail = manager_client.get(reverse("creators:detail", args=[agency.slug, mila.pk]))
    assert b"Reactivate" in detail.content
    response = manager_client.post(reverse("creators:reactivate", args=[agency.slug, mila.pk]))

    assert response.status_code == 302
    mila.refresh_from_db()
    assert mila.status == CreatorStatus.ACTIVE


def test_the_edit_form_of_an_offboarded_creator_has_no_status(manager_client, agency, roster):
    mila = roster["mila"]
    services.creator_offboard(creator=mila, actor=None)

    response = manager_client.get(reverse("creators:edit", args=[agency.slug, mila.pk]))

    assert "status" not in response.context["form"].fields


# --- social accounts -------------------------------------------------------------------------


def test_a_manager_adds_edits_and_removes_a_social_account(manager_client, agency, roster):
    sara = roster["sara"]

    manager_client.post(
        reverse("creators:socialaccount-create", args=[agency.slug, sara.pk]),
        {"platform": "youtube", "handle": "@saracooks", "profile_url": "", "followers": "900"},
    )
    account = SocialAccount.objects.get(creator=sara, platform="youtube")
    assert account.profile_url == "https://www.youtube.com/@saracooks"

    manager_client.post(
        reverse("creators:socialaccount-edit", args=[agency.slug, sara.pk, account.pk]),
        {"platform": "youtube", "handle": "saracooks", "profile_url": "", "followers": "1500"},
    )
    account.refresh_from_db()
    assert account.followers == 1500

    response = manager_client.post(
        reverse("creators:socialaccount-delete", args=[agency.slug, sara.pk, account.pk])
    )
    assert response.status_code == 302
    assert not SocialAccount.objects.filter(pk=account.pk).exists()
    assert [e.action for e in AuditLog.objects.order_by("id")] == [
        "social_account.add",
        "social_account.update",
        "social_account.remove",
    ]


def test_a_taken_handle_is_reported_on_the_form(manager_client, agency, roster):
    sara = roster["sara"]

    response = manager_client.post(
        reverse("creators:socialaccount-create", args=[agency.slug, sara.pk]),
        {"platform": "tiktok", "handle": "MilaMakes", "followers": "1"},
    )

    assert response.status_code == 200
    assert "Mila Jansen" in response.context["form"].errors["handle"][0]


def test_an_account_is_reached_only_through_its_own_creator(manager_client, agency, roster):
    mila, sara = roster["mila"], roster["sara"]
    account = mila.social_accounts.first()

    response = manager_client.get(
        reverse("creators:socialaccount-edit", args=[agency.slug, sara.pk, account.pk])
    )

    assert response.status_code == 404


def test_the_country_filter_offers_the_countries_the_roster_uses(manager_client, agency, roster):
    response = manager_client.get(roster_url(agency))

    offered = [
        code for code, _name in response.context["filter"].form.fields["country"].widget.choices
    ]
    assert offered == ["", "DE", "GB", "NL"]


def test_any_country_can_still_be_asked_for(manager_client, agency, roster):
    response = manager_client.get(roster_url(agency, country="JP"))

    assert _names(response) == []
    assert not response.context["filter"].form.errors
    assert b'value="JP" selected' in response.content


def test_the_cached_facets_follow_the_services_that_write_creators(
    manager_client, agency, manager, roster
):
    # given: a visit has cached the roster's countries, niches and count
    body = manager_client.get(roster_url(agency)).content.decode()
    assert "3 creators" in body
    assert '<option value="FR"' not in body

    # when: a creator in a new country with a new niche joins through the service
    services.creator_create(
        agency=agency,
        actor=manager,
        display_name="Zoe Martin",
        email="zoe@example.com",
        country="FR",
        niches=["travel"],
    )

    # then: the next page counts and offers them
    body = manager_client.get(roster_url(agency)).content.decode()
    assert "4 creators" in body
    assert '<option value="FR">France</option>' in body
    assert '<option value="travel">travel</option>' in body
    # ... and a creator moved to another country is offered there too
    services.creator_update(creator=roster["sara"], actor=manager, country="BE")
    body = manager_client.get(roster_url(agency)).content.decode()
    assert '<option value="BE">Belgium</option>' in body
    assert '<option value="DE"' not in body


def test_the_filter_selects_keep_the_chosen_values(manager_client, agency, manager, roster):
    body = manager_client.get(
        roster_url(agency, country="NL", niche="beauty", manager=manager.email, status="active")
    ).content.decode()

    assert '<option value="NL" selected>Netherlands</option>' in body
    assert '<option value="beauty" selected>beauty</option>' in body
    assert f'<option value="{manager.email}" selected>' in body
    assert '<option value="active" selected>' in body
    assert '<option value="none">Unassigned</option>' in body
