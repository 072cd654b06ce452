"""Log lines as production writes them: the JSON formatter of ops.logs on the root logger."""

from __future__ import annotations

import io
import json
import logging

import pytest

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
