"""No module imports another module's private name (STYLE.md; issue 13's layers contract).

A name that starts with one underscore belongs to its module: another module that needs it
gets a public name for it, so what a module promises to others is what it spells without the
underscore. Importing a public name under a private alias (`import x as _x`) is fine, and so is
gettext's `_`. The files checked are those of `test_local_imports`: the root packages of
`.importlinter` and `config`, without their migrations, and `bench/`.
"""

from __future__ import annotations

import ast

from tests.test_layers import ROOT, root_packages


def private_imports(source: str) -> list[tuple[int, str]]:
    """(line, name) of each `from … import _name` in `source`."""
    return [
        (node.lineno, alias.name)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.module != "__future__"
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__") and alias.name != "_"
    ]


def test_no_module_imports_another_modules_private_name():
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for package in [*root_packages(), "config", "bench"]
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
        for line, name in private_imports(path.read_text())
    ]

    assert not offenders, "private names imported across modules:\n" + "\n".join(offenders)


def test_the_check_flags_a_private_name_and_accepts_a_private_alias():
    source = (
        "from agencies.audit import _jsonable\n"
        "from .api import (\n    api_error,\n    _helper,\n)\n"
        "from .csv_statement import iter_records as _iter_csv\n"
        "from django.utils.translation import gettext as _\n"
        "from django.utils.translation import _\n"
        "from x import __version__\n"
    )

    assert private_imports(source) == [(1, "_jsonable"), (2, "_helper")]
