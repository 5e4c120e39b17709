"""Finding work whose job was lost and handing it back to the queue."""
