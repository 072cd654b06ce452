"""core/model_rows.py: SQL written once per database connection (the instances it loads are
compared with the ORM's in tests/agencies/test_api_tokens.py and test_switching.py)."""

from __future__ import annotations

import threading

from django.db import connections

from core.model_rows import per_connection


def test_what_is_built_is_kept_per_connection_and_built_again_for_another():
    built = []

    def build(db):
        built.append(db)
        return f"built for {len(built)}"

    read = per_connection(build)
    first, again = read(), read()

    assert first == again and len(built) == 1
    assert first[0] is connections["default"]

    seen = []

    def in_thread():
        seen.append(read())
        connections.close_all()

    worker = threading.Thread(target=in_thread)
    worker.start()
    worker.join()

    assert len(built) == 2  # a thread has its own connection, hence its own converters
    assert seen[0][0] is not first[0] and seen[0][1] == "built for 2"
