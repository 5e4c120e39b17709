"""Inserting a row that a unique key may already hold, in one statement.

`INSERT ... ON CONFLICT (key) DO NOTHING RETURNING ...` (PostgreSQL and SQLite alike) tells a
new row from one a concurrent writer got in first, without the SAVEPOINT (and its two extra
round trips) that catching the IntegrityError of a plain INSERT needs to keep the transaction
usable. Any other constraint still fails as it would.

The dialects' own `insert().on_conflict_do_nothing()` cannot be cached (SQLAlchemy compiles it
again on every execution: ~8 ms of CPU for the outbox row with RETURNING, more than the round
trips it saves). The same clause on the standard INSERT, with a cache key of its own, compiles
once per table and key: the clause is rendered alike by both databases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, TypeVar

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.visitors import InternalTraversal

from app.models.base import Base

M = TypeVar("M", bound=Base)


def insert_unless_taken(session: Session, model: type[M], values: Mapping[str, Any],
                        key: Sequence[InstrumentedAttribute[Any]]) -> M | None:
    """Insert a `model` row of `values` (pending changes are flushed first) and return it as a
    persistent object; None, inserting nothing, when a row with the same unique `key` columns
    exists (the caller reads that one if it needs it). Column defaults apply as for `add`."""
    statement = _statement(model, tuple(attribute.key for attribute in key))
    return session.scalars(statement, [dict(values)]).first()


@cache
def _statement(model: type[Base], key: tuple[str, ...]) -> Insert:
    """Built once per table and key; the values travel as parameters."""
    statement = _InsertUnlessTaken(model).returning(model)
    statement._post_values_clause = _OnConflictDoNothing(key)
    return statement


class _InsertUnlessTaken(Insert):
    """The standard INSERT (cached like it) carrying an ON CONFLICT DO NOTHING clause."""

    inherit_cache = True


class _OnConflictDoNothing(ClauseElement):
    """`ON CONFLICT (columns) DO NOTHING`: its columns are its cache key."""

    __visit_name__ = "here2help_on_conflict_do_nothing"
    _traverse_internals = [("columns", InternalTraversal.dp_string_list)]
    inherit_cache = True

    def __init__(self, columns: tuple[str, ...]) -> None:
        self.columns = list(columns)


@compiles(_OnConflictDoNothing)
def _render_on_conflict(clause: _OnConflictDoNothing, compiler: SQLCompiler, **_kw: Any) -> str:
    quote = compiler.preparer.quote
    return f"ON CONFLICT ({', '.join(quote(name) for name in clause.columns)}) DO NOTHING"
