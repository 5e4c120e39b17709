"""Fixtures: browser (filled in by its area)."""
