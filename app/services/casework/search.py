"""Finding a case (and, for coordinators, a volunteer) from what a person has to hand.

A resident quotes a reference (`H2H-METM`, `h2h metm`, `METM`), a phone number in any format
(`07700 900123`, `+44 7700 900123`, `00447700900123`) or a name. The text decides what is
searched: a phone number (six or more digits that parse as one) matches the stored E.164 number
exactly; anything else matches a reference it could be AND names containing it (case-insensitive),
because a four-letter name such as "Dave" is also a well-formed reference body.

Partners see only cases they referred (`referred_by`); only coordinators and admins are given
volunteers. No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from app.domain.phone import parse_phone
from app.domain.references import parse_reference
from app.models.case import Case
from app.models.volunteer import Volunteer

#: At most this many cases and this many volunteers are shown; the page says when it cut.
MAX_RESULTS = 50
#: Longer input is cut: no reference, phone number or name is this long.
MAX_QUERY = 100
_MIN_PHONE_DIGITS = 6


class SearchKind(StrEnum):
    EMPTY = "empty"
    PHONE = "phone"
    TEXT = "text"  # a reference and/or part of a name


@dataclass
class SearchResults:
    query: str
    kind: SearchKind
    cases: list[Case] = field(default_factory=list)
    volunteers: list[Volunteer] = field(default_factory=list)

    @property
    def cut(self) -> bool:
        return len(self.cases) > MAX_RESULTS or len(self.volunteers) > MAX_RESULTS


def clean_query(text: str | None) -> str:
    """The search text as typed, without control characters, folded spaces, at most MAX_QUERY."""
    printable = "".join(ch if ch.isprintable() else " " for ch in (text or ""))
    return " ".join(printable.split())[:MAX_QUERY]


def search(session: Session, text: str | None, *, referred_by: int | None = None,
           include_volunteers: bool = False) -> SearchResults:
    """Cases (and volunteers) matching `text`; `referred_by` limits cases to a partner's own."""
    query = clean_query(text)
    if not query:
        return SearchResults(query, SearchKind.EMPTY)
    phone = _phone(query)
    if phone is not None:
        kind = SearchKind.PHONE
        case_match: ColumnElement[bool] = Case.phone == phone
        volunteer_match: ColumnElement[bool] = Volunteer.phone == phone
    else:
        kind = SearchKind.TEXT
        like = "%" + query.lower().replace("\\", "\\\\").replace("%", "\\%")\
            .replace("_", "\\_") + "%"
        reference = parse_reference(query)
        by_reference = Case.reference == reference if reference else false()
        case_match = or_(by_reference, Case.name.ilike(like, escape="\\"))
        volunteer_match = Volunteer.name.ilike(like, escape="\\")
    cases_stmt = select(Case).where(case_match)
    if referred_by is not None:
        cases_stmt = cases_stmt.where(Case.referred_by_user_id == referred_by)
    cases = list(session.scalars(cases_stmt.order_by(Case.id.desc()).limit(MAX_RESULTS + 1)))
    volunteers = list(session.scalars(
        select(Volunteer).where(volunteer_match).order_by(Volunteer.name, Volunteer.id)
        .limit(MAX_RESULTS + 1))) if include_volunteers else []
    return SearchResults(query, kind, cases, volunteers)


def _phone(query: str) -> str | None:
    """The E.164 number the text is, when it is one (digits, spaces, +, -, brackets, dots)."""
    digits = sum(ch.isdigit() for ch in query)
    if digits < _MIN_PHONE_DIGITS or any(ch.isalpha() for ch in query):
        return None
    parsed = parse_phone(query)
    return parsed.e164 if parsed.e164 else None
