"""Dutch is a first-class language: every translatable string has a Dutch translation.

The test extracts the strings from a copy of the source tree with Django's makemessages
(so it sees exactly what `makemessages -l nl` would) and compares them with the committed
catalogue in locale/nl/LC_MESSAGES/django.po. To fix a failure: run
`make translations`, translate the new entries, and commit the .po file.
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
# Every app of ours (the layers contract lists them all: tests/test_layers.py checks that),
# the project package and the site templates.
_LAYERS = configparser.ConfigParser()
_LAYERS.read(ROOT / ".importlinter")
APPS = [*_LAYERS["importlinter"]["root_packages"].split(), "config", "templates"]
CATALOGUE = ROOT / "locale" / "nl" / "LC_MESSAGES" / "django.po"


def _extract(tmp_path: Path) -> polib.POFile:
    tree = tmp_path / "src"
    for name in APPS:
        source = ROOT / name
        if source.exists():
            shutil.copytree(
                source, tree / name, ignore=shutil.ignore_patterns("migrations", "__pycache__")
            )
    shutil.copy(ROOT / "manage.py", tree / "manage.py")
    (tree / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "nl", "-v", "0", "--no-location"],
        # The copied config/settings.py puts LOCALE_PATHS inside the copy, not the real tree.
        cwd=tree,
        check=True,
        env={"DEBUG": "true", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree)},
    )
    extracted = list(tree.rglob("nl/LC_MESSAGES/django.po"))
    assert extracted, "makemessages produced no catalogue"
    merged = polib.POFile()
    for path in extracted:
        merged.extend(polib.pofile(str(path)))
    return merged


def _key(entry: polib.POEntry) -> tuple[str, str]:
    return (entry.msgctxt or "", entry.msgid)


def test_every_string_has_a_dutch_translation(tmp_path):
    extracted = _extract(tmp_path)
    catalogue = {_key(e): e for e in polib.pofile(str(CATALOGUE))}
    missing = [
        e.msgid
        for e in extracted
        if _key(e) not in catalogue
        or not catalogue[_key(e)].translated()
        or "fuzzy" in catalogue[_key(e)].flags
    ]
    assert not missing, f"{len(missing)} strings lack a Dutch translation, e.g. {missing[:10]}"


def test_placeholders_survive_translation():
    for entry in polib.pofile(str(CATALOGUE)):
        if not entry.translated():
            continue
        for placeholder in ("%(", "{{", "%s", "%d"):
            assert entry.msgid.count(placeholder) == entry.msgstr.count(placeholder) or (
                entry.msgid_plural
            ), f"placeholders differ in {entry.msgid!r}"
