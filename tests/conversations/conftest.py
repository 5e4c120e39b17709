"""Helpers for conversation tests: send an SMS or a voice step as Twilio would, read the answer."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

import pytest

_sids = itertools.count(1)
VOICE_VERBS = {"Say", "Play", "Gather", "Redirect", "Dial", "Number", "Record", "Hangup", "Pause"}


def parse_twiml(body: bytes | str) -> ET.Element:
    """Parse TwiML and check the shape Twilio requires: root <Response>, known verbs only."""
    root = ET.fromstring(body)  # noqa: S314 - our own TwiML, in a test
    assert root.tag == "Response"
    for element in root.iter():
        assert element.tag in VOICE_VERBS | {"Response", "Message", "Body"}, element.tag
    return root


def sms_texts(body: bytes | str) -> list[str]:
    return [m.text or "" for m in parse_twiml(body).iter("Message")]


def new_sid(prefix: str = "SM") -> str:
    return f"{prefix}{next(_sids):032x}"


@pytest.fixture
def send_sms(twilio_post) -> Callable[..., list[str]]:
    """`send_sms("07700900123", "hello")` -> the texts of the reply."""

    def send(phone: str, body: str, *, sid: str | None = None) -> list[str]:
        response = twilio_post("/twilio/sms", {
            "MessageSid": sid or new_sid(), "From": phone, "To": "+441632960000", "Body": body,
            "AccountSid": "AC" + "1" * 32, "NumMedia": "0",
        })
        assert response.status_code == 200, response.data
        assert response.mimetype == "text/xml"
        return sms_texts(response.data)

    return send


@dataclass
class VoiceAnswer:
    root: ET.Element
    raw: bytes

    @property
    def said(self) -> str:
        return " ".join(s.text or "" for s in self.root.iter("Say"))

    @property
    def gather(self) -> ET.Element | None:
        return self.root.find("Gather")

    @property
    def next_url(self) -> str | None:
        gather = self.gather
        return gather.get("action") if gather is not None else None

    @property
    def silence_url(self) -> str | None:
        redirect = self.root.find("Redirect")
        return redirect.text if redirect is not None else None


class Caller:
    """One call: `start()`, then `press("1")`, `say("food")`, `silence()`."""

    def __init__(self, twilio_post, phone: str) -> None:
        self.post = twilio_post
        self.phone = phone
        self.call_sid = new_sid("CA")
        self.last: VoiceAnswer | None = None

    def _post(self, path: str, extra: dict[str, str]) -> VoiceAnswer:
        params = {"CallSid": self.call_sid, "From": self.phone, "To": "+441632960000",
                  "AccountSid": "AC" + "1" * 32, "CallStatus": "in-progress", **extra}
        response = self.post(path, params)
        assert response.status_code == 200, response.data
        assert response.mimetype == "text/xml"
        self.last = VoiceAnswer(parse_twiml(response.data), response.data)
        return self.last

    def start(self) -> VoiceAnswer:
        return self._post("/twilio/voice", {})

    def press(self, digits: str) -> VoiceAnswer:
        assert self.last and self.last.next_url, self.last and self.last.raw
        return self._post(self.last.next_url, {"Digits": digits})

    def say(self, words: str, confidence: str = "0.9") -> VoiceAnswer:
        assert self.last and self.last.next_url, self.last and self.last.raw
        return self._post(self.last.next_url, {"SpeechResult": words, "Confidence": confidence})

    def silence(self) -> VoiceAnswer:
        assert self.last and self.last.silence_url, self.last and self.last.raw
        return self._post(self.last.silence_url, {})

    def post_to(self, path: str, extra: dict[str, str]) -> VoiceAnswer:
        return self._post(path, extra)


@pytest.fixture
def caller(twilio_post) -> Callable[[str], Caller]:
    return lambda phone: Caller(twilio_post, phone)

