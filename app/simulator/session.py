"""One simulated SMS or phone call: Twilio's parameters, and following the TwiML answer.

How a call is followed (Twilio's semantics, twilio.com/docs/voice/twiml):
- <Say> is printed ("🔊 ..." or "SAYS: ..."), <Play> as a note; <Pause> is skipped.
- <Gather>: its nested <Say>s are printed, then one line is read. Key presses (0-9 * #, a
  trailing # is the finish key) are posted as `Digits`; words as `SpeechResult` with
  `Confidence` 0.9 when the Gather accepts speech (a keys-only Gather ignores words, as a
  phone would). An EMPTY line is silence: as on a real call the document continues with the
  verb after the Gather (its fall-through), unless the Gather says actionOnEmptyResult="true",
  in which case its action is posted without Digits. The end of input means the caller hangs up.
- <Record>: a line is read as the message; the action gets RecordingUrl/RecordingSid/
  RecordingDuration. <Dial> prints "CONNECTING YOU TO ..." and asks whether someone answered;
  its action gets DialCallStatus. <Redirect> is followed. Actions default to the document's URL.
- <Hangup>, <Reject> or the end of a document end the call; then the status callback
  `completed` is posted to /twilio/status.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.etree import ElementTree

from app.domain.sms_segments import count_segments
from app.simulator.transport import SimulatorError, Transport, new_sid

API_VERSION = "2010-04-01"
_KEYS = re.compile(r"^[0-9*#]+$")
#: A call that never ends (a <Redirect> loop) is cut off, as Twilio would after 4 hours.
MAX_STEPS = 200
ReadLine = Callable[[str], str | None]  # prompt -> a line, or None at the end of input
Show = Callable[[str], None]


def sms_params(account_sid: str, from_: str, to: str, body: str) -> dict[str, str]:
    sid = new_sid("SM")
    return {
        "ToCountry": "GB", "ToState": "", "SmsMessageSid": sid, "NumMedia": "0",
        "ToCity": "", "FromZip": "", "SmsSid": sid, "FromState": "", "SmsStatus": "received",
        "FromCity": "", "Body": body, "FromCountry": "GB", "To": to, "ToZip": "",
        "NumSegments": str(max(1, count_segments(body).segments)), "MessageSid": sid,
        "AccountSid": account_sid, "From": from_, "ApiVersion": API_VERSION,
    }


def send_sms(transport: Transport, params: dict[str, str]) -> list[str]:
    """POST /twilio/sms; the bodies of the <Message>s in the reply (what the resident reads)."""
    root = parse_twiml(transport.post("/twilio/sms", params).text)
    bodies = []
    for message in root.iter("Message"):
        body = message.find("Body")
        bodies.append(((body if body is not None else message).text or "").strip())
    return bodies


def parse_twiml(text: str) -> ElementTree.Element:
    try:
        root = ElementTree.fromstring(text)  # noqa: S314 (a service we were told to test)
    except ElementTree.ParseError as exc:
        raise SimulatorError(f"the reply is not valid TwiML: {exc}") from None
    if root.tag != "Response":
        raise SimulatorError(f"the reply's root element is <{root.tag}>, not <Response>")
    return root


@dataclass
class Call:
    """A call in progress: its fixed parameters and the terminal it talks to."""

    transport: Transport
    account_sid: str
    from_: str
    to: str
    read_line: ReadLine
    show: Show
    say_prefix: str = "🔊 "
    call_sid: str = field(default_factory=lambda: new_sid("CA"))
    started: float = field(default_factory=time.monotonic)
    steps: int = 0

    def params(self, status: str = "in-progress", **extra: str) -> dict[str, str]:
        return {
            "AccountSid": self.account_sid, "ApiVersion": API_VERSION, "CallSid": self.call_sid,
            "CallStatus": status, "Called": self.to, "Caller": self.from_, "Direction": "inbound",
            "From": self.from_, "FromCountry": "GB", "To": self.to, "ToCountry": "GB", **extra,
        }

    def run(self) -> None:
        """Ring /twilio/voice, follow the TwiML until the call ends, post `completed`."""
        url, params = "/twilio/voice", self.params("ringing")
        while url is not None:
            self.steps += 1
            if self.steps > MAX_STEPS:
                raise SimulatorError(f"the call went on for {MAX_STEPS} requests: a loop?")
            root = parse_twiml(self.transport.post(url, params).text)
            url, params = self.execute(root, self.transport.last_url or url)
        self.show("📞 CALL ENDED")
        duration = str(max(1, round(time.monotonic() - self.started)))
        self.transport.post("/twilio/status",
                            self.params("completed", CallDuration=duration, Duration=duration))

    def execute(self, root: ElementTree.Element,
                here: str) -> tuple[str | None, dict[str, str]]:
        """Run one document's verbs; the next (url, params) to post, or (None, {}) at the end."""
        for verb in root:
            step = self._verb(verb, here)
            if step is not None:
                return step
        return None, {}

    def _verb(self, verb: ElementTree.Element, here: str):
        handler = _HANDLERS.get(verb.tag)
        if handler is None:
            self.show(f"(ignoring <{verb.tag}>)")
            return None
        return handler(self, verb, here)

    def _say(self, verb, _here):
        self.show(self.say_prefix + " ".join((verb.text or "").split()))

    def _play(self, verb, _here):
        self.show(f"♪ (plays {(verb.text or '').strip() or 'a sound'})")

    def _gather(self, verb, here):
        for child in verb:
            if child.tag in ("Say", "Play"):
                self._verb(child, here)
        line = self.read_line("☎ keys or words> ")
        if line is None:
            return _HUNG_UP
        line = line.strip()
        accepts_speech = "speech" in (verb.get("input") or "dtmf")
        action = verb.get("action") or here
        if _KEYS.match(line):
            return action, self.params(**_digits(line, verb))
        if line and accepts_speech:
            return action, self.params(SpeechResult=line, Confidence="0.9")
        if line:
            self.show("(this menu only takes key presses: treated as silence)")
        if verb.get("actionOnEmptyResult") == "true":
            return action, self.params()
        return None  # silence: fall through to the next verb

    def _redirect(self, verb, here):
        return (verb.text or "").strip() or here, self.params()

    def _dial(self, verb, here):
        targets = [(c.text or "").strip() for c in verb] or [(verb.text or "").strip()]
        self.show(f"📞 CONNECTING YOU TO {', '.join(t for t in targets if t) or 'someone'}")
        answer = self.read_line("☎ did someone answer? [y/N]> ")
        if answer is None:
            return _HUNG_UP
        status = "completed" if answer.strip().lower() in ("y", "yes") else "no-answer"
        self.show(f"(dial result: {status})")
        if verb.get("action"):
            return verb.get("action"), self.params(DialCallStatus=status)
        return None

    def _record(self, verb, here):
        self.show("🎙 RECORDING: type your message, Enter to finish")
        line = self.read_line("🎙 > ")
        if line is None:
            return _HUNG_UP
        duration = str(max(1, len(line.split())))
        recording = new_sid("RE")
        url = (f"https://api.twilio.com/{API_VERSION}/Accounts/{self.account_sid}"
               f"/Recordings/{recording}")
        return verb.get("action") or here, self.params(
            RecordingUrl=url, RecordingSid=recording, RecordingDuration=duration, Digits="#")

    def _message(self, verb, _here):
        self.show(f"📱 SMS: {(verb.text or '').strip()}")

    def _end(self, _verb, _here):
        return _HUNG_UP

    def _skip(self, _verb, _here):
        return None


def _digits(line: str, verb: ElementTree.Element) -> dict[str, str]:
    """Key presses as Twilio collects them: up to the finish key (not included) or numDigits."""
    finish = verb.get("finishOnKey", "#")
    limit = int(verb.get("numDigits") or 0) if (verb.get("numDigits") or "").isdigit() else 0
    collected, finished_on = "", ""
    for key in line:
        if finish and key == finish:
            finished_on = key
            break
        collected += key
        if limit and len(collected) >= limit:
            break
    return {"Digits": collected or line, "FinishedOnKey": finished_on}


_HUNG_UP: tuple[None, dict[str, str]] = (None, {})
_HANDLERS: dict[str, Callable] = {
    "Say": Call._say, "Play": Call._play, "Gather": Call._gather, "Redirect": Call._redirect,
    "Dial": Call._dial, "Record": Call._record, "Hangup": Call._end, "Reject": Call._end,
    "Pause": Call._skip, "Sms": Call._message, "Message": Call._message,
}
