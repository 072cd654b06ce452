"""Sponsor report rendering: a 20-creator, 200-deliverable campaign rendered to PDF.

`python -m bench reports` (add `--quick` for 5 creators, 40 deliverables and fewer renders).
A seeded generator builds one agency (logo and brand colour), a campaign with a disclosure
checklist, 200 deliverables over 20 creators (most approved and posted, so their captions
carry the disclosure as the app requires; some waiting for review without it), a month of daily
metric snapshots per posted deliverable (built as the demo builds them:
`campaigns.demo.metric_snapshots`), conversions of every kind (leads among them) and an A/B
experiment. The report has 10 pages (the page count is printed, read with `pdfinfo`).

The renders run the way the Celery worker runs them, in a fresh Python process (on
PostgreSQL): the figures read under `tenant_transaction`, then WeasyPrint. Measured there:

- **latency**: wall time of `RENDERS` renders (data + PDF) after two warm-ups, p50 and p95;
  English and Dutch alternate. Target p95 ≤ 3 s;
- **peak memory**: the process's high-water resident set size (VmHWM) over all of it.
  Target ≤ 300 MB;
- **growth**: `CONSECUTIVE` more renders in the same process; resident set size after the
  warm-up renders against after the last. Target ≤ 10 %.

`REPORT_BENCH_RENDERS` and `REPORT_BENCH_CONSECUTIVE` override the counts (e.g. for a quick
look at growth without `--quick`'s smaller campaign). The in-memory SQLite test database is
not reachable from another process, so there everything runs in this process and the peak is
the resident set size sampled after each render.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from typing import Any

from bench.child import run_json
from bench.generators.campaigns import sponsored_campaign

SEED = 20240601
CREATORS, DELIVERABLES = 20, 200
QUICK_CREATORS, QUICK_DELIVERABLES = 5, 40
RENDERS, QUICK_RENDERS = 20, 5
CONSECUTIVE, QUICK_CONSECUTIVE = 500, 40
WARM_UP = 2
SNAPSHOT_DAYS = 30

FIRST = ["Anna", "Bram", "Chloé", "Daan", "Eva", "Finn", "Gwen", "Hugo", "Iris", "Jesse"]
LAST = ["Jansen", "de Vries", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder"]


def _logo_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (360, 120), "#ffffff")
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 110, 110), fill="#0f766e")
    draw.ellipse((130, 30, 190, 90), fill="#f59e0b")
    draw.rectangle((210, 45, 350, 75), fill="#0f766e")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def generate(*, creators: int, deliverables: int, seed: int = SEED):
    """One agency with a logo, one campaign (March 2024) and everything its report shows.
    Returns the campaign; the same seed gives the same rows."""
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile

    from agencies.models import Agency
    from campaigns.demo import metric_snapshots
    from campaigns.models import Checklist, ConversionEvent, Deliverable, Experiment, MetricSnapshot
    from creators.models import Creator

    rng = random.Random(seed)
    agency = Agency.objects.create(
        name="Noordlicht Talent",
        slug=f"bench-reports-{seed}",
        timezone="Europe/Amsterdam",
        brand_color="#0f766e",
    )
    agency.logo.save("bench-logo.png", ContentFile(_logo_png()), save=True)
    approver = get_user_model().objects.create_user(
        username=f"mara-{seed}", email="mara@noordlicht.test", first_name="Mara", last_name="Visser"
    )
    campaign = sponsored_campaign(
        agency,
        brand="Fizzy Cola",
        name="Spring Fizz 2024",
        code="FIZZ-24",
        start=dt.date(2024, 3, 1),
        end=dt.date(2024, 3, 31),
        budget=Decimal("60000"),
    )
    Checklist.objects.create(
        agency=agency,
        campaign=campaign,
        disclosure_text="Paid partnership",
        required_hashtags=["#ad"],
        required_mentions=["@fizzycola"],
    )
    experiment = Experiment.objects.create(
        agency=agency,
        campaign=campaign,
        name="Hook in the first second",
        hypothesis="A product shot in the first second keeps more viewers.",
        start_date=dt.date(2024, 3, 1),
    )
    people = Creator.objects.bulk_create(
        Creator(
            agency=agency,
            display_name=f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST) * 3 + i) % len(LAST)]}",
            email=f"creator{i}@bench.test",
        )
        for i in range(creators)
    )
    start = dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC)
    kinds = ["video", "video", "video", "story", "post", "live"]
    platforms = ["tiktok", "tiktok", "instagram", "youtube"]
    rows = []
    for i in range(deliverables):
        posted = rng.random() < 0.9
        status = "posted" if posted else rng.choice(["approved", "submitted"])
        caption = rng.choice(
            [
                "Paid partnership #ad @fizzycola — new flavour!",
                "Paid partnership #ad @fizzycola",
                "Loving this #ad @fizzycola",
                "So fresh!",
            ]
        )
        if status != "submitted" and "Paid partnership" not in caption:
            # The app approves (and so posts) only captions that pass the checklist; what
            # still lacks the disclosure is waiting for review.
            caption = "Paid partnership #ad @fizzycola"
        rows.append(
            Deliverable(
                agency=agency,
                campaign=campaign,
                creator=people[i % creators],
                kind=kinds[i % len(kinds)],
                platform=platforms[i % len(platforms)],
                due_date=dt.date(2024, 3, 1) + dt.timedelta(days=(i // creators) % 20),
                fee=Decimal(rng.choice(["250.00", "400.00", "750.00", "1200.00"])),
                caption=caption,
                status=status,
                posted_at=start + dt.timedelta(days=(i // creators) % 20, hours=i % 9)
                if posted
                else None,
                post_url=f"https://www.tiktok.com/@bench/video/{i}" if posted else "",
                approved_at=start + dt.timedelta(days=(i // creators) % 20) if posted else None,
                approved_by=approver if posted else None,
                experiment=experiment if i < 40 else None,
                variant=("a" if i % 2 else "b") if i < 40 else "",
            )
        )
    rows = Deliverable.objects.bulk_create(rows)
    snapshots = []
    month_end = dt.datetime(2024, 4, 1, tzinfo=dt.UTC)  # daily figures up to 31 March
    for d in rows:
        if d.posted_at is not None:
            snapshots += metric_snapshots(d, rng=rng, until=month_end, days=SNAPSHOT_DAYS)
    MetricSnapshot.objects.bulk_create(snapshots, batch_size=2000)
    posted = [d for d in rows if d.posted_at is not None]
    ConversionEvent.objects.bulk_create(
        ConversionEvent(
            agency=agency,
            campaign=campaign,
            kind=rng.choice(["lead", "click", "click", "signup", "purchase"]),
            occurred_at=start + dt.timedelta(hours=rng.randint(24, 29 * 24)),
            value=Decimal(rng.randint(0, 6000)) / 100,
            currency="EUR",
            deliverable=rng.choice(posted),
        )
        for _ in range(deliverables * 3)
    )
    return campaign


# --- the renders (in the worker-like child, or here on SQLite) -----------------------------


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def _high_water_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def render_once(campaign_id: int, language: str, split: list | None = None) -> bytes:
    """What `reports.services.sponsor_report_render` does, without storing the file; the
    seconds spent reading the figures are appended to `split`."""
    from campaigns.models import Campaign
    from core.db_scope import tenant_transaction
    from reports.pdf import render_report_pdf
    from reports.selectors import sponsor_report_data

    started = time.perf_counter()
    campaign = Campaign.objects.select_related("agency", "sponsor").get(pk=campaign_id)
    with tenant_transaction(campaign.agency_id):
        data = sponsor_report_data(campaign=campaign, language=language)
    if split is not None:
        split.append(time.perf_counter() - started)
    return render_report_pdf(data, language=language)


def measure(campaign_id: int, renders: int, consecutive: int) -> dict[str, Any]:
    language = ["en", "nl"]
    peak = _rss_mb()
    pdf = b""
    for i in range(WARM_UP):
        pdf = render_once(campaign_id, language[i % 2])
    seconds, data_seconds = [], []
    for i in range(renders):
        started = time.perf_counter()
        render_once(campaign_id, language[i % 2], data_seconds)
        seconds.append(time.perf_counter() - started)
        peak = max(peak, _rss_mb())
    after_warm_up = _rss_mb()
    rss = []
    started = time.perf_counter()
    for i in range(consecutive):
        render_once(campaign_id, language[i % 2])
        rss.append(_rss_mb())
    consecutive_seconds = time.perf_counter() - started
    return {
        "pdf_bytes": len(pdf),
        "pdf": pdf.hex(),
        "seconds": seconds,
        "data_seconds": data_seconds,
        "rss_after_warm_up": after_warm_up,
        "rss_first": rss[0] if rss else after_warm_up,
        "rss_last": rss[-1] if rss else after_warm_up,
        "rss_max": max(rss, default=after_warm_up),
        "consecutive_seconds": consecutive_seconds,
        "peak_mb": max(_high_water_mb(), peak, max(rss, default=0)),
    }


def _child_main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import reports.pdf  # noqa: F401 - loaded at start, as the worker's autodiscovery does

    # A Celery worker freezes its start-up heap (moderation.tasks.prepare_worker); so does
    # this stand-in, without loading moderation's language models.
    gc.freeze()
    campaign_id, renders, consecutive = (int(a) for a in argv)
    result = measure(campaign_id, renders, consecutive)
    print(json.dumps(result))
    return 0


def _in_child(campaign_id: int, renders: int, consecutive: int) -> dict[str, Any]:
    from django.conf import settings

    return run_json(
        ["-m", "bench.reports", str(campaign_id), str(renders), str(consecutive)],
        env={"MEDIA_ROOT": str(settings.MEDIA_ROOT)},
        what="the renders",
    )


def page_count(pdf: bytes) -> int:
    info = subprocess.run(  # noqa: S603 - a fixed tool on bytes we made
        [shutil.which("pdfinfo") or "pdfinfo", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


def _count(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def run(args) -> list[tuple[str, str]]:
    from django.db import connection
    from django.test import override_settings

    quick = getattr(args, "quick", False)
    creators, deliverables = (
        (QUICK_CREATORS, QUICK_DELIVERABLES) if quick else (CREATORS, DELIVERABLES)
    )
    renders = _count("REPORT_BENCH_RENDERS", QUICK_RENDERS if quick else RENDERS)
    consecutive = _count("REPORT_BENCH_CONSECUTIVE", QUICK_CONSECUTIVE if quick else CONSECUTIVE)
    media = tempfile.mkdtemp(prefix="bench-reports-")
    try:
        with override_settings(MEDIA_ROOT=media):
            started = time.perf_counter()
            campaign = generate(creators=creators, deliverables=deliverables)
            generated = time.perf_counter() - started
            if connection.vendor == "postgresql":
                where = "fresh worker process"
                result = _in_child(campaign.pk, renders, consecutive)
            else:
                where = "this process (SQLite in memory)"
                result = measure(campaign.pk, renders, consecutive)
    finally:
        shutil.rmtree(media, ignore_errors=True)
    pdf = bytes.fromhex(result["pdf"])
    seconds = sorted(result["seconds"])
    p95 = seconds[max(0, int(len(seconds) * 0.95 + 0.5) - 1)]
    growth = (result["rss_last"] - result["rss_first"]) / result["rss_first"] * 100
    return [
        ("data", f"{creators} creators, {deliverables} deliverables"),
        ("generate", f"{generated:.1f} s"),
        ("report pages (pdfinfo)", f"{page_count(pdf)} pages, {len(pdf) / 1024:.0f} KB"),
        ("renders measured in", where),
        (f"render latency p50 ({renders} renders, en/nl)", f"{statistics.median(seconds):.2f} s"),
        ("render latency p95 (target ≤ 3 s)", f"{p95:.2f} s"),
        (
            "of which reading the figures, p50",
            f"{statistics.median(result['data_seconds']):.2f} s",
        ),
        ("peak memory VmHWM (target ≤ 300 MB)", f"{result['peak_mb']:.0f} MB"),
        (
            f"RSS over {consecutive} consecutive renders (first → last)",
            f"{result['rss_first']:.0f} MB → {result['rss_last']:.0f} MB "
            f"(max {result['rss_max']:.0f} MB)",
        ),
        ("RSS growth (target ≤ 10 %)", f"{growth:+.1f} %"),
        (f"{consecutive} consecutive renders, wall time", f"{result['consecutive_seconds']:.0f} s"),
    ]


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
