"""POST /twilio/fallback."""
