"""How each line of a call is voiced: the operator's recording, its language's voice, or neither.

Twilio has text-to-speech voices for English and Polish (Amazon Polly) and Bengali (Google),
but none for Urdu, so a flow language may come without a `tts` voice. For such a language the
operator records every prompt and drops the files in the prompts directory as
`<language>/<prompt>.mp3` (or `.wav`): `ur/welcome.mp3`, `ur/need.3.mp3`,
`ur/phrase.no_input.mp3`. A recording wins over a voice, so any prompt in any language can be
replaced by a person's voice. A line with neither is said in the default language's words and
voice when it has such words (`Line.fallback`), and left out otherwise; the voice service does
not let a call go on in a language it cannot speak (see app.services.conversations.voice).

`unvoiced` lists the prompts a flow may say on the phone that have neither, for
`here2help flows check`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from app.domain.flow_engine import Line
from app.domain.flows import Flow, Problem

RECORDING_EXTENSIONS = (".mp3", ".wav")
#: Language codes and prompt names as they may appear in a file name (no "/" or "..").
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}$")
PROMPT_PATTERN = re.compile(r"^[a-z0-9_]+(?:\.[a-z0-9_]+)*$")
#: Phrases the phone says (the rest are SMS only).
VOICE_PHRASES = (
    "invalid", "invalid_value", "no_input", "failure", "connecting", "voicemail",
    "voicemail_thanks", "safeguarding", "yes_no_voice", "skip_voice", "confirm_postcode",
    "language_hint_voice", "relay_on", "no_voice",
)


@dataclass(frozen=True)
class Utterance:
    """One TwiML verb: <Play url> when `url` is set, else <Say language voice>text</Say>."""

    text: str
    language: str  # BCP-47, e.g. "pl-PL"
    voice: str | None = None
    url: str | None = None


def recording(directory: Path | None, language: str, key: str) -> Path | None:
    """The operator's recording of prompt `key` in `language`, if there is one."""
    if directory is None or not LANGUAGE_PATTERN.match(language) or not PROMPT_PATTERN.match(key):
        return None
    for extension in RECORDING_EXTENSIONS:
        path = directory / language / f"{key}{extension}"
        if path.is_file():
            return path
    return None


def can_voice(flow: Flow, line: Line, directory: Path | None) -> bool:
    return flow.language(line.language).speaks or recording(
        directory, line.language, line.key) is not None


def utterances(flow: Flow, lines: Iterable[Line], directory: Path | None,
               url_base: str) -> list[Utterance]:
    """Every line as a verb, each in its own language's voice (see the module docstring)."""
    default = flow.language(flow.default_language)
    out: list[Utterance] = []
    for line in lines:
        language = flow.language(line.language)
        found = recording(directory, language.code, line.key)
        if found is not None:
            out.append(Utterance("", language.voice,
                                 url=f"{url_base}/{language.code}/{found.name}"))
            if line.value:  # the filled-in part: "I heard ... W R 1" after "I heard"
                out.append(Utterance(line.value, default.voice, default.tts))
        elif language.speaks:
            out.append(Utterance(line.text, language.voice, language.tts))
        elif line.fallback:
            out.append(Utterance(line.fallback, default.voice, default.tts))
    return out


def unvoiced_lines(flow: Flow, lines: Iterable[Line], directory: Path | None,
                   language: str) -> list[Line]:
    """The lines in `language` that have neither a voice nor a recording."""
    return [line for line in lines
            if line.language == language and not can_voice(flow, line, directory)]


def spoken_prompts(flow: Flow, language: str) -> Iterator[tuple[str, str]]:
    """(where, prompt key) of everything the phone may say in `language`."""
    for node in flow.nodes.values():
        if node.text.get(language) and node.type in {"say", "menu", "ask", "handover", "finish"}:
            yield node.id, node.id
        for option in node.options:
            chosen = option.set.get("language")
            if chosen in (None, language):
                yield node.id, f"{node.id}.{option.key}"
    for name in VOICE_PHRASES:
        if flow.optional_phrase(name, language) is not None:
            yield "flow", f"phrase.{name}"


def unvoiced(flow: Flow, directory: Path | None) -> list[Problem]:
    """One problem per prompt a voiceless language has no recording of."""
    problems = []
    for language in flow.languages:
        if language.speaks:
            continue
        for where, key in spoken_prompts(flow, language.code):
            if recording(directory, language.code, key) is None:
                problems.append(Problem(where, f"no {language.code} voice and no recording "
                                               f"{language.code}/{key}.mp3"))
    return problems
