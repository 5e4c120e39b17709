"""One way to get a scratch database for a test: SQLite in a temp dir, or a fresh PostgreSQL
database on TEST_DATABASE_URL's server, dropped afterwards (every fixture that needs its own
database comes here, so creation and clean-up can't drift apart)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def scratch_database(prefix: str, sqlite_dir: Path) -> Iterator[str]:
    """Yield the URL of an empty database named `<prefix>_<random>`; drop it on exit."""
    base = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not base:
        yield f"sqlite:///{sqlite_dir / (prefix + '.sqlite3')}"
        return
    url = make_url(base)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
