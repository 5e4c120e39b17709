"""What services depend on from the outside world, as Protocols (no Flask, Twilio or rq here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class SentMessage:
    """What the provider said when it accepted a message."""

    sid: str
    status: str  # the initial status (Twilio: "queued" or "accepted"), no callback follows for it
    segments: int | None = None
    price: str | None = None
    price_unit: str | None = None


class SendError(Exception):
    """The provider refused or failed a send. `retryable` says whether trying again is safe."""

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None,
                 retryable: bool = False, maybe_sent: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.retryable = retryable  # nothing was sent (e.g. 429): safe to try again
        self.maybe_sent = maybe_sent  # e.g. 5xx or timeout after sending: must not resend blindly


class SmsSender(Protocol):
    """Sends one SMS. Implementations: Twilio (REST) and a recorder that sends nothing."""

    def send(self, to_e164: str, body: str, *, idempotency_key: str,
             message_id: int | None = None) -> SentMessage:
        """Send now; raise `SendError` saying whether a retry is safe. `message_id` lets the
        provider's status callbacks name our row even if the answer to this call is lost."""
        ...

    def lookup(self, to_e164: str, body: str, *, sent_after: datetime) -> list[SentMessage]:
        """The messages the provider holds to `to_e164` with this body since `sent_after`: how
        a "maybe sent" row is reconciled without sending it twice."""
        ...


class JobQueue(Protocol):
    def enqueue(self, func: str, *ids: int, job_id: str, queue: str = "default",
                delay_seconds: int | None = None) -> bool:
        """Enqueue `func` (a dotted path) with integer ids; False when Redis is unreachable."""
        ...


@dataclass(frozen=True)
class FinalPrice:
    """What the provider says a message or call cost: `price` None while not yet priced."""

    price: str | None
    price_unit: str | None


class PriceUnavailable(Exception):
    """The provider could not be asked (network, 5xx, 429); `gone` when it never will answer
    (the resource does not exist, or our credentials are refused)."""

    def __init__(self, message: str, *, gone: bool = False) -> None:
        super().__init__(message)
        self.gone = gone


class PriceSource(Protocol):
    def price_of(self, kind: str, sid: str) -> FinalPrice:
        """The price of a "message" (SM...) or "call" (CA...) by its SID; raises
        PriceUnavailable."""
        ...
