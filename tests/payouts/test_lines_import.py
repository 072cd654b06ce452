"""The `lines` CSV: per-asset line items of payout statements, through the service, the
import page, the API and `manage.py import_payout_statement --lines`."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from agencies.models import AuditLog
from payouts.line_import import statement_lines_import
from payouts.models import PayoutLine, PayoutStatement
from payouts.statement_import import StatementImportError
from tests.campaigns.factories import CampaignFactory
from tests.factories import CreatorFactory, SocialAccountFactory

from .builders import statement

pytestmark = pytest.mark.django_db

HEADER = "platform_reference,source,asset_reference,campaign_code,description,amount\n"
LINES = (
    "TT-1,,video/7301,spring-24,Bonus,60.00\n"
    'TT-1,,video/7302,,Views,"38,50"\n'
    "TT-2,,video/8001,SPRING-24,,25\n"
)


@pytest.fixture
def statements(agency):
    CampaignFactory(agency=agency, code="SPRING-24")
    return statement(agency, "TT-1", "98.50"), statement(agency, "TT-2", "25.00")


def stored(s: PayoutStatement) -> list[tuple]:
    return list(
        s.lines.order_by("id").values_list(
            "asset_reference", "campaign_code", "description", "amount"
        )
    )


def lines_import(agency, finance, text: str):
    return statement_lines_import(agency=agency, actor=finance, data=(HEADER + text).encode())


def problems(agency, finance, text: str) -> set[tuple[int, str]]:
    with pytest.raises(StatementImportError) as exc:
        lines_import(agency, finance, text)
    return {(e.row, e.column) for e in exc.value.errors}


# --- The service -------------------------------------------------------------------------------


def test_a_lines_file_gives_each_statement_its_lines_and_is_audited(agency, statements, finance):
    first, second = statements

    result = lines_import(agency, finance, LINES)

    assert (result.replaced, result.unchanged, result.lines, result.warnings) == (2, 0, 3, [])
    assert stored(first) == [
        ("video/7301", "SPRING-24", "Bonus", Decimal("60.00")),
        ("video/7302", "", "Views", Decimal("38.50")),
    ]
    assert stored(second) == [("video/8001", "SPRING-24", "", Decimal("25.00"))]
    replaced = AuditLog.objects.filter(action="payout_line.replace", actor=finance)
    assert {e.object_id for e in replaced} == {str(first.pk), str(second.pk)}
    assert replaced.get(object_id=str(first.pk)).after == {
        "lines": 2,
        "total": "98.50",
        "assets": ["video/7301", "video/7302"],
    }
    assert AuditLog.objects.get(action="payout_line.import").after == {
        "statements": 2,
        "replaced": 2,
        "unchanged": 0,
        "lines": 3,
        "warnings": 0,
    }


def test_the_same_lines_file_again_changes_nothing(agency, statements, finance):
    lines_import(agency, finance, LINES)
    ids = set(PayoutLine.objects.values_list("id", flat=True))

    again = lines_import(agency, finance, LINES)

    assert (again.replaced, again.unchanged, again.lines) == (0, 2, 0)
    assert set(PayoutLine.objects.values_list("id", flat=True)) == ids
    assert AuditLog.objects.filter(action="payout_line.replace").count() == 2


def test_a_new_file_replaces_the_lines_of_the_statements_it_names_only(agency, statements, finance):
    first, second = statements
    lines_import(agency, finance, LINES)

    result = lines_import(agency, finance, "TT-1,,video/9999,,Corrected,98.50\n")

    assert (result.replaced, result.unchanged) == (1, 0)
    assert stored(first) == [("video/9999", "", "Corrected", Decimal("98.50"))]
    assert len(stored(second)) == 1
    entry = AuditLog.objects.filter(action="payout_line.replace").latest("id")
    assert (entry.before["lines"], entry.after["lines"]) == (2, 1)


def test_the_source_is_needed_only_when_a_reference_is_ambiguous(agency, finance):
    creator = CreatorFactory(agency=agency)
    fund = statement(agency, "TT-7", "10.00", source="creator_fund", creator=creator)
    statement(agency, "TT-7", "20.00", source="brand_deal", creator=creator)

    assert problems(agency, finance, "TT-7,,video/1,,,5\n") == {(2, "source")}
    lines_import(agency, finance, "TT-7,creator_fund,video/1,,,5\n")

    assert stored(fund) == [("video/1", "", "", Decimal("5.00"))]


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("TT-404,,video/1,,,5\n", "platform_reference"),
        ("TT-1,tiktok,video/1,,,5\n", "source"),
        ("TT-1,brand_deal,video/1,,,5\n", "platform_reference"),
        ("TT-1,,,,,5\n", "asset_reference"),
        ("TT-1,,video/1,,,\n", "amount"),
        ("TT-1,,video/1,,,12.345\n", "amount"),
        ("TT-1,,video/1,,,١٢\n", "amount"),
        ("TT-1,,video/1,,,1e3\n", "amount"),
        ("TT-1,,video/1,,,1000000000000\n", "amount"),
        ("TT-1,,video/1,,," + "x" * 3 + "\n", "amount"),
        ("TT-1,," + "v" * 201 + ",,,5\n", "asset_reference"),
        ("TT-1,,video/1," + "C" * 61 + ",,5\n", "campaign_code"),
    ],
)
def test_a_bad_line_is_named_by_row_and_column_and_nothing_is_written(
    agency, statements, finance, row, column
):
    lines_import(agency, finance, "TT-2,,video/8001,,,25\n")
    audits = AuditLog.objects.count()

    found = problems(agency, finance, "TT-1,,video/7301,,,60\n" + row)

    assert found == {(3, column)}
    assert not statements[0].lines.exists()
    assert AuditLog.objects.count() == audits


def test_another_agencys_statement_is_unknown_here(agency, other_agency, finance):
    statement(agency, "TT-MINE", "10.00")
    theirs = statement(other_agency, "TT-THEIRS", "10.00")

    assert problems(agency, finance, "TT-THEIRS,,video/1,,,5\n") == {(2, "platform_reference")}
    assert not theirs.lines.exists()


def test_amounts_are_read_in_the_statements_currency_and_may_be_deductions(agency, finance):
    usd = statement(agency, "TT-USD", "5000.00", currency="USD")

    assert problems(agency, finance, "TT-USD,,video/1,,,12.505\n") == {(2, "amount")}
    lines_import(agency, finance, 'TT-USD,,video/1,,,"4.000,25"\nTT-USD,,video/2,,,-500\n')

    assert [line[3] for line in stored(usd)] == [Decimal("4000.25"), Decimal("-500.00")]


def test_lines_above_their_statement_are_imported_with_a_warning(agency, statements, finance):
    result = lines_import(agency, finance, "TT-1,,video/1,SPRING-24,,90\nTT-1,,video/2,,,10\n")

    assert result.lines == 2
    [warning] = result.warnings
    assert (warning.row, warning.column) == (2, "amount")
    assert "add up to 100.00 EUR, more than the statement's 98.50 EUR" in warning.message


def test_a_campaign_code_must_name_a_campaign_of_this_agency(
    agency, other_agency, statements, finance
):
    CampaignFactory(agency=other_agency, code="THEIRS-1")

    with pytest.raises(StatementImportError) as exc:
        lines_import(agency, finance, "TT-1,,video/1,theirs-1,,5\nTT-1,,video/2,NOPE-1,,5\n")

    assert [str(e) for e in exc.value.errors] == [
        "Line 2, column campaign_code: No campaign of this agency has the code “THEIRS-1”.",
        "Line 3, column campaign_code: No campaign of this agency has the code “NOPE-1”.",
    ]
    assert not PayoutLine.objects.exists()


def test_a_file_without_its_required_columns_is_refused(agency, finance):
    with pytest.raises(StatementImportError) as exc:
        statement_lines_import(agency=agency, actor=finance, data=b"platform_reference\nTT-1\n")
    assert {e.column for e in exc.value.errors} == {"asset_reference", "amount"}


@pytest.mark.parametrize("size", [10, 60])
def test_a_lines_import_costs_the_same_queries_for_10_or_60_statements(
    agency, finance, size, django_assert_num_queries
):
    creator = CreatorFactory(agency=agency)
    for i in range(size):
        statement(agency, f"TT-{i}", "100.00", creator=creator)
    text = "".join(f"TT-{i},,video/{i},,,{i}.50\nTT-{i},,video/{i}b,,,1\n" for i in range(size))
    # savepoint, the statements, their stored lines, lock the statements that change, their
    # lines again, delete their lines, insert the new ones, insert the audit entries, the
    # import's audit entry, release. (No campaign codes in the file: no campaign lookup.)
    with django_assert_num_queries(10):
        result = lines_import(agency, finance, text)
    assert result.lines == 2 * size
    # savepoint, the statements, their lines, the import's audit entry, release.
    with django_assert_num_queries(5):
        assert lines_import(agency, finance, text).unchanged == size


# --- The page, the API and the command ------------------------------------------------------


def page(agency) -> str:
    return reverse("payouts:statement_import", kwargs={"agency_slug": agency.slug})


def test_the_import_page_takes_a_lines_file_and_shows_its_warnings(
    finance_client, agency, statements
):
    upload = SimpleUploadedFile("lines.csv", (HEADER + LINES + "TT-2,,video/x,,,1\n").encode())

    response = finance_client.post(page(agency), {"file": upload, "kind": "lines"}, follow=True)

    shown = [str(m) for m in response.context["messages"]]
    assert shown[0] == "Line items of 2 statements replaced (4 lines), 0 unchanged."
    assert "add up to 26.00 EUR" in shown[1]
    assert PayoutLine.objects.count() == 4


def test_the_import_page_lists_the_bad_lines_and_writes_nothing(finance_client, agency, statements):
    upload = SimpleUploadedFile("lines.csv", (HEADER + "TT-404,,video/1,,,5\n").encode())

    response = finance_client.post(page(agency), {"file": upload, "kind": "lines"})

    assert response.status_code == 400
    assert [str(e) for e in response.context["errors"]] == [
        "Line 2, column platform_reference: No payout statement of this agency has this reference."
    ]
    assert not PayoutLine.objects.exists()


def test_the_import_page_documents_the_lines_columns(finance_client, agency):
    content = finance_client.get(page(agency)).content.decode()
    assert "<dt><code>asset_reference</code></dt>" in content and 'value="lines"' in content


def api(agency) -> str:
    return reverse("api:payout-statement-import", kwargs={"agency_slug": agency.slug})


def test_the_api_imports_a_lines_file(finance_client, agency, statements):
    upload = SimpleUploadedFile("lines.csv", (HEADER + LINES).encode())

    response = finance_client.post(api(agency), {"file": upload, "kind": "lines"})

    assert response.status_code == 200
    assert response.json() == {
        "kind": "lines",
        "replaced": 2,
        "unchanged": 0,
        "lines": 3,
        "warnings": [],
    }


def test_the_api_imports_a_statements_file(finance_client, agency):
    creator = CreatorFactory(agency=agency)
    SocialAccountFactory(creator=creator, agency=agency, handle="anna")
    data = (
        "platform_reference,creator_handle,source,period_start,period_end,currency,"
        "estimated_amount,settled_amount,status,settled_date\n"
        "TT-1,@anna,creativity_program,2025-01-01,2025-01-31,EUR,100.00,,estimated,\n"
    )

    response = finance_client.post(
        api(agency), {"file": SimpleUploadedFile("s.csv", data.encode())}
    )

    assert response.status_code == 200
    assert response.json() == {"kind": "statements", "created": 1, "updated": 0, "unchanged": 0}


def test_the_api_answers_400_with_every_problem(finance_client, agency, statements):
    upload = SimpleUploadedFile(
        "lines.csv", (HEADER + "TT-404,,video/1,,,5\nTT-1,,,,,x\n").encode()
    )

    response = finance_client.post(api(agency), {"file": upload, "kind": "lines"})

    assert response.status_code == 400
    body = response.json()
    assert body["error_count"] == 3
    assert [(e["row"], e["column"]) for e in body["errors"]] == [
        (2, "platform_reference"),
        (3, "asset_reference"),
        (3, "amount"),
    ]
    assert not PayoutLine.objects.exists()


@pytest.mark.parametrize("kind", ["", "payments"])
def test_the_api_refuses_a_missing_file_or_an_unknown_kind(finance_client, agency, kind):
    data = {"kind": kind} if kind else {}
    if kind:
        data["file"] = SimpleUploadedFile("lines.csv", HEADER.encode())

    response = finance_client.post(api(agency), data)

    assert response.status_code == 400
    assert set(response.json()) == ({"kind"} if kind else {"file"})


def test_the_api_refuses_an_oversized_file(finance_client, agency, settings):
    settings.STATEMENT_IMPORT_MAX_BYTES = 10
    upload = SimpleUploadedFile("lines.csv", (HEADER + LINES).encode())

    response = finance_client.post(api(agency), {"file": upload, "kind": "lines"})

    assert response.status_code == 400
    assert response.json() == {"file": ["The file is larger than the import limit."]}


def test_a_manager_cannot_import_through_the_api(manager_client, agency, statements):
    upload = SimpleUploadedFile("lines.csv", (HEADER + LINES).encode())

    response = manager_client.post(api(agency), {"file": upload, "kind": "lines"})

    assert response.status_code == 403
    assert not PayoutLine.objects.exists()


def test_another_agencys_import_api_answers_404(finance_client, other_agency):
    statement(other_agency, "TT-1", "10.00")
    upload = SimpleUploadedFile("lines.csv", (HEADER + "TT-1,,video/1,,,5\n").encode())

    response = finance_client.post(api(other_agency), {"file": upload, "kind": "lines"})

    assert response.status_code == 404
    assert not PayoutLine.objects.exists()


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_payout_statement", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_command_imports_statements_and_their_lines_together(agency, tmp_path):
    creator = CreatorFactory(agency=agency)
    SocialAccountFactory(creator=creator, agency=agency, handle="anna")
    statements_file = tmp_path / "statements.csv"
    statements_file.write_text(
        "platform_reference,creator_handle,source,period_start,period_end,currency,"
        "estimated_amount,settled_amount,status,settled_date\n"
        "TT-1,@anna,creativity_program,2025-01-01,2025-01-31,EUR,100.00,98.50,settled,2025-02-05\n"
    )
    lines_file = tmp_path / "lines.csv"
    lines_file.write_text(HEADER + "TT-1,,video/1,,,60\nTT-1,,video/2,,,50\n")

    out = run("--agency", agency.slug, str(statements_file), "--lines", str(lines_file))
    again = run("--agency", agency.slug, "--lines", str(lines_file))

    assert out.splitlines() == [
        "1 created, 0 updated, 0 unchanged.",
        "Lines: 1 statements replaced (2 lines), 0 unchanged.",
        "Warning: Line 2, column amount: The lines of TT-1 add up to 110.00 EUR, more than "
        "the statement's 98.50 EUR.",
    ]
    assert again.splitlines()[0] == "Lines: 0 statements replaced (0 lines), 1 unchanged."


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ((), "Give a statements file, --lines FILE, or both."),
        (("--lines", "missing.csv"), "No such file: missing.csv"),
        (("--lines", "LINES"), "1 problem(s), nothing imported; first: Line 2, column amount"),
    ],
)
def test_the_command_refuses_bad_lines_input_in_one_line(
    agency, statements, tmp_path, args, reason
):
    lines_file = tmp_path / "lines.csv"
    lines_file.write_text(HEADER + "TT-1,,video/1,,,abc\n")
    args = tuple(str(lines_file) if a == "LINES" else a for a in args)

    with pytest.raises(CommandError) as exc:
        run("--agency", agency.slug, *args)

    assert str(exc.value).startswith(reason) and "\n" not in str(exc.value)
    assert not PayoutLine.objects.exists()


def test_a_bad_lines_file_rolls_back_the_statements_imported_with_it(agency, tmp_path):
    statements_file = tmp_path / "statements.csv"
    creator = CreatorFactory(agency=agency)
    SocialAccountFactory(creator=creator, agency=agency, handle="anna")
    statements_file.write_text(
        "platform_reference,creator_handle,source,period_start,period_end,currency,"
        "estimated_amount,settled_amount,status,settled_date\n"
        "TT-1,@anna,creativity_program,2025-01-01,2025-01-31,EUR,100.00,,estimated,\n"
    )
    lines_file = tmp_path / "lines.csv"
    lines_file.write_text(HEADER + "TT-1,,video/1,,,abc\n")

    with pytest.raises(CommandError) as exc:
        run("--agency", agency.slug, str(statements_file), "--lines", str(lines_file))

    assert str(exc.value).startswith(f"{lines_file}: 1 problem(s), nothing imported")
    assert not PayoutStatement.objects.exists()
