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
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, text
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
                      on_record: bool | None = None, now: datetime | None = None) -> None:
    """Keep the language chosen in this conversation on the resident's record (`known`: what
    the record is already known to say, so an unchanged choice costs no query).

    `on_record`: the caller already read whether the number has a record (the SMS turn does),
    and has loaded no `Resident` in this session: the language is then written by one UPSERT
    (a parallel first contact that creates the record meanwhile is updated, not duplicated),
    with no read first, stamped `now`."""
    chosen = language_to_keep(flow, state, known)
    if not phone or chosen is None:
        return
    if on_record is not None and now is not None:
        _upsert_language(session, phone, chosen, phone_valid, now)
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


def language_to_keep(flow: Flow, state: Mapping[str, Any], known: str | None) -> str | None:
    """The language chosen in the conversation (`state`), when the record must be told it: one
    of the flow's, and not what the record is `known` to say already."""
    chosen = (state.get("answers") or {}).get("language")
    if chosen == known or chosen not in {lang.code for lang in flow.languages}:
        return None
    return chosen


def _upsert_language(session: Session, phone: str, language: str, phone_valid: bool,
                     now: datetime) -> None:
    session.connection().execute(_UPSERT_LANGUAGE,
                                 language_params(phone, language, phone_valid, now))


#: The UPSERT of a resident's language, from `rows`: its one row of values (VALUES (...)), or,
#: for a statement that writes it only on a condition, a SELECT of the same values.
_UPSERT_LANGUAGE_FROM = (
    "INSERT INTO residents (phone, phone_valid, language, opted_out, created_at, updated_at) "
    "{rows} ON CONFLICT (phone) DO UPDATE SET language = excluded.language, "
    "updated_at = excluded.updated_at")
_LANGUAGE_ROW = ":r_phone, :r_phone_valid, :r_language, :r_opted_out, :r_now, :r_now"
#: Its parameters, typed as the columns they fill.
LANGUAGE_BINDS = (
    bindparam("r_phone", type_=Resident.__table__.c.phone.type),
    bindparam("r_phone_valid", type_=Resident.__table__.c.phone_valid.type),
    bindparam("r_language", type_=Resident.__table__.c.language.type),
    bindparam("r_opted_out", type_=Resident.__table__.c.opted_out.type),
    bindparam("r_now", type_=Resident.__table__.c.created_at.type),
)


def language_params(phone: str, language: str, phone_valid: bool,
                    now: datetime) -> dict[str, object]:
    return {"r_phone": phone, "r_phone_valid": phone_valid, "r_language": language,
            "r_opted_out": False, "r_now": now}


def upsert_language_sql(source: str) -> str:
    """The UPSERT writing its values only for each row of `source` (a CTE's name)."""
    rows = f"SELECT {_LANGUAGE_ROW} FROM {source}"  # noqa: S608 - fixed parts, a CTE's name
    return _UPSERT_LANGUAGE_FROM.format(rows=rows)


#: One statement for both databases (SQLite and PostgreSQL share the ON CONFLICT form). Written
#: as text: SQLAlchemy's dialect-specific `on_conflict_do_update` is not cacheable on SQLite, so
#: it was compiled afresh on every language choice.
_UPSERT_LANGUAGE = text(
    _UPSERT_LANGUAGE_FROM.format(rows=f"VALUES ({_LANGUAGE_ROW})")).bindparams(*LANGUAGE_BINDS)
