"""The phone-number policy: possible numbers in, E.164 out, withheld recognised."""

import pytest

from app.domain.phone import PhoneKind, format_for_display, mask_phone, parse_phone


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("07700 900123", "+447700900123"),
        ("+44 7700 900123", "+447700900123"),
        ("00447700900123", "+447700900123"),
        ("+44 (0)7700-900123", "+447700900123"),
        ("01632 960123", "+441632960123"),
        ("+447700900000", "+447700900000"),
    ],
)
def test_possible_numbers_become_e164(raw: str, e164: str) -> None:
    parsed = parse_phone(raw)
    assert parsed.kind is PhoneKind.NUMBER
    assert parsed.e164 == e164


def test_drama_numbers_are_accepted_but_flagged_not_valid() -> None:
    parsed = parse_phone("07700 900123")
    assert parsed.is_number and not parsed.valid and parsed.mobile
    assert parse_phone("01632 960123").mobile is False


@pytest.mark.parametrize(
    "raw", ["anonymous", "Anonymous", "+266696687", "+7378742833", "", None, "client:alice",
            "restricted", "  "]
)
def test_withheld_caller_ids_are_never_numbers(raw: str | None) -> None:
    parsed = parse_phone(raw)
    assert parsed.kind is PhoneKind.WITHHELD
    assert parsed.e164 is None


@pytest.mark.parametrize("raw", ["COUNCIL", "12", "+44 123", "x" * 500, "0770090012345678901"])
def test_rubbish_is_invalid_not_an_exception(raw: str) -> None:
    parsed = parse_phone(raw)
    assert parsed.kind is PhoneKind.INVALID
    assert parsed.reason


def test_masking_and_display() -> None:
    assert mask_phone("+447700900123") == "+44 7••• ••0123"
    assert mask_phone(None) == "withheld"
    assert format_for_display("+447700900123") == "07700 900123"
