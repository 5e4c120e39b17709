"""Residents' calls and texts through the flow, and handing a caller to a person."""
