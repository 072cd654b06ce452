"""core/sessions.py: Django's database sessions, read by SQL written once per connection."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends import db as django_db
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_the_project_uses_these_sessions():
    assert settings.SESSION_ENGINE == "core.sessions"


def test_a_session_saved_by_djangos_engine_reads_back_here_and_the_other_way_round():
    theirs = django_db.SessionStore()
    theirs["agency"] = "acme"
    theirs.save()
    ours = SessionStore()
    ours["agency"] = "rival"
    ours.save()

    assert SessionStore(theirs.session_key)["agency"] == "acme"
    assert django_db.SessionStore(ours.session_key)["agency"] == "rival"


def test_an_expired_or_unknown_session_reads_as_empty_and_forgets_its_key():
    store = SessionStore()
    store["agency"] = "acme"
    store.save()
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    expired = SessionStore(store.session_key)
    unknown = SessionStore("x" * 32)

    assert expired.load() == {} and expired.session_key is None
    assert unknown.load() == {} and unknown.session_key is None


def test_a_signed_in_page_reads_its_session(manager_client, agency):
    assert manager_client.get(reverse("agencies:dashboard", args=[agency.slug])).status_code == 200
