"""Apply the retention policy: anonymise or delete what has been kept long enough.

Each kind of record (app/domain/retention.py) has one function here that finds what is due at
`now` and, unless it is a dry run, removes it. Anonymisation keeps what the council's reports
read (category, need, district, neighbourhood, urgency, dates, outcome, the link between a
resident's cases), so the monthly figures are the same before and after.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from app.db import begin_write
from app.domain.enums import OPEN_CASE_STATUSES, Category
from app.domain.retention import RetentionKind, RetentionPolicy
from app.models.case import Case, CaseEvent, ConsentRecord, SafeguardingAlert
from app.models.conversation import Conversation, ProcessedWebhook
from app.models.message import Call, Message
from app.models.resident import Resident
from app.models.staff import AccessLogEntry
from app.services.fallback.journal import REPLAYED_DIR
from app.services.reports.demand import terms

log = logging.getLogger(__name__)

#: Deletes one recording at the provider; True when it is gone (or was already).
RecordingDeleter = Callable[[Call], bool]

OPEN_STATUSES = [status.value for status in OPEN_CASE_STATUSES]


@dataclass
class RetentionResult:
    """How many records of each kind went (or, in a dry run, would go)."""

    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        verb = "would remove" if self.dry_run else "removed"
        parts = ", ".join(f"{kind}: {n}" for kind, n in self.counts.items())
        return f"retention {verb} {parts}"


def _closed_before(cutoff: datetime):
    """Finished cases (closed, completed, cancelled, signposted) that ended before `cutoff`.

    Only a coordinator's close sets `closed_at`; a volunteer's "done" sets `completed_at`, and a
    resident's CANCEL or a signposting sets neither, so their last change is when they ended.
    """
    ended = func.coalesce(Case.closed_at, Case.completed_at, Case.updated_at)
    return and_(Case.status.not_in(OPEN_STATUSES), ended < cutoff)


def report_safe_details(case: Case) -> str | None:
    """What the "other" report needs of a description: its distinct words, nothing else."""
    if case.category != Category.OTHER.value or not case.details:
        return None
    return " ".join(sorted(set(terms(case.details))))


def anonymise_case(session: Session, case: Case, now: datetime) -> None:
    """Remove a case's personal data everywhere it is held, keeping what reports count."""
    case.name = case.phone = case.address = case.postcode = None
    case.latitude = case.longitude = None
    case.outcome_reason = case.referrer_organisation = None
    case.details = report_safe_details(case)
    case.anonymised_at = now
    session.execute(update(CaseEvent).where(CaseEvent.case_id == case.id)
                    .values(summary="", data={}))
    session.execute(update(Message).where(Message.case_id == case.id)
                    .values(body="", to_phone=None, from_phone=None, error_message=None))
    session.execute(update(Call).where(Call.case_id == case.id)
                    .values(from_phone=None, to_phone=None))
    session.execute(update(Conversation).where(Conversation.case_id == case.id)
                    .values(phone=None, state={}))
    # The safeguarding report keeps each alert's times and source; the words that raised it,
    # the numbers texted and a stand-down reason are personal. Consent keeps answer and wording.
    session.execute(update(SafeguardingAlert).where(SafeguardingAlert.case_id == case.id)
                    .values(detail={}, alerted=[], stand_down_reason=None))
    session.execute(update(ConsentRecord).where(ConsentRecord.case_id == case.id)
                    .values(note=None))
    if case.resident_id is not None:
        anonymise_resident_if_done(session, case.resident_id)


def anonymise_resident_if_done(session: Session, resident_id: int) -> None:
    """A resident whose every case is anonymised keeps only an anonymous id (for repeat counts)."""
    pending = exists().where(Case.resident_id == resident_id, Case.anonymised_at.is_(None))
    if session.scalar(select(pending)):
        return
    session.execute(update(Resident).where(Resident.id == resident_id)
                    .values(phone=None, name=None, address=None, postcode=None))
    session.execute(update(Message).where(Message.resident_id == resident_id)
                    .values(body="", to_phone=None, from_phone=None))


def closed_cases(session: Session, policy: RetentionPolicy, now: datetime, dry_run: bool) -> int:
    cutoff = policy.cutoff(RetentionKind.CLOSED_CASES, now)
    due = session.scalars(select(Case).where(_closed_before(cutoff),
                                             Case.anonymised_at.is_(None))).all()
    if not dry_run:
        for case in due:
            anonymise_case(session, case, now)
    return len(due)


def closed_case_messages(session: Session, policy: RetentionPolicy, now: datetime,
                         dry_run: bool) -> int:
    cutoff = policy.cutoff(RetentionKind.CLOSED_CASE_MESSAGES, now)
    closed = select(Case.id).where(_closed_before(cutoff))
    where = and_(Message.case_id.in_(closed), Message.body != "")
    if dry_run:
        return len(session.scalars(select(Message.id).where(where)).all())
    return session.execute(update(Message).where(where).values(body="")).rowcount or 0


