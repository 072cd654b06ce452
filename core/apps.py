from __future__ import annotations

import gc

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # In ready(), with the start-up wiring they serve: apps.py loads before the models.
        from django.core.signals import request_finished
        from django.urls import register_converter

        from . import numbers
        from .converters import IdConverter
        from .db_scope import request_end

        numbers.install()
        # Before any URLconf is imported (they use `<id:pk>`).
        register_converter(IdConverter, "id")
        # A pooled connection never carries one request's agency into the next.
        request_finished.connect(request_end, dispatch_uid="core_db_scope_request_end")
        # Every model, setting and module loaded by now lives as long as the process: frozen,
        # the cyclic collector never scans them again. Its full collections while the rest
        # starts (every URLconf and view, on the first request or `manage.py check`) cost a
        # fifth of that start-up otherwise (bench/README.md).
        gc.freeze()
