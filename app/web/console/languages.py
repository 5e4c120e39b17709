"""The language switcher of the public pages (volunteer sign-up, community grants).

The pages are in plain English; the switcher offers the help line's languages (the default
flow's, so a language added to the flow appears here too). Choosing one (`?lang=pl`) keeps the
form in English but puts, in that language and its writing direction, how to get help in it:
ring or text the help line, which answers in that language. The wording is the flow's
`web_notice` phrase, reviewed with the flow's other translations.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.phone import format_for_display
from app.services.conversations.state import default_flow
from app.web.session import runtime

#: Languages written right to left (the page sets `dir` on their text).
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ps", "ur", "yi"})


@dataclass(frozen=True)
class LanguageOption:
    code: str
    name: str
    direction: str
    current: bool


@dataclass(frozen=True)
class LanguageChoice:
    options: tuple[LanguageOption, ...]
    code: str
    direction: str
    notice: str | None  # how to get help in the chosen language (None: the page's own)


def language_choice(requested: str | None) -> LanguageChoice:
    """The switcher for `?lang=`; an unknown or missing code means the default language."""
    settings = runtime().settings
    flow = default_flow(settings)
    codes = [lang.code for lang in flow.languages]
    code = requested if requested in codes else flow.default_language
    options = tuple(LanguageOption(lang.code, lang.name, _direction(lang.code),
                                   lang.code == code) for lang in flow.languages)
    notice = None
    if code != flow.default_language:
        notice = flow.optional_phrase("web_notice", code)
        phone = format_for_display(settings.twilio_phone_number) \
            if settings.twilio_phone_number else ""
        notice = " ".join(notice.replace("{phone}", phone).split()) if notice else None
    return LanguageChoice(options, code, _direction(code), notice)


def _direction(code: str) -> str:
    return "rtl" if code in RIGHT_TO_LEFT else "ltr"
