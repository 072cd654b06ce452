from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs) -> str:
    """The current query string with `kwargs` replaced (None or "" removes a key)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


@register.simple_tag(takes_context=True)
def sort_link(context, field: str) -> str:
    """Query string sorting by `field`, flipping direction if it is already the sort key."""
    query = context["request"].GET.copy()
    current = query.get("sort", "")
    query["sort"] = f"-{field}" if current == field else field
    query.pop("page", None)
    return query.urlencode()


@register.simple_tag(takes_context=True)
def sort_state(context, field: str) -> str:
    current = context["request"].GET.get("sort", "")
    if current == field:
        return "ascending"
    if current == f"-{field}":
        return "descending"
    return "none"


@register.filter
def switcher_key(memberships) -> tuple:
    """What the agency switcher shows of the user's memberships (agency, its name and slug,
    the role), for the `{% fragment %}` key it is remembered under in base.html."""
    return tuple((m.agency.pk, m.agency.slug, m.agency.name, m.role) for m in memberships)
