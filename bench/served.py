"""served: the roster page, the roster API and a floor view served by gunicorn, under wrk.

Seeds an agency with 10,000 creators (1,000 with --quick) the way `bench/roster.py` does, in
the bench's throw-away PostgreSQL database; starts gunicorn as production does
(config/gunicorn.conf.py, DEBUG and TESTING off; settings bench.served_settings add only the
floor view); then wrk, a separate process, keeps 8 connections busy for DURATION seconds
against each URL:

- the roster page, page 1 sorted by name (signed in: a session cookie);
- the roster API list, page 1 (a personal token);
- the floor: a bare Django view answering 25 creators from one indexed query, no sign-in,
  no template (bench/served_urls.py), on the same server.

Requests/s and the 95th percentile of the latency for each, and the floor's throughput
divided by each URL's (how many times more a request costs than the floor). The roster page
is served by several worker configurations, the figures behind gunicorn.conf.py's default
(gthread). Needs PostgreSQL (the server's processes cannot see an in-memory SQLite
database) and wrk (`apt-get install wrk`).
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from bench.child import ROOT, database_url
from bench.roster import SEED, generate

CLIENTS = 8
# (label, worker class, workers, threads); the first is gunicorn.conf.py's default on 2 CPUs.
CONFIGS = [
    ("gthread, 2 workers x 4 threads", "gthread", 2, 4),
    ("gthread, 3 workers x 4 threads", "gthread", 3, 4),
    ("sync, 3 workers", "sync", 3, 1),
    ("sync, 5 workers (2 x CPUs + 1)", "sync", 5, 1),
]
LUA = Path(__file__).with_name("wrk_report.lua")


def _app_database_url() -> str:
    """The bench database as production's web process reaches it: logged in as the app's role
    (DATABASE_URL's own user, which neither owns the tables nor bypasses row-level
    security), not as the owner the bench builds its data with."""
    from urllib.parse import urlsplit, urlunsplit

    from django.conf import settings

    configured = os.environ.get("DATABASE_URL", "")
    name = settings.DATABASES["default"]["NAME"]
    if not configured:
        return database_url()
    return urlunsplit(urlsplit(configured)._replace(path=f"/{name}"))


def _server_roles(pid: int) -> str:
    """The database roles the server's connections run as (pg_stat_activity)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT usename FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return ", ".join(sorted(row[0] for row in cursor.fetchall()))


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(worker_class: str, workers: int, threads: int, log: Path):
    """A gunicorn server on the bench database; yields its base URL."""
    from django.conf import settings

    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.served_settings",
        "DATABASE_URL": _app_database_url(),
        # The signed session cookie must verify on the server.
        "SECRET_KEY": settings.SECRET_KEY,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKER_CLASS": worker_class,
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_THREADS": str(threads),
        # No worker replaced in the middle of a measurement (its CPU time would be lost).
        "GUNICORN_MAX_REQUESTS": "0",
    }
    for name in ("TESTING", "DEBUG", "PORT", "GUNICORN_ACCESS_LOG"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=5):  # noqa: S310
                    break
            except OSError as error:
                if process.poll() is not None or time.monotonic() > deadline:
                    tail = log.read_text()[-3000:]
                    raise RuntimeError(f"gunicorn did not start:\n{tail}") from error
                time.sleep(0.2)
        yield url, process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _rss_mb(master: int) -> float:
    """Resident memory of the master and its workers, in MB."""
    pids = [master, *map(int, Path(f"/proc/{master}/task/{master}/children").read_text().split())]
    total = 0
    for pid in pids:
        status = Path(f"/proc/{pid}/status").read_text()
        total += int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
    return total / 1024


def _cpu_seconds(master: int) -> float:
    """CPU time (user + system) the master and its workers have used so far."""
    pids = [master, *map(int, Path(f"/proc/{master}/task/{master}/children").read_text().split())]
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def wrk(url: str, header: str | None, seconds: int) -> dict:
    """wrk with CLIENTS connections on one thread; its JSON line (bench/wrk_report.lua)."""
    command = ["wrk", "-t1", f"-c{CLIENTS}", f"-d{seconds}s", "--timeout", "30s", "-s", str(LUA)]
    if header:
        command += ["-H", header]
    completed = subprocess.run(  # noqa: S603 - fixed arguments
        [*command, url], capture_output=True, text=True, check=True
    )
    figures = json.loads(completed.stdout.strip().splitlines()[-1])
    if figures["non_2xx"] or figures["socket_errors"]:
        raise RuntimeError(
            f"{url}: {figures['non_2xx']} non-2xx, {figures['socket_errors']} errors"
        )
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


def _check(url: str, header: str | None, expect: bytes) -> None:
    request = urllib.request.Request(url)  # noqa: S310
    if header:
        name, value = header.split(": ", 1)
        request.add_header(name, value)
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        body = response.read()
    if response.status != 200 or expect not in body:
        raise RuntimeError(f"{url} did not answer as expected ({response.status})")