def recordings(session: Session, policy: RetentionPolicy, now: datetime, dry_run: bool,
               delete_recording: RecordingDeleter | None) -> int:
    cutoff = policy.cutoff(RetentionKind.RECORDINGS, now)
    due = session.scalars(select(Call).where(
        or_(Call.recording_url.is_not(None), Call.recording_sid.is_not(None)),
        Call.created_at < cutoff)).all()
    if dry_run:
        return len(due)
    gone = 0
    for call in due:
        # Forget the address only once the provider has deleted the audio: otherwise the
        # next run tries again instead of leaving an orphan nobody can find.
        if delete_recording is None or delete_recording(call):
            call.recording_url = call.recording_sid = None
            gone += 1
    return gone


def _delete_rows(session: Session, model, where, dry_run: bool) -> int:
    if dry_run:
        return len(session.scalars(select(model.id).where(where)).all())
    return session.execute(delete(model).where(where)).rowcount or 0


def processed_webhooks(session: Session, policy: RetentionPolicy, now: datetime,
                       dry_run: bool) -> int:
    cutoff = policy.cutoff(RetentionKind.PROCESSED_WEBHOOKS, now)
    return _delete_rows(session, ProcessedWebhook, ProcessedWebhook.created_at < cutoff, dry_run)


def access_log(session: Session, policy: RetentionPolicy, now: datetime, dry_run: bool) -> int:
    cutoff = policy.cutoff(RetentionKind.ACCESS_LOG, now)
    return _delete_rows(session, AccessLogEntry, AccessLogEntry.created_at < cutoff, dry_run)


def abandoned_conversations(session: Session, policy: RetentionPolicy, now: datetime,
                            dry_run: bool) -> int:
    cutoff = policy.cutoff(RetentionKind.ABANDONED_CONVERSATIONS, now)
    where = and_(Conversation.case_id.is_(None), Conversation.last_activity_at < cutoff)
    if not dry_run:
        session.execute(update(Call).where(Call.conversation_id.in_(
            select(Conversation.id).where(where))).values(conversation_id=None))
    return _delete_rows(session, Conversation, where, dry_run)


def fallback_replayed(journal_dir: Path, policy: RetentionPolicy, now: datetime,
                      dry_run: bool) -> int:
    """Replayed journal files older than the period (by the time they were moved there)."""
    cutoff = policy.cutoff(RetentionKind.FALLBACK_REPLAYED, now).timestamp()
    folder = journal_dir / REPLAYED_DIR
    if not folder.is_dir():
        return 0
    due = [p for p in folder.iterdir() if p.is_file() and p.stat().st_mtime < cutoff]
    if not dry_run:
        for path in due:
            path.unlink(missing_ok=True)
    return len(due)


def apply_retention(session: Session, policy: RetentionPolicy, now: datetime, *,
                    journal_dir: Path, dry_run: bool = False,
                    delete_recording: RecordingDeleter | None = None) -> RetentionResult:
    """Run every rule once at `now`; the caller commits (and logs the result)."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    result = RetentionResult(dry_run)
    counts = result.counts
    # Message bodies first: a case anonymised in the same run blanks its own messages anyway.
    counts[RetentionKind.CLOSED_CASE_MESSAGES] = closed_case_messages(session, policy, now,
                                                                      dry_run)
    counts[RetentionKind.CLOSED_CASES] = closed_cases(session, policy, now, dry_run)
    counts[RetentionKind.RECORDINGS] = recordings(session, policy, now, dry_run,
                                                  delete_recording)
    counts[RetentionKind.PROCESSED_WEBHOOKS] = processed_webhooks(session, policy, now, dry_run)
    counts[RetentionKind.FALLBACK_REPLAYED] = fallback_replayed(journal_dir, policy, now, dry_run)
    counts[RetentionKind.ACCESS_LOG] = access_log(session, policy, now, dry_run)
    counts[RetentionKind.ABANDONED_CONVERSATIONS] = abandoned_conversations(session, policy, now,
                                                                            dry_run)
    result.counts = {str(kind): n for kind, n in counts.items()}
    if not dry_run:
        # The run itself is on record (counts only, never what was removed).
        session.add(AccessLogEntry(action="retention_run", target="retention",
                                   detail=dict(result.counts), created_at=now))
    return result


def run_retention(session_factory: Callable[[], Session], policy: RetentionPolicy,
                  now: datetime, *, journal_dir: Path, delete_recording: RecordingDeleter,
                  dry_run: bool = False) -> RetentionResult:
    """Apply the policy at `now` in one writer transaction and commit (the CLI and the job).

    The transaction starts as a writer because every rule reads what it then deletes: on SQLite
    a read that upgraded to a write later could fail against a concurrent writer.
    """
    with session_factory() as session:
        begin_write(session)
        result = apply_retention(session, policy, now, journal_dir=journal_dir,
                                 dry_run=dry_run, delete_recording=delete_recording)
        session.commit()
    log.info("%s", result.line())
    return result
