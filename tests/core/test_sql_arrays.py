"""Array literals (core/sql_arrays.py) read back by PostgreSQL exactly as the lists they came
from, whatever the text holds."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from core.sql_arrays import number_array, text_array

# PostgreSQL's text cannot hold NUL, nor a lone surrogate (no UTF-8 for it: text decoded from a
# file never has one); everything else may appear in a bank's remittance text.
texts = st.lists(
    st.one_of(
        st.none(),
        st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=["Cs"])),
    )
)
decimals = st.lists(
    st.one_of(st.none(), st.decimals(allow_nan=False, allow_infinity=False, places=2))
)

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the literals are PostgreSQL's array syntax"
)


def test_numbers_and_texts_are_written_in_the_array_syntax():
    assert number_array([1, None, Decimal("-2.50")]) == "{1,NULL,-2.50}"
    assert text_array(["a", None, 'say "hi"', "back\\slash", "NULL", "{,}"]) == (
        '{"a",NULL,"say \\"hi\\"","back\\\\slash","NULL","{,}"}'
    )
    assert number_array([]) == text_array([]) == "{}"


@postgres_only
@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(values=texts)
def test_any_text_comes_back_unchanged(values):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[]", [text_array(values)])
        assert cursor.fetchone()[0] == values


@postgres_only
@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(values=decimals)
def test_any_amount_comes_back_unchanged(values):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::numeric[]", [number_array(values)])
        assert cursor.fetchone()[0] == values
