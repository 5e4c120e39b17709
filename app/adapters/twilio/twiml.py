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

from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from app.domain.flow_engine import Prompt

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MAX_SAY_CHARS = 4000
MAX_SMS_CHARS = 1600
MAX_HINTS_CHARS = 1000
GATHER_TIMEOUT_SECONDS = 6
RECORD_MAX_SECONDS = 120
DIAL_TIMEOUT_SECONDS = 25


def xml_safe(text: str, limit: int) -> str:
    return _NOT_XML.sub("", text)[:limit]


def sms(messages: Sequence[str]) -> str:
    """`<Response>` with ONE `<Message>` holding every text, blank-line separated (no texts:
    an empty response). One reply per inbound means a text can never make us send more than one
    (no amplification for toll fraud), and it arrives in order, where separate messages may not."""
    response = MessagingResponse()
    texts = [t for t in (xml_safe(m, MAX_SMS_CHARS) for m in messages) if t.strip()]
    if texts:
        response.message("\n\n".join(texts)[:MAX_SMS_CHARS])
    return str(response)


def _say_all(target: VoiceResponse | Gather, messages: Sequence[str], language: str,
             tts_voice: str | None) -> None:
    for text in messages:
        cleaned = xml_safe(text, MAX_SAY_CHARS)
        if cleaned.strip():
            if tts_voice:
                target.say(cleaned, language=language, voice=tts_voice)
            else:
                target.say(cleaned, language=language)


def gather(prompt: Prompt, *, action: str, on_silence: str, tts_voice: str | None = None) -> str:
    """Ask a question by key press or speech; silence falls through to `on_silence`."""
    response = VoiceResponse()
    options = {
        "input": "dtmf speech", "action": action, "method": "POST",
        "language": prompt.voice_language, "timeout": GATHER_TIMEOUT_SECONDS,
        "speech_timeout": "auto", "finish_on_key": "",
    }
    if prompt.numeric:
        options["num_digits"] = 1
    hints = xml_safe(", ".join(prompt.hints), MAX_HINTS_CHARS)
    if hints:
        options["hints"] = hints
    asking = response.gather(**options)
    _say_all(asking, prompt.messages, prompt.voice_language, tts_voice)
    response.redirect(on_silence, method="POST")
    return str(response)


def say_and_hang_up(messages: Sequence[str], *, language: str,
                    tts_voice: str | None = None, pause_between: int = 0) -> str:
    response = VoiceResponse()
    for index, text in enumerate(messages):
        if index and pause_between:
            response.pause(length=pause_between)
        _say_all(response, [text], language, tts_voice)
    response.hangup()
    return str(response)


def dial(messages: Sequence[str], numbers: Sequence[str], *, action: str, language: str,
         caller_id: str | None, tts_voice: str | None = None) -> str:
    """Ring every on-duty number at once; the first to answer gets the call."""
    response = VoiceResponse()
    _say_all(response, messages, language, tts_voice)
    options: dict[str, object] = {"action": action, "method": "POST",
                                  "timeout": DIAL_TIMEOUT_SECONDS}
    if caller_id:
        options["caller_id"] = caller_id
    ringing = Dial(**options)
    for number in numbers:
        ringing.number(number)
    response.append(ringing)
    return str(response)


def record(messages: Sequence[str], *, action: str, status_callback: str, language: str,
           goodbye: str, tts_voice: str | None = None,
           transcribe_callback: str | None = None) -> str:
    """Voicemail: an explanation, the beep, `<Record>`; if nothing is recorded, say goodbye.

    With `transcribe_callback`, Twilio also transcribes the message (English only) and posts
    the text there, so safeguarding words in a voicemail are caught without a person listening.
    """
    extra = {"transcribe": True, "transcribe_callback": transcribe_callback} \
        if transcribe_callback else {}
    response = VoiceResponse()
    _say_all(response, messages, language, tts_voice)
    response.record(
        action=action, method="POST", max_length=RECORD_MAX_SECONDS, finish_on_key="#",
        play_beep=True, timeout=10, recording_status_callback=status_callback,
        recording_status_callback_method="POST", recording_status_callback_event="completed",
        **extra,
    )
    _say_all(response, [goodbye], language, tts_voice)
    response.hangup()
    return str(response)
