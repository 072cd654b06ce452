"""A forked helper process for CPU work beside the database work of the same job.

Python runs one thread at a time, so a job that both computes (parsing a bank file, deciding
a reconciliation) and waits on PostgreSQL gains little from a thread; a forked process has
its own interpreter and core. The child inherits the parent's memory (what it computes from)
and sends results back through a pipe; it must not touch the parent's database connection.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.reduction import ForkingPickler


def fork_context():
    """The `fork` start method, also inside a Celery prefork worker.

    A Celery prefork worker (where large imports and runs execute) is a daemonic process,
    which the standard library forbids to start children; billiard, Celery's own fork of
    multiprocessing, allows it and is otherwise the same.
    """
    if multiprocessing.current_process().daemon:
        # Only in a daemonic Celery worker, which has loaded billiard already.
        import billiard

        return billiard.get_context("fork")
    return multiprocessing.get_context("fork")


@contextmanager
def sending_ahead(sender, ahead: int) -> Iterator[Callable[[object], None]]:
    """In the child: `send(obj)` that does not wait for the parent to read. Each object is
    pickled at once and queued (at most `ahead` waiting); a thread writes them to the pipe
    `sender`, which blocks without holding the interpreter lock. Without it the child stops
    at every object bigger than the pipe holds until the parent, busy with its database
    work, reads it. Leaving the block sends what is queued, then closes `sender`."""
    outbox: queue.Queue[bytes | None] = queue.Queue(maxsize=ahead)

    def write_all() -> None:
        while (blob := outbox.get()) is not None:
            sender.send_bytes(blob)

    courier = threading.Thread(target=write_all, name="send-ahead", daemon=True)
    courier.start()
    try:
        yield lambda obj: outbox.put(ForkingPickler.dumps(obj))
    finally:
        outbox.put(None)
        courier.join()
        sender.close()
