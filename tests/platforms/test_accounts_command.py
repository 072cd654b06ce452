"""`manage.py platform_accounts --agency SLUG`: the agency's linked accounts, token state and
last sync, and nothing of another agency."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from platforms.models import AccountStatus

from ..factories import CreatorFactory, PlatformAccountFactory


def run(*args) -> str:
    out = StringIO()
    call_command("platform_accounts", *args, stdout=out)
    return out.getvalue()


def test_it_lists_accounts_with_token_state_and_last_sync(agency, other_agency):
    synced = timezone.now() - timedelta(hours=2)
    PlatformAccountFactory(
        creator=CreatorFactory(agency=agency, display_name="Lena Vos"),
        handle="lenavos",
        last_synced_at=synced,
        last_sync_summary={"videos": 12, "comments": 40},
    )
    PlatformAccountFactory(
        creator=CreatorFactory(agency=agency, display_name="Bram"),
        handle="bram",
        status=AccountStatus.RECONNECT,
        scopes=["video.list"],
    )
    PlatformAccountFactory(creator=CreatorFactory(agency=other_agency), handle="rivalstar")

    output = run("--agency", agency.slug)

    assert output.splitlines()[0] == "acme: 2 platform account(s)"
    lena = next(line for line in output.splitlines() if "@lenavos" in line)
    assert "(Lena Vos) | linked | token: valid | last sync: " in lena
    assert timezone.localtime(synced, agency.tzinfo).strftime("%Y-%m-%d %H:%M") in lena
    assert "(videos 12, comments 40)" in lena
    bram = next(line for line in output.splitlines() if "@bram" in line)
    assert "| reconnect | token: reconnect | last sync: never" in bram
    assert "rivalstar" not in output


def test_an_agency_without_accounts_says_so(agency):
    assert run("--agency", agency.slug) == "acme: no platform accounts.\n"


def test_an_unknown_agency_is_one_clear_line(db):
    with pytest.raises(CommandError, match="No agency with slug 'nope'"):
        run("--agency", "nope")
