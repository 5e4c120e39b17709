"""Cases: creating them from any channel, and their timeline."""
