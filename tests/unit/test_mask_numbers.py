"""Phone numbers inside free text (SMS bodies, call steps, notes) are masked but their last 3
digits; everything else in the text is left exactly as it was."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.phone import MASK_CHAR, mask_numbers_in_text

B = MASK_CHAR


@pytest.mark.parametrize(("text", "masked"), [
    ("Phone 07700 900123.", f"Phone {B * 5} {B * 3}123."),
    ("Ring +447700900123 now", f"Ring +{B * 9}123 now"),
    ("+44 (0)7700-900123", f"+{B}{B} ({B}){B * 4}-{B * 3}123"),
    ("landline 01632 960123, mobile 07700900456",
     f"landline {B * 5} {B * 3}123, mobile {B * 8}456"),
    ("0044 7700 900123", f"{B * 4} {B * 4} {B * 3}123"),
    ("07700\x00900123", f"{B * 8}123"),  # a NUL cannot hide a number
])
def test_numbers_are_masked_but_their_last_three_digits(text: str, masked: str) -> None:
    assert mask_numbers_in_text(text) == masked


@pytest.mark.parametrize("text", [
    "If you are in danger now, ring 999. Samaritans are free to call any time on 116 123.",
    "Your reference is H2H-7K3Q. Call back by 01 Jul 2027 10:30 BST.",
    "Order 2027-07-01, £1,250.00, postcode WR1 2NN, 12345678",
    "", "no digits at all", "ąęść 😀 ١٢٣",
])
def test_text_without_a_phone_number_is_unchanged(text: str) -> None:
    assert mask_numbers_in_text(text) == text


def test_none_and_unicode_digits() -> None:
    assert mask_numbers_in_text(None) == ""
    # Arabic-Indic digits are digits too: a number written in them is still a number.
    assert mask_numbers_in_text("٠٧٧٠٠٩٠٠١٢٣") == B * 8 + "١٢٣"
    assert mask_numbers_in_text("Zadzwoń: 07700 900123 – dziękujemy") == (
        f"Zadzwoń: {B * 5} {B * 3}123 – dziękujemy")


def test_a_huge_text_is_masked_in_linear_time() -> None:
    text = ("Phone 07700 900123. " * 20_000) + "1" * 200_000 + "x"
    started = time.perf_counter()
    masked = mask_numbers_in_text(text)
    assert time.perf_counter() - started < 5
    assert "900123" not in masked and masked.count("123.") == 20_000
    assert masked.endswith("111x")


@given(st.text(max_size=300))
def test_masking_keeps_length_and_never_shows_more_digits(text: str) -> None:
    masked = mask_numbers_in_text(text)
    clean = text.replace("\x00", "")
    assert len(masked) == len(clean)
    assert sum(c.isdigit() for c in masked) <= sum(c.isdigit() for c in clean)
    assert mask_numbers_in_text(masked) == masked  # masking twice changes nothing


@given(st.from_regex(r"0[127]\d{3} ?\d{6}", fullmatch=True), st.text(
    alphabet=st.characters(blacklist_categories=("Nd", "L", "N", "Cs")), max_size=5))
def test_any_uk_number_keeps_only_three_digits(number: str, around: str) -> None:
    masked = mask_numbers_in_text(f"call {number}{around}")
    assert sum(c.isdigit() for c in masked) == 3


def test_an_underscore_next_to_a_number_does_not_hide_it():
    masked = mask_numbers_in_text("call 01000000000_")
    assert masked == mask_numbers_in_text("call 01000000000") + "_" and masked.count("0") == 3
    assert sum(c.isdigit() for c in mask_numbers_in_text("_07700900123_")) == 3
