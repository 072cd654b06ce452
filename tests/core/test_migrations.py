"""The migrations: in step with the models, and quick on an empty database (CreateModels)."""

from __future__ import annotations

from io import StringIO
from unittest import mock

import pytest
from django.core.checks import Error, Tags
from django.core.checks.registry import CheckRegistry
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection, models
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import (
    AddConstraint,
    AddField,
    AlterField,
    CreateModel,
    RunPython,
)
from django.db.migrations.state import ModelState, ProjectState
from django.db.models import Q

from core.migration_operations import Batch, CreateModels


@pytest.mark.django_db
def test_the_migrations_match_the_models():
    # Exits with status 1 (SystemExit) when a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_an_empty_database_is_built_from_the_squashed_migrations():
    graph = MigrationLoader(None).graph  # no connection: nothing applied

    assert ("payouts", "0001_squashed_0007_drop_agency_indexes_covered_by_unique") in graph.nodes
    assert ("campaigns", "0001_squashed_0003_contract_commission_rate") in graph.nodes
    assert ("moderation", "0001_squashed_0005_notification_data") in graph.nodes
    assert ("moderation", "0002_outbox_delivery") not in graph.nodes
    assert ("payouts", "0001_initial") not in graph.nodes
    assert ("campaigns", "0002_sponsor_reports") not in graph.nodes


def _toy_models():
    # Post comes first and points at Author, created after it in the same batch.
    return CreateModels(
        [
            CreateModel(
                "Post",
                fields=[
                    ("id", models.AutoField(primary_key=True)),
                    ("author", models.ForeignKey("toy.Author", on_delete=models.CASCADE)),
                    ("title", models.CharField(max_length=20)),
                ],
                options={
                    "constraints": [
                        models.UniqueConstraint(fields=["author", "title"], name="toy_unique")
                    ]
                },
            ),
            CreateModel("Author", fields=[("id", models.AutoField(primary_key=True))]),
        ]
    )


def test_create_models_renders_each_model_once_and_may_point_forward():
    state = ProjectState()
    state.apps  # rendered, as during `migrate`  # noqa: B018
    render = ModelState.render

    with mock.patch.object(ModelState, "render", autospec=True, side_effect=render) as spy:
        _toy_models().state_forwards("toy", state)

    assert spy.call_count == 2
    post = state.apps.get_model("toy", "Post")
    assert post._meta.get_field("author").related_model is state.apps.get_model("toy", "Author")
    assert [c.name for c in post._meta.constraints] == ["toy_unique"]


def test_create_models_without_rendered_state_only_records_the_models():
    state = ProjectState()

    _toy_models().state_forwards("toy", state)

    assert "apps" not in state.__dict__
    assert set(state.models) == {("toy", "post"), ("toy", "author")}


def test_create_models_describes_and_deconstructs_itself():
    operation = _toy_models()

    assert operation.describe() == "Create models Post, Author"
    name, args, kwargs = operation.deconstruct()
    assert (name, args) == ("CreateModels", [])
    assert [op.name for op in kwargs["operations"]] == ["Post", "Author"]
    assert operation.references_model("Author", "toy")
    assert not operation.references_model("Reader", "toy")
    with pytest.raises(TypeError):
        CreateModels([mock.Mock()])


@pytest.mark.django_db(transaction=True)
def test_a_batch_creates_its_tables_and_drops_them_backwards():
    def sql(*args):
        out = StringIO()
        call_command("sqlmigrate", "moderation", "0001_initial", *args, stdout=out)
        return out.getvalue()

    forwards, backwards = sql(), sql("--backwards")

    assert forwards.count("CREATE TABLE") == 15
    assert 'CONSTRAINT "case_status_valid"' in forwards
    assert backwards.count("DROP TABLE") == 15


def _toy_state():
    state = ProjectState()
    _toy_models().state_forwards("toy", state)
    state.apps  # rendered, as during `migrate`  # noqa: B018
    return state


def _toy_changes():
    return [
        AddField("post", "body", models.TextField(default="")),
        AlterField("author", "id", models.BigAutoField(primary_key=True)),
    ]


