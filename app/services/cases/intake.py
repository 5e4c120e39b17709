"""Creating cases from any channel. No Flask here: callers pass a Session.

Transactions: `create_case` only flushes (its timeline lines go through `cases.timeline`); the
caller (a webhook, an API or console view, a job) stamps the case for matching
(`stamp_for_matching`), commits once for the whole use case, THEN enqueues the outbox message
ids in `CaseResult.message_ids` and calls `enqueue_matching` (web requests do all of it
through `commit_then_enqueue`). A lost enqueue
is harmless: the rows stay flagged (`needs_matching`, outbox `pending`) and the sweeper
re-enqueues them.

Rules that live here (so every channel follows them):
- phone numbers go through `parse_phone`; a withheld number is stored as no number;
- a second contact from a number that has an open case is added to that case (an event with
  the caller's own words) instead of opening a duplicate; except a partner's referral
  (`never_join`), which is always its own case, flagged to staff as a possible duplicate, so
  a partner typing any number learns nothing about that person and cannot add to their case;
- safeguarding phrases in the caller's words, or a case entered as `safeguarding` (console,
  API), go through the one safeguarding transition (`cases.safeguarding.raise_safeguarding`):
  the case goes before staff (`needs_staff`) and duty is texted, without any health detail;
- only a `new` case goes to matching (`needs_matching=True`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.enums import CaseStatus, Channel, Urgency
from app.domain.phone import ParsedPhone, parse_phone
from app.domain.postcode import normalise_postcode, outcode_of
from app.domain.references import LONG_LENGTH, SHORT_LENGTH, new_reference
from app.domain.safeguarding import find_safeguarding_phrases
from app.jobs import MATCH_CASE
from app.models.case import Case
from app.models.resident import Resident
from app.ports import JobQueue
from app.repositories.cases import find_open_case_for_phone, reference_exists
from app.services.cases.consent import ConsentWording, record_consent
from app.services.cases.safeguarding import Source, raise_safeguarding
from app.services.cases.timeline import add_case_event
from app.services.geo.neighbourhoods import neighbourhood_code_for
from app.services.geo.postcodes import locate
from app.settings import Settings

__all__ = ["CaseDraft", "CaseResult", "complete_case", "create_case", "enqueue_matching",
           "stamp_for_matching", "unstamp_matching",
           "insert_new_case"]

log = logging.getLogger(__name__)

#: Draws of a 4-character reference before falling back to 5 characters (see references.py).
SHORT_REFERENCE_ATTEMPTS = 8
REFERENCE_ATTEMPTS = 16


@dataclass
class CaseDraft:
    """What a channel knows about a request for help, before it becomes a case."""

    channel: str = Channel.SMS
    category: str | None = None
    need: str | None = None
    details: str | None = None  # the resident's own words, kept verbatim
    phone: str | None = None  # raw or E.164; withheld/invalid -> no number
    name: str | None = None
    address: str | None = None
    postcode: str | None = None  # full or outward code, any spacing/case
    urgency: str = Urgency.ROUTINE
    language: str = "en"
    consent_to_share: bool = False
    # The question the resident answered (None: consent was not asked on this channel, and the
    # case then stays with staff until someone records it).
    consent_wording: ConsentWording | None = None
    referrer_organisation: str | None = None
    referred_by_user_id: int | None = None
    is_demo: bool = False
    needs_staff: bool = False  # the resident asked for a person / the flow could not classify
    message_id: int | None = None  # the inbound SMS that raised it (for the timeline)
    call_id: int | None = None  # the call that raised it
    staff_user_id: int | None = None  # staff who entered it
    never_join: bool = False  # a partner's referral: never added to someone's open case
    # Who judged it safeguarding when `urgency` says so (cases.safeguarding.Source): "api" for
    # the API; default "staff" when a member of staff entered it.
    safeguarding_source: str | None = None


@dataclass
class CaseResult:
    case: Case
    joined: bool  # True: added to the caller's open case instead of opening a new one
    safeguarding: bool  # safeguarding phrases were found in this contact
    message_ids: list[int] = field(default_factory=list)  # outbox rows to enqueue after commit


def create_case(session: Session, draft: CaseDraft, *, settings: Settings,
                now: datetime) -> CaseResult:
    """Open a case (or add this contact to the caller's open case). Flushes; the caller commits."""
    phone = parse_phone(draft.phone, settings.default_region)
    e164 = phone.e164 if phone.is_number else None
    phrases = find_safeguarding_phrases(draft.details, settings.safeguarding_phrases_file)
    existing = find_open_case_for_phone(session, e164)
    if existing is not None and not draft.never_join:
        return _join_open_case(session, existing, draft, phrases, settings, now)
    resident = _upsert_resident(session, phone, draft) if e164 else None
    case = _build_case(draft, e164, resident, now)
    case.neighbourhood_code = neighbourhood_code_for(session, case.postcode)
    _insert_with_reference(session, case)
    add_case_event(
        session, case, "created", f"Case opened ({case.channel})", now=now,
        data={"channel": case.channel, "need": case.need, "category": case.category,
              "phone_withheld": e164 is None and not draft.phone,
              "phone_unusable": e164 is None and bool(draft.phone and draft.phone.strip())},
        message_id=draft.message_id, call_id=draft.call_id, staff_user_id=draft.staff_user_id,
    )
    if existing is not None:
        # Staff decide whether it is the same request: merge it, or let it be matched.
        case.status, case.needs_matching = CaseStatus.NEEDS_STAFF, False
        add_case_event(session, case, "possible_duplicate",
                       f"The resident has an open case, {existing.reference}: merge this "
                       "referral into it if it is the same request", now=now,
                       data={"open_case": existing.reference})
    message_ids = _consent(session, case, draft, now)
    message_ids += _safeguarding(session, case, draft, phrases, settings, now)
    log.info("case %s opened (channel %s, status %s)", case.reference, case.channel, case.status)
    return CaseResult(case, joined=False, safeguarding=case.urgency == Urgency.SAFEGUARDING,
                      message_ids=message_ids)


def complete_case(session: Session, case: Case, draft: CaseDraft, now: datetime) -> list[int]:
    """A case opened before the conversation ended (safeguarding words) gets the answers given
    afterwards: fields still empty are filled, new words are added, consent is recorded.
    -> outbox ids to enqueue."""
    filled: list[str] = []
    for name in ("category", "need", "name", "address"):
        value = getattr(draft, name)
        if value and not getattr(case, name):
            setattr(case, name, value)
            filled.append(name)
    postcode = normalise_postcode(draft.postcode) or outcode_of(draft.postcode)
    if postcode and not case.postcode:
        case.postcode = postcode
        location = locate(postcode)
        for column, value in (location.columns() if location else {}).items():
            setattr(case, column, value)
        case.neighbourhood_code = neighbourhood_code_for(session, case.postcode)
        filled.append("postcode")
    if draft.details and draft.details != case.details:
        known = case.details or ""
        new = [line for line in draft.details.split("\n") if line and line not in known]
        if new:
            case.details = "\n".join([known, *new]) if known else "\n".join(new)
            filled.append("details")
    if filled:
        case.updated_at = now
        add_case_event(session, case, "answers_added",
                       "Later answers added: " + ", ".join(filled), now=now,
                       data={"fields": filled}, message_id=draft.message_id,
                       call_id=draft.call_id)
    return _consent(session, case, draft, now)


def stamp_for_matching(cases: Iterable[Case], now: datetime) -> list[Case]:
    """Before the use case's commit: stamp the cases whose matching job the caller will enqueue
    right after it (`enqueue_matching`); returns them.

    The stamp tells the sweeper that a job is queued. Written with the case it costs nothing;
    written after the enqueue it would cost a second write transaction (on SQLite, a second
    wait for the database's one write lock).
    """
    stamped = [case for case in cases if case.needs_matching]
    for case in stamped:
        case.matching_enqueued_at = now
    return stamped


def enqueue_matching(session: Session, job_queue: JobQueue, cases: Iterable[Case]) -> list[int]:
    """After the commit that stamped them: enqueue each case's matching job; the ids queued.

    `needs_matching` stays True until the matching job has dealt with the case, so the
    sweeper re-enqueues a case whose job was lost (Redis down, worker killed). A case whose job
    did not reach Redis has its stamp taken back (`unstamp_matching`), so the sweeper
    re-enqueues it within a minute, as it does a case never stamped.
    """
    queued: list[int] = []
    unqueued: list[int] = []
    for case in cases:
        if not case.needs_matching:
            continue
        if job_queue.enqueue(MATCH_CASE.func, case.id, job_id=f"match-case:{case.id}",
                             queue=MATCH_CASE.queue):
            queued.append(case.id)
        else:
            log.warning("matching of case %s not enqueued; the sweeper will retry",
                        case.reference)
            unqueued.append(case.id)
    unstamp_matching(session, unqueued)
    return queued


def unstamp_matching(session: Session, case_ids: list[int]) -> None:
    """Take back the stamp of cases whose matching job did not reach Redis; commits. Best
    effort: if the database fails too, the sweeper still finds them once the stamp is stale."""
    if not case_ids:
        return
    try:
        session.rollback()
        session.execute(update(Case).where(Case.id.in_(case_ids))
                        .values(matching_enqueued_at=None))
        session.commit()
    except Exception as exc:
        session.rollback()
        log.warning("matching stamps not taken back (%s); the sweeper will retry later",
                    type(exc).__name__)


def _build_case(draft: CaseDraft, e164: str | None, resident: Resident | None,
                now: datetime) -> Case:
    postcode = normalise_postcode(draft.postcode) or outcode_of(draft.postcode)
    location = locate(postcode)  # never raises: a case is never lost for want of a place
    case = Case(
        channel=draft.channel, category=draft.category, need=draft.need,
        details=draft.details or None,
        urgency=Urgency.ROUTINE if draft.urgency == Urgency.SAFEGUARDING
        else draft.urgency or Urgency.ROUTINE,
        language=draft.language or "en", resident_id=resident.id if resident else None,
        name=draft.name or None, phone=e164, address=draft.address or None, postcode=postcode,
        consent_to_share=draft.consent_to_share, referred_by_user_id=draft.referred_by_user_id,
        referrer_organisation=draft.referrer_organisation or None, is_demo=draft.is_demo,
        created_at=now, updated_at=now, **(location.columns() if location else {}),
    )
    if draft.needs_staff:
        case.status = CaseStatus.NEEDS_STAFF
    else:
        case.status = CaseStatus.NEW
        case.needs_matching = True
    return case


def insert_new_case(session: Session, case: Case) -> None:
    """Insert a case built elsewhere (a repeat of an earlier request) with a fresh reference."""
    _insert_with_reference(session, case)


def _insert_with_reference(session: Session, case: Case) -> None:
    """Insert with a fresh random reference, drawing again (in a SAVEPOINT) on a clash."""
    for attempt in range(REFERENCE_ATTEMPTS):
        length = SHORT_LENGTH if attempt < SHORT_REFERENCE_ATTEMPTS else LONG_LENGTH
        case.reference = new_reference(length)
        try:
            with session.begin_nested():
                session.add(case)
                session.flush()
            return
        except IntegrityError:
            if not reference_exists(session, case.reference):
                raise  # some other constraint: a real error
            log.info("case reference clash (attempt %d); drawing again", attempt + 1)
    raise RuntimeError("could not draw a free case reference")


def _upsert_resident(session: Session, phone: ParsedPhone, draft: CaseDraft) -> Resident:
    """The resident with this number (created once even under concurrent first contacts)."""
    resident = session.scalar(select(Resident).where(Resident.phone == phone.e164))
    if resident is None:
        resident = Resident(phone=phone.e164, phone_valid=phone.valid,
                            language=draft.language or "en")
        try:
            with session.begin_nested():
                session.add(resident)
                session.flush()
        except IntegrityError:
            resident = session.scalar(select(Resident).where(Resident.phone == phone.e164))
            if resident is None:
                raise
    postcode = normalise_postcode(draft.postcode)
    if draft.never_join:  # a partner's word fills gaps but never overwrites the record
        resident.name = resident.name or draft.name
        resident.address = resident.address or draft.address
        resident.postcode = resident.postcode or postcode
        return resident
    resident.name = draft.name or resident.name
    resident.address = draft.address or resident.address
    resident.postcode = postcode or resident.postcode
    return resident


def _join_open_case(session: Session, case: Case, draft: CaseDraft, phrases: list[str],
                    settings: Settings, now: datetime) -> CaseResult:
    """Add a second contact to the open case: keep the new words, raise urgency if needed."""
    add_case_event(
        session, case, "contact_added", draft.details or "", now=now,
        data={"channel": draft.channel, "need": draft.need, "category": draft.category},
        message_id=draft.message_id, call_id=draft.call_id, staff_user_id=draft.staff_user_id,
    )
    if not case.details and draft.details:
        case.details = draft.details
    if draft.urgency == Urgency.URGENT and case.urgency == Urgency.ROUTINE:
        case.urgency = draft.urgency
    if draft.needs_staff and case.status in (CaseStatus.NEW, CaseStatus.MATCHING):
        case.status = CaseStatus.NEEDS_STAFF
        case.needs_matching = False
    case.updated_at = now
    message_ids = _consent(session, case, draft, now)
    message_ids += _safeguarding(session, case, draft, phrases, settings, now)
    log.info("contact added to open case %s", case.reference)
    return CaseResult(case, joined=True, safeguarding=bool(phrases) or
                      draft.urgency == Urgency.SAFEGUARDING, message_ids=message_ids)


def _consent(session: Session, case: Case, draft: CaseDraft, now: datetime) -> list[int]:
    """Record the consent answer this contact gave, if it was asked (outbox ids to enqueue)."""
    if draft.consent_wording is None:
        return []
    return record_consent(session, case, answer=draft.consent_to_share, channel=draft.channel,
                          now=now, wording=draft.consent_wording,
                          staff_user_id=draft.staff_user_id, message_id=draft.message_id,
                          call_id=draft.call_id).message_ids


def _safeguarding(session: Session, case: Case, draft: CaseDraft, phrases: list[str],
                  settings: Settings, now: datetime) -> list[int]:
    """Raise safeguarding when the words call for it or whoever entered the case said so."""
    if not phrases and draft.urgency != Urgency.SAFEGUARDING:
        return []
    if phrases:
        source = Source.WORDS
    else:
        source = draft.safeguarding_source or (Source.STAFF if draft.staff_user_id
                                               else Source.API)
    raised = raise_safeguarding(
        session, case, source=source, now=now, alert_numbers=settings.safeguarding_alert_numbers,
        phrases=phrases, language=draft.language, staff_user_id=draft.staff_user_id,
        message_id=draft.message_id, call_id=draft.call_id)
    return raised.message_ids
