"""The figures councils ask for, as tables, charts, CSV and PDF."""
