"""No input causes a server error: every URL of the matrix (tests/url_matrix.py) gets
arbitrary text and bytes in each query parameter its view reads, and every API write gets
arbitrary JSON bodies, signed in as an owner of the agency (or the role the URL is for).

The query parameters a view reads are found by asking: one plain request per URL with a
QueryDict that records the names looked up. Bodies start from the fields the OpenAPI schema
gives the endpoint and the matrix's valid body, with any JSON in their place.

One agency is built once for the whole run and every URL is fuzzed against it, each with a
bounded number of examples (FUZZ_EXAMPLES, default 6), so the run stays within about two
minutes on PostgreSQL; a URL that fails is reported with its falsifying example and the
run goes on to the others.
"""

from __future__ import annotations

import json
import os
import re
import traceback
import urllib.parse
from functools import cache

import pytest
from django.core.cache import cache as django_cache
from django.http import QueryDict
from django.test import Client
from django.urls import resolve, reverse
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agencies.models import Membership
from agencies.roles import Role
from agencies.tokens import api_token_create
from creators.models import Creator

from .factories import CreatorFactory
from .helpers import client_for, member
from .url_matrix import UrlCase

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
# Always tried as well: the names list views and DRF read whatever the view.
COMMON_PARAMETERS = ("page", "page_size", "sort", "ordering", "q", "search", "status", "format")
WRITE_METHODS = ("post", "put", "patch")

# --- what goes in ------------------------------------------------------------------------

# Values that broke something once or are classic trouble for a parser or a database.
NASTY = [
    "",
    "0",
    "-1",
    "9" * 30,
    "1e309",
    "NaN",
    "-0.0",
    "²",
    "\u0661\u0662",
    "\x00",
    "a\x00b",
    "\ud800",
    "\ufeff1",
    "%",
    "%00",
    "' OR 1=1 --",
    "<script>",
    "2024-02-30",
    "9999-12-31T23:59:59+14:00",
    "true",
    "null",
    "[]",
    "{}",
    "-",
    "sort",
    "-id",
    "__all__",
]
TEXT = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.integers(4000, 6000).map(lambda n: "9" * n),  # int() refuses more than 4,300 digits
)
RAW_BYTES = st.binary(max_size=40)


def _encode(value: str | bytes) -> str:
    if isinstance(value, str):
        value = value.encode("utf-8", "surrogatepass")  # a lone surrogate: invalid UTF-8
    return urllib.parse.quote_from_bytes(value, safe="")


JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
)
JSON_VALUE = st.recursive(
    JSON_LEAF,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(TEXT, children, max_size=4)
    ),
    max_leaves=12,
)


# --- what the views read -----------------------------------------------------------------


class RecordingQueryDict(QueryDict):
    """request.GET that notes every name a view looks up (copies record to the same set)."""

    names: set[str] = set()

    def __getitem__(self, key):
        RecordingQueryDict.names.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        RecordingQueryDict.names.add(key)
        return super().get(key, default)

    def getlist(self, key, default=None):
        RecordingQueryDict.names.add(key)
        return super().getlist(key, default)

    def __contains__(self, key):
        RecordingQueryDict.names.add(key)
        return super().__contains__(key)


