"""`manage.py import_roster --agency SLUG FILE`: the roster import page's import from the command
line. It prints a summary, or exits non-zero with a one-line reason and writes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from agencies.models import AuditLog
from creators.models import Creator, SocialAccount

pytestmark = pytest.mark.django_db

GOOD = (
    "display_name,email,country,account_manager_email,niches,tiktok_handle,tiktok_followers,"
    "instagram_handle,shoe_size\n"
    "Mila Jansen,mila@example.com,NL,manager@acme.test,beauty; Lifestyle,@milamakes,48200,"
    "mila.ig,38\n"
    'Noah Bakker,noah@example.com,gb,,tech,noahplays,"1,250,000",,44\n'
)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_roster", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def refused(*args: str) -> str:
    with pytest.raises(CommandError) as exc:
        run(*args)
    message = str(exc.value)
    assert message and "\n" not in message
    assert exc.value.returncode != 0
    return message


@pytest.fixture
def roster_file(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(GOOD)
    return path


def test_it_imports_the_roster_and_prints_the_summary(agency, manager, roster_file):
    out = run("--agency", agency.slug, str(roster_file))
    again = run("--agency", agency.slug, str(roster_file))

    assert out.splitlines() == ["2 created, 0 updated, 0 unchanged.", "Ignored columns: shoe_size."]
    assert again.splitlines()[0] == "0 created, 0 updated, 2 unchanged."
    mila = Creator.objects.get(email="mila@example.com")
    assert (mila.agency, mila.account_manager, mila.country.code) == (agency, manager, "NL")
    assert sorted(SocialAccount.objects.filter(creator=mila).values_list("handle", flat=True)) == [
        "mila.ig",
        "milamakes",
    ]
    entry = AuditLog.objects.filter(action="creator.import").latest("id")
    assert (entry.actor, entry.actor_label, entry.after["file"]) == (None, "system", "roster.csv")


def test_it_imports_exactly_as_the_roster_page_does(agency, manager, manager_client, roster_file):
    run("--agency", agency.slug, str(roster_file))

    response = manager_client.post(
        reverse("creators:import", kwargs={"agency_slug": agency.slug}),
        {"file": SimpleUploadedFile("roster.csv", GOOD.encode(), content_type="text/csv")},
        follow=True,
    )

    assert b"Import done: 0 created, 0 updated, 2 unchanged." in response.content


def test_a_changed_row_updates_the_creator(agency, manager, roster_file, tmp_path):
    run("--agency", agency.slug, str(roster_file))
    changed = tmp_path / "changed.csv"
    changed.write_text(GOOD.replace("48200", "51000"))

    out = run("--agency", agency.slug, str(changed))

    assert out.splitlines()[0] == "0 created, 1 updated, 1 unchanged."
    assert SocialAccount.objects.get(handle="milamakes").followers == 51000


def test_it_writes_into_the_named_agency_only(agency, other_agency, manager, roster_file, tmp_path):
    # Our account manager is nobody in the other agency.
    message = refused("--agency", other_agency.slug, str(roster_file))
    assert message.endswith(
        "Row 2, column account_manager_email: Nobody with this e-mail is an owner or account "
        "manager of the agency."
    )
    assert not Creator.objects.exists()
    unmanaged = tmp_path / "unmanaged.csv"
    unmanaged.write_text(GOOD.replace("manager@acme.test", ""))

    run("--agency", other_agency.slug, str(unmanaged))

    assert set(Creator.objects.values_list("agency__slug", flat=True)) == {other_agency.slug}


@pytest.mark.parametrize(
    ("problem", "reason"),
    [
        ("agency", "No agency with slug 'nope'."),
        ("missing", "No such file: "),
        ("directory", "No such file: "),
        (
            "bad rows",
            "2 problem(s), nothing imported; first: Row 2, column email: ",
        ),
        ("no email column", "1 problem(s), nothing imported; first: Row 1, column email: "),
        ("binary", "1 problem(s), nothing imported; first: The file: "),
        ("too large", "1 problem(s), nothing imported; first: The file: "),
        ("too many rows", "1 problem(s), nothing imported; first: "),
    ],
)
def test_bad_input_is_refused_in_one_line_and_nothing_is_written(
    agency, manager, tmp_path, settings, problem, reason
):
    path = tmp_path / "roster.csv"
    path.write_text(GOOD)
    slug, file = agency.slug, str(path)
    if problem == "agency":
        slug = "nope"
    elif problem == "missing":
        file = str(tmp_path / "missing.csv")
    elif problem == "directory":
        file = str(tmp_path)
    elif problem == "bad rows":
        path.write_text(GOOD.replace("mila@example.com", "not-an-email").replace(",gb,", ",XX,"))
    elif problem == "no email column":
        path.write_text("display_name,tiktok_handle\nMila,milamakes\n")
    elif problem == "binary":
        path.write_bytes(b"\x00\x01\x02display_name,email\n")
    elif problem == "too large":
        settings.CSV_IMPORT_MAX_BYTES = 10
    elif problem == "too many rows":
        settings.CSV_IMPORT_MAX_ROWS = 1

    message = refused("--agency", slug, file)

    assert message.startswith(reason), message
    assert not Creator.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="creator.").exists()
