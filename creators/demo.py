"""The demo data behind `manage.py seed_demo`: two agencies, staff of every role, a creator
login and about fifty creators with social accounts, 90 days of TikTok figures and a
dozen videos each for the insight pages, and a running campaign per agency
(campaigns/demo.py). Deterministic (fixed seed) and idempotent: people and creators are
looked up by e-mail, so a second run adds nothing."""

from __future__ import annotations

import io
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, Membership
from agencies.roles import Role
from core.db_scope import tenant_transaction

from . import services
from .models import (
    AccountSnapshot,
    AccountType,
    Creator,
    CreatorStatus,
    MetricsSource,
    Platform,
    SocialAccount,
    Video,
)

DEMO_PASSWORD = "talentdesk-demo"  # noqa: S105 - published on purpose, demo data only
SEED = 20240501


@dataclass(frozen=True)
class DemoAgency:
    slug: str
    name: str
    timezone: str
    currency: str
    creators: int
    countries: tuple[str, ...]
    brand_color: str = "#4f46e5"


AGENCIES = (
    DemoAgency(
        "northstar",
        "Northstar Talent",
        "Europe/Amsterdam",
        "EUR",
        30,
        ("NL", "NL", "NL", "BE", "DE", "FR", "ES", "IT", "US"),
        "#0f766e",
    ),
    DemoAgency(
        "lumen",
        "Lumen Creators",
        "Europe/London",
        "GBP",
        20,
        ("GB", "GB", "GB", "IE", "US", "CA"),
        "#b45309",
    ),
)

# (e-mail, first name, last name, [(agency slug, role)])
PEOPLE = (
    ("owner@northstar.test", "Olivia", "Brandt", [("northstar", Role.OWNER)]),
    (
        "manager@northstar.test",
        "Mark",
        "de Wit",
        [("northstar", Role.MANAGER), ("lumen", Role.FINANCE)],
    ),
    ("finance@northstar.test", "Fenna", "Kok", [("northstar", Role.FINANCE)]),
    ("community@northstar.test", "Chris", "Mulder", [("northstar", Role.COMMUNITY_MANAGER)]),
    ("creator@northstar.test", "Mila", "Jansen", [("northstar", Role.CREATOR)]),
    ("owner@lumen.test", "Leah", "Carter", [("lumen", Role.OWNER)]),
    ("manager@lumen.test", "Sam", "Patel", [("lumen", Role.MANAGER)]),
    ("community@lumen.test", "Ruby", "Evans", [("lumen", Role.COMMUNITY_MANAGER)]),
)

FIRST_NAMES = [
    "Mila",
    "Noah",
    "Sara",
    "Daan",
    "Emma",
    "Liam",
    "Julia",
    "Sem",
    "Tess",
    "Finn",
    "Zoë",
    "Luca",
    "Nora",
    "Milan",
    "Lotte",
    "Jesse",
    "Evi",
    "Bram",
    "Fleur",
    "Thijs",
    "Amira",
    "Yusuf",
    "Chloe",
    "Oliver",
    "Amelia",
    "Harry",
    "Isla",
    "Jack",
    "Freya",
    "Leo",
    "Maya",
    "Aria",
    "Theo",
    "Ivy",
    "Ezra",
    "Lena",
    "Hugo",
    "Elif",
    "Mateo",
    "Nina",
]
LAST_NAMES = (
    "de Vries",
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "Dekker",
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Wilson",
    "Evans",
    "Walker",
    "Wright",
    "Hughes",
    "Murphy",
    "Kelly",
    "Garcia",
    "Rossi",
    "Müller",
)
NICHES = (
    "beauty",
    "fashion",
    "finance",
    "tech",
    "education",
    "gaming",
    "food",
    "travel",
    "fitness",
    "comedy",
    "music",
    "parenting",
)
# Brand-deal tiers by followers (DESIGN.md): micro, mid, macro, mega, with their share.
TIERS = (
    (10_000, 50_000, 0.5),
    (50_000, 500_000, 0.33),
    (500_000, 1_000_000, 0.11),
    (1_000_000, 3_000_000, 0.06),
)


@dataclass(frozen=True)
class Login:
    email: str
    agencies: str


@dataclass
class DemoResult:
    logins: list[Login]
    agencies_created: int = 0
    users_created: int = 0
    creators_created: int = 0
    # agency slug -> the manager who approves its demo campaign's deliverables
    approvers: dict = field(default_factory=dict)