@cache
def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve_ref(node: dict) -> dict:
    while "$ref" in node:
        node = _schema()["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _body_fields(url: str, method: str) -> tuple[bool, list[str]]:
    """(whether the body is a list, the property names of its objects) from the schema."""
    route = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", resolve(url).route)
    operation = _schema()["paths"].get(route, {}).get(method, {})
    content = operation.get("requestBody", {}).get("content", {})
    body = content.get("application/json", {}).get("schema")
    if body is None:
        return False, []
    body = _resolve_ref(body)
    is_list = body.get("type") == "array"
    if is_list:
        body = _resolve_ref(body.get("items", {}))
    return is_list, sorted(body.get("properties", {}))


# --- the run -----------------------------------------------------------------------------


def _role(case: UrlCase) -> str:
    return Role.OWNER if Role.OWNER in case.allowed else sorted(case.allowed)[0]


class Agency:
    """The one agency every URL is fuzzed in: a signed-in member per role the matrix needs
    (owners for almost everything), with an API token for API URLs."""

    def __init__(self, agency):
        self.agency = agency
        self.users: dict[str, object] = {}
        self.clients: dict[tuple[str, bool], Client] = {}

    def client(self, role: str, api: bool) -> Client:
        if role not in self.users:
            self.users[role] = member(self.agency, role)
        user = self.users[role]
        if (role, api) not in self.clients:
            if api:
                membership = Membership.objects.get(user=user, agency=self.agency)
                _, key = api_token_create(membership=membership, name="fuzz", actor=user)
                self.clients[(role, api)] = Client(HTTP_AUTHORIZATION=f"Token {key}")
            else:
                self.clients[(role, api)] = client_for(user)
        return self.clients[(role, api)]

    def creator_for(self, role: str) -> Creator:
        """The acting creator's own roster entry (portal URLs), else a fresh one."""
        own = Creator.objects.filter(agency=self.agency, user=self.users[role]).first()
        return own or CreatorFactory(agency=self.agency)


def _url(tenant: Agency, case: UrlCase) -> str:
    kwargs = case.kwargs(tenant.agency, tenant.creator_for(_role(case)))
    return reverse(case.name, kwargs={"agency_slug": tenant.agency.slug, **kwargs})


def _read_parameters(client: Client, case: UrlCase, url: str, monkeypatch) -> list[str]:
    RecordingQueryDict.names = set()
    with monkeypatch.context() as patch:
        patch.setattr("django.core.handlers.wsgi.QueryDict", RecordingQueryDict)
        # Not empty: django-filter replaces an empty QueryDict by {} (and records nothing).
        _send(client, case, url, "fuzz-probe=1", None)
    return sorted((RecordingQueryDict.names - {"fuzz-probe"}) | set(COMMON_PARAMETERS))


def _send(client: Client, case: UrlCase, url: str, query: str, body):
    method = getattr(client, case.method)
    extra = {key: value for key, value in case.extra.items() if key != "content_type"}
    extra["QUERY_STRING"] = query
    if case.method == "get" or case.method == "delete":
        return method(url, **extra)
    if isinstance(body, (str, int, float)):
        # A bare JSON value: the test client encodes only objects and lists, and sent a string
        # as it is (failing on a lone surrogate before the request was made).
        body = json.dumps(body).encode()
    if isinstance(body, bytes):
        return method(url, body, content_type="application/json", **extra)
    if body is None:
        return method(url, **extra)
    return method(url, body, content_type="application/json", **extra)


def _query_strategy(names: list[str]):
    pairs = st.lists(
        st.tuples(st.sampled_from(names), st.one_of(TEXT, RAW_BYTES)), min_size=1, max_size=4
    )
    return pairs.map(lambda items: "&".join(f"{_encode(k)}={_encode(v)}" for k, v in items))


def _body_strategy(case: UrlCase, tenant: Agency, url: str):
    is_list, fields = _body_fields(url, case.method)
    valid = case.data(tenant.agency, tenant.creator_for(_role(case))) if case.data else {}
    fields = sorted(set(fields) | set(valid))
    keys = st.one_of(st.sampled_from(fields), TEXT) if fields else TEXT
    objects = st.builds(
        lambda chosen, extra: {**chosen, **extra},
        st.fixed_dictionaries(
            {},
            optional={
                name: st.one_of(st.just(valid[name]), JSON_VALUE) if name in valid else JSON_VALUE
                for name in fields
            },
        ),
        st.dictionaries(keys, JSON_VALUE, max_size=2),
    )
    shaped = st.lists(objects, min_size=1, max_size=3) if is_list else objects
    return st.one_of(shaped, shaped, JSON_VALUE, st.binary(max_size=60))


def _fuzz(tenant: Agency, case: UrlCase, monkeypatch) -> None:
    api = case.name.startswith("api:")
    client = tenant.client(_role(case), api)
    url = _url(tenant, case)
    names = _read_parameters(client, case, url, monkeypatch)
    writes_json = api and case.method in WRITE_METHODS
    body = _body_strategy(case, tenant, url) if writes_json else st.none()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(query=st.one_of(st.just(""), _query_strategy(names)), data=body)
    def requests(query: str, data) -> None:
        django_cache.clear()  # throttles: a fuzz run is far beyond a person's request rate
        response = _send(client, case, url, query, data)
        assert response.status_code < 500, (case.id, query, data, response.status_code)

    requests()


def _describe(exc: BaseException) -> str:
    """What went wrong and the falsifying example(s), without the full tracebacks."""
    if isinstance(exc, BaseExceptionGroup):
        return "\n".join(_describe(inner) for inner in exc.exceptions)
    frames = traceback.extract_tb(exc.__traceback__)
    where = next(
        (f"{f.filename}:{f.lineno}" for f in reversed(frames) if "/.venv/" not in f.filename), ""
    )
    notes = "\n".join(getattr(exc, "__notes__", []))
    return f"  {type(exc).__name__}: {str(exc)[:500]} (at {where})\n{notes[:1500]}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "app",
    [
        "agencies",
        "creators",
        "payouts",
        "campaigns",
        "moderation",
        "platforms",
        "leads",
        "rewards",
        "crisis",
    ],
)
def test_no_input_causes_a_server_error(app, agency, monkeypatch):
    from .url_cases import (
        agencies,
        campaigns,
        creators,
        crisis,
        leads,
        moderation,
        payouts,
        platforms,
        rewards,
    )

    cases = {
        "agencies": agencies,
        "creators": creators,
        "payouts": payouts,
        "campaigns": campaigns,
        "moderation": moderation,
        "platforms": platforms,
        "rewards": rewards,
        "leads": leads,
        "crisis": crisis,
    }[app].CASES
    tenant = Agency(agency)
    failures = []
    for case in cases:
        if case.method not in ("get", *WRITE_METHODS):
            continue
        if case.method != "get" and not case.name.startswith("api:"):
            continue  # HTML forms: their fields are checked by the middleware and forms
        try:
            _fuzz(tenant, case, monkeypatch)
        except Exception as exc:  # report every URL that fails, not only the first
            failures.append(f"{case.id}:\n{_describe(exc)}")
    assert not failures, "\n\n".join(failures)
