"""Call records and call status callbacks. (Helper "conversations" owns this file.)

Interface (called from /twilio/status for call events):

    record_call_status(session, *, call_sid: str, status: str, duration: int | None,
                       price: str | None, price_unit: str | None, now: datetime) -> list[int]
    (returns outbox message ids to enqueue, e.g. the "finish by text" SMS after a hang-up)
"""
