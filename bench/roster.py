"""Roster benchmark: page and API latency and query counts on a large roster.

Generates an agency with 10,000 creators (1,000 with --quick), each with one to three niches
and one to three social accounts, plus a second agency with a tenth of that (its rows share
the tables, as in production). Then, through Django's test client (signed in with
force_login, the API with a personal token), times ~30 requests per scenario and reports
the median, the 95th percentile and the queries of one request.

Deterministic: a fixed seed drives every name, niche and follower count. The names, niches
and follower tiers are the demo's (creators/demo.py), drawn at the bench's scale.
"""

from __future__ import annotations

import random
import statistics
import time
from contextlib import contextmanager
from urllib.parse import urlencode

SEED = 42
REQUESTS = 30
COUNTRIES = ["NL", "NL", "BE", "DE", "GB", "GB", "FR", "ES", "IT", "US", "US", "CA"]


def generate(slug: str, creators: int, rng: random.Random):
    """An agency with an owner (returned) and `creators` roster rows, in bulk."""
    from django.contrib.auth import get_user_model

    from agencies.models import Agency, Membership
    from agencies.roles import Role
    from creators.demo import FIRST_NAMES, LAST_NAMES, NICHES, draw_followers
    from creators.models import Creator, NicheTag, SocialAccount

    agency = Agency.objects.create(name=f"Bench {slug}", slug=slug)
    owner = get_user_model().objects.create(
        username=f"owner@{slug}.test", email=f"owner@{slug}.test"
    )
    Membership.objects.create(user=owner, agency=agency, role=Role.OWNER)
    managers = [owner]
    for n in range(3):
        user = get_user_model().objects.create(
            username=f"manager{n}@{slug}.test", email=f"manager{n}@{slug}.test"
        )
        Membership.objects.create(user=user, agency=agency, role=Role.MANAGER)
        managers.append(user)
    tags = NicheTag.objects.bulk_create(NicheTag(agency=agency, name=n) for n in NICHES)
    statuses = ["active"] * 20 + ["paused"] * 3 + ["offboarded"]
    rows = Creator.objects.bulk_create(
        (
            Creator(
                agency=agency,
                display_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {i}",
                legal_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                email=f"creator{i}@{slug}.example",
                country=rng.choice(COUNTRIES),
                status=rng.choice(statuses),
                account_manager=rng.choice(managers) if rng.random() < 0.9 else None,
            )
            for i in range(creators)
        ),
        batch_size=1000,
    )
    through = Creator.niches.through
    through.objects.bulk_create(
        (
            through(creator_id=c.pk, nichetag_id=tag.pk)
            for c in rows
            for tag in rng.sample(tags, rng.randint(1, 3))
        ),
        batch_size=2000,
    )
    accounts = []
    for i, c in enumerate(rows):
        for platform, chance in (("tiktok", 1.0), ("instagram", 0.6), ("youtube", 0.3)):
            if rng.random() < chance:
                accounts.append(
                    SocialAccount(
                        agency=agency,
                        creator=c,
                        platform=platform,
                        handle=f"{slug}_{platform}_{i}",
                        followers=draw_followers(rng),
                    )
                )
    SocialAccount.objects.bulk_create(accounts, batch_size=2000)
    return agency, owner


def _plain_render(self, context):
    # What django.template.base.Template._render does outside the test environment.
    return self.nodelist.render(context)


@contextmanager
def _plain_template_rendering():
    """setup_test_environment() (bench/__main__.py) makes every template render record itself
    for assertTemplateUsed, copying its context each time; a real request does not pay for
    that, so the timings are taken without it."""
    from django.template.base import Template

    instrumented = Template._render
    Template._render = _plain_render
    try:
        yield
    finally:
        Template._render = instrumented


def _measure(client, url: str, **extra) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url, **extra)  # warm-up (and the session's first save)
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(url, **extra)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url, **extra)
    p95 = statistics.quantiles(times, n=100, method="inclusive")[94]
    return statistics.median(times) * 1000, p95 * 1000, len(queries.captured_queries)


def run(args) -> list[tuple[str, str]]:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from agencies.models import Membership
    from agencies.tokens import api_token_create

    size = 1_000 if args.quick else 10_000
    rng = random.Random(SEED)
    started = time.perf_counter()
    agency, owner = generate("bench", size, rng)
    generate("other", size // 10, rng)
    if connection.vendor == "postgresql":
        # Statistics, as autovacuum's ANALYZE would have them in production (this machine's
        # server runs without autovacuum): without them a sort by followers took 9.5 s.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    rows: list[tuple[str, str]] = [
        (
            f"generate {size:,} creators (+{size // 10:,} elsewhere)",
            f"{time.perf_counter() - started:.1f} s",
        )
    ]

    client = Client()
    client.force_login(owner)
    _, token = api_token_create(
        membership=Membership.objects.get(user=owner, agency=agency), name="bench", actor=owner
    )
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    page = reverse("creators:list", args=[agency.slug])
    api_list = reverse("api:creator-list", args=[agency.slug])
    filters = {"niche": "finance", "status": "active", "country": "NL"}
    scenarios = [
        ("roster page 1", client, page, {}),
        ("roster search (q=jansen)", client, page + "?q=jansen", {}),
        ("roster filter (niche+status+country)", client, f"{page}?{urlencode(filters)}", {}),
        ("roster sort by followers, page 20", client, page + "?sort=-followers&page=20", {}),
        ("roster htmx fragment (search)", client, page + "?q=smith", {"HTTP_HX_REQUEST": "true"}),
        ("API list page 1 (token)", api, api_list, {}),
        ("API list filtered + sorted", api, f"{api_list}?{urlencode(filters)}&sort=-followers", {}),
    ]
    with _plain_template_rendering():
        for label, who, url, extra in scenarios:
            median, p95, queries = _measure(who, url, **extra)
            rows.append((f"{label}: median / p95", f"{median:.1f} ms / {p95:.1f} ms"))
            rows.append((f"{label}: queries", str(queries)))

        started = time.perf_counter()
        response = client.get(reverse("creators:export", args=[agency.slug]))
        lines = sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1
    rows.append(
        (
            f"CSV export of {lines:,} creators (one request)",
            f"{time.perf_counter() - started:.2f} s",
        )
    )
    return rows
