"""Case references (app.domain.references): pure, no database."""

from __future__ import annotations

import re

import pytest

from app.domain.references import (
    ALPHABET,
    find_reference,
    format_for_speech,
    new_reference,
    parse_reference,
)

CONFUSABLE = "0O1IL5S2Z8BU"


def test_alphabet_has_no_confusable_characters():
    assert not set(CONFUSABLE) & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET) == 24


def test_new_references_are_random_and_well_formed():
    made = {new_reference() for _ in range(500)}
    assert len(made) > 490
    assert all(re.fullmatch(rf"H2H-[{ALPHABET}]{{4}}", r) for r in made)
    assert re.fullmatch(rf"H2H-[{ALPHABET}]{{5}}", new_reference(5))
    with pytest.raises(ValueError):
        new_reference(3)


@pytest.mark.parametrize("typed", ["H2H-7K3Q", "h2h 7k3q", "H2H7K3Q", " h2h-7k3q ", "7k3q",
                                   "H2H.7K3Q", "h 2 h 7 k 3 q"])
def test_parser_accepts_what_people_type(typed):
    assert parse_reference(typed) == "H2H-7K3Q"


@pytest.mark.parametrize("typed", ["", None, "H2H-7K3O", "H2H-1234", "H2H-7K3", "H2H-7K3Q9X",
                                   "hello", "H2H-7K3Q" * 10, "'; DROP TABLE cases; --"])
def test_parser_refuses_anything_else(typed):
    assert parse_reference(typed) is None


def test_five_character_references_parse():
    assert parse_reference("h2h 7k3qa") == "H2H-7K3QA"


def test_find_reference_in_a_reply():
    assert find_reference("YES h2h-7k3q thanks") == "H2H-7K3Q"
    assert find_reference("yes H2H 7K3Q") == "H2H-7K3Q"
    assert find_reference("yes please") is None
    assert find_reference("YES H2H-7K30") is None


def test_spoken_form_spells_each_character_in_groups():
    assert format_for_speech("H2H-7K3Q") == "H 2 H. 7 K 3 Q"
    assert format_for_speech("h2h7k3q") == "H 2 H. 7 K 3 Q"
    with pytest.raises(ValueError):
        format_for_speech("nonsense")
