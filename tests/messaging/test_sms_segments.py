"""SMS segment counting: GSM-7 160/153, UCS-2 70/67, exact boundaries."""

from __future__ import annotations

import pytest

from app.domain.sms_segments import GSM7, UCS2, count_segments, fits, is_gsm7


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", (GSM7, 0, 0)),
        ("a", (GSM7, 1, 1)),
        ("a" * 160, (GSM7, 1, 160)),
        ("a" * 161, (GSM7, 2, 161)),
        ("a" * 306, (GSM7, 2, 306)),
        ("a" * 307, (GSM7, 3, 307)),
        ("a" * 459, (GSM7, 3, 459)),
        ("a" * 460, (GSM7, 4, 460)),
        ("ŵ" * 70, (UCS2, 1, 70)),
        ("ŵ" * 71, (UCS2, 2, 71)),
        ("ŷ" * 134, (UCS2, 2, 134)),
        ("ŷ" * 135, (UCS2, 3, 135)),
        ("😀" * 35, (UCS2, 1, 70)),  # each emoji is a surrogate pair: 2 units
        ("😀" * 36, (UCS2, 2, 72)),
        ("€" * 80, (GSM7, 1, 160)),  # extension table: 2 septets each
        ("€" * 81, (GSM7, 2, 162)),
        ("{}" * 40, (GSM7, 1, 160)),
        ("£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¡ÄÖÑÜ§¿äöñüà@", (GSM7, 1, 41)),
    ],
)
def test_counts(text: str, expected: tuple[str, int, int]) -> None:
    assert tuple(count_segments(text)) == expected


def test_one_welsh_letter_switches_the_whole_message_to_ucs2() -> None:
    english = "Diolch. Your request is booked; a volunteer will call you soon." * 2
    assert count_segments(english).encoding == GSM7
    welsh = english + " Croeso i'r gwasanaeth, dŵr"
    result = count_segments(welsh)
    assert result.encoding == UCS2 and result.segments == 3


def test_an_escape_pair_is_never_split_across_segments() -> None:
    # 152 plain septets then "€": 154 septets in all. A naive count says 2 segments of 153,
    # but the escape pair cannot straddle septet 153/154, so it moves whole to segment 2.
    text = "a" * 152 + "€" + "a" * 152
    assert count_segments(text) == (GSM7, 3, 306)
    assert count_segments("a" * 153 + "€" + "a" * 151) == (GSM7, 2, 306)


def test_a_surrogate_pair_is_never_split_across_segments() -> None:
    text = "ŵ" * 66 + "😀" + "ŵ" * 66  # 134 units: a naive count says 2 segments of 67
    assert count_segments(text) == (UCS2, 3, 134)


def test_smart_quotes_and_zero_width_joiners_are_not_gsm7() -> None:
    assert not is_gsm7("It’s")
    assert not is_gsm7("a\u200db")
    assert is_gsm7("It's [ok] ~ ^ | \\ \f")


def test_fits() -> None:
    assert fits("a" * 306) and not fits("a" * 307)
    assert fits("ŵ" * 134) and not fits("ŵ" * 135)
    assert fits("a" * 160, max_segments=1)
