"""`manage.py create_agency`: start an agency and give it an owner (agencies/onboarding.py)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from agencies.onboarding import DEFAULT_CURRENCY, DEFAULT_TIMEZONE, agency_onboard

# The service's field names, as the options that carry them (in the order of --help).
OPTIONS = {
    "name": "--name",
    "slug": "--slug",
    "owner_email": "--owner-email",
    "timezone": "--timezone",
    "currency": "--currency",
    "language": "--language",
}


def one_line(error: ValidationError) -> str:
    """Every message of the service's error on one line, each after the option it is about."""
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    fields = sorted(error.error_dict, key=lambda f: list(OPTIONS).index(f) if f in OPTIONS else 99)
    return "; ".join(
        f"{OPTIONS.get(field, field)}: {' '.join(error.message_dict[field])}" for field in fields
    )


class Command(BaseCommand):
    help = (
        "Create an agency with its default settings and give it an owner: an existing account "
        "becomes the owner at once, anyone else is e-mailed an invitation. Prints the link the "
        "owner signs in or accepts with. Nothing is created if any input is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="the agency's name")
        parser.add_argument(
            "--slug",
            required=True,
            help="its web address in links (/a/<slug>/): lowercase letters, digits, hyphens",
        )
        parser.add_argument("--owner-email", required=True, help="the owner's e-mail address")
        parser.add_argument(
            "--timezone", default=DEFAULT_TIMEZONE, help=f"IANA time zone ({DEFAULT_TIMEZONE})"
        )
        parser.add_argument(
            "--currency", default=DEFAULT_CURRENCY, help=f"default currency ({DEFAULT_CURRENCY})"
        )
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            help="language of the invitation e-mail: "
            + ", ".join(code for code, _name in settings.LANGUAGES)
            + f" ({settings.LANGUAGE_CODE})",
        )
        parser.add_argument(
            "--base-url",
            default=settings.SITE_URL,
            help=f"the site's address the link starts with (SITE_URL: {settings.SITE_URL})",
        )

    def handle(self, *args, **options):
        try:
            result = agency_onboard(
                name=options["name"],
                slug=options["slug"],
                owner_email=options["owner_email"],
                timezone=options["timezone"],
                currency=options["currency"],
                language=options["language"],
                base_url=options["base_url"],
                actor_label="manage.py create_agency",
            )
        except ValidationError as error:
            raise CommandError(one_line(error)) from None
        agency = result.agency
        self.stdout.write(
            f"Created {agency.name} ({agency.slug}): {agency.timezone}, "
            f"{agency.default_currency}, with its default settings."
        )
        if result.invited:
            self.stdout.write(
                f"Invited {result.owner_email} as owner (e-mail sent; the link works once, "
                f"until {result.invitation.expires_at:%Y-%m-%d %H:%M} UTC). Accept link:"
            )
        else:
            self.stdout.write(
                f"{result.owner_email} already has an account and is now the owner. Sign-in link:"
            )
        self.stdout.write(result.link)
