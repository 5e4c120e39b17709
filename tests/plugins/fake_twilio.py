"""Fixtures: fake_twilio (filled in by its area)."""
