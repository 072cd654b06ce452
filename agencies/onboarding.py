"""Onboarding: a new agency with its default settings and an owner, in one transaction.

`agency_onboard` is the one way an agency starts: `manage.py create_agency`, the platform
staff page and an owner's "New agency" page all call it. The owner is either an existing
account (attached as owner at once) or an e-mail address (invited through
`agencies.invitations`, the link accepted like any other invitation).

Apps above this one keep per-agency settings rows (payout settings, moderation settings, SLA
rules, insight settings). They register a setup function with `agency_setup_register` in their
`AppConfig.ready()`; onboarding calls each inside the new agency's tenant transaction, so a
new agency has every row from the start (and, for example, the payout settings row that
reconciliation locks exists before the first run).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from core.db_scope import tenant_transaction

from .audit import audit_record
from .invitations import invitation_create
from .models import CURRENCY_CHOICES, TIMEZONE_CHOICES, Agency, Invitation, Membership
from .roles import Role

AgencySetup = Callable[..., Any]

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DEFAULT_TIMEZONE = Agency._meta.get_field("timezone").default
DEFAULT_CURRENCY = Agency._meta.get_field("default_currency").default

_setups: list[AgencySetup | str] = []


def agency_setup_register(setup: AgencySetup | str) -> None:
    """Add `setup(agency=...)`, called for every new agency inside its tenant transaction
    (registering the same function again changes nothing). A dotted path is imported when the
    first agency is created, so an app's `ready()` does not load its services at every start."""
    if setup not in _setups:
        _setups.append(setup)


def agency_setups() -> list[AgencySetup]:
    return [import_string(setup) if isinstance(setup, str) else setup for setup in _setups]


@dataclass(frozen=True)
class Onboarding:
    agency: Agency
    owner_email: str
    # An existing account became the owner at once ...
    membership: Membership | None
    # ... or the address was invited (the token is in `link` and in the e-mail only).
    invitation: Invitation | None
    # Where the owner goes next: the invitation link, or the sign-in page leading to the agency.
    link: str

    @property
    def invited(self) -> bool:
        return self.invitation is not None


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _slug_taken(slug: str) -> str:
    return _("The web address “%(slug)s” is taken; choose another.") % {"slug": slug}


def _clean(
    *, name: str, slug: str, owner_email: str, timezone: str, currency: str, language: str
) -> dict[str, list[str]]:
    """Every problem with the input at once, by field (empty when all is well)."""
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the agency a name.")]
    elif len(name) > Agency._meta.get_field("name").max_length:
        errors["name"] = [_("The name is too long (at most 120 characters).")]
    if not SLUG_PATTERN.match(slug) or len(slug) > Agency._meta.get_field("slug").max_length:
        errors["slug"] = [
            _(
                "Use lowercase letters, digits and single hyphens for the web address "
                "(at most 60 characters), e.g. acme-talent."
            )
        ]
    elif Agency.objects.filter(slug=slug).exists():
        errors["slug"] = [_slug_taken(slug)]
    try:
        validate_email(owner_email)
    except ValidationError:
        errors["owner_email"] = [
            _("“%(email)s” is not a valid e-mail address.") % {"email": owner_email}
        ]
    if timezone not in dict(TIMEZONE_CHOICES):
        errors["timezone"] = [
            _("Unknown time zone “%(timezone)s”; use a name such as Europe/Amsterdam.")
            % {"timezone": timezone}
        ]
    if currency not in dict(CURRENCY_CHOICES):
        errors["currency"] = [
            _("Talentdesk does not support the currency “%(currency)s”; choose one of %(choices)s.")
            % {"currency": currency, "choices": ", ".join(dict(CURRENCY_CHOICES))}
        ]
    if language not in language_codes():
        errors["language"] = [
            _("Unknown language “%(language)s”; choose one of %(choices)s.")
            % {"language": language, "choices": ", ".join(language_codes())}
        ]
    return errors


