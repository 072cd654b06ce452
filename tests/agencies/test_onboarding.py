"""Starting an agency: `manage.py create_agency`, the platform staff pages and an owner's
New agency page, all through `agencies.onboarding.agency_onboard`."""

from __future__ import annotations

import io
import re

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse

from agencies.models import Agency, AuditLog, Invitation, Membership
from agencies.roles import Role
from creators.models import InsightSettings
from moderation.models import Level, ModerationSettings, SlaRule
from payouts.models import PayoutSettings
from tests.factories import PASSWORD, UserFactory
from tests.helpers import client_for, member

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-long-and-unusual-passphrase-42"
TENANT_MODELS = (Membership, Invitation, AuditLog, PayoutSettings, ModerationSettings, SlaRule)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("create_agency", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def refused(*args: str) -> str:
    """The command's reason for refusing: one line, non-zero exit."""
    with pytest.raises(CommandError) as exc:
        run(*args)
    message = str(exc.value)
    assert message and "\n" not in message
    assert exc.value.returncode != 0
    return message


def args(**overrides: str) -> list[str]:
    options = {"name": "Nova Talent", "slug": "nova", "owner-email": "Ines@Nova.example"}
    options.update(overrides)
    return [part for key, value in options.items() for part in (f"--{key}", value)]


def counts() -> dict[str, int]:
    models = (Agency, InsightSettings, *TENANT_MODELS)
    return {model.__name__: model.objects.count() for model in models}


def printed_link(output: str) -> str:
    return output.strip().splitlines()[-1]


def path_of(link: str) -> str:
    assert link.startswith("http://testserver/"), link
    return link.removeprefix("http://testserver")


def staff_user(*, mfa: bool = True, **kwargs):
    user = UserFactory(is_staff=True, **kwargs)
    if mfa:
        Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return user


# --- manage.py create_agency ---------------------------------------------------------------


def test_the_command_creates_the_agency_with_its_settings_and_invites_the_owner(mailoutbox):
    output = run(
        *args(timezone="Europe/London", currency="gbp", language="nl"),
        "--base-url",
        "https://talentdesk.example/",
    )

    agency = Agency.objects.get(slug="nova")
    assert (agency.name, agency.timezone, agency.default_currency) == (
        "Nova Talent",
        "Europe/London",
        "GBP",
    )
    # Every per-agency settings row exists from the start.
    assert PayoutSettings.objects.filter(agency=agency).count() == 1
    assert ModerationSettings.objects.get(agency=agency).webhook_secret
    assert sorted(SlaRule.objects.filter(agency=agency).values_list("level", flat=True)) == sorted(
        Level
    )
    assert InsightSettings.objects.filter(agency=agency).count() == 1
    invitation = Invitation.objects.get(agency=agency)
    assert (invitation.email, invitation.role) == ("ines@nova.example", Role.OWNER)
    assert not Membership.objects.filter(agency=agency).exists()
    [message] = mailoutbox
    assert message.to == ["ines@nova.example"]
    assert message.subject == "Je bent uitgenodigd voor Nova Talent op Talentdesk"
    link = printed_link(output)
    assert re.fullmatch(r"https://talentdesk\.example/invitations/[\w-]+/", link)
    assert link in message.body
    assert output.splitlines()[0] == (
        "Created Nova Talent (nova): Europe/London, GBP, with its default settings."
    )
    assert "Invited ines@nova.example as owner" in output
    entry = AuditLog.objects.get(agency=agency, action="agency.create")
    assert entry.actor is None
    assert entry.actor_label == "manage.py create_agency"
    assert entry.after["owner"] == "ines@nova.example"
    assert entry.after["owner_invited"] is True
    assert AuditLog.objects.filter(agency=agency, action="invitation.create").exists()


def test_the_defaults_are_amsterdam_euro_and_english(mailoutbox, settings):
    settings.SITE_URL = "https://td.example"  # the command reads it at --help time

    output = run(*args(), "--base-url", "https://td.example")

    agency = Agency.objects.get(slug="nova")
    assert (agency.timezone, agency.default_currency) == ("Europe/Amsterdam", "EUR")
    assert mailoutbox[0].subject == "You are invited to join Nova Talent on Talentdesk"
    assert printed_link(output).startswith("https://td.example/invitations/")


def test_the_invited_owner_accepts_from_the_printed_link_and_runs_the_new_agency(client):
    link = printed_link(run(*args(), "--base-url", "http://testserver"))

    response = client.post(
        path_of(link),
        {"name": "Ines Vos", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    dashboard = reverse("agencies:dashboard", args=["nova"])
    assert response.status_code == 302
    assert response.url == dashboard
    membership = Membership.objects.get(agency__slug="nova")
    assert (membership.user.email, membership.role) == ("ines@nova.example", Role.OWNER)
    assert client.get(dashboard).status_code == 200
    for page in ("agencies:settings", "agencies:members", "payouts:settings"):
        assert client.get(reverse(page, args=["nova"])).status_code == 200, page
    # The link was single use.
    assert client.get(path_of(link)).status_code == 404


def test_an_existing_account_becomes_the_owner_and_signs_in_from_the_printed_link(mailoutbox):
    ines = UserFactory(email="ines@nova.example")

    output = run(*args(), "--base-url", "http://testserver")

    membership = Membership.objects.get(agency__slug="nova")
    assert (membership.user, membership.role) == (ines, Role.OWNER)
    assert not Invitation.objects.exists()
    assert not mailoutbox
    assert "ines@nova.example already has an account and is now the owner" in output
    assert AuditLog.objects.filter(action="membership.add", object_id=str(membership.pk)).exists()

    client = Client()
    login_path = path_of(printed_link(output))
    assert client.get(login_path).status_code == 200
    response = client.post(login_path, {"login": "ines@nova.example", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("agencies:dashboard", args=["nova"])
    assert client.get(response.url).status_code == 200
    assert client.get(reverse("agencies:settings", args=["nova"])).status_code == 200


def test_an_owner_of_another_agency_keeps_it_and_gets_the_new_one(agency, owner):
    run(*args(**{"owner-email": owner.email}))

    roles = dict(Membership.objects.filter(user=owner).values_list("agency__slug", "role"))
    assert roles == {"acme": Role.OWNER, "nova": Role.OWNER}


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"slug": "acme"}, "--slug: The web address “acme” is taken; choose another."),
        ({"slug": "Nova Talent!"}, "--slug: Use lowercase letters, digits and single hyphens"),
        ({"slug": "nova-"}, "--slug: Use lowercase letters"),
        ({"owner-email": "ines@"}, "--owner-email: “ines@” is not a valid e-mail address."),
        ({"timezone": "Mars/Olympus"}, "--timezone: Unknown time zone “Mars/Olympus”"),
        ({"currency": "XBT"}, "--currency: Talentdesk does not support the currency “XBT”"),
        ({"language": "fr"}, "--language: Unknown language “fr”; choose one of en, nl."),
        ({"name": "   "}, "--name: Give the agency a name."),
    ],
)
def test_bad_input_is_refused_on_one_line_and_creates_nothing(
    agency, mailoutbox, overrides, reason
):
    before = counts()

    message = refused(*args(**overrides))

    assert message.startswith(reason), message
    assert counts() == before
    assert not mailoutbox


def test_every_problem_is_named_at_once():
    message = refused(*args(slug="No Good", currency="XBT"))
    assert message.startswith("--slug: Use lowercase")
    assert "; --currency: Talentdesk does not support the currency “XBT”" in message


def test_an_invitation_that_cannot_be_sent_rolls_the_whole_agency_back(monkeypatch):
    def broken_smtp(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("agencies.invitations.send_mail", broken_smtp)
    before = counts()

    message = refused(*args())

    assert message == "The invitation e-mail could not be sent. Please try again in a moment."
    assert counts() == before


def test_the_real_entry_point_exits_1_with_the_reason_on_one_line(agency, capsys, monkeypatch):
    # `manage.py` calls run_from_argv, which closes the connections at the end (and with
    # them the test's transaction): keep them open.
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    command = load_command_class("agencies", "create_agency")

    with pytest.raises(SystemExit) as exit_:
        command.run_from_argv(["manage.py", "create_agency", *args(slug="acme")])

    assert exit_.value.code == 1
    assert capsys.readouterr().err.strip() == (
        "CommandError: --slug: The web address “acme” is taken; choose another."
    )


# --- Platform staff pages ------------------------------------------------------------------


def test_the_staff_pages_answer_404_to_everyone_but_platform_staff(owner_client):
    for name in ("staff:agencies", "staff:agency-create"):
        assert owner_client.get(reverse(name)).status_code == 404
        assert owner_client.post(reverse(name), {}).status_code in (404, 405)


def test_the_staff_pages_need_a_sign_in(client):
    response = client.get(reverse("staff:agencies"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_platform_staff_set_up_two_factor_authentication_first():
    client = client_for(staff_user(mfa=False))

    response = client.get(reverse("staff:agency-create"))

    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")
    assert not Agency.objects.exists()


def test_platform_staff_list_every_agency(agency, other_agency, django_assert_num_queries):
    client = client_for(staff_user())
    client.get(reverse("staff:agencies"))  # the session is loaded once

    # session, user, the request's savepoint, authenticator check, the paginator's count,
    # the user's own memberships (the agency switcher), the page of agencies, release; on
    # PostgreSQL the request's row-level-security scope is set and cleared (2 more)
    with django_assert_num_queries(8 + (2 if connection.vendor == "postgresql" else 0)):
        response = client.get(reverse("staff:agencies"))

    assert response.status_code == 200
    assert [a.slug for a in response.context["page_obj"]] == ["acme", "rival"]
    assert "/a/rival/" in response.content.decode()


def test_platform_staff_start_an_agency_and_see_the_link_once(mailoutbox):
    staff = staff_user(email="ops@talentdesk.example")
    client = client_for(staff)

    response = client.post(
        reverse("staff:agency-create"),
        {
            "name": "Nova Talent",
            "slug": "nova",
            "owner_email": "ines@nova.example",
            "timezone": "Europe/Berlin",
            "currency": "EUR",
            "language": "en",
        },
    )

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    agency = Agency.objects.get(slug="nova")
    assert agency.timezone == "Europe/Berlin"
    invitation = Invitation.objects.get(agency=agency, role=Role.OWNER)
    assert invitation.invited_by == staff
    [message] = mailoutbox
    link = re.search(r"http://testserver/invitations/[\w-]+/", message.body).group(0)
    assert link in response.content.decode()
    assert AuditLog.objects.get(agency=agency, action="agency.create").actor == staff
    # Platform staff start it; they do not join it.
    assert not Membership.objects.filter(agency=agency, user=staff).exists()


def test_platform_staff_attach_an_existing_account_as_owner():
    ines = UserFactory(email="ines@nova.example")
    client = client_for(staff_user())

    response = client.post(
        reverse("staff:agency-create"),
        {
            "name": "Nova Talent",
            "slug": "nova",
            "owner_email": "INES@nova.example",
            "timezone": "Europe/Amsterdam",
            "currency": "EUR",
            "language": "nl",
        },
    )

    assert response.status_code == 200
    assert Membership.objects.get(agency__slug="nova").user == ines
    assert "already has an account and is now the owner" in response.content.decode()
    assert "/accounts/login/?next=%2Fa%2Fnova%2F" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"slug": "acme"}, "slug", "The web address “acme” is taken; choose another."),
        ({"slug": "Acme Talent"}, "slug", "Use lowercase letters, digits and single hyphens"),
        ({"owner_email": "ines@"}, "owner_email", "Enter a valid email address."),
        ({"name": ""}, "name", "This field is required."),
        ({"currency": "XBT"}, "currency", "Select a valid choice."),
        ({"timezone": "Mars/Olympus"}, "timezone", "Select a valid choice."),
        ({"language": "fr"}, "language", "Select a valid choice."),
    ],
)
def test_the_staff_form_explains_what_is_wrong_and_creates_nothing(
    agency, mailoutbox, data, field, message
):
    client = client_for(staff_user())
    before = counts()
    form = {
        "name": "Nova Talent",
        "slug": "nova",
        "owner_email": "ines@nova.example",
        "timezone": "Europe/Amsterdam",
        "currency": "EUR",
        "language": "en",
        **data,
    }

    response = client.post(reverse("staff:agency-create"), form)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field]), errors
    assert message in response.content.decode().replace("&#x27;", "'")
    assert counts() == before
    assert not mailoutbox


