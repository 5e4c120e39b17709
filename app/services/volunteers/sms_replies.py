"""SMS from volunteers: YES / NO / DONE / JOIN / AWAY / BACK / MYJOBS.

Interface (called by the SMS webhook's service before the resident flow):

    handle_volunteer_sms(session, *, phone: str, text: str, now: datetime) -> VolunteerReply | None

None means "not a volunteer keyword from a volunteer": the resident flow handles the text.
VolunteerReply has `reply: str` (the SMS answer, may be empty) and `message_ids: list[int]`
(outbox rows to enqueue after commit). The function flushes; the webhook commits once.

Which offer a YES/NO answers: the one named by reference (`YES H2H-7K3Q`), else the only open
offer the number holds; with several and no reference the volunteer is asked which (so a YES is
never applied to the wrong resident). With no open offer, a YES/NO within 24 hours of the
volunteer's last offer answers that one, late: the request is then closed to them ("this
request is now closed"), or covered by someone else; NO is simply thanked. A YES from a
volunteer who is paused, not approved, opted out or without the DBS check the need requires
assigns nothing (see matching.offers.accept). Otherwise (and for a DONE
with nothing assigned) the text is not about an offer at all, so None: a volunteer may
also be a resident answering the help menu. A reference makes the intent explicit, so then
they are told there is nothing waiting. Replies are bound to offers made to THIS number
(a From number is all that identifies a volunteer): another case's reference counts as none.

AWAY [days] pauses offers until midnight UK time that many days ahead (the reply names the day
they are back) and withdraws the open offers they hold, as pausing does; BACK ends it now;
MYJOBS lists their open assignments with references. From a number that is not a volunteer's
these words are left to the resident conversation.

JOIN starts the sign-up conversation (app.services.volunteers.join): while a question waits
for its answer, every text from that number (other than STOP, handled before this) answers it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.enums import CaseStatus
from app.domain.keywords import match_keyword
from app.domain.matching import UK
from app.domain.volunteer_words import (
    MAX_AWAY_DAYS,
    ParsedReply,
    VolunteerWord,
    away_days,
    parse_volunteer_reply,
)
from app.models.case import Case
from app.models.volunteer import Offer, Volunteer
from app.services.matching import offers
from app.services.matching import texts as offer_texts
from app.services.matching.matcher import OPEN_OFFER_STATUSES
from app.services.volunteers import join
from app.services.volunteers.eligibility import withdraw_ineligible_offers

log = logging.getLogger(__name__)
#: At most this many open offers are listed when a volunteer must say which one they mean.
RECENT_OFFERS = 10
#: How long after an offer a YES/NO without a reference still refers to it (a late answer).
LATE_ANSWER_WINDOW = timedelta(hours=24)


@dataclass
class VolunteerReply:
    reply: str
    message_ids: list[int] = field(default_factory=list)


def handle_volunteer_sms(session: Session, *, phone: str, text: str,
                         now: datetime) -> VolunteerReply | None:
    parsed = parse_volunteer_reply(text)
    volunteer = session.scalar(select(Volunteer).where(Volunteer.phone == phone))
    if parsed is not None and parsed.word is VolunteerWord.JOIN:
        return _join(session, phone, parsed, volunteer, now)
    if volunteer is not None and join.in_sign_up(volunteer, now):
        if parsed is None and match_keyword(text) is not None:
            # HELP, STATUS and CANCEL keep their meaning (STOP never reaches here); the
            # sign-up question waits for the next text.
            return None
        return VolunteerReply(join.answer(session, volunteer, text, now))
    if parsed is None or volunteer is None:
        return None  # not a volunteer's word, or "yes"/"no" from a resident's conversation
    if parsed.word is VolunteerWord.DONE:
        return _done(session, volunteer, parsed, now)
    if parsed.word is VolunteerWord.AWAY:
        return _away(session, volunteer, parsed, now)
    if parsed.word is VolunteerWord.BACK:
        return _back(volunteer, now)
    if parsed.word is VolunteerWord.MYJOBS:
        return _my_jobs(session, volunteer)
    return _answer(session, volunteer, parsed, now)


def _answer(session: Session, volunteer: Volunteer, parsed: ParsedReply,
            now: datetime) -> VolunteerReply | None:
    word = "YES" if parsed.word is VolunteerWord.YES else "NO"
    offer = _named_offer(session, volunteer, parsed.reference)
    if offer is None:
        open_ = _open_offers(session, volunteer)
        if len(open_) > 1:
            refs = [_reference(session, o) for o in open_]
            return VolunteerReply(offer_texts.which_one_text(word, refs))
        offer = open_[0] if open_ else None
    if offer is None:
        offer = _recent_offer(session, volunteer, now)
    if offer is None:  # not about an offer: e.g. a volunteer answering the help menu
        return VolunteerReply(offer_texts.NO_OFFER_TEXT) if parsed.reference else None
    reference = _reference(session, offer)
    log.info("volunteer %d answered %s to offer %d", volunteer.id, word, offer.id)
    if parsed.word is VolunteerWord.NO:
        step = offers.decline(session, offer, now)
        return VolunteerReply(offer_texts.declined_text(reference), step.message_ids)
    case = session.get(Case, offer.case_id)
    if case is not None and case.assigned_volunteer_id == volunteer.id:
        return _already_yours(reference)
    result = offers.accept(session, offer, now)
    if result.refused == "yours":
        # The same volunteer's YES sent twice at once: the twin assigned the case meanwhile
        # (accept re-read it under the lock), so this one is theirs too, not "covered".
        return _already_yours(reference)
    if result.refused == "covered":
        return VolunteerReply(offer_texts.already_covered_text(reference), result.message_ids)
    if result.refused == "closed":
        return VolunteerReply(offer_texts.closed_text(reference), result.message_ids)
    if result.refused is not None:
        return VolunteerReply(offer_texts.cannot_take_text(reference), result.message_ids)
    return VolunteerReply("", result.message_ids)  # the details follow in their own SMS


def _already_yours(reference: str) -> VolunteerReply:
    return VolunteerReply(f"Thank you, {reference} is already yours. "
                          f"Reply DONE {reference} when finished.")


def _named_offer(session: Session, volunteer: Volunteer, reference: str | None) -> Offer | None:
    """The latest offer of the named case made to this volunteer (open or not)."""
    if reference is None:
        return None
    return session.scalar(
        select(Offer).join(Case, Case.id == Offer.case_id)
        .where(Offer.volunteer_id == volunteer.id, Case.reference == reference)
        .order_by(Offer.id.desc()).limit(1))


def _open_offers(session: Session, volunteer: Volunteer) -> list[Offer]:
    return list(session.scalars(
        select(Offer).where(Offer.volunteer_id == volunteer.id,
                            Offer.status.in_(OPEN_OFFER_STATUSES))
        .order_by(Offer.id.desc()).limit(RECENT_OFFERS)))


def _recent_offer(session: Session, volunteer: Volunteer, now: datetime) -> Offer | None:
    """The volunteer's latest offer of the last LATE_ANSWER_WINDOW: a late YES/NO names it."""
    return session.scalar(
        select(Offer).where(Offer.volunteer_id == volunteer.id,
                            Offer.created_at >= now - LATE_ANSWER_WINDOW)
        .order_by(Offer.id.desc()).limit(1))


