"""The fallback journal: Twilio requests kept on disk while the database is down."""
