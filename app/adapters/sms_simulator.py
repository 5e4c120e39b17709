"""Simulated delivery receipts for Ofcom drama numbers (like GOV.UK Notify's research mode).

With SMS_BACKEND=record nothing is sent, so nothing would ever become `delivered`, `undelivered`
or `failed`. For staging and end-to-end runs, set HERE2HELP_SIMULATE_SMS_CALLBACKS=true (and
PUBLIC_BASE_URL): each SMS to a drama mobile (+44 7700 900000-900999) then gets the status
callbacks Twilio would send, signed with the auth token and POSTed to our own /twilio/status,
so the whole path (signature, status machine, failure hook, opt-out) runs as in production:

    +447700900997   failed, 21610 (unsubscribed: the number is marked opted out)
    +447700900998   failed, 30006 (landline or unreachable carrier)
    +447700900999   undelivered, 30003 (handset unreachable)
    any other drama number   sent, then delivered

Any other number gets no callback (it stays `sent`, as with plain recording).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime

import requests
from twilio.request_validator import RequestValidator

from app.adapters.record_sms import RecordingSmsSender
from app.ports import SentMessage

log = logging.getLogger(__name__)

DRAMA_MOBILE_PREFIX = "+447700900"
#: Drama number -> the callbacks Twilio would send, in order: (MessageStatus, ErrorCode).
OUTCOMES: dict[str, tuple[tuple[str, str | None], ...]] = {
    "+447700900997": (("failed", "21610"),),
    "+447700900998": (("sent", None), ("failed", "30006")),
    "+447700900999": (("sent", None), ("undelivered", "30003")),
}
DELIVERED = (("sent", None), ("delivered", None))

Poster = Callable[[str, Mapping[str, str], str], None]  # (url, form, signature)


def post_with_requests(url: str, form: Mapping[str, str], signature: str) -> None:
    requests.post(url, data=dict(form), headers={"X-Twilio-Signature": signature}, timeout=5)


class SimulatingSmsSender(RecordingSmsSender):
    """Records like `RecordingSmsSender`, then plays Twilio's status callbacks for drama numbers."""

    def __init__(
        self,
        *,
        auth_token: str,
        account_sid: str,
        public_base_url: str,
        poster: Poster = post_with_requests,
    ) -> None:
        super().__init__()
        self._validator = RequestValidator(auth_token)
        self._account_sid = account_sid
        self._status_url = public_base_url.rstrip("/") + "/twilio/status"
        self._poster = poster

    def send(
        self, to_e164: str, body: str, *, idempotency_key: str, message_id: int | None = None
    ) -> SentMessage:
        recorded = super().send(
            to_e164, body, idempotency_key=idempotency_key, message_id=message_id
        )
        if not to_e164.startswith(DRAMA_MOBILE_PREFIX):
            return recorded
        url = f"{self._status_url}?m={message_id}" if message_id is not None else self._status_url
        for status, error_code in OUTCOMES.get(to_e164, DELIVERED):
            form = {
                "MessageSid": recorded.sid,
                "MessageStatus": status,
                "To": to_e164,
                "AccountSid": self._account_sid,
                "ApiVersion": "2010-04-01",
            }
            if error_code:
                form["ErrorCode"] = error_code
            try:
                self._poster(url, form, self._validator.compute_signature(url, form))
            except requests.RequestException as exc:
                log.warning("simulated status callback not delivered: %s", type(exc).__name__)
        # Like Twilio, the REST answer is the initial state; callbacks carry the rest.
        return SentMessage(sid=recorded.sid, status="queued")

    def lookup(self, to_e164: str, body: str, *, sent_after: datetime) -> list[SentMessage]:
        return []
