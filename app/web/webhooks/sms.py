"""POST /twilio/sms."""