def run(args) -> list[tuple[str, str]]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from agencies.models import Membership
    from agencies.tokens import api_token_create

    if connection.vendor != "postgresql":
        return [("skipped", "needs PostgreSQL (DATABASE_URL=postgres://…)")]
    if not shutil.which("wrk"):
        return [("skipped", "needs wrk (apt-get install wrk)")]
    size = 1_000 if args.quick else 10_000
    seconds = 5 if args.quick else 20
    # SERVED_CONFIGS=1: the default configuration only (the three URLs and their ratios).
    configs = CONFIGS[: 1 if args.quick else int(os.environ.get("SERVED_CONFIGS", len(CONFIGS)))]

    rng = random.Random(SEED)
    agency, owner = generate("bench", size, rng)
    generate("other", size // 10, rng)
    # Statistics, as autovacuum's ANALYZE would have them in production (this machine's
    # server runs without autovacuum): without them PostgreSQL plans for empty tables.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    browser = Client()
    browser.force_login(owner)  # a session row in the bench database
    session = browser.cookies[settings.SESSION_COOKIE_NAME].value
    cookie = f"Cookie: {settings.SESSION_COOKIE_NAME}={session}"
    _, token = api_token_create(
        membership=Membership.objects.get(user=owner, agency=agency), name="bench", actor=owner
    )
    token_header = f"Authorization: Token {token}"
    page = reverse("creators:list", args=[agency.slug])
    api_list = reverse("api:creator-list", args=[agency.slug])
    floor = f"/bench/floor/{agency.pk}/"

    rows: list[tuple[str, str]] = [
        ("creators", f"{size:,} (+{size // 10:,} in another agency)"),
        ("load average before", " ".join(f"{x:.1f}" for x in os.getloadavg())),
    ]
    log = Path(ROOT / "bench" / "out" / "served-gunicorn.log")
    log.parent.mkdir(exist_ok=True)

    def measure(url: str, pid: int, path: str, header: str | None) -> dict:
        # Warm-up: a worker's first requests load templates, translations and connections
        # (~2 s each on this machine), for every worker.
        wrk(url + path, header, 8)
        cpu = _cpu_seconds(pid)
        figures = wrk(url + path, header, seconds)
        # The server's CPU per request: unlike requests/s, hardly moved by what else the
        # machine runs meanwhile.
        figures["cpu_ms"] = (_cpu_seconds(pid) - cpu) * 1000 / figures["requests"]
        return figures

    def shown(figures: dict) -> str:
        return (
            f"{figures['rps']:.1f} req/s, p95 {figures['p95_us'] / 1000:.0f} ms "
            f"(p50 {figures['p50_us'] / 1000:.0f} ms), CPU {figures['cpu_ms']:.0f} ms/request"
        )

    # 1. The three URLs on the default configuration, and their ratios to the floor.
    label, worker_class, workers, threads = configs[0]
    with gunicorn(worker_class, workers, threads, log) as (url, pid):
        _check(url + page, cookie, b"Bench bench")
        _check(url + api_list, token_header, b'"count"')
        _check(url + floor, None, b'"results"')
        measured = {
            "roster page": measure(url, pid, page, cookie),
            "roster API list": measure(url, pid, api_list, token_header),
            "floor view": measure(url, pid, floor, None),
        }
        rows += [(f"{label}: {name}", shown(figures)) for name, figures in measured.items()]
        rows.append((f"{label}: server memory (RSS)", f"{_rss_mb(pid):.0f} MB"))
        rows.append(("server's database role", _server_roles(pid)))
    for name in ("roster page", "roster API list"):
        ratio = measured["floor view"]["rps"] / measured[name]["rps"]
        rows.append((f"floor / {name} (requests/s)", f"{ratio:.1f} x"))
    rows.append(("load average", " ".join(f"{x:.1f}" for x in os.getloadavg())))

    # 2. The roster page on each worker configuration, in order and again in reverse order
    # (the load of a shared machine drifts), averaged.
    if len(configs) > 1:
        rounds: dict[str, list[dict]] = {c[0]: [] for c in configs}
        memory: dict[str, float] = {}
        for label, worker_class, workers, threads in [*configs, *reversed(configs)]:
            with gunicorn(worker_class, workers, threads, log) as (url, pid):
                _check(url + page, cookie, b"Bench bench")
                rounds[label].append(measure(url, pid, page, cookie))
                memory[label] = _rss_mb(pid)
        for label, (first, second) in rounds.items():
            rps = (first["rps"] + second["rps"]) / 2
            p95 = (first["p95_us"] + second["p95_us"]) / 2000
            cpu = (first["cpu_ms"] + second["cpu_ms"]) / 2
            rows.append(
                (
                    f"roster page, {label}",
                    f"{rps:.1f} req/s ({first['rps']:.1f} / {second['rps']:.1f}), "
                    f"p95 {p95:.0f} ms, CPU {cpu:.0f} ms/request, {memory[label]:.0f} MB",
                )
            )
        rows.append(("load average", " ".join(f"{x:.1f}" for x in os.getloadavg())))
    return rows
