"""`SmsSender` that sends nothing (SMS_BACKEND=record): development, demos and most tests.

The outbox row is the record: `deliver` stores the fake SID ("SMrec" + 29 hex digits, the same
34-character shape as Twilio's) and status `sent`, so the console and reports behave as in
production while nothing leaves the machine.
"""

from __future__ import annotations

import logging
import secrets
from collections import deque
from datetime import datetime

from app.ports import SentMessage

log = logging.getLogger(__name__)


class RecordingSmsSender:
    def __init__(self) -> None:
        # The last few (to, body), in this process only: for tests and the simulator. Bounded,
        # because a worker lives for weeks.
        self.sent: deque[tuple[str, str]] = deque(maxlen=100)

    def send(
        self, to_e164: str, body: str, *, idempotency_key: str, message_id: int | None = None
    ) -> SentMessage:
        sid = "SMrec" + secrets.token_hex(15)[:29]
        self.sent.append((to_e164, body))
        log.info("recorded (not sent) message %s as %s", message_id, sid)
        return SentMessage(sid=sid, status="sent")

    def lookup(self, to_e164: str, body: str, *, sent_after: datetime) -> list[SentMessage]:
        return []  # nothing is ever sent, so nothing is "maybe sent"