def existing_owner_account(email: str):
    """The account `email` belongs to, if there is exactly one: the account that verified
    the address, else the one whose login address it is. None for a new person."""
    User = get_user_model()
    verified = list(
        User.objects.filter(
            emailaddress__email__iexact=email, emailaddress__verified=True
        ).distinct()[:2]
    )
    if verified:
        return verified[0] if len(verified) == 1 else None
    plain = list(User.objects.filter(email__iexact=email)[:2])
    return plain[0] if len(plain) == 1 else None


def sign_in_url(base_url: str, agency: Agency) -> str:
    """The sign-in page, leading to the agency's dashboard once signed in."""
    dashboard = reverse("agencies:dashboard", kwargs={"agency_slug": agency.slug})
    return f"{base_url.rstrip('/')}{reverse('account_login')}?{urlencode({'next': dashboard})}"


def agency_onboard(
    *,
    name: str,
    slug: str,
    owner_email: str = "",
    owner=None,
    actor=None,
    actor_label: str = "",
    base_url: str,
    timezone: str = "",
    currency: str = "",
    language: str = "",
) -> Onboarding:
    """Create an agency with its default settings and give it an owner; all or nothing.

    The owner is `owner` (a user, e.g. the owner creating a further agency), or the account
    of `owner_email` if it has one, attached as owner at once; otherwise `owner_email` is
    invited as owner and the invitation e-mail goes out in `language`. Every tenant row
    (settings, membership, invitation, audit) is written inside the new agency's tenant
    transaction. Raises ValidationError by field (name, slug, owner_email, timezone,
    currency, language) with nothing written, also when the invitation e-mail cannot be
    sent or another request takes the slug at the same moment.
    """
    name = " ".join((name or "").split())
    slug = (slug or "").strip().lower()
    if owner is not None:
        owner_email = owner.email
    owner_email = (owner_email or "").strip().lower()
    timezone = (timezone or "").strip() or DEFAULT_TIMEZONE
    currency = (currency or "").strip().upper() or DEFAULT_CURRENCY
    language = (language or "").strip().lower() or settings.LANGUAGE_CODE
    errors = _clean(
        name=name,
        slug=slug,
        owner_email=owner_email,
        timezone=timezone,
        currency=currency,
        language=language,
    )
    if owner is None and "owner_email" not in errors:
        owner = existing_owner_account(owner_email)
    if owner is not None and not owner.is_active:
        errors["owner_email"] = [
            _("The account of %(email)s is deactivated; choose another owner.")
            % {"email": owner_email}
        ]
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        agency = Agency(name=name, slug=slug, timezone=timezone, default_currency=currency)
        agency.full_clean(validate_unique=False)  # the slug's uniqueness: the constraint below
        try:
            with transaction.atomic():
                agency.save()
        except IntegrityError:
            # Another request took the slug between the check and the insert.
            raise ValidationError({"slug": _slug_taken(slug)}) from None
        acting_user = actor if getattr(actor, "is_authenticated", False) else None
        with tenant_transaction(agency.pk, acting_user.pk if acting_user else None):
            for setup in agency_setups():
                setup(agency=agency)
            membership = invitation = None
            if owner is not None:
                membership = Membership(agency=agency, user=owner, role=Role.OWNER)
                membership.full_clean()
                membership.save()
                link = sign_in_url(base_url, agency)
            else:
                with translation.override(language):
                    invitation, token = invitation_create(
                        agency=agency,
                        email=owner_email,
                        role=Role.OWNER,
                        actor=actor,
                        base_url=base_url,
                    )
                link = base_url.rstrip("/") + reverse("invitations:accept", kwargs={"token": token})
            audit_record(
                agency=agency,
                actor=actor,
                actor_label=actor_label,
                action="agency.create",
                obj=agency,
                after={
                    "name": name,
                    "slug": slug,
                    "timezone": timezone,
                    "default_currency": currency,
                    "language": language,
                    "owner": owner_email,
                    "owner_invited": invitation is not None,
                },
            )
            if membership is not None:
                audit_record(
                    agency=agency,
                    actor=actor,
                    actor_label=actor_label,
                    action="membership.add",
                    obj=membership,
                    after={"user": owner_email, "role": Role.OWNER},
                )
    return Onboarding(
        agency=agency,
        owner_email=owner_email,
        membership=membership,
        invitation=invitation,
        link=link,
    )
