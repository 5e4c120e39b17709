"""Dated volunteer absences as matching reads them: who is away on a given UK local date."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import ColumnElement, ScalarSelect, func, select
from sqlalchemy.orm import Session

from app.models.volunteer import VolunteerAbsence


def absent_until(session: Session, volunteer_ids: Iterable[int], today: date) -> dict[int, date]:
    """volunteer id -> the last day of the absence covering `today` (the latest, if several
    overlap); volunteers with no absence today are left out."""
    ids = list(volunteer_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(VolunteerAbsence.volunteer_id, func.max(VolunteerAbsence.ends_on))
        .where(VolunteerAbsence.volunteer_id.in_(ids), VolunteerAbsence.starts_on <= today,
               VolunteerAbsence.ends_on >= today)
        .group_by(VolunteerAbsence.volunteer_id))
    return {row[0]: row[1] for row in rows}


def absent_until_column(volunteer_id: ColumnElement[int],
                        today: date | ColumnElement[date]) -> ScalarSelect[date]:
    """`absent_until` for one volunteer as a correlated scalar subquery (NULL: not absent), for
    a SELECT over many volunteers that wants the answer in its own rows rather than a second
    statement with a list of ids (ix_volunteer_absences_volunteer_ends serves each lookup)."""
    return (select(func.max(VolunteerAbsence.ends_on))
            .where(VolunteerAbsence.volunteer_id == volunteer_id,
                   VolunteerAbsence.starts_on <= today, VolunteerAbsence.ends_on >= today)
            .scalar_subquery())
