from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payouts.money import parse_amount, quantize

D = Decimal


def test_amounts_round_half_up_to_the_cent():
    assert quantize(D("2.005"), "EUR") == D("2.01")
    assert quantize(D("2.004"), "EUR") == D("2.00")
    assert quantize(D("-2.005"), "EUR") == D("-2.01")


def test_currencies_without_cents_round_to_whole_units():
    assert quantize(D("100.5"), "JPY") == D("101")


def test_a_typed_amount_accepts_either_decimal_separator():
    assert parse_amount("1.234,50", "EUR") == D("1234.50")
    assert parse_amount("1,234.50", "EUR") == D("1234.50")
    assert parse_amount("12,5", "EUR") == D("12.50")


@pytest.mark.parametrize("text", ["", "abc", "1.234", "NaN", "Infinity"])
def test_a_typed_amount_that_is_not_money_is_refused(text):
    with pytest.raises(ValueError):
        parse_amount(text, "EUR")


@given(st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, places=6))
def test_quantize_is_idempotent_and_within_half_a_cent(value):
    once = quantize(value, "EUR")
    assert quantize(once, "EUR") == once
    assert abs(once - value) <= D("0.005")
