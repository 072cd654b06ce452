"""One journey through the production stack that `make serve` runs (called by .ci/stack-smoke).

    STACK_URL=http://127.0.0.1:8000 STACK_LOG=/tmp/stack.log METRICS_TOKEN=… \
        .venv/bin/python .ci/stack_journey.py

Against gunicorn, a Celery worker and beat on PostgreSQL and Redis, with the environment of
the stack (the same DATABASE_URL for the command below), in headless Debian Chromium driven
by pip's playwright (never a downloaded browser):

1. seeds the demo with `manage.py seed_demo --force`, as an operator would;
2. as finance@northstar.test: imports a payout statement for the portal creator through the
   statements CSV page, uploads a generated CAMT.053 larger than BANK_IMPORT_ASYNC_BYTES
   (so the worker imports it), watches the import page until it is done, starts a
   reconciliation run and watches it complete (the worker again), and pays the creator;
3. as creator@northstar.test: sees that payout reconciled and paid in full in "My payouts";
4. reads the stack's log (STACK_LOG, honcho's output with LOG_FORMAT=json): every request
   line of the journey carries a request id and the agency, and the import and
   reconciliation tasks carry the request id of the request that queued them;
5. scrapes /metrics with METRICS_TOKEN: the worker's import and run are counted in the
   figures a web worker serves (PROMETHEUS_MULTIPROC_DIR shared by web and worker).

Each step prints its time; a failure exits 1 with the reason, and leaves a screenshot and
the page's HTML in test-results/.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generators.bankfiles import IBAN, Entry, write_camt  # noqa: E402

BASE_URL = os.environ.get("STACK_URL", "http://127.0.0.1:8000").rstrip("/")
STACK_LOG = Path(os.environ.get("STACK_LOG", ""))
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
ASYNC_BYTES = int(os.environ.get("BANK_IMPORT_ASYNC_BYTES", str(5 * 1024 * 1024)))
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
RESULTS = ROOT / "test-results"
AGENCY = "northstar"  # the demo (creators/demo.py, payouts/demo.py)
AGENCY_TZ = ZoneInfo("Europe/Amsterdam")
FINANCE = "finance@northstar.test"
CREATOR = "creator@northstar.test"
CREATOR_NAME = "Mila Jansen"
PASSWORD = "talentdesk-demo"  # noqa: S105 - the demo's published password
ACCOUNT = "Operating account"  # the demo's bank account, IBAN as the generator writes
TIMEOUT_MS = 20_000
# The worker's part (import, run) on a loaded 2-core machine: generous, never reached when well.
WORKER_TIMEOUT_MS = 120_000
# Uploads above BANK_IMPORT_ASYNC_BYTES go to the worker; the file is at least this much above.
HEADROOM = 1.5

STARTED = time.monotonic()


class JourneyError(Exception):
    """A step of the journey did not see what it expected."""


def say(message: str) -> None:
    print(f"[journey +{time.monotonic() - STARTED:.1f}s] {message}", flush=True)


def check(condition: object, message: str) -> None:
    if not condition:
        raise JourneyError(message)


@contextlib.contextmanager
def step(title: str) -> Iterator[None]:
    """`with step("…"):` prints the step, then how long it took once it went well."""
    start = time.monotonic()
    say(f"{title} …")
    yield
    say(f"{title}: ok ({time.monotonic() - start:.1f}s)")


# --- Data ----------------------------------------------------------------------------------


def seed_demo() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo", "--force"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode:
        raise JourneyError(f"seed_demo --force failed:\n{result.stdout}\n{result.stderr}")
    say(result.stdout.strip().splitlines()[0])


def statements_csv(reference: str, handle: str, amount: Decimal, settled: dt.date) -> str:
    period_end = settled.replace(day=1) - dt.timedelta(days=1)
    return (
        "platform_reference,creator_handle,source,period_start,period_end,currency,"
        "estimated_amount,settled_amount,status,settled_date\n"
        f"{reference},@{handle},creativity_program,{period_end.replace(day=1)},{period_end},"
        f"EUR,{amount},{amount},settled,{settled}\n"
    )


def bank_file(path: Path, *, stamp: str, reference: str, amount: Decimal, booked: dt.date) -> int:
    """A CAMT.053 (the bench generator's writer) with the platform's credit for `reference`
    among enough other bookings (fees and payments out) to exceed BANK_IMPORT_ASYNC_BYTES.
    Returns how many entries it holds."""

    def entry(number: int, **fields) -> Entry:
        # The bank's own reference ends in a digit (the writer picks a date form by it).
        return Entry(asr=f"CI{stamp}{number:05d}", booked=booked, **fields)

    entries = [
        entry(
            0,
            amount=amount,
            scenario="exact",
            lines=[f"Creativity Program {reference}"],
            e2e=f"E2E-{reference}",
        )
    ]
    while True:
        number = len(entries)
        entries.append(
            entry(
                number,
                amount=Decimal(number % 97 + 1) + Decimal("0.35"),
                scenario="payment_out",
                debit=True,
                counterparty=(f"Supplier {number}", ""),
                code="PMNT/ICDT/ESCT",
                lines=[f"Invoice CI-{stamp}-{number}"],
            )
        )
        if number % 50 == 0:
            write_camt(path, entries, number=1, opening=Decimal("10000.00"), version=8)
            if path.stat().st_size > ASYNC_BYTES * HEADROOM:
                return len(entries)


# --- Browser -------------------------------------------------------------------------------


def sign_in(context, email: str):
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label(re.compile("e-?mail", re.I)).fill(email)
    page.get_by_label(re.compile("password", re.I)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_load_state()
    check("/accounts/login" not in page.url, f"{email} could not sign in (still on {page.url})")
    return page


def request_id_of(page, method: str, path_pattern: str, action: Callable[[], None]) -> str:
    """Run `action` (a click that posts) and return the X-Request-ID the app answered with."""
    pattern = re.compile(path_pattern)
    with page.expect_response(
        lambda r: r.request.method == method and pattern.search(r.url), timeout=TIMEOUT_MS
    ) as info:
        action()
    response = info.value
    request_id = response.headers.get("x-request-id", "")
    check(request_id, f"{method} {response.url} answered without X-Request-ID")
    check(response.status < 400, f"{method} {response.url} answered {response.status}")
    return request_id


def shot(page, name: str) -> None:
    RESULTS.mkdir(exist_ok=True)
    try:
        page.screenshot(path=str(RESULTS / f"stack-journey-{name}.png"), full_page=True)
        (RESULTS / f"stack-journey-{name}.html").write_text(page.content(), encoding="utf-8")
        say(f"screenshot and HTML in test-results/stack-journey-{name}.*")
    except Exception as exc:  # a failed screenshot must not hide the real failure
        say(f"(no screenshot: {exc})")


def journey(browser, work: Path) -> dict[str, str]:
    """The browser part; returns the request ids of the posts whose tasks the log must show."""
    from playwright.sync_api import expect

    stamp = dt.datetime.now(tz=dt.UTC).strftime("%Y%m%d%H%M%S")
    reference = f"TTCR-CI-{stamp}"
    amount = Decimal("321.45")
    today = dt.datetime.now(tz=AGENCY_TZ).date()
    ids: dict[str, str] = {"reference": reference}

    finance = browser.new_context(base_url=BASE_URL, locale="en-GB")
    finance.set_default_timeout(TIMEOUT_MS)
    page = None
    try:
        with step(f"sign in as {FINANCE}"):
            page = sign_in(finance, FINANCE)

        with step(f"read {CREATOR_NAME}'s handle from the roster"):
            page.goto(f"/a/{AGENCY}/creators/?q={CREATOR_NAME.replace(' ', '+')}")
            row = page.locator("tr", has_text=CREATOR_NAME).first
            handle_text = row.locator(".handle").first.inner_text()
            found = re.search(r"@(\S+)", handle_text)
            check(found, f"no handle on the roster row of {CREATOR_NAME}: {handle_text!r}")
            handle = found.group(1)
            say(f"handle @{handle}")

        with step(f"import payout statement {reference} through the statements CSV page"):
            csv_path = work / "statements.csv"
            csv_path.write_text(
                statements_csv(reference, handle, amount, today - dt.timedelta(days=2))
            )
            page.goto(f"/a/{AGENCY}/payouts/statements/import/")
            page.get_by_label("Payout statements").check()
            page.locator("input[type=file][name=file]").set_input_files(str(csv_path))
            page.get_by_role("button", name="Import").click()
            page.wait_for_load_state()
            check(
                page.url.rstrip("/").endswith(f"/a/{AGENCY}/payouts"),
                f"the statement import did not go through (on {page.url}): "
                + page.locator(".errorlist, .error").all_inner_texts().__repr__(),
            )

        with step("generate a CAMT.053 large enough for a background import"):
            camt = work / f"ci-statement-{stamp}.xml"
            entries = bank_file(
                camt,
                stamp=stamp,
                reference=reference,
                amount=amount,
                booked=today - dt.timedelta(days=1),
            )
            size = camt.stat().st_size
            check(size > ASYNC_BYTES, f"{size} bytes is not above {ASYNC_BYTES}")
            say(f"{camt.name}: {entries} entries, {size:,} bytes (async above {ASYNC_BYTES:,})")

        with step("upload it on the bank account's import page"):
            page.goto(f"/a/{AGENCY}/payouts/bank/")
            row = page.locator("tr", has_text=IBAN).first
            row.get_by_role("link", name="Import statement").click()
            page.locator("input[type=file][name=file]").set_input_files(str(camt))
            ids["upload"] = request_id_of(
                page,
                "POST",
                r"/payouts/bank/\d+/import/$",
                lambda: page.get_by_role("button", name="Import").click(),
            )
            page.wait_for_url(re.compile(r"/payouts/bank/imports/\d+/$"))
            badge = page.locator("#bank-import-status .badge")
            say(f"import page: {badge.inner_text()} (request id {ids['upload']})")

        with step("watch the import page until the worker has imported the file"):
            expect(badge).to_have_text(re.compile("Done|Failed"), timeout=WORKER_TIMEOUT_MS)
            status = page.locator("#bank-import-status")
            check(
                badge.inner_text() == "Done",
                f"the import failed: {status.inner_text()}",
            )
            details = status.locator("dl").inner_text()
            check(str(entries) in details, f"not {entries} transactions in file: {details!r}")
            say(" ".join(details.split()))

        with step("start a reconciliation run and watch it complete"):
            page.goto(f"/a/{AGENCY}/payouts/runs/")
            ids["run"] = request_id_of(
                page,
                "POST",
                r"/payouts/runs/start/$",
                lambda: page.get_by_role("button", name="Run reconciliation").click(),
            )
            page.wait_for_url(re.compile(r"/payouts/runs/\d+/$"))
            progress = page.locator("#run-progress")
            expect(progress).to_contain_text(
                re.compile("Completed|Failed"), timeout=WORKER_TIMEOUT_MS
            )
            text = " ".join(progress.inner_text().split())
            check("Completed" in text, f"the run did not complete: {text}")
            matched = re.search(r"Matched (\d+)", text)
            check(matched and int(matched.group(1)) >= 1, f"the run matched nothing: {text}")
            say(text)

        with step(f"{reference} is reconciled; pay the creator"):
            page.goto(f"/a/{AGENCY}/payouts/?q={reference}")
            page.get_by_role("link", name=reference).click()
            expect(page.locator(".page-head .badge")).to_have_text("Reconciled")
            page.get_by_role("link", name="Pay the creator").click()
            page.get_by_label("Reference").fill(f"CI-PAY-{stamp}")
            page.get_by_role("button", name="Save").click()
            expect(page.locator("body")).to_contain_text("Payment to the creator recorded.")
    except Exception:
        if page is not None:
            shot(page, "finance")
        raise
    finally:
        finance.close()

    creator = browser.new_context(base_url=BASE_URL, locale="en-GB")
    creator.set_default_timeout(TIMEOUT_MS)
    page = None
    try:
        with step(f"sign in as {CREATOR}: My payouts shows {reference} reconciled and paid"):
            page = sign_in(creator, CREATOR)
            page.goto(f"/a/{AGENCY}/payouts/me/")
            expect(page.get_by_role("heading", name="My payouts")).to_be_visible()
            payout = page.locator("section.payout", has_text=reference)
            expect(payout).to_have_count(1)
            expect(payout.locator("h2 .badge")).to_have_text("Reconciled")
            expect(payout).to_contain_text("paid in full")
            expect(payout).to_contain_text(f"CI-PAY-{stamp}")
    except Exception:
        if page is not None:
            shot(page, "creator")
        raise
    finally:
        creator.close()
    return ids


# --- Logs and metrics ----------------------------------------------------------------------

HONCHO_LINE = re.compile(r"^\S+ (?P<process>[\w.]+)\s+\| (?P<text>.*)$")


def json_lines(process_prefix: str) -> list[dict]:
    lines = []
    for raw in STACK_LOG.read_text(encoding="utf-8", errors="replace").splitlines():
        found = HONCHO_LINE.match(raw)
        if not found or not found["process"].startswith(process_prefix):
            continue
        text = found["text"].strip()
        if text.startswith("{"):
            with contextlib.suppress(json.JSONDecodeError):  # a JSON-looking plain line
                lines.append(json.loads(text))
    return lines


def wait_for_task_line(task_suffix: str, request_id: str) -> dict:
    """The worker's line for the task a request queued (written when the task ends)."""
    deadline = time.monotonic() + 30
    while True:
        for line in json_lines("worker"):
            if (
                line.get("logger") == "talentdesk.task"
                and str(line.get("task", "")).endswith(task_suffix)
                and line.get("request_id") == request_id
            ):
                return line
        if time.monotonic() > deadline:
            raise JourneyError(
                f"no talentdesk.task line for *{task_suffix} with request_id {request_id}"
            )
        time.sleep(0.5)


def check_logs(ids: dict[str, str]) -> None:
    check(STACK_LOG.is_file(), f"STACK_LOG {STACK_LOG} is not a file")
    requests = [line for line in json_lines("web") if line.get("logger") == "talentdesk.request"]
    prefix = f"/a/{AGENCY}/"
    agency_lines = [line for line in requests if str(line.get("path", "")).startswith(prefix)]
    check(len(agency_lines) >= 10, f"only {len(agency_lines)} request lines under {prefix}")
    for line in agency_lines:
        check(line.get("request_id"), f"a request line without request_id: {line}")
        check(line.get("agency") == AGENCY, f"a request line without agency {AGENCY!r}: {line}")
        check(line.get("user_id"), f"a request line without user_id: {line}")
    say(f"{len(agency_lines)} request lines under {prefix}: request_id, agency, user_id in each")

    for key, view in (("upload", "payouts:bank_import"), ("run", "payouts:run_start")):
        mine = [line for line in requests if line.get("request_id") == ids[key]]
        check(mine, f"no request line with the {key} request id {ids[key]}")
        check(
            mine[0].get("view") == view and mine[0].get("agency") == AGENCY,
            f"the {key} request line is not {view} of {AGENCY}: {mine[0]}",
        )
    for key, task in (("upload", "bank_import_run"), ("run", "reconciliation_run")):
        line = wait_for_task_line(task, ids[key])
        check(line.get("state") == "SUCCESS", f"{task} did not succeed: {line}")
        say(
            f"worker: {line['task']} {line.get('state')} in {line.get('duration_ms')} ms, "
            f"request_id {line['request_id']} (the {key} request's)"
        )


def scrape(token: str | None) -> tuple[int, str]:
    request = urllib.request.Request(f"{BASE_URL}/metrics")  # noqa: S310 - our own server
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def metric(body: str, name: str, **labels: str) -> float:
    """The sum of `name`'s samples whose labels include `labels`."""
    from prometheus_client.parser import text_string_to_metric_families

    total = 0.0
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


TASKS = "talentdesk_celery_tasks_total"


def check_metrics() -> None:
    check(METRICS_TOKEN, "METRICS_TOKEN is not set for the stack")
    status, _ = scrape(None)
    check(status == 401, f"/metrics without a token answered {status}, not 401")
    status, body = scrape(METRICS_TOKEN)
    check(status == 200, f"/metrics with the token answered {status}")
    # Counted by the worker's pool processes, served by a web worker: the shared folder works.
    imports = metric(body, TASKS, task="payouts.tasks.bank_import_run", state="SUCCESS")
    runs = metric(body, TASKS, task="payouts.tasks.reconciliation_run", state="SUCCESS")
    done = metric(body, "talentdesk_bank_imports_total", status="done")
    pages = metric(body, "talentdesk_http_responses_total", view="payouts:bank_import")
    broker = metric(body, "talentdesk_celery_broker_up")
    say(
        f"/metrics: import tasks {imports:g}, reconciliation tasks {runs:g}, bank imports done "
        f"{done:g}, responses of the bank import page {pages:g}, broker up {broker:g}"
    )
    check(imports >= 1, "the worker's import task is not in the scraped figures")
    check(runs >= 1, "the worker's reconciliation task is not in the scraped figures")
    check(done >= 1, "the finished import is not counted in the scraped figures")
    check(pages >= 2, "the import page's responses are not in the scraped figures")
    check(broker == 1, "the broker is not up in the scraped figures")


def main() -> int:
    from playwright.sync_api import expect, sync_playwright

    check(Path(CHROMIUM).is_file(), f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    expect.set_options(timeout=TIMEOUT_MS)
    with step("seed the demo (manage.py seed_demo --force)"):
        seed_demo()
    with tempfile.TemporaryDirectory(prefix="stack-journey-") as work, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            ids = journey(browser, Path(work))
        finally:
            browser.close()
    with step("JSON log lines carry the request id and the agency, tasks their request's id"):
        check_logs(ids)
    with step("/metrics (METRICS_TOKEN) adds up web and worker"):
        check_metrics()
    say("journey done")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except JourneyError as exc:
        say(f"FAILED: {exc}")
        sys.exit(1)
