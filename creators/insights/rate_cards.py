"""Brand-deal rate cards: tiers by followers and a suggested fee per post.

Defaults (DESIGN.md, "Brand-deal tiers", per post): micro 10k-50k $25-$125 · mid 50k-500k
$125-$1,250 · macro 500k-1M $1,250-$2,500 · mega 1M+ $2,500+. An agency tunes them on its rate
card page; until it first saves, the defaults apply (the four rows are written on that first
save, so a reader never writes).

A tier runs from its `min_followers` up to the next tier's, so tiers can neither overlap nor
leave gaps; a creator is placed by their largest account (a post goes out on one account).
The suggested fee interpolates linearly inside the tier's range by where the followers sit
between the tier's bounds; the open-ended top tier suggests its minimum.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, CharField, Exists, OuterRef, Subquery, Value, When
from django.utils.translation import gettext as _

from agencies.audit import audit_record
from agencies.models import Agency
from core.money import quantize
from creators.models import RateCardTier, SocialAccount, Tier

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser

DEFAULT_CURRENCY = "USD"
TIER_ORDER: tuple[str, ...] = (Tier.MICRO, Tier.MID, Tier.MACRO, Tier.MEGA)


@dataclass(frozen=True)
class Band:
    """One tier with its derived upper bound (`max_followers` exclusive; None: open)."""

    tier: str
    min_followers: int
    max_followers: int | None
    fee_min: Decimal
    fee_max: Decimal | None
    currency: str

    @property
    def label(self) -> str:
        return str(Tier(self.tier).label)

    def as_dict(self) -> dict[str, Any]:
        return {
            "tier": self.tier,
            "min_followers": self.min_followers,
            "max_followers": self.max_followers,
            "fee_min": self.fee_min,
            "fee_max": self.fee_max,
            "currency": self.currency,
        }


DEFAULT_TIERS: tuple[tuple[str, int, Decimal, Decimal | None], ...] = (
    (Tier.MICRO, 10_000, Decimal("25.00"), Decimal("125.00")),
    (Tier.MID, 50_000, Decimal("125.00"), Decimal("1250.00")),
    (Tier.MACRO, 500_000, Decimal("1250.00"), Decimal("2500.00")),
    (Tier.MEGA, 1_000_000, Decimal("2500.00"), None),
)


def bands_from(rows: Iterable[tuple[str, int, Decimal, Decimal | None, str]]) -> list[Band]:
    """(tier, min_followers, fee_min, fee_max, currency) rows as bands, lowest first."""
    ordered = sorted(rows, key=lambda r: r[1])
    return [
        Band(
            tier,
            minimum,
            ordered[i + 1][1] if i + 1 < len(ordered) else None,
            fee_min,
            fee_max,
            currency,
        )
        for i, (tier, minimum, fee_min, fee_max, currency) in enumerate(ordered)
    ]


def default_bands() -> list[Band]:
    return bands_from((t, m, lo, hi, DEFAULT_CURRENCY) for t, m, lo, hi in DEFAULT_TIERS)


def band_for(followers: int | None, bands: Sequence[Band]) -> Band | None:
    """The tier `followers` falls in (its minimum inclusive), or None below the lowest."""
    if followers is None:
        return None
    found = None
    for band in bands:
        if followers >= band.min_followers:
            found = band
    return found


def suggested_fee(followers: int, band: Band) -> Decimal:
    """A point inside the band's fee range, linear in followers; the open top tier (or one
    without a maximum fee) suggests its minimum."""
    if band.fee_max is None or band.max_followers is None:
        return quantize(band.fee_min, band.currency)
    span = band.max_followers - band.min_followers
    position = Decimal(min(max(followers - band.min_followers, 0), span)) / Decimal(span)
    return quantize(band.fee_min + (band.fee_max - band.fee_min) * position, band.currency)


# --- reading -----------------------------------------------------------------------------------


def rate_card(*, agency: Agency) -> list[Band]:
    """The agency's tiers, lowest first (the defaults until the agency saves its own)."""
    rows = list(
        RateCardTier.objects.for_agency(agency).values_list(
            "tier", "min_followers", "fee_min", "fee_max", "currency"
        )
    )
    return bands_from(rows) if rows else default_bands()


# Changed only by `rate_card_update`, which forgets it; the timeout is an upper bound.
RATE_CARD_CACHE_TIMEOUT = 60 * 60


def _cache_key(agency_id: int) -> str:
    return f"creators:rate-card:{agency_id}"


def rate_card_cached(*, agency: Agency) -> list[Band]:
    """`rate_card` from the cache (list pages place every row in a tier)."""
    bands = cache.get(_cache_key(agency.pk))
    if bands is None:
        bands = rate_card(agency=agency)
        cache.set(_cache_key(agency.pk), bands, RATE_CARD_CACHE_TIMEOUT)
    return bands


