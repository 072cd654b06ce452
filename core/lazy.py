"""Callables named by dotted path and imported on their first call.

An app registers its handlers with a lower app's hook in `AppConfig.ready()`; registering the
function itself imports its module — often the app's services, and what they import — when
every process starts, `migrate` and `check` included. `lazy_callable("app.module.function")`
registers the name instead: the module is imported when the hook first calls it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.utils.module_loading import import_string


@functools.cache  # one object per path: registering the same path twice registers it once
def lazy_callable(path: str) -> Callable[..., Any]:
    """A function that imports `path` on its first call and passes every call on to it."""

    @functools.cache
    def target() -> Callable[..., Any]:
        return import_string(path)

    def call(*args: Any, **kwargs: Any) -> Any:
        return target()(*args, **kwargs)

    call.__name__ = path.rpartition(".")[2]
    call.__qualname__ = call.__module__ = path
    call.__doc__ = f"{path}, imported on first call (core.lazy)."
    return call
