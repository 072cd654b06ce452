"""`manage.py platform_sync`: pulls now, delivers due actions, prints what it did; bad input
gets one line and a non-zero exit."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from moderation.models import InboundMessage
from platforms.models import AccountStatus

from ..fakes.tiktok import link_fake_account

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = StringIO()
    call_command("platform_sync", *args, stdout=out)
    return out.getvalue()


def test_it_pulls_and_delivers_and_prints_a_summary(
    agency, tiktok, django_capture_on_commit_callbacks
):
    account, remote = link_fake_account(agency, tiktok)
    for n in range(2):
        video = tiktok.add_video(remote.open_id, create_time=tiktok.now() - n * 86_400)
        tiktok.add_comment(video.item_id, text="you are an idiot", username=f"troll{n}")
    with django_capture_on_commit_callbacks(execute=True):
        output = _run("--agency", agency.slug)
    assert "@mila: 2 videos (2 new), 1 snapshots, 2 new comments" in output
    assert "Pulled 2 videos, 1 snapshots and 2 comments from 1 accounts" in output
    # (the test's transaction holds the ingest's on-commit triage until the block ends; outside
    # a test it runs as each comment is stored, and the first run delivers too)
    output = _run("--agency", agency.slug, "--account", str(account.pk))
    assert "Pulled 2 videos, 1 snapshots and 0 comments from 1 accounts; delivered 2 actions" in (
        output
    )
    assert sorted(p["kind"] for p in tiktok.posted) == ["hide", "hide"]
    assert InboundMessage.objects.filter(agency=agency, hidden=True).count() == 2
    assert "delivered 0 actions" in _run("--agency", agency.slug)


def test_it_reports_an_account_that_needs_reconnecting(agency, tiktok):
    account, _remote = link_fake_account(agency, tiktok)
    tiktok.revoke(account.external_id)
    output = _run("--agency", agency.slug)
    assert "needs reconnecting" in output
    account.refresh_from_db()
    assert account.status == AccountStatus.RECONNECT


def test_an_unknown_agency_is_one_line(db):
    with pytest.raises(CommandError, match="No agency with slug 'nope'"):
        _run("--agency", "nope")


@pytest.mark.parametrize("bad", ["abc", "-1", "1" * 30, "١٢"])
def test_a_malformed_account_id_is_refused(agency, bad):
    with pytest.raises(CommandError, match="--account must be an account id"):
        _run("--agency", agency.slug, "--account", bad)


def test_another_agencys_account_is_not_found(agency, other_agency, tiktok):
    theirs, _remote = link_fake_account(other_agency, tiktok, handle="theirs")
    with pytest.raises(CommandError, match=f"No platform account {theirs.pk} in agency"):
        _run("--agency", agency.slug, "--account", str(theirs.pk))
    assert tiktok.requests == []
