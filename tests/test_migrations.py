"""The same migrations run on SQLite and PostgreSQL and round-trip (down to base and up again)."""

from sqlalchemy import inspect

from app import migrate
from app.db import make_engine
from app.models import Base


def test_migrations_match_the_models_and_round_trip(settings, engine) -> None:
    url = settings.database_url
    tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert tables == set(Base.metadata.tables)
    migrate.downgrade(url, "base")
    fresh = make_engine(url)
    try:
        assert set(inspect(fresh).get_table_names()) <= {"alembic_version"}
    finally:
        fresh.dispose()
    migrate.upgrade(url)
    assert migrate.current_heads(url) == {"0014_sms_turns"}


def test_models_and_migration_agree(settings, engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
