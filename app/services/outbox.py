"""The outbound SMS outbox. (Being built: helper "twilio-messaging" owns this file.)

Interface the other areas code against:

    queue_sms(session, *, to_phone: str, body: str, purpose: str, idempotency_key: str,
              case_id: int | None = None, volunteer_id: int | None = None,
              resident_id: int | None = None, offer_id: int | None = None) -> Message | None

writes one outbound `Message` row (status `pending`, segments counted) or returns the existing
row with the same idempotency_key; a row to an opted-out or non-UK-mobile number is stored as
`suppressed` and never sent. The caller commits, then calls

    enqueue_send(job_queue, message_ids: Iterable[int]) -> None

which enqueues workers.messaging.send_message for each (a lost enqueue is re-done by the sweeper).
"""
