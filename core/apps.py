from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # In ready(), with the start-up wiring they serve: apps.py loads before the models.
        from django.urls import register_converter

        from . import numbers
        from .converters import IdConverter

        numbers.install()
        # Before any URLconf is imported (they use `<id:pk>`).
        register_converter(IdConverter, "id")