# --- An owner's New agency page (the agency switcher) ---------------------------------------


def test_an_owner_starts_a_further_agency_and_becomes_its_owner(owner_client, owner, agency):
    page = owner_client.get(reverse("agencies:agency-create", args=["acme"]))
    assert page.status_code == 200
    assert page.context["form"]["timezone"].value() == agency.timezone  # the current agency's

    response = owner_client.post(
        reverse("agencies:agency-create", args=["acme"]),
        {
            "name": "Acme Sports",
            "slug": "acme-sports",
            "timezone": "America/New_York",
            "currency": "USD",
        },
        follow=True,
    )

    new = Agency.objects.get(slug="acme-sports")
    assert response.redirect_chain == [(reverse("agencies:dashboard", args=["acme-sports"]), 302)]
    assert "Acme Sports is ready and you are its owner." in response.content.decode()
    assert Membership.objects.get(agency=new).user == owner
    assert Membership.objects.get(agency=new).role == Role.OWNER
    assert not Invitation.objects.filter(agency=new).exists()
    assert PayoutSettings.objects.filter(agency=new).exists()
    entry = AuditLog.objects.get(agency=new, action="agency.create")
    assert entry.actor == owner
    # Nothing of the new agency lands in the one the page was opened from.
    assert not AuditLog.objects.filter(agency=agency, action="agency.create").exists()
    assert owner_client.get(reverse("agencies:members", args=["acme-sports"])).status_code == 200


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"slug": "rival"}, "slug", "The web address “rival” is taken; choose another."),
        ({"slug": "acme sports"}, "slug", "Use lowercase letters, digits and single hyphens"),
        ({"name": ""}, "name", "This field is required."),
        ({"currency": "BTC"}, "currency", "Select a valid choice."),
    ],
)
def test_the_new_agency_form_explains_what_is_wrong_and_creates_nothing(
    owner_client, other_agency, data, field, message
):
    before = counts()
    form = {
        "name": "Acme Sports",
        "slug": "acme-sports",
        "timezone": "America/New_York",
        "currency": "EUR",
    }

    response = owner_client.post(reverse("agencies:agency-create", args=["acme"]), {**form, **data})

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert counts() == before


@pytest.mark.parametrize("role", [Role.MANAGER, Role.FINANCE, Role.COMMUNITY_MANAGER, Role.CREATOR])
def test_only_an_owner_may_start_a_further_agency(agency, role):
    client = client_for(member(agency, role))
    url = reverse("agencies:agency-create", args=["acme"])
    data = {"name": "Mine", "slug": "mine", "timezone": "America/New_York", "currency": "EUR"}

    assert client.get(url).status_code == 403
    assert client.post(url, data).status_code == 403
    assert not Agency.objects.filter(slug="mine").exists()


def test_an_outsider_cannot_start_an_agency_from_ours(outsider_client, agency):
    url = reverse("agencies:agency-create", args=["acme"])
    data = {"name": "Mine", "slug": "mine", "timezone": "America/New_York", "currency": "EUR"}

    assert outsider_client.post(url, data).status_code == 404
    assert not Agency.objects.filter(slug="mine").exists()
