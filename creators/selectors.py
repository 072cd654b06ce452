from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Lower

from agencies.models import Agency
from agencies.roles import Role

from . import roster_cache
from .insights import rate_cards
from .models import Creator, CreatorStatus, NicheTag, SocialAccount
from .permissions import ACCOUNT_MANAGER_ROLES


def roster_summary(*, agency: Agency) -> dict[str, int]:
    """Creator counts per status, in one query."""
    return Creator.objects.for_agency(agency).aggregate(
        total=Count("id"),
        active=Count("id", filter=Q(status=CreatorStatus.ACTIVE)),
        paused=Count("id", filter=Q(status=CreatorStatus.PAUSED)),
        offboarded=Count("id", filter=Q(status=CreatorStatus.OFFBOARDED)),
    )


def total_followers_subquery() -> Coalesce:
    # A subquery rather than Sum() over a join: filters that join social accounts (search by
    # handle) or niches must not multiply or narrow the total.
    totals = (
        SocialAccount.objects.filter(creator=OuterRef("pk"))
        .order_by()
        .values("creator")
        .annotate(total=Sum("followers"))
        .values("total")
    )
    return Coalesce(Subquery(totals), Value(0))


def roster(*, agency: Agency) -> QuerySet[Creator]:
    """The agency's creators as the roster shows them: account manager and login joined,
    niches and social accounts prefetched, `total_followers` annotated, and the brand-deal
    `tier` of the largest account (`top_followers`), sorted by name.

    A page of it costs three queries however many rows it has (rows, niches, accounts)."""
    return (
        Creator.objects.for_agency(agency)
        .select_related("account_manager", "user")
        .prefetch_related(
            Prefetch("niches", queryset=NicheTag.objects.order_by(Lower("name"))),
            Prefetch("social_accounts", queryset=SocialAccount.objects.order_by("-followers")),
        )
        .annotate(total_followers=total_followers_subquery())
        .annotate(top_followers=rate_cards.top_followers_subquery())
        .annotate(tier=rate_cards.tier_expression("top_followers"))
        .order_by(Lower("display_name"), "id")
    )


@dataclass(frozen=True)
class RosterFacets:
    """What every roster page shows besides its rows: the filter's country and niche choices
    and the size of the whole roster. Cached per agency under its roster version
    (creators/roster_cache.py: any committed write to the roster replaces it)."""

    countries: list[str]
    niches: list[str]
    count: int


# An upper bound only: a write to the roster replaces the version the entry is kept under.
ROSTER_FACETS_TIMEOUT = 60 * 60
# Account managers are memberships, a table the roster version watches too.
MANAGER_CHOICES_TIMEOUT = 60 * 60


def _facets_key(agency_id: int) -> str:
    return f"creators:roster-facets:{agency_id}:{roster_cache.version(agency_id)}"


def roster_facets(*, agency: Agency) -> RosterFacets:
    """The roster's facets from the cache, or three queries (countries, niches, count)."""

    def compute() -> RosterFacets:
        return RosterFacets(
            countries=roster_countries(agency=agency),
            niches=list(agency_niches(agency=agency).values_list("name", flat=True)),
            count=Creator.objects.for_agency(agency).count(),
        )

    return roster_cache.cached(_facets_key(agency.pk), compute, ROSTER_FACETS_TIMEOUT)


def roster_facets_forget(*, agency_id: int) -> None:
    """Drop the cached facets now and again when the writing transaction commits. Belt and
    braces: the commit replaces the roster version the facets are kept under anyway
    (creators/roster_cache.py)."""
    key = _facets_key(agency_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def account_manager_options(*, agency: Agency) -> list[tuple[str, str]]:
    """(e-mail, label) of `account_manager_choices`, cached under the roster version."""

    def compute() -> list[tuple[str, str]]:
        return [(user.email, str(user)) for user in account_manager_choices(agency=agency)]

    key = f"creators:manager-options:{agency.pk}:{roster_cache.version(agency.pk)}"
    return roster_cache.cached(key, compute, MANAGER_CHOICES_TIMEOUT)


def roster_rows(*, agency: Agency) -> QuerySet[Creator]:
    """The roster for list pages and the API list, sorted by name: manager and login
    joined; niches and social accounts prefetched as plain lists (`niche_list`,
    `account_list`: the related managers build a queryset per creator when prefetched).
    No annotations: their subqueries were most of the cost of building and cloning the
    query. `roster_rows_complete` works the followers and the tier out for a page of them
    (sorting by followers adds `total_followers` in SQL: filters.CreatorFilter).

    A page of it costs three queries however many rows it has (rows, niches, accounts)."""
    niches = NicheTag.objects.order_by(Lower("name"))
    accounts = SocialAccount.objects.order_by("-followers")
    return (
        Creator.objects.for_agency(agency)
        .select_related("account_manager", "user")
        .prefetch_related(
            Prefetch("niches", queryset=niches, to_attr="niche_list"),
            Prefetch("social_accounts", queryset=accounts, to_attr="account_list"),
        )
        .order_by(Lower("display_name"), "id")
    )


def roster_rows_complete(creators: Iterable[Creator], *, agency: Agency) -> list[Creator]:
    """A page of `roster_rows` with what `roster` annotates in SQL, from its accounts:
    `total_followers`, `top_followers` (largest account; None without accounts) and the
    rate-card `tier` of the largest account (the agency's card, cached)."""
    bands = rate_cards.rate_card_cached(agency=agency)
    rows = list(creators)
    for creator in rows:
        followers = [account.followers for account in creator.account_list]
        creator.total_followers = sum(followers)
        creator.top_followers = max(followers, default=None)
        band = rate_cards.band_for(creator.top_followers, bands)
        creator.tier = str(band.tier) if band is not None else None
    return rows


def account_manager_choices(*, agency: Agency) -> QuerySet:
    """Users who can manage creators here: the agency's owners and account managers."""
    return (
        get_user_model()
        .objects.filter(memberships__agency=agency, memberships__role__in=ACCOUNT_MANAGER_ROLES)
        .order_by("email")
    )


def creator_members(*, agency: Agency) -> QuerySet:
    return (
        get_user_model()
        .objects.filter(memberships__agency=agency, memberships__role=Role.CREATOR)
        .order_by("email")
    )


def creator_login_choices(*, agency: Agency, creator: Creator | None = None) -> QuerySet:
    """Creator members of the agency without a roster entry (plus `creator`'s own login)."""
    linked = Creator.objects.for_agency(agency).filter(user__isnull=False)
    if creator is not None and creator.pk:
        linked = linked.exclude(pk=creator.pk)
    return creator_members(agency=agency).exclude(pk__in=linked.values("user_id"))


def roster_countries(*, agency: Agency) -> list[str]:
    """The country codes the agency's roster uses, in one query."""
    return sorted(
        code
        for code in Creator.objects.for_agency(agency)
        .order_by()
        .values_list("country", flat=True)
        .distinct()
        if code
    )


def agency_niches(*, agency: Agency) -> QuerySet[NicheTag]:
    return NicheTag.objects.for_agency(agency).order_by(Lower("name"))


def own_creator(*, agency: Agency, user) -> Creator | None:
    """The roster entry linked to `user`'s login in `agency`, if any."""
    return (
        Creator.objects.for_agency(agency)
        .filter(user=user)
        .select_related("account_manager")
        .prefetch_related(
            Prefetch("niches", queryset=NicheTag.objects.order_by(Lower("name"))),
            Prefetch("social_accounts", queryset=SocialAccount.objects.order_by("-followers")),
        )
        .annotate(total_followers=total_followers_subquery())
        .first()
    )
