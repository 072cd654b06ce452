"""Every JSON write of the API goes through the one JSON reader (core/request_json.py): a
body of 100,000 `[` was a RecursionError (a 500); text with a NUL was a DataError on
PostgreSQL; a lone surrogate could not be encoded for the database."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.roles import Role
from core.request_json import MAX_DEPTH, JSONInputError, parse_json

from ..factories import CreatorFactory
from ..helpers import client_for, member
from ..url_matrix import CASES

WRITES = [
    c
    for c in CASES
    if c.name.startswith("api:")
    and c.method in ("post", "put", "patch")
    and c.name != "api:moderation-webhook"  # signed, not signed in: tests/moderation
]


# Writes that read no body at all, and one that takes only a file upload.
NO_BODY = {
    "api:creator-reactivate",
    "api:reconciliation-run-list",
    "api:application-withdraw",
    "api:platform-account-disconnect",
    "api:bonus-evaluate",
    "api:crisis-frozen-release",
    "api:payout-hold-release",
    "api:payout-match-confirm",
    "api:payout-match-reject",
    "api:payout-match-unmatch",
    "api:invitation-revoke",
    "api:invitation-resend",
}
UPLOAD_ONLY = {"api:reference-rate-import", "api:bank-file-upload"}


def _role(case) -> str:
    return Role.OWNER if Role.OWNER in case.allowed else sorted(case.allowed)[0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, message",
    [
        (b"[" * 100_000, f"nested deeper than {MAX_DEPTH} levels"),
        (b'{"a": "\\u0000"}', "control character"),
        (b'{"a": "\\udc00"}', "Not valid JSON"),
    ],
    ids=["deep", "nul", "surrogate"],
)
@pytest.mark.parametrize("case", WRITES, ids=lambda c: c.id)
def test_every_json_write_refuses_what_the_reader_refuses(case, agency, body, message):
    user = member(agency, _role(case))
    creator = CreatorFactory(agency=agency)
    url = reverse(case.name, kwargs={"agency_slug": agency.slug, **case.kwargs(agency, creator)})

    response = getattr(client_for(user), case.method)(url, body, content_type="application/json")

    if case.name in NO_BODY:
        assert response.status_code < 500
    elif case.name in UPLOAD_ONLY:
        assert response.status_code == 415
    else:
        assert response.status_code == 400, response.content[:300]
        assert message in response.json()["detail"]


def test_the_reader_allows_what_json_text_needs():
    assert parse_json(b'{"note": "line one\\nline two\\ttabbed", "n": [1, 2.5, null]}') == {
        "note": "line one\nline two\ttabbed",
        "n": [1, 2.5, None],
    }
    assert parse_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH)


@pytest.mark.parametrize(
    "body",
    [b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), b'{"a": {"b\\u0001": 1}}', b"NaN", b""],
)
def test_the_reader_refuses_with_a_sentence(body):
    with pytest.raises(JSONInputError) as refusal:
        parse_json(body)
    assert str(refusal.value).endswith(".")
