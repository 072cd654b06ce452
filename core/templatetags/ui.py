"""Template helpers of the visual system: `{% load ui %}` then `{% icon "name" %}`,
`{{ name|initials }}` and `{{ name|avatar_hue }}` (used by components/avatar.html)."""

from __future__ import annotations

import hashlib
import unicodedata

from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

AVATAR_HUES = 8  # .avatar-0 … .avatar-7 in static/css/app.css
SPRITE = "icons/sprite.svg"  # Lucide icons, one <symbol> per name


@register.simple_tag
def icon(name: str, css_class: str = "") -> SafeString:
    """A decorative icon from the sprite: `{% icon "wallet" %}`. A tag rather than an included
    template: the layout draws about twenty on every page, and an include each (a context
    push, a template render and a `static` lookup) was a tenth of a page's rendering."""
    classes = f"icon {css_class}" if css_class else "icon"
    return format_html(
        '<svg class="{}" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>',
        classes,
        static(SPRITE),
        name,
    )


@register.filter
def initials(name) -> str:
    """Up to two initials: first and last word ("Mila Jansen" -> "MJ"); an e-mail address
    uses the part before the @ ("mara.devries@…" -> "MD")."""
    text = str(name or "").strip()
    if "@" in text:
        text = text.split("@", 1)[0].replace(".", " ").replace("_", " ").replace("-", " ")
    words = [w for w in text.split() if any(ch.isalnum() for ch in w)]
    if not words:
        return "?"
    letters = [next(ch for ch in w if ch.isalnum()) for w in (words[0], words[-1])]
    if len(words) == 1:
        letters = letters[:1]
    return "".join(unicodedata.normalize("NFC", ch).upper() for ch in letters)


@register.filter
def avatar_hue(name) -> int:
    """A stable colour per name, so the same person keeps the same avatar everywhere."""
    digest = hashlib.blake2s(str(name or "").encode("utf-8"), digest_size=2).digest()
    return int.from_bytes(digest, "big") % AVATAR_HUES
