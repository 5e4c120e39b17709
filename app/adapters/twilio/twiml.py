"""Render domain prompts as TwiML, only through the twilio library's builders.

Why only the builders: they serialise with ElementTree, so `<`, `>` and `&` in any text (a
resident's words, a staff-edited flow) are always escaped. What ElementTree does NOT refuse is a
character XML 1.0 forbids (most C0 control characters, lone surrogates, U+FFFE/U+FFFF): Twilio
would reject the document (error 12100), so `xml_safe` drops them first. `<Say>` is capped at
4,000 characters (Twilio's limit is 4,096).

Voice: every `<Gather>` is followed by a `<Redirect>` to the same step with `silence=1`, because
a Gather with no input falls through to the next verb; without one the call would just end
(see docs/reliability.md, 'Voice menus').
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from app.domain.flow_engine import Prompt
from app.domain.voice_prompts import Utterance

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MAX_SAY_CHARS = 4000
MAX_SMS_CHARS = 1600
MAX_HINTS_CHARS = 1000
GATHER_TIMEOUT_SECONDS = 6
RELAY_GATHER_TIMEOUT_SECONDS = 30  # text relay: the relay assistant types, the caller reads
RECORD_MAX_SECONDS = 120
DIAL_TIMEOUT_SECONDS = 25


def xml_safe(text: str, limit: int) -> str:
    return _NOT_XML.sub("", text)[:limit]


def sms(messages: Sequence[str]) -> str:
    """`<Response>` with ONE `<Message>` holding every text, blank-line separated (no texts:
    an empty response). One reply per inbound means a text can never make us send more than one
    (no amplification for toll fraud), and it arrives in order, where separate messages may not.

    Most replies are one of the flow's few prompts, so the rendered document is remembered
    (by its texts) rather than built by ElementTree on every text."""
    return _sms(tuple(messages))


@lru_cache(maxsize=256)
def _sms(messages: tuple[str, ...]) -> str:
    response = MessagingResponse()
    texts = [t for t in (xml_safe(m, MAX_SMS_CHARS) for m in messages) if t.strip()]
    if texts:
        response.message("\n\n".join(texts)[:MAX_SMS_CHARS])
    return str(response)


def _speak_all(target: VoiceResponse | Gather, spoken: Sequence[Utterance]) -> None:
    """Each utterance its own verb: <Play> a recording, or <Say> in its language's voice."""
    for item in spoken:
        if item.url:
            target.play(xml_safe(item.url, MAX_SAY_CHARS))
            continue
        cleaned = xml_safe(item.text, MAX_SAY_CHARS)
        if cleaned.strip():
            if item.voice:
                target.say(cleaned, language=item.language, voice=item.voice)
            else:
                target.say(cleaned, language=item.language)


def gather(prompt: Prompt, spoken: Sequence[Utterance], *, action: str, on_silence: str,
           relay_timeout: int = RELAY_GATHER_TIMEOUT_SECONDS) -> str:
    """Ask a question by key press or speech (a relay call: keys only, a long wait); silence
    falls through to `on_silence`."""
    response = VoiceResponse()
    options = {
        "input": "dtmf" if prompt.keys_only else "dtmf speech", "action": action,
        "method": "POST", "language": prompt.voice_language,
        "timeout": relay_timeout if prompt.keys_only else GATHER_TIMEOUT_SECONDS,
        "finish_on_key": "",
    }
    if not prompt.keys_only:
        options["speech_timeout"] = "auto"
    if prompt.numeric:
        options["num_digits"] = 1
    hints = xml_safe(", ".join(prompt.hints), MAX_HINTS_CHARS)
    if hints and not prompt.keys_only:
        options["hints"] = hints
    asking = response.gather(**options)
    _speak_all(asking, spoken)
    response.redirect(on_silence, method="POST")
    return str(response)


def say_and_hang_up(spoken: Sequence[Utterance], *, pause_between: int = 0) -> str:
    response = VoiceResponse()
    for index, item in enumerate(spoken):
        if index and pause_between:
            response.pause(length=pause_between)
        _speak_all(response, [item])
    response.hangup()
    return str(response)


def dial(spoken: Sequence[Utterance], numbers: Sequence[str], *, action: str,
         caller_id: str | None) -> str:
    """Ring every on-duty number at once; the first to answer gets the call."""
    response = VoiceResponse()
    _speak_all(response, spoken)
    options: dict[str, object] = {"action": action, "method": "POST",
                                  "timeout": DIAL_TIMEOUT_SECONDS}
    if caller_id:
        options["caller_id"] = caller_id
    ringing = Dial(**options)
    for number in numbers:
        ringing.number(number)
    response.append(ringing)
    return str(response)


def record(spoken: Sequence[Utterance], *, action: str, status_callback: str,
           goodbye: Sequence[Utterance], transcribe_callback: str | None = None) -> str:
    """Voicemail: an explanation, the beep, `<Record>`; if nothing is recorded, say goodbye.

    With `transcribe_callback`, Twilio also transcribes the message (English only) and posts
    the text there, so safeguarding words in a voicemail are caught without a person listening.
    """
    extra = {"transcribe": True, "transcribe_callback": transcribe_callback} \
        if transcribe_callback else {}
    response = VoiceResponse()
    _speak_all(response, spoken)
    response.record(
        action=action, method="POST", max_length=RECORD_MAX_SECONDS, finish_on_key="#",
        play_beep=True, timeout=10, recording_status_callback=status_callback,
        recording_status_callback_method="POST", recording_status_callback_event="completed",
        **extra,
    )
    _speak_all(response, goodbye)
    response.hangup()
    return str(response)
