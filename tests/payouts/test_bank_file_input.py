"""Bank files through the upload page: a UTF-16 MT940 is read as MT940 (not taken for XML),
an XML prolog hiding a DOCTYPE behind a long comment is refused, and amounts are written
with the digits 0 to 9."""

from __future__ import annotations

import pytest

from payouts.models import BankTransaction

from .test_pages import IBAN, assert_one_message_and_nothing_written, camt, upload

pytestmark = pytest.mark.django_db

GOOD_MT940 = "\r\n".join(
    [
        ":20:STMT-1",
        f":25:{IBAN}",
        ":28C:1/1",
        ":60F:C250101EUR100,00",
        ":61:2501020102C50,00NTRFNONREF//BANKREF-1",
        ":86:/REMI/USTD//Payout TT-1 Café/",
        ":62F:C250102EUR150,00",
        "-",
    ]
)


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-16"),
        lambda text: text.encode("utf-16-le"),
        lambda text: text.encode("utf-16-be"),
        lambda text: b"\xfe\xff" + text.encode("utf-16-be"),
        lambda text: text.encode("utf-8-sig"),
    ],
    ids=["utf-16 with BOM", "utf-16-le", "utf-16-be", "utf-16-be with BOM", "utf-8 with BOM"],
)
def test_an_mt940_in_utf16_or_with_a_byte_order_mark_is_imported(finance_client, agency, encode):
    response = upload(finance_client, agency, encode(GOOD_MT940), name="statement.sta")

    assert response.status_code == 302
    (transaction,) = BankTransaction.objects.filter(agency=agency)
    assert str(transaction.amount) == "50.00"
    assert "Café" in transaction.remittance_info


LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
)


@pytest.mark.parametrize("comment_bytes", [1_000, 65_536, 200_000])
def test_a_doctype_behind_a_long_comment_is_refused(finance_client, agency, comment_bytes):
    document = camt()
    declaration, rest = document.split(b"\n", 1)
    hidden = declaration + b"\n<!--" + b"x" * comment_bytes + b"-->\n" + LAUGHS + rest

    response = upload(finance_client, agency, hidden)

    message = assert_one_message_and_nothing_written(response)
    assert "DOCTYPE declaration" in message or "XML prolog is longer than" in message


def test_a_utf16_camt_with_a_doctype_is_refused(finance_client, agency):
    document = camt().decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    declaration, rest = document.split("\n", 1)
    hidden = f"{declaration}\n{LAUGHS.decode()}{rest}"

    for data in (hidden.encode("utf-16"), hidden.encode("utf-16-le")):
        response = upload(finance_client, agency, data)
        assert_one_message_and_nothing_written(response, "DOCTYPE declaration")


def test_an_amount_in_other_digits_is_refused_naming_its_line(finance_client, agency):
    arabic_fifty = "\u0665\u0660"
    data = GOOD_MT940.replace("C50,00NTRF", f"C{arabic_fifty},00NTRF").encode()

    response = upload(finance_client, agency, data, name="statement.sta")

    assert_one_message_and_nothing_written(response, "Line 5")
