"""Shared fixtures for tests/platforms: `tiktok`, the fake TikTok plugged in as the client's
transport with a client key and secret of its own (nothing reaches the internet), and
`tiktok_api`, a client talking to it."""

from __future__ import annotations

import pytest

from platforms import fake_tiktok
from platforms.connectors.tiktok import TikTokApi

CLIENT_KEY = "ck-test"
CLIENT_SECRET = "cs-test"


@pytest.fixture
def tiktok(settings):
    fake = fake_tiktok.FakeTikTok(client_key=CLIENT_KEY, client_secret=CLIENT_SECRET)
    settings.TIKTOK_CLIENT_KEY = CLIENT_KEY
    settings.TIKTOK_CLIENT_SECRET = CLIENT_SECRET
    settings.PLATFORMS_HTTP_TRANSPORT = "platforms.fake_tiktok.transport"
    fake_tiktok.install(fake)
    yield fake
    fake_tiktok.install(None)


@pytest.fixture
def tiktok_api(tiktok):
    client = TikTokApi()
    yield client
    client.close()
