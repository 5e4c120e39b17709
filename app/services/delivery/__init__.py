"""What happens after an SMS is queued: sending it exactly once, and what Twilio says of it."""
