"""Log lines as production writes them: the JSON formatter of ops.logs on the root logger."""

from __future__ import annotations

import io
import json
import logging

import pytest
import structlog

from config.celery import app as current_app
from ops.logs import formatter


class JsonLines:
    def __init__(self, stream: io.StringIO):
        self.stream = stream

    def all(self) -> list[dict]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line]

    def events(self, event: str) -> list[dict]:
        return [line for line in self.all() if line.get("event") == event]


@pytest.fixture
def json_lines():
    # Celery imports the task modules on the first task queued by name, and its Django fixup
    # calls django.setup() then, which applies LOGGING again (dropping extra handlers):
    # let that happen before the capturing handler is added.
    current_app.loader.import_default_modules()
    stream = io.StringIO()
    entry = formatter("json")
    factory = entry.pop("()")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(factory(**entry))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield JsonLines(stream)
    finally:
        root.removeHandler(handler)


@pytest.fixture(autouse=True)
def _context_cleared():
    # A request made without the test client sends no request_finished to unbind its id.
    yield
    structlog.contextvars.clear_contextvars()
