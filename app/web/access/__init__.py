"""Who may call which route: the role matrix (matrix.py) and the one gate that enforces it
for the console and the JSON API alike (gate.py)."""
