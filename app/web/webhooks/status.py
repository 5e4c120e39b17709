"""POST /twilio/status."""
