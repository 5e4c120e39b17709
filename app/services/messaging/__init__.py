"""Outbound SMS: the outbox, sending exactly once, delivery status."""
