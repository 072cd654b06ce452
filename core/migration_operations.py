"""A migration operation that creates several models with one re-render of the migration state.

After every operation of a migration Django re-renders the model it touched and, recursively,
every model related to it. Every tenant table points at the agency, so each CreateModel (and each
AddConstraint or AddIndex after it) re-rendered nearly every model: a migrate on an empty
database spent ~9 s in it. `CreateModels` applies the state changes of its CreateModel
operations first and renders only the new models, once; the tables are then created from the
final state, so a model may point at one created later in the same batch (foreign keys are added
at the end of the migration on PostgreSQL and are deferrable on SQLite). Checked: an empty
database migrated this way and with Django's full re-render has the same schema to the byte
(`pg_dump --schema-only`, SQLite `.schema`).
"""

from __future__ import annotations

from django.db.migrations.operations import (
    AddConstraint,
    AddField,
    AddIndex,
    AlterField,
    CreateModel,
    RemoveConstraint,
    RemoveField,
    RemoveIndex,
)
from django.db.migrations.operations.base import Operation

# What a Batch may hold: operations on one existing model each (see Batch).
BATCHABLE = (
    AddField,
    AlterField,
    RemoveField,
    AddIndex,
    RemoveIndex,
    AddConstraint,
    RemoveConstraint,
)


class CreateModels(Operation):
    """Create the models of `operations` (CreateModel operations, in one app)."""

    serialization_expand_args = ["operations"]

    def __init__(self, operations: list[CreateModel]):
        if not all(isinstance(operation, CreateModel) for operation in operations):
            raise TypeError("CreateModels takes CreateModel operations only.")
        self.operations = list(operations)
        super().__init__()

    def deconstruct(self):
        return (self.__class__.__qualname__, [], {"operations": self.operations})

    def state_forwards(self, app_label, state):
        # `apps` is a cached property: while it is absent, add_model() does not re-render.
        rendered = state.__dict__.pop("apps", None)
        for operation in self.operations:
            operation.state_forwards(app_label, state)
        if rendered is not None:
            state.apps = rendered
            # New models only: rendering one registers it with the models it points to, as
            # Django's own app loading does; re-rendering those (every model related to the
            # agency, recursively) is what made each app's batch cost as much as all models.
            state.apps.render_multiple(
                [state.models[app_label, operation.name_lower] for operation in self.operations]
            )

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        for operation in self.operations:
            operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        for operation in reversed(self.operations):
            operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return "Create models " + ", ".join(operation.name for operation in self.operations)

    @property
    def migration_name_fragment(self):
        return "models"

    def references_model(self, name, app_label):
        return any(operation.references_model(name, app_label) for operation in self.operations)

    def references_field(self, model_name, name, app_label):
        return any(
            operation.references_field(model_name, name, app_label) for operation in self.operations
        )


class Batch(Operation):
    """Apply several operations on existing models of one app with one re-render.

    Each operation's state change is applied with the state unrendered, then the models they
    touched are re-rendered once (an AlterField on a foreign key to the agency otherwise
    re-renders, recursively, every model related to the agency, once per operation). On the
    database, operations on different models each run between the states before and after the
    whole batch; where several touch one model (a field added and its check constraint), each
    runs between the states just before and after it, in which only that model is rendered
    again. Refused: operations that run code (RunPython, RunSQL) or create, delete or rename
    models. Inside `SeparateDatabaseAndState(state_operations=[Batch(...)])` only the state
    side runs.
    """

    serialization_expand_args = ["operations"]
    reduces_to_sql = True
    reversible = True

    def __init__(self, operations: list[Operation]):
        self.operations = list(operations)
        models: list[str] = []
        for operation in self.operations:
            model = getattr(operation, "model_name", None)
            if model is None or not isinstance(operation, BATCHABLE):
                raise TypeError(f"Batch cannot hold {operation.__class__.__name__}.")
            models.append(model.lower())
        # Each operation on a model of its own: all run between the batch's two states.
        self.step_by_step = len(set(models)) < len(models)
        super().__init__()

    def deconstruct(self):
        return (self.__class__.__qualname__, [], {"operations": self.operations})

    def state_forwards(self, app_label, state):
        rendered = state.__dict__.pop("apps", None)
        for operation in self.operations:
            operation.state_forwards(app_label, state)
        if rendered is not None:
            state.apps = rendered
            state.reload_models(
                [(app_label, operation.model_name_lower) for operation in self.operations],
                delay=False,
            )

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if not self.step_by_step:
            for operation in self.operations:
                operation.database_forwards(app_label, schema_editor, from_state, to_state)
            return
        states = self._steps(app_label, from_state)
        for operation, before, after in zip(self.operations, states, states[1:], strict=False):
            operation.database_forwards(app_label, schema_editor, before, after)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if not self.step_by_step:
            for operation in reversed(self.operations):
                operation.database_backwards(app_label, schema_editor, from_state, to_state)
            return
        # `to_state` is the state before the batch: step forwards from it, undo backwards.
        states = self._steps(app_label, to_state)
        steps = list(zip(self.operations, states, states[1:], strict=False))
        for operation, before, after in reversed(steps):
            operation.database_backwards(app_label, schema_editor, after, before)

    def _steps(self, app_label, state) -> list:
        """`state` and the state after each operation in turn, each rendering again only the
        model its operation touched (the others are the classes `state` rendered)."""
        states = [state]
        for operation in self.operations:
            after = states[-1].clone()
            rendered = after.__dict__.pop("apps", None)
            operation.state_forwards(app_label, after)
            if rendered is not None:
                key = (app_label, operation.model_name_lower)
                rendered.unregister_model(*key)
                rendered.render_multiple([after.models[key]])
                after.apps = rendered
            states.append(after)
        return states

    def describe(self):
        return "; ".join(operation.describe() for operation in self.operations)

    @property
    def migration_name_fragment(self):
        return "batch"

    def references_model(self, name, app_label):
        return any(operation.references_model(name, app_label) for operation in self.operations)

    def references_field(self, model_name, name, app_label):
        return any(
            operation.references_field(model_name, name, app_label) for operation in self.operations
        )
