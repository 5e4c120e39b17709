"""Fixtures: redis_server (filled in by its area)."""
