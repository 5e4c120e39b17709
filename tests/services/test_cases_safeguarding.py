"""Safeguarding phrase detection (app.domain.safeguarding): pure, no database."""

from __future__ import annotations

import pytest

from app.domain.safeguarding import (
    DEFAULT_PHRASES_FILE,
    PhraseList,
    find_safeguarding_phrases,
    load_phrases,
    normalise_text,
)
from app.settings import ConfigError, load_settings


@pytest.mark.parametrize(("text", "phrase"), [
    ("I can't breathe", "cant breathe"),
    ("i CANT   breathe!!!", "cant breathe"),
    ("I can\u2019t breathe", "cant breathe"),
    ("can't-breathe", "cant breathe"),
    ("Mum has FALLEN and can't get up", "fallen"),
    ("there's been no food for days", "no food for days"),
    ("I feel suicidal", "suicid*"),
    ("thinking about suicide.", "suicid*"),
    ("my partner, domestic\nviolence", "domestic violence"),
    ("I want to kill myself", "kill myself"),
])
def test_phrases_are_found(text, phrase):
    assert phrase in find_safeguarding_phrases(text)


@pytest.mark.parametrize("text", [
    "",
    None,
    "Please can you get my shopping, bread and milk",
    "what has befallen the town",  # word boundary: not "fallen"
    "I can breathe fine, just need prescriptions",
    "no food delivery slot this week",
])
def test_ordinary_requests_are_not_flagged(text):
    assert find_safeguarding_phrases(text) == []


def test_normalise_text():
    assert normalise_text("  I CAN'T -- breathe!! ") == "i cant breathe"


def test_custom_list_from_lines_ignores_comments_and_blanks():
    phrases = PhraseList.from_lines(["# comment", "", "  lonely  ", "hungr*", "***"])
    assert phrases.phrases == ("lonely", "hungr*")
    assert phrases.find("So LONELY and hungry") == ["lonely", "hungr*"]
    assert not phrases.matches("alonely")


def test_override_file_via_setting(tmp_path):
    custom = tmp_path / "phrases.txt"
    custom.write_text("purple elephant\n", encoding="utf-8")
    settings = load_settings({"SAFEGUARDING_PHRASES_FILE": str(custom),
                              "HERE2HELP_INSTANCE": str(tmp_path)})
    assert settings.safeguarding_phrases_file == custom.resolve()
    found = find_safeguarding_phrases("a Purple, elephant!", settings.safeguarding_phrases_file)
    assert found == ["purple elephant"]
    assert find_safeguarding_phrases("can't breathe", settings.safeguarding_phrases_file) == []


def test_missing_override_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="SAFEGUARDING_PHRASES_FILE"):
        load_settings({"SAFEGUARDING_PHRASES_FILE": str(tmp_path / "nope.txt"),
                       "HERE2HELP_INSTANCE": str(tmp_path)})


def test_shipped_list_loads():
    assert DEFAULT_PHRASES_FILE.is_file()
    assert len(load_phrases().phrases) > 30


def test_huge_text_is_bounded():
    assert find_safeguarding_phrases("x " * 100_000 + "cant breathe") == []