def draw_followers(rng: random.Random) -> int:
    """A follower count in one of the brand-deal tiers, the tier drawn by its share, rounded
    down to a hundred. (The roster benchmark draws its accounts' counts with it too.)"""
    draw = rng.random()
    for low, high, share in TIERS:
        if draw < share:
            return rng.randrange(low, high) // 100 * 100
        draw -= share
    return rng.randrange(*TIERS[-1][:2]) // 100 * 100


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()


def _handle(name: str, rng: random.Random) -> str:
    base = "".join(ch for ch in _ascii(name) if ch.isalnum() or ch == " ").split()
    style = rng.choice(["{a}{b}", "{a}.{b}", "{a}_{b}", "{a}makes", "its{a}"])
    return style.format(a=base[0], b=base[-1] if len(base) > 1 else "x")


def _logo(spec: DemoAgency) -> bytes:
    """A plain wordmark for the demo: the initials on the brand colour, then the name."""
    # Lazily: only the demo's logos are drawn, so ImageDraw and ImageFont load nowhere else.
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (520, 120), "#ffffff")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((10, 10, 110, 110), radius=18, fill=spec.brand_color)
    initials = "".join(word[0] for word in spec.name.split()[:2])
    draw.text((60, 60), initials, fill="#ffffff", font=ImageFont.load_default(48), anchor="mm")
    draw.text((130, 60), spec.name, fill="#111827", font=ImageFont.load_default(40), anchor="lm")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _user(email: str, first: str, last: str, result: DemoResult):
    user, created = get_user_model().objects.get_or_create(
        username=email, defaults={"email": email, "first_name": first, "last_name": last}
    )
    if created:
        result.users_created += 1
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user, created


@transaction.atomic
def seed_demo() -> DemoResult:
    """Create (or complete) the demo. Returns the logins to print."""
    rng = random.Random(SEED)  # one stream for everything: same data on every machine
    result = DemoResult(logins=[])
    agencies: dict[str, Agency] = {}
    for spec in AGENCIES:
        agency, created = Agency.objects.get_or_create(
            slug=spec.slug,
            defaults={
                "name": spec.name,
                "timezone": spec.timezone,
                "default_currency": spec.currency,
                "brand_color": spec.brand_color,
            },
        )
        if not agency.logo:
            agency.logo.save(f"{spec.slug}-demo.png", ContentFile(_logo(spec)), save=True)
        agencies[spec.slug] = agency
        result.agencies_created += created

    users, new_users = {}, []
    for email, first, last, roles in PEOPLE:
        user, created = _user(email, first, last, result)
        users[email] = user
        if created:
            new_users.append(user)
        for slug, role in roles:
            with tenant_transaction(agencies[slug].pk):
                Membership.objects.get_or_create(
                    user=user, agency=agencies[slug], defaults={"role": role}
                )
        result.logins.append(
            Login(email, ", ".join(f"{agencies[s].name} ({Role(r).label})" for s, r in roles))
        )
    if new_users:
        # Every demo login has the same published password: hashed once, not once per login
        # (PBKDF2 takes ~0.3 s a time: most of a fresh seed's time).
        password = make_password(DEMO_PASSWORD)
        for user in new_users:
            user.password = password
        get_user_model().objects.bulk_update(new_users, ["password"])

    for spec in AGENCIES:
        # Each agency's demo in one transaction scoped to it (row-level security).
        with tenant_transaction(agencies[spec.slug].pk):
            _seed_agency(spec, agencies[spec.slug], users, rng, result)
    return result


def _seed_agency(spec, agency: Agency, users: dict, rng: random.Random, result: DemoResult) -> None:
    managers = [
        users[email]
        for email, _f, _l, roles in PEOPLE
        if any(s == spec.slug and r in (Role.OWNER, Role.MANAGER) for s, r in roles)
    ]
    existing = set(Creator.objects.for_agency(agency).values_list("email", flat=True))
    handles: set[str] = set()
    for index in range(spec.creators):
        # Draw everything for this creator before deciding whether it exists, so the
        # random stream (and with it every later creator) is the same on each run.
        # Fewer creators per agency than first names: names and e-mails never repeat.
        first = FIRST_NAMES[(index + 3 * len(spec.slug)) % len(FIRST_NAMES)]
        last = LAST_NAMES[(index * 7 + len(spec.slug)) % len(LAST_NAMES)]
        name = f"{first} {last}"
        email = _ascii(f"{first}.{last}").replace(" ", "") + f"@{spec.slug}-creators.test"
        is_portal_creator = spec.slug == "northstar" and index == 0
        if is_portal_creator:
            name, email = "Mila Jansen", "creator@northstar.test"
        age_days = rng.randrange(19 * 365, 38 * 365)
        draws = {
            "country": rng.choice(spec.countries),
            "account_type": rng.choices(
                [AccountType.CREATOR, AccountType.BUSINESS, AccountType.PERSONAL], [7, 2, 1]
            )[0],
            "status": rng.choices(
                [CreatorStatus.ACTIVE, CreatorStatus.PAUSED, CreatorStatus.OFFBOARDED],
                [20, 3, 1],
            )[0],
            "manager": rng.choice(managers),
            "niches": rng.sample(NICHES, rng.randint(1, 3)),
            "tiktok": draw_followers(rng),
            "instagram": draw_followers(rng) if rng.random() < 0.6 else None,
            "youtube": draw_followers(rng) // 4 if rng.random() < 0.3 else None,
            "handle": _handle(name, rng),
        }
        if draws["handle"] in handles:
            draws["handle"] += str(index)
        handles.add(draws["handle"])
        if is_portal_creator:
            draws["status"] = CreatorStatus.ACTIVE
        if email in existing:
            continue
        _demo_creator(agency, name, email, age_days, draws, users, is_portal_creator)
        result.creators_created += 1
    _demo_metrics(agency)
    result.approvers[agency.slug] = managers[0]  # the demo campaign's (demo app)


