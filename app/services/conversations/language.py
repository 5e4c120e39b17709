"""A resident's language, remembered on their record (Resident.language) between conversations.

Chosen once in the flow's language menu, it is kept at once (not only when a case is made), so
a Polish speaker who texts or rings again next week is answered in Polish from the first line,
and so are the texts we send them later (STATUS, the reference, a volunteer's news). The flow's
change-language key ("*") is always there to choose again. Caller ID can be forged: the worst a
stranger can do with it is change which language a number is greeted in, which the resident
undoes with one key press.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import Insert, bindparam, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.flows import Flow
from app.models.resident import Resident


def remembered_language(session: Session, flow: Flow, phone: str | None) -> str | None:
    """The language on the number's record, when it is one of the flow's (None otherwise)."""
    if not phone:
        return None
    language = session.scalar(select(Resident.language).where(Resident.phone == phone))
    return language if language in {lang.code for lang in flow.languages} else None


def remember_language(session: Session, flow: Flow, phone: str | None, state: Mapping[str, Any],
                      *, known: str | None = None, phone_valid: bool = True,
                      on_record: bool | None = None) -> None:
    """Keep the language chosen in this conversation on the resident's record (`known`: what
    the record is already known to say, so an unchanged choice costs no query).

    `on_record`: the caller already read whether the number has a record (the SMS turn does),
    and has loaded no `Resident` in this session: the language is then written by one UPSERT
    (a parallel first contact that creates the record meanwhile is updated, not duplicated),
    with no read first."""
    chosen = (state.get("answers") or {}).get("language")
    if not phone or chosen == known or chosen not in {lang.code for lang in flow.languages}:
        return
    if on_record is not None:
        _upsert_language(session, phone, chosen, phone_valid)
        return
    resident = session.scalar(select(Resident).where(Resident.phone == phone))
    if resident is not None:
        if resident.language != chosen:
            resident.language = chosen
        return
    try:
        with session.begin_nested():
            session.add(Resident(phone=phone, phone_valid=phone_valid, language=chosen))
            session.flush()
    except IntegrityError:  # created meanwhile by a parallel first contact
        resident = session.scalar(select(Resident).where(Resident.phone == phone))
        if resident is not None:
            resident.language = chosen


def _upsert_language(session: Session, phone: str, language: str, phone_valid: bool) -> None:
    connection = session.connection()
    connection.execute(_upsert_statement(connection.dialect.name), {
        "r_phone": phone, "r_phone_valid": phone_valid, "r_language": language})


@cache
def _upsert_statement(dialect: str) -> Insert:
    """Built once per dialect: a statement object keeps its cache key."""
    make_insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    table = Resident.__table__
    statement = make_insert(table).values(
        phone=bindparam("r_phone", type_=table.c.phone.type),
        phone_valid=bindparam("r_phone_valid", type_=table.c.phone_valid.type),
        language=bindparam("r_language", type_=table.c.language.type))
    return statement.on_conflict_do_update(
        index_elements=[table.c.phone],
        set_={"language": statement.excluded.language,
              "updated_at": statement.excluded.updated_at})
