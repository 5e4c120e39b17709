"""Regenerate 0001_initial from the models (only while nothing has been released).

Run: .venv/bin/python scripts/regenerate_initial_migration.py
"""

import tempfile
from pathlib import Path

from alembic import command

from app.migrate import MIGRATIONS_DIR, alembic_config

target = MIGRATIONS_DIR / "versions" / "0001_initial.py"
target.unlink(missing_ok=True)
with tempfile.TemporaryDirectory() as tmp:
    url = f"sqlite:///{Path(tmp) / 'empty.sqlite3'}"
    command.revision(
        alembic_config(url), message="initial schema", autogenerate=True, rev_id="0001"
    )
generated = next((MIGRATIONS_DIR / "versions").glob("0001_*.py"))
generated.rename(target)