def _demo_metrics(agency: Agency) -> None:
    """Ninety days of figures and a dozen videos per TikTok account, for the insight pages.
    Its own random stream (the roster's stays as it was); accounts that already have figures
    are left alone, so a second run adds nothing."""
    rng = random.Random(f"{SEED}-{agency.slug}-metrics")
    today = timezone.localdate(timezone=agency.tzinfo)
    accounts = list(
        SocialAccount.objects.for_agency(agency)
        .filter(platform=Platform.TIKTOK, snapshots__isnull=True)
        .order_by("pk")
    )
    now = timezone.now()
    snapshots, videos = [], []
    for account in accounts:
        views = rng.randrange(60_000, 450_000)
        growth = rng.randrange(0, max(1, account.followers // 300))
        for day in range(90):
            snapshots.append(
                AccountSnapshot(
                    agency=agency,
                    social_account=account,
                    date=today - timedelta(days=89 - day),
                    followers=max(0, account.followers - (89 - day) * growth),
                    # the last day is the account's figure; the days before wander round it
                    views_last_30_days=views if day == 89 else int(views * rng.uniform(0.9, 1.1)),
                    source=MetricsSource.CSV,
                )
            )
        # The videos of the last 30 days make up most of the account's 30-day views (the
        # rest is the older videos' tail), so the insight page's figures agree.
        recent = [n for n in range(12) if n * 5 + 1 < 30]
        weights = [rng.uniform(0.5, 1.5) for _ in recent]
        in_window = views * rng.uniform(0.8, 0.95)
        average = in_window / len(recent)
        for number in range(12):
            if number in recent:
                seen = max(500, int(in_window * weights[number] / sum(weights)))
            else:
                seen = rng.randrange(int(average * 0.5), int(average * 1.5))
            videos.append(
                Video(
                    agency=agency,
                    social_account=account,
                    platform_video_id=f"demo-{account.pk}-{number}",
                    title=f"Demo video {number + 1}",
                    posted_at=now - timedelta(days=number * 5 + 1, hours=rng.randrange(24)),
                    duration_seconds=rng.choice([20, 35, 45, 60, 65, 80, 120, 180]),
                    views=seen,
                    qualified_views=seen * rng.randrange(40, 90) // 100,
                    source=MetricsSource.CSV,
                )
            )
    AccountSnapshot.objects.bulk_create(snapshots, batch_size=1000)
    Video.objects.bulk_create(videos, batch_size=1000)


def _demo_creator(agency, name, email, age_days, draws, users, is_portal_creator) -> None:
    status = draws["status"]
    creator = services.creator_create(
        agency=agency,
        actor=None,
        display_name=name,
        legal_name=name,
        email=email,
        country=draws["country"],
        date_of_birth=date(2026, 1, 1) - timedelta(days=age_days),
        account_type=draws["account_type"],
        status=CreatorStatus.ACTIVE if status == CreatorStatus.OFFBOARDED else status,
        account_manager=draws["manager"],
        user=users["creator@northstar.test"] if is_portal_creator else None,
        niches=draws["niches"],
        notes="Demo creator.",
    )
    handle = draws["handle"]
    for platform in (Platform.TIKTOK, Platform.INSTAGRAM, Platform.YOUTUBE):
        followers = draws[platform.value]
        if followers is None:
            continue
        services.social_account_add(
            creator=creator, actor=None, platform=platform, handle=handle, followers=followers
        )
    if status == CreatorStatus.OFFBOARDED:
        services.creator_offboard(creator=creator, actor=None, reason="Demo: contract ended.")