def top_followers_subquery() -> Subquery:
    """The followers of the creator's largest account (NULL without accounts)."""
    return Subquery(
        SocialAccount.objects.filter(creator=OuterRef("pk"))
        .order_by("-followers")
        .values("followers")[:1]
    )


def tier_expression(followers: str) -> Case:
    """SQL for the tier of a creator whose followers are the annotation `followers`: the
    agency's own tiers once it has saved them, else the defaults. Lets the roster show the
    tier without one more query."""
    own = Subquery(
        RateCardTier.objects.filter(
            agency=OuterRef("agency"), min_followers__lte=OuterRef(followers)
        )
        .order_by("-min_followers")
        .values("tier")[:1]
    )
    defaults = Case(
        *(
            When(**{f"{followers}__gte": minimum}, then=Value(tier))
            for tier, minimum, _lo, _hi in reversed(DEFAULT_TIERS)
        ),
        default=Value(None),
        output_field=CharField(),
    )
    return Case(
        When(Exists(RateCardTier.objects.filter(agency=OuterRef("agency"))), then=own),
        default=defaults,
        output_field=CharField(),
    )


# --- writing -----------------------------------------------------------------------------------


def _snapshot(bands: Iterable[Band]) -> dict[str, Any]:
    return {
        band.tier: {
            "min_followers": band.min_followers,
            "fee_min": str(band.fee_min),
            "fee_max": None if band.fee_max is None else str(band.fee_max),
            "currency": band.currency,
        }
        for band in bands
    }


def rate_card_errors(tiers: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Rules across the four tiers, keyed `<tier>_<field>` (the form's field names)."""
    errors: dict[str, list[str]] = {}
    previous: tuple[str, int] | None = None
    for tier in TIER_ORDER:
        values = tiers.get(tier)
        if values is None:
            errors.setdefault("__all__", []).append(
                _("Every tier needs its values: %(tier)s is missing.") % {"tier": tier}
            )
            continue
        minimum = values["min_followers"]
        fee_min, fee_max = values["fee_min"], values.get("fee_max")
        if minimum is None or minimum < 0:
            errors[f"{tier}_min_followers"] = [_("Enter a number of followers.")]
        elif previous is not None and minimum <= previous[1]:
            errors[f"{tier}_min_followers"] = [
                _("Must be more than the %(lower)s tier's %(n)s followers.")
                % {"lower": Tier(previous[0]).label, "n": f"{previous[1]:,}"}
            ]
        if minimum is not None:
            previous = (tier, minimum)
        if fee_min is None or fee_min < 0:
            errors[f"{tier}_fee_min"] = [_("Enter a fee of zero or more.")]
        if fee_max is None and tier != Tier.MEGA:
            errors[f"{tier}_fee_max"] = [_("Enter the upper end of the fee range.")]
        elif fee_max is not None and fee_min is not None and fee_max < fee_min:
            errors[f"{tier}_fee_max"] = [_("Must be at least the lower end of the range.")]
    return errors


@transaction.atomic
def rate_card_update(
    *,
    agency: Agency,
    actor: AbstractUser | None,
    tiers: dict[str, dict[str, Any]],
    currency: str,
) -> list[Band]:
    """Replace the agency's four tiers (writing them the first time). `tiers` maps each tier
    to `min_followers`, `fee_min` and `fee_max` (None: open-ended, mega only). Validates the
    whole card first (ascending minimums, ordered fees); audited as `rate_card.update`."""
    errors = rate_card_errors(tiers)
    if errors:
        raise ValidationError(errors)
    before = _snapshot(rate_card(agency=agency))
    existing = {
        row.tier: row
        for row in RateCardTier.objects.for_agency(agency).select_for_update().order_by("pk")
    }
    for tier in TIER_ORDER:
        values = tiers[tier]
        row = existing.get(tier) or RateCardTier(agency=agency, tier=tier)
        row.min_followers = values["min_followers"]
        row.fee_min = quantize(values["fee_min"], currency)
        fee_max = values.get("fee_max")
        row.fee_max = None if fee_max is None else quantize(fee_max, currency)
        row.currency = currency
        row.full_clean(exclude=["agency"], validate_unique=False, validate_constraints=False)
        row.save()
    key = _cache_key(agency.pk)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))  # a reader may have cached the old card
    bands = rate_card(agency=agency)
    after = _snapshot(bands)
    if after != before:
        audit_record(
            agency=agency,
            actor=actor,
            action="rate_card.update",
            before=before,
            after=after,
        )
    return bands
