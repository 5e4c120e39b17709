"""The pure domain: rules and values with no Flask, Twilio, SQLAlchemy, rq or Redis in sight."""
