"""A forked helper process for CPU work beside the database work of the same job.

Python runs one thread at a time, so a job that both computes (parsing a bank file, deciding
a reconciliation) and waits on PostgreSQL gains little from a thread; a forked process has
its own interpreter and core. The child inherits the parent's memory (what it computes from)
and sends results back through a pipe; it must not touch the parent's database connection.
"""

from __future__ import annotations

import multiprocessing


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
