"""Every app keeps the same shape (DESIGN.md, "Layout"), or says why not.

An app is a root package of `.importlinter` with an `apps.py`. For each name of `SHAPE`,
`<app>/<name>.py` or `<app>/<name>/__init__.py` exists, or the docstring of `<app>/__init__.py`
has a line `No <name>: <reason>`. A `No <name>:` line for a module that exists is stale and
fails too. `portal_views` only matters where creators have pages, so it is never required, but
a claim about it must still be true.
"""

from __future__ import annotations

import ast
import configparser
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHAPE = (
    "models",
    "services",
    "selectors",
    "views",
    "api",
    "serializers",
    "forms",
    "tasks",
    "permissions",
    "admin",
)
OPTIONAL = ("portal_views",)
CLAIM = re.compile(r"^\s*No (\w+):\s*\S")


def apps() -> list[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    packages = config["importlinter"]["root_packages"].split()
    return [name for name in packages if (ROOT / name / "apps.py").is_file()]


def present(app: str) -> set[str]:
    return {
        name
        for name in SHAPE + OPTIONAL
        if (ROOT / app / f"{name}.py").is_file() or (ROOT / app / name / "__init__.py").is_file()
    }


def docstring(app: str) -> str:
    return ast.get_docstring(ast.parse((ROOT / app / "__init__.py").read_text())) or ""


def shape_problems(app: str, modules: set[str], doc: str) -> list[str]:
    """`app: name` for each listed module neither present nor explained, and each stale claim."""
    claimed = {m.group(1) for line in doc.splitlines() if (m := CLAIM.match(line))}
    missing = [f"{app}: {name}" for name in SHAPE if name not in modules | claimed]
    stale = [f"{app}: {name} exists but is claimed missing" for name in sorted(claimed & modules)]
    return missing + stale


def test_every_app_has_the_shape_or_says_why_not():
    problems = [p for app in apps() for p in shape_problems(app, present(app), docstring(app))]

    assert not problems, "\n".join(problems)


def test_the_apps_are_found():
    assert {"agencies", "moderation", "payouts", "demo"} <= set(apps())
    assert "config" not in apps()


def test_the_check_flags_a_missing_module_a_bare_claim_and_a_stale_claim():
    doc = """Shop.

No tasks: nothing runs in the background.
No admin:
No views: pages elsewhere."""
    modules = set(SHAPE) - {"tasks", "admin", "forms"}

    assert shape_problems("shop", modules, doc) == [
        "shop: forms",
        "shop: admin",
        "shop: views exists but is claimed missing",
    ]
