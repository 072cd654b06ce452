"""The visual system's pieces: initials avatars, the icon sprite, the empty state."""

from __future__ import annotations

import re
from pathlib import Path

from django.template import engines
from django.template.loader import render_to_string
from django.templatetags.static import static

from core.templatetags.ui import avatar_hue, initials

ROOT = Path(__file__).resolve().parents[2]
SPRITE = ROOT / "static" / "icons" / "sprite.svg"


def test_initials_take_the_first_and_last_word():
    assert initials("Mila Jansen") == "MJ"
    assert initials("Anna van der Berg") == "AB"
    assert initials("Lina") == "L"
    assert initials("  élodie  durand ") == "ÉD"


def test_initials_of_an_email_use_the_part_before_the_at():
    assert initials("mara.devries@acme.test") == "MD"
    assert initials("owner@northstar.test") == "O"


def test_initials_of_nothing_is_a_question_mark():
    assert initials("") == "?"
    assert initials(None) == "?"
    assert initials("— !") == "?"


def test_the_avatar_colour_is_stable_per_name_and_one_of_the_palette():
    assert avatar_hue("Mila Jansen") == avatar_hue("Mila Jansen")
    assert {avatar_hue(f"Person {n}") for n in range(200)} == set(range(8))


def test_the_avatar_is_decorative_and_shows_the_initials():
    html = render_to_string("components/avatar.html", {"name": "Mila Jansen", "size": "lg"})
    assert 'aria-hidden="true"' in html
    assert ">MJ<" in html
    assert "avatar-lg" in html


def test_an_icon_is_a_decorative_use_of_the_sprite():
    template = engines["django"].from_string('{% load ui %}{% icon "wallet" %}{% icon name "x" %}')
    html = template.render({"name": '"><script>'})
    sprite = static("icons/sprite.svg")
    assert html.startswith(
        f'<svg class="icon" aria-hidden="true" focusable="false"><use href="{sprite}#wallet">'
        "</use></svg>"
    )
    # a name from the context is escaped; a class is added after "icon"
    assert 'class="icon x"' in html
    assert "<script>" not in html
    assert "#&quot;&gt;&lt;script&gt;" in html


def test_every_icon_the_templates_use_is_in_the_sprite():
    shipped = set(re.findall(r'<symbol id="([^"]+)"', SPRITE.read_text(encoding="utf-8")))
    used: set[str] = set()
    for template in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in template.parts:
            continue
        text = template.read_text(encoding="utf-8")
        used |= set(re.findall(r'\{% icon "([^"]+)"', text))
        used |= set(re.findall(r'icon\|default:"([^"]+)"', text))
        # what pages hand to components/empty_state.html
        used |= set(
            re.findall(
                r'\{% include "components/empty_state\.html" with [^%]*\bicon="([^"]+)"', text
            )
        )
    assert used, "no icons found in the templates"
    assert used <= shipped, f"icons missing from static/icons/sprite.svg: {used - shipped}"


def test_the_empty_state_offers_the_next_action():
    html = render_to_string(
        "components/empty_state.html",
        {
            "title": "No statements yet",
            "text": "Import a platform statement to see where the money went.",
            "action_url": "/import/",
            "action_label": "Import statements",
            "secondary_url": "/sample.csv",
            "secondary_label": "Download a sample file",
        },
    )
    assert "<h2>No statements yet</h2>" in html
    assert 'class="button" href="/import/"' in html
    assert "Import statements" in html
    assert 'href="/sample.csv"' in html


def test_an_empty_state_without_an_action_has_no_buttons():
    html = render_to_string("components/empty_state.html", {"title": "Nothing here"})
    assert "button" not in html
