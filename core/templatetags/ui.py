"""Template helpers of the visual system: `{% load ui %}` then `{% icon "name" %}`,
`{% fragment ... %}` (a layout piece rendered once per key), `{{ name|initials }}` and
`{{ name|avatar_hue }}` (used by components/avatar.html)."""

from __future__ import annotations

import hashlib
import threading
import unicodedata
from collections import OrderedDict

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf
from django.utils import translation
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


# Rendered layout fragments by (template, key..., language), per process; see `fragment`.
_FRAGMENTS: OrderedDict[tuple, SafeString] = OrderedDict()
_FRAGMENTS_MAX = 2048
_FRAGMENTS_LOCK = threading.Lock()


@register.simple_tag(takes_context=True)
def fragment(context, template_name: str, *key) -> SafeString:
    """`{% fragment "components/_nav.html" a b c %}`: include `template_name`, rendered once per
    process for each `key` (and language) and then reused. For layout pieces every page draws
    whose output is fully decided by `key`: the main navigation reads only the agency's slug,
    the role and the page's URL name, yet was a dozen `{% url %}`s, icons and translations on
    every page. The key must name everything the template reads; a template that reads more
    must not use this. Off with DEBUG, where templates change while the process runs."""
    if settings.DEBUG:
        return _render(context, template_name)
    # Also what `{% url %}` and translations depend on besides the key.
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    memo_key = (template_name, *key, translation.get_language(), urlconf, get_script_prefix())
    with _FRAGMENTS_LOCK:
        html = _FRAGMENTS.get(memo_key)
        if html is not None:
            _FRAGMENTS.move_to_end(memo_key)
            return html
    html = _render(context, template_name)
    with _FRAGMENTS_LOCK:
        _FRAGMENTS[memo_key] = html
        if len(_FRAGMENTS) > _FRAGMENTS_MAX:
            _FRAGMENTS.popitem(last=False)
    return html


def _render(context, template_name: str) -> SafeString:
    template_ = context.template.engine.get_template(template_name)
    with context.push():
        return SafeString(template_.render(context))


def fragments_forget() -> None:
    """Drop every remembered fragment (tests)."""
    with _FRAGMENTS_LOCK:
        _FRAGMENTS.clear()


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
