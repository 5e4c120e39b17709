"""What services depend on from the outside world, as Protocols (no Flask, Twilio or rq here)."""

from __future__ import annotations

from dataclasses import dataclass
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
    def send(self, to_e164: str, body: str, *, idempotency_key: str) -> SentMessage: ...


class JobQueue(Protocol):
    def enqueue(self, func: str, *ids: int, job_id: str, queue: str = "default",
                delay_seconds: int | None = None) -> bool:
        """Enqueue `func` (a dotted path) with integer ids; False when Redis is unreachable."""
        ...
