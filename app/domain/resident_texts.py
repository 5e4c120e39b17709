"""Texts sent to a resident after their conversation, in the resident's language.

A volunteer's news ("Sam will contact you", "this is done") reaches a resident days after they
chose their language in the flow, so it is worded from the language kept on their case. The
wording lives in app/data/resident_texts.yaml, each translation marked with its review state
like the flow file; a language (or a need) missing there falls back to English, never to
nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

TEXTS_FILE = Path(__file__).resolve().parent.parent / "data" / "resident_texts.yaml"
DEFAULT_LANGUAGE = "en"


def _plain(value: Any) -> str:
    return str(value.get("text", "")) if isinstance(value, Mapping) else str(value)


@cache
def _load() -> dict[str, dict[str, dict[str, str]]]:
    raw = yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))
    return {section: {name: {lang: _plain(v) for lang, v in texts.items()}
                      for name, texts in raw[section].items()}
            for section in ("texts", "needs")}


def _pick(texts: Mapping[str, str], language: str | None) -> str:
    return texts.get(language or DEFAULT_LANGUAGE) or texts[DEFAULT_LANGUAGE]


def need_words(need: str | None, language: str | None) -> str:
    needs = _load()["needs"]
    key = need if need in needs else None
    if key is None:
        return (need or "other").replace("_", " ") if need else _pick(needs["other"], language)
    return _pick(needs[key], language)


def resident_text(name: str, language: str | None, **values: str) -> str:
    """Text `name` ("assigned", "completed") in `language`, placeholders filled."""
    text = _pick(_load()["texts"][name], language)
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text
