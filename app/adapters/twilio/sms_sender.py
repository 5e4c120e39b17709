"""`SmsSender` on Twilio's REST API, with the real `twilio` client.

The client is pointed at settings.twilio_api_base_url by overriding the `api` domain's base URL
(`twilio.base.domain.Domain.absolute_url` joins it with "/2010-04-01/Accounts/..."), so tests
talk to a local fake REST server with the very client production uses.

Error classes (see docs/reliability.md, 'Sending'): the question after a failure is "may
Twilio have created the message?"
- 429 / 20429, or a connection that was never opened: NOTHING was sent, retry is safe.
- 5xx, a read timeout, or a connection dropped after the request was written: MAYBE sent; the
  caller must reconcile (`lookup`) rather than resend blindly.
- other 4xx (21211 invalid To, 21610 unsubscribed, 21614 not a mobile, 21408 no permission,
  21612 cannot route, 21617 too long...): permanent, with Twilio's code.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal, InvalidOperation

from requests import exceptions as rq_exc
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from app.ports import SendError, SentMessage

log = logging.getLogger(__name__)
#: The SDK logs query parameters (a `To` number) at INFO: keep its own logger at WARNING.
_sdk_http_log = logging.getLogger("app.adapters.twilio.http")
_sdk_http_log.setLevel(logging.WARNING)

HTTP_TIMEOUT_SECONDS = 10.0
RATE_LIMITED = 20429
#: How many of the number's latest messages a reconcile looks through (one page).
LOOKUP_LIMIT = 50
#: Characters Twilio's Smart Encoding replaces with GSM-7 look-alikes (its published table,
#: the common part), and characters it drops.
_SMART_ENCODING = str.maketrans({
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc\uff07", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\uff02", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
    **dict.fromkeys("\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
                    "\u2009\u200a\u202f\u205f\u3000", " "),
    **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff", ""),
    "\u2026": "...", "\u2022": "-", "\u02c6": "^", "\u02dc": "~", "\u2039": "<", "\u203a": ">",
})


def smart_encoded(text: str) -> str:
    """`text` as Twilio's Smart Encoding would store it (for comparing, not for sending)."""
    return " ".join(text.translate(_SMART_ENCODING).split())


class TwilioSmsSender:
    """Sends from `from_number` through the account; status callbacks go to PUBLIC_BASE_URL."""

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str | None,
        api_base_url: str,
        public_base_url: str | None,
        timeout: float = HTTP_TIMEOUT_SECONDS,
    ) -> None:
        if not from_number:
            raise ValueError("TWILIO_PHONE_NUMBER is needed to send SMS with Twilio")
        http = TwilioHttpClient(timeout=timeout, logger=_sdk_http_log)
        self._client = Client(account_sid, auth_token, http_client=http)
        self._client.api.base_url = api_base_url.rstrip("/")
        self._from = from_number
        self._public_base_url = public_base_url

    def status_callback(self, message_id: int | None) -> str | None:
        """Our /twilio/status URL; `?m=<id>` ties a callback to the row if the send's answer
        was lost (the signature covers the query string, so it cannot be forged)."""
        if not self._public_base_url:
            return None
        url = self._public_base_url.rstrip("/") + "/twilio/status"
        return f"{url}?m={message_id}" if message_id is not None else url

    def send(
        self, to_e164: str, body: str, *, idempotency_key: str, message_id: int | None = None
    ) -> SentMessage:
        messages = self._client.api.v2010.accounts(self._client.account_sid).messages
        kwargs = {"to": to_e164, "from_": self._from, "body": body}
        callback = self.status_callback(message_id)
        if callback:
            kwargs["status_callback"] = callback
        try:
            created = messages.create(**kwargs)
        except TwilioRestException as exc:
            raise _rest_error(exc) from None
        except rq_exc.RequestException as exc:
            raise _transport_error(exc) from None
        return _sent(created)

    def lookup(self, to_e164: str, body: str, *, sent_after: datetime) -> list[SentMessage]:
        """Twilio's messages to `to_e164` created since `sent_after` with this body.

        Found by recipient and creation time, never by `DateSent`: Twilio fills DateSent in only
        once a message has left, so one it still holds `queued` or `accepted` (it did take it)
        would be missed and sent twice. The list is newest first; only the latest
        `LOOKUP_LIMIT` to the number are looked at, plenty for minutes-old sends. Bodies are
        compared as Smart Encoding leaves them (curly quotes, long dashes, odd spaces become
        their plain look-alikes), and a status of queued/accepted counts as sent.
        """
        account = self._client.api.v2010.accounts(self._client.account_sid)
        try:
            found = account.messages.list(to=to_e164, limit=LOOKUP_LIMIT)
        except TwilioRestException as exc:
            raise _rest_error(exc) from None
        except rq_exc.RequestException as exc:
            raise SendError(f"lookup failed: {type(exc).__name__}", retryable=True) from None
        wanted = smart_encoded(body)
        return [
            _sent(item)
            for item in found
            if smart_encoded(item.body or "") == wanted
            and (item.date_created is None or item.date_created >= sent_after)
        ]


def _sent(instance: object) -> SentMessage:
    segments = getattr(instance, "num_segments", None)
    return SentMessage(
        sid=instance.sid,
        status=str(instance.status or "queued"),
        segments=int(segments) if segments and str(segments).isdigit() else None,
        price=_price(getattr(instance, "price", None)),
        price_unit=getattr(instance, "price_unit", None),
    )


def _price(raw: object) -> str | None:
    if raw in (None, ""):
        return None
    try:
        return str(Decimal(str(raw)))
    except InvalidOperation:
        return None


def _rest_error(exc: TwilioRestException) -> SendError:
    status, code = exc.status, exc.code
    text = f"Twilio {status} error {code}"
    if status == 429 or code == RATE_LIMITED:
        return SendError(text, code=code, status=status, retryable=True)
    if status >= 500:
        return SendError(text, code=code, status=status, maybe_sent=True)
    return SendError(text, code=code, status=status)


def _transport_error(exc: rq_exc.RequestException) -> SendError:
    """A connect failure sent nothing; anything after the request was written may have."""
    name = type(exc).__name__
    if isinstance(exc, rq_exc.ConnectTimeout) or _never_connected(exc):
        return SendError(f"could not connect to Twilio ({name})", retryable=True)
    return SendError(f"no answer from Twilio ({name})", maybe_sent=True)


def _never_connected(exc: rq_exc.RequestException) -> bool:
    if not isinstance(exc, rq_exc.ConnectionError):
        return False
    reason = getattr(exc.args[0] if exc.args else None, "reason", None)
    return type(reason).__name__ in {"NewConnectionError", "NameResolutionError"}
