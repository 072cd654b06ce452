"""tests/workers.py: each pytest-xdist process gets Redis databases of its own."""

import pytest

from tests.workers import isolate, moved, worker_number


def test_the_second_worker_moves_every_redis_database_and_the_first_keeps_them():
    serial = {
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/1",
        "CELERY_RESULT_BACKEND": "redis://127.0.0.1:6379",
    }
    first = {**serial, "PYTEST_XDIST_WORKER": "gw0"}
    second = {**serial, "PYTEST_XDIST_WORKER": "gw1"}

    isolate(first)
    isolate(second)

    assert {k: first[k] for k in serial} == serial
    assert second["REDIS_URL"] == "redis://127.0.0.1:6379/10"
    assert second["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/11"
    assert second["CELERY_RESULT_BACKEND"] == "redis://127.0.0.1:6379/10"
    # The real Celery workers the shutdown tests start use database 5 unless told otherwise.
    assert second["TEST_CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/15"


def test_outside_xdist_nothing_changes():
    environ = {"REDIS_URL": "redis://127.0.0.1:6379/0"}
    isolate(environ)
    assert environ == {"REDIS_URL": "redis://127.0.0.1:6379/0"}
    assert worker_number(None) is None
    assert worker_number("master") is None


def test_other_brokers_and_credentials_are_kept():
    assert moved("amqp://guest@127.0.0.1:5672//", 10) == "amqp://guest@127.0.0.1:5672//"
    assert moved("redis://:secret@cache:6380/2", 10) == "redis://:secret@cache:6380/12"


def test_a_worker_past_the_servers_databases_is_refused_with_what_to_do():
    with pytest.raises(RuntimeError, match="fewer workers"):
        isolate({"PYTEST_XDIST_WORKER": "gw2", "REDIS_URL": "redis://127.0.0.1:6379/0"})