def _reference(session: Session, offer: Offer) -> str:
    case = session.get(Case, offer.case_id)
    return case.reference if case is not None else "your offer"


def _done(session: Session, volunteer: Volunteer, parsed: ParsedReply,
          now: datetime) -> VolunteerReply | None:
    # A case handed to staff after a silent check-in is still theirs to mark done.
    query = select(Case).where(Case.assigned_volunteer_id == volunteer.id,
                               Case.status.in_((CaseStatus.ASSIGNED, CaseStatus.NEEDS_STAFF)))
    if parsed.reference:
        query = query.where(Case.reference == parsed.reference)
    cases = list(session.scalars(query.order_by(Case.id)))
    if not cases:
        return VolunteerReply(offer_texts.NO_ASSIGNMENT_TEXT) if parsed.reference else None
    if len(cases) > 1:
        return VolunteerReply(offer_texts.which_one_text("DONE", [c.reference for c in cases]))
    message_ids = offers.complete(session, cases[0], volunteer, now)
    return VolunteerReply(offer_texts.volunteer_thanks_text(cases[0]), message_ids)


def _join(session: Session, phone: str, parsed: ParsedReply, volunteer: Volunteer | None,
          now: datetime) -> VolunteerReply:
    """JOIN: a pending volunteer asked the sign-up questions (app.services.volunteers.join);
    from a number already registered, where they stand (or the question they left)."""
    if volunteer is not None:
        return VolunteerReply(join.again(volunteer, now))
    reply = join.start(session, phone, parsed.rest, now)
    if reply is None:  # a concurrent JOIN from the same number got there first
        return VolunteerReply(offer_texts.already_registered_text())
    return VolunteerReply(reply)


def back_at(now: datetime, days: int) -> datetime:
    """Midnight UK time `days` days after today in UK time, in UTC (clocks changing included)."""
    today = now.astimezone(UK).date()
    back_on = today + timedelta(days=days)
    return datetime(back_on.year, back_on.month, back_on.day, tzinfo=UK).astimezone(now.tzinfo)


def _away(session: Session, volunteer: Volunteer, parsed: ParsedReply,
          now: datetime) -> VolunteerReply:
    days = away_days(parsed.rest)
    if days is None:
        return VolunteerReply(offer_texts.away_usage_text(MAX_AWAY_DAYS))
    volunteer.away_until, volunteer.updated_at = back_at(now, days), now
    session.flush()
    withdrawn = withdraw_ineligible_offers(session, volunteer, now, "away")
    log.info("volunteer %d is away for %d days", volunteer.id, days)
    back_on = volunteer.away_until.astimezone(UK)
    return VolunteerReply(offer_texts.away_text(f"{back_on:%a} {back_on.day} {back_on:%b}"),
                          withdrawn.message_ids)


def _back(volunteer: Volunteer, now: datetime) -> VolunteerReply:
    if volunteer.away_until is None or volunteer.away_until <= now:
        volunteer.away_until = None
        return VolunteerReply(offer_texts.NOT_AWAY_TEXT)
    volunteer.away_until, volunteer.updated_at = None, now
    log.info("volunteer %d is back", volunteer.id)
    return VolunteerReply(offer_texts.BACK_TEXT)


def _my_jobs(session: Session, volunteer: Volunteer) -> VolunteerReply:
    cases = list(session.scalars(select(Case).where(
        Case.assigned_volunteer_id == volunteer.id, Case.status == CaseStatus.ASSIGNED)
        .order_by(Case.id)))
    return VolunteerReply(offer_texts.my_jobs_text(cases) if cases else offer_texts.NO_JOBS_TEXT)
