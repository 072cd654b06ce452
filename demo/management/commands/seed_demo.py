"""`manage.py seed_demo`: the demo, each app's part built by its own demo module (see demo/)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from agencies.models import Agency
from campaigns.demo import seed_demo_campaign
from core.db_scope import tenant_transaction
from creators.demo import DEMO_PASSWORD, seed_demo
from creators.program_demo import seed_demo_applications
from crisis.demo import seed_demo_crisis
from leads.demo import seed_demo_leads
from moderation.demo import seed_demo_moderation
from payouts.demo import seed_demo_books, seed_demo_payouts
from platforms.demo import seed_demo_platforms
from rewards.demo import seed_demo_rewards


class Command(BaseCommand):
    help = (
        "Create the demo: two agencies, staff of every role, a creator login, about 50 "
        "creators and a running campaign per agency, and reconciled payouts for the creator "
        "login. Safe to run again: nothing is duplicated."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even with DEBUG off (the demo logins share a published password).",
        )

    def handle(self, *args, **options):
        if not (settings.DEBUG or getattr(settings, "TESTING", False) or options["force"]):
            raise CommandError(
                "seed_demo creates logins with a published password; run it with DEBUG=true "
                "or pass --force."
            )
        result = seed_demo()
        # Payouts sit above the roster and campaigns: seeded after them, per agency.
        payouts_created = books_created = moderation_created = campaigns_created = 0
        linked = None
        # Cases, reminders and the first platform sync notify people, some once the agency's
        # transaction commits: demo people, no one to e-mail (the console backend would bury
        # the sign-ins printed below).
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            for agency in Agency.objects.order_by("pk"):
                with tenant_transaction(agency.pk):  # row-level security: one agency at a time
                    if approver := result.approvers.get(agency.slug):  # a demo agency's campaign
                        campaigns_created += seed_demo_campaign(agency, approver=approver)
                    payouts_created += seed_demo_payouts(agency)
                    books_created += seed_demo_books(agency)  # statements, bank files, runs
                    seed_demo_rewards(agency)  # a bonus pool, its rule and an awarded bonus
                    moderation_created += seed_demo_moderation(agency)  # messages and cases
                    seed_demo_applications(agency)  # one waiting for review, one may re-apply
                    seed_demo_leads(agency)  # a consented DM lead, its conversion, follow-up
                    seed_demo_crisis(agency)  # the crisis reply library and a past drill
                    # northstar's portal creator linked to the fake TikTok (DEBUG, no TikTok app)
                    linked = seed_demo_platforms(agency) or linked
        self.stdout.write(
            f"Demo ready: {result.agencies_created} agencies, {result.users_created} people, "
            f"{result.creators_created} creators and {campaigns_created} campaigns added "
            "(nothing added means it was already there)."
        )
        self.stdout.write(
            f"Demo payouts for creator@northstar.test: {payouts_created} sets added "
            "(reconciled, paid in USD landing in EUR, returned and paid again, estimated)."
        )
        self.stdout.write(
            f"Demo books: {books_created} agencies given five months of statements, "
            "two imported bank files and two reconciliation runs."
        )
        self.stdout.write(
            f"Demo moderation: {moderation_created} agencies given comments and DMs, triaged, "
            "and cases at every escalation level (one past its SLA)."
        )
        if linked is not None:
            self.stdout.write(
                f"Demo TikTok link: @{linked.handle} of {linked.agency.slug} is linked to the "
                f"fake TikTok; pull it with: manage.py platform_sync --agency {linked.agency.slug}"
            )
        width = max(len(login.email) for login in result.logins)
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        self.stdout.write(f"  {'e-mail':<{width}}  agency (role)")
        for login in result.logins:
            self.stdout.write(f"  {login.email:<{width}}  {login.agencies}")