def test_a_batch_ends_in_the_state_its_operations_would_and_renders_once():
    one_by_one, batched = _toy_state(), _toy_state()
    for operation in _toy_changes():
        operation.state_forwards("toy", one_by_one)
    render = ModelState.render

    with mock.patch.object(ModelState, "render", autospec=True, side_effect=render) as spy:
        Batch(_toy_changes()).state_forwards("toy", batched)

    assert spy.call_count == 2  # Post and Author, once each (one by one: 2 per operation)
    for key in (("toy", "post"), ("toy", "author")):
        assert batched.models[key].fields.keys() == one_by_one.models[key].fields.keys()
    post = batched.apps.get_model("toy", "Post")
    assert post._meta.get_field("body").default == ""
    assert isinstance(post._meta.get_field("author").target_field, models.BigAutoField)


@pytest.mark.django_db(transaction=True)  # SQLite alters tables outside a transaction only
def test_two_changes_to_one_model_reach_the_database_one_after_the_other():
    # SQLite adds a column with a default by copying the table: each copy must know the
    # columns the batch added before it.
    batch = Batch(
        [
            AddField("post", "summary", models.TextField(default="")),
            AddField("post", "score", models.IntegerField(default=0)),
            AddConstraint("post", models.CheckConstraint(condition=Q(score__gte=0), name="toy_s")),
        ]
    )
    before = _toy_state()
    after = before.clone()
    batch.state_forwards("toy", after)
    with connection.schema_editor() as editor:
        _toy_models().database_forwards("toy", editor, ProjectState(), before)
    try:
        with connection.schema_editor() as editor:
            batch.database_forwards("toy", editor, before, after)
        with connection.cursor() as cursor:
            columns = {
                c.name for c in connection.introspection.get_table_description(cursor, "toy_post")
            }
            constraints = connection.introspection.get_constraints(cursor, "toy_post")
        assert {"summary", "score"} <= columns
        assert "toy_s" in constraints

        with connection.schema_editor() as editor:
            batch.database_backwards("toy", editor, after, before)
        with connection.cursor() as cursor:
            columns = {
                c.name for c in connection.introspection.get_table_description(cursor, "toy_post")
            }
        assert not {"summary", "score"} & columns
    finally:
        with connection.schema_editor() as editor:
            _toy_models().database_backwards("toy", editor, before, ProjectState())


def test_a_batch_refuses_code_and_new_models():
    with pytest.raises(TypeError):
        Batch([RunPython(RunPython.noop)])
    with pytest.raises(TypeError):
        Batch([_toy_models()])
    assert Batch(_toy_changes()).deconstruct()[0] == "Batch"


@pytest.mark.django_db
def test_migrate_runs_the_model_and_database_checks_but_not_the_url_ones():
    def failing(tag):
        def check(app_configs=None, **kwargs):
            return [Error(f"a {tag} problem", id=f"test.E{len(tag)}")]

        return check

    registry = CheckRegistry()
    registry.register(failing("urls"), Tags.urls)
    with mock.patch("django.core.management.base.checks.run_checks", registry.run_checks):
        call_command("migrate", verbosity=0, skip_checks=False)  # URLs: check --deploy's

        registry.register(failing("models"), Tags.models)
        with pytest.raises(SystemCheckError, match="a models problem"):
            call_command("migrate", verbosity=0, skip_checks=False)


@pytest.mark.django_db(transaction=True)
def test_an_app_migrated_back_and_forth_gets_its_policies_again():
    # The row-level-security step after a migrate writes policies for the tables that exist:
    # migrating an app back drops its tables, which must not make that step fail.
    call_command("migrate", "leads", "zero", verbosity=0)
    try:
        assert "leads_lead" not in connection.introspection.table_names()
    finally:
        call_command("migrate", verbosity=0)

    assert "leads_lead" in connection.introspection.table_names()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_policies WHERE tablename = 'leads_lead'")
            assert cursor.fetchone()[0] >= 1
