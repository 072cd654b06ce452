"""`migrate` as the tables' owner: with DATABASE_OWNER_URL set, the schema changes, the
row-level-security policies and the app role's grants (agencies/rls.py) are made by the owner
role, while the app itself keeps connecting as DATABASE_URL's role, which owns nothing.

Its system checks are those migrating depends on, the models' and the database's: the URL,
template and deployment checks import every view (two thirds of a migrate on an empty database)
and are `check --deploy`'s, which the release step of `make serve` runs after migrate, and
runserver's."""

from __future__ import annotations

from django.core.checks import Tags
from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import connections

from core.db_scope import owner_credentials

_CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT", "NAME")


class Command(MigrateCommand):
    def get_check_kwargs(self, options):
        return {**super().get_check_kwargs(options), "tags": [Tags.models, Tags.database]}

    def handle(self, *args, **options):
        database = options["database"]
        owner = owner_credentials()
        connection = connections[database]
        if not owner or connection.vendor != "postgresql":
            return super().handle(*args, **options)
        if owner.get("USER") == connection.settings_dict.get("USER"):
            return super().handle(*args, **options)
        saved = {key: connection.settings_dict.get(key) for key in _CREDENTIALS}
        connection.close()
        # The owner's credentials; the database stays the one the app uses (the test
        # runner's test database included).
        connection.settings_dict.update(owner)
        try:
            return super().handle(*args, **options)
        finally:
            connection.close()
            connection.settings_dict.update(saved)
