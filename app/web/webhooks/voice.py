"""POST /twilio/voice."""
