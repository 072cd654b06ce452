"""The language a member reads e-mails in, through the app that keeps it.

A member chooses their e-mail language with their weekly digest (cockpit, the top layer);
lower apps that mail members (moderation's case notices) need it too but may not import
cockpit (.importlinter). cockpit registers an expression in `CockpitConfig.ready()`; the
mailing app annotates its recipients' query with it, so the language costs no extra query.
Without a registration, or for a member who never chose, the site's default language.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import CharField, Value
from django.db.models.functions import Coalesce

# (agency ids) -> an expression on the user model: the language the user chose in one of
# those agencies, or NULL.
LanguageExpression = Callable[[Collection[int]], Any]

_member_language: LanguageExpression | None = None


def member_language_register(expression: LanguageExpression) -> None:
    global _member_language
    _member_language = expression


def member_language(agency_ids: Collection[int]) -> Any:
    """An expression for a user queryset: the user's e-mail language (a code of
    settings.LANGUAGES) in these agencies, the default language when they have none."""
    default = Value(settings.LANGUAGE_CODE, output_field=CharField())
    if _member_language is None:
        return default
    return Coalesce(_member_language(agency_ids), default, output_field=CharField())


def addresses_by_language(*, agency_id: int, emails: Collection[str]) -> dict[str, list[str]]:
    """The addresses grouped by the e-mail language of the user behind each (one query);
    an address without a user reads the default language. Language order, addresses kept
    in their given order."""
    User = get_user_model()
    language_of = dict(
        User.objects.filter(email__in=list(emails))
        .annotate(mail_language=member_language([agency_id]))
        .values_list("email", "mail_language")
    )
    grouped: dict[str, list[str]] = {}
    for email in emails:
        grouped.setdefault(language_of.get(email) or settings.LANGUAGE_CODE, []).append(email)
    return dict(sorted(grouped.items()))
