"""Every string a row is given fits its column, on PostgreSQL as on SQLite.

SQLite stores whatever it is given, PostgreSQL refuses a value longer than `VARCHAR(n)`, a NUL
character, or text that is not valid UTF-8 (a lone surrogate from a malformed encoding). Left
alone, the same resident's answer is stored on one back end and fails with a 500 on the other,
for ever (the conversation can never move past that step). So, just before each INSERT and
UPDATE, every string column's value is made storable: NUL removed, an unencodable character
replaced, and the value clamped to the column's length. Free text keeps its full wording in the
message log (`messages.body` is unbounded), so clamping a case's `name` to 200 characters loses
nothing the resident said. A clamp is logged with the column and the lengths, never the text.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import String, event
from sqlalchemy.orm import Mapper

from app.models.base import Base

log = logging.getLogger(__name__)


def storable_text(value: str, length: int | None = None) -> str:
    """`value` without NUL, as valid UTF-8, at most `length` characters."""
    cleaned = value.replace("\x00", "")
    try:
        cleaned.encode("utf-8")
    except UnicodeEncodeError:
        cleaned = cleaned.encode("utf-8", "replace").decode("utf-8")
    if length is not None and len(cleaned) > length:
        cleaned = cleaned[:length]
    return cleaned


def _fit_row(mapper: Mapper[Any], _connection: Any, target: Any) -> None:
    loaded = target.__dict__  # only values being written; never trigger a load mid-flush
    for prop in mapper.column_attrs:
        value = loaded.get(prop.key)
        if not isinstance(value, str):
            continue
        column = prop.columns[0]
        if not isinstance(column.type, String):
            continue
        length = column.type.length
        fitted = storable_text(value, length)
        if fitted != value:
            if length is not None and len(value) > length:
                log.warning("%s.%s: %d characters clamped to %d", mapper.local_table.name,
                            prop.key, len(value), length)
            setattr(target, prop.key, fitted)


event.listen(Base, "before_insert", _fit_row, propagate=True)
event.listen(Base, "before_update", _fit_row, propagate=True)
