"""`PriceSource` on Twilio's REST API, with the real `twilio` client: fetch one Message or Call
and read its `price` and `price_unit` (Twilio fills the price in some time after the final
status, so a fetch soon after may still say null).

Pointed at settings.twilio_api_base_url like the SMS sender, so tests use the same fake server.
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation

from requests import exceptions as rq_exc
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from app.ports import FinalPrice, PriceUnavailable

log = logging.getLogger(__name__)
_sdk_http_log = logging.getLogger("app.adapters.twilio.http")
HTTP_TIMEOUT_SECONDS = 10.0


class TwilioPriceSource:
    def __init__(self, *, account_sid: str, auth_token: str, api_base_url: str,
                 timeout: float = HTTP_TIMEOUT_SECONDS) -> None:
        http = TwilioHttpClient(timeout=timeout, logger=_sdk_http_log)
        self._client = Client(account_sid, auth_token, http_client=http)
        self._client.api.base_url = api_base_url.rstrip("/")

    def price_of(self, kind: str, sid: str) -> FinalPrice:
        account = self._client.api.v2010.accounts(self._client.account_sid)
        resource = account.messages(sid) if kind == "message" else account.calls(sid)
        try:
            found = resource.fetch()
        except TwilioRestException as exc:
            gone = exc.status in (401, 403, 404)
            raise PriceUnavailable(f"Twilio {exc.status} error {exc.code}", gone=gone) from None
        except rq_exc.RequestException as exc:
            raise PriceUnavailable(f"no answer from Twilio ({type(exc).__name__})") from None
        return FinalPrice(_price(getattr(found, "price", None)),
                          (getattr(found, "price_unit", None) or None))


def _price(raw: object) -> str | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        return None
    return str(value) if value.is_finite() and abs(value) < 100000 else None
