"""`here2help fallback replay`: the fallback journal into the database, each entry EXACTLY once.

Per entry, one transaction: claim it (`ProcessedWebhook` kind "fallback", key "sms:SM..." /
"call:CA..." / "recording:CA..."; unique), do what the primary webhook would have done, commit,
and only then move the file to `replayed/` and enqueue the sends and matching the entry produced.
So a crash at any point loses nothing and loads nothing twice: before the commit the entry is
still pending and its rows rolled back; after it, the claim makes the re-run skip it.

- An SMS goes through the normal SMS service (`handle_sms`) at the time it was RECEIVED, so the
  resident's conversation continues where it was (an hours-late replay must not expire it).
  The replies the flow gives are queued in the outbox (the resident only had the fallback's
  apology), keyed by MessageSid so they are queued once. A MessageSid the primary webhook
  already stored (it committed, then timed out) is not loaded again.
- A call, with or without a voicemail, becomes a `needs_staff` call-back case on its `Call`
  (joining the caller's open case if there is one), with the recording when one was left.
- A status callback (journaled while the database was down) is applied as `/twilio/status`
  would have applied it: the message moves forward, a call's end invites the caller by SMS.

Everything the flow says back to one inbound SMS goes out as ONE SMS, as the live webhook's
single `<Message>` does: separate SMS could arrive out of order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.enums import Channel
from app.domain.phone import parse_phone
from app.models.case import Case
from app.models.conversation import ProcessedWebhook
from app.models.message import Call, Message
from app.ports import JobQueue
from app.services.cases.intake import (
    CaseDraft,
    create_case,
    enqueue_matching,
    stamp_for_matching,
    unstamp_matching,
)
from app.services.conversations import state as conv
from app.services.conversations.calls import record_voicemail
from app.services.conversations.sms import handle_sms
from app.services.conversations.turns import take_turn
from app.services.delivery import pricing
from app.services.fallback.journal import (
    FAILED_DIR,
    KIND_CALL,
    KIND_RECORDING,
    KIND_SMS,
    KIND_STATUS,
    REPLAYED_DIR,
    JournalEntry,
    move_to,
    pending_files,
    read_entry,
)
from app.services.fallback.status_callbacks import MalformedCallback, apply_status_callback
from app.services.messaging.outbox import MessageRefused, enqueue_send, queue_sms
from app.settings import Settings

log = logging.getLogger(__name__)
CLAIM_KIND = "fallback"


@dataclass
class Replayed:
    """What one entry did: work to enqueue after its commit."""

    kind: str
    loaded: bool  # False: it was already in the database (replayed before, or the primary had it)
    message_ids: list[int] = field(default_factory=list)
    cases_to_match: list[Case] = field(default_factory=list)
    price_checks: list[pricing.PriceCheck] = field(default_factory=list)


@dataclass
class ReplaySummary:
    sms: int = 0
    calls: int = 0
    voicemails: int = 0
    statuses: int = 0
    already: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file name, one-line reason)

    @property
    def total(self) -> int:
        return self.sms + self.calls + self.voicemails + self.statuses

    def line(self) -> str:
        """"replayed 12 entries: 9 SMS, 3 calls; 0 failed" (+ voicemails, already loaded)."""
        parts = [f"{self.sms} SMS", _plural(self.calls, "call")]
        if self.voicemails:
            parts.append(_plural(self.voicemails, "voicemail"))
        if self.statuses:
            parts.append(_plural(self.statuses, "status callback"))
        if self.already:
            parts.append(f"{self.already} already loaded")
        return (f"replayed {_plural(self.total, 'entry', 'entries')}: {', '.join(parts)}; "
                f"{len(self.failed)} failed")


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def replay_journal(session_factory: Callable[[], Session], directory: Path, *,
                   settings: Settings, job_queue: JobQueue | None,
                   now: datetime) -> ReplaySummary:
    """Replay every pending entry under `directory`; see the module docstring.

    `now` is when the replay runs: call-back deadlines count from it, and it stands in for the
    receipt time an entry lacks.
    """
    summary = ReplaySummary()
    for path in pending_files(directory):
        try:
            entry = read_entry(path)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            summary.failed.append((path.name, f"unreadable ({type(exc).__name__}); moved to "
                                   f"{FAILED_DIR}/"))
            _set_aside(path)
            continue
        if entry.kind not in (KIND_SMS, KIND_CALL, KIND_RECORDING, KIND_STATUS):
            summary.failed.append((path.name, f"neither an SMS, a call nor a status callback; "
                                   f"moved to {FAILED_DIR}/"))
            _set_aside(path)
            continue
        _replay_file(session_factory, path, entry, settings, job_queue, summary, now)
    return summary


def _replay_file(session_factory: Callable[[], Session], path: Path, entry: JournalEntry,
                 settings: Settings, job_queue: JobQueue | None, summary: ReplaySummary,
                 now: datetime) -> None:
    with session_factory() as session:
        try:
            result = replay_entry(session, entry, settings, now)
            if job_queue is not None:  # its jobs are enqueued right after the commit
                stamp_for_matching(result.cases_to_match, now)
            session.commit()
        except Exception as exc:  # this entry stays pending for the next run
            session.rollback()
            log.exception("fallback replay of %s failed", path.name)
            summary.failed.append((path.name, _one_line(exc)))
            return
        try:
            move_to(path, REPLAYED_DIR)
        except OSError as exc:  # committed: the claim makes the next run skip it
            summary.failed.append((path.name, f"loaded, but not moved: {_one_line(exc)}"))
        if not result.loaded:
            summary.already += 1
        elif result.kind == KIND_SMS:
            summary.sms += 1
        elif result.kind == KIND_RECORDING:
            summary.voicemails += 1
        elif result.kind == KIND_STATUS:
            summary.statuses += 1
        else:
            summary.calls += 1
        _follow_up(session, job_queue, result)


def replay_entry(session: Session, entry: JournalEntry, settings: Settings,
                 now: datetime) -> Replayed:
    """Load one entry (flushes, never commits); `loaded=False` when it is already in."""
    key = f"{entry.kind}:{entry.key}"
    claimed = session.scalar(select(ProcessedWebhook.id).where(
        ProcessedWebhook.kind == CLAIM_KIND, ProcessedWebhook.key == key))
    if claimed is not None:
        return Replayed(entry.kind, loaded=False)
    session.add(ProcessedWebhook(kind=CLAIM_KIND, key=key, response_body="", created_at=now))
    session.flush()
    if entry.kind == KIND_SMS:
        return _replay_sms(session, entry, settings, now)
    if entry.kind == KIND_STATUS:
        return _replay_status(session, entry, settings, now)
    return _replay_call(session, entry, settings, now)


def _replay_status(session: Session, entry: JournalEntry, settings: Settings,
                   now: datetime) -> Replayed:
    form = dict(reversed(entry.form))  # the first value of each name, as request.form.get
    query = dict(parse_qsl(urlsplit(entry.url).query))
    try:
        applied = apply_status_callback(session, form, query, now=_received_at(entry, now),
                                        flows_dir=settings.flows_dir,
                                        price_policy=pricing.policy_for(settings))
    except MalformedCallback:
        return Replayed(KIND_STATUS, loaded=False)  # live, it would have been refused too
    return Replayed(KIND_STATUS, loaded=True, message_ids=applied.message_ids,
                    price_checks=applied.price_checks)


def _replay_sms(session: Session, entry: JournalEntry, settings: Settings,
                now: datetime) -> Replayed:
    sid = entry.key
    if session.scalar(select(Message.id).where(Message.twilio_sid == sid)) is not None:
        return Replayed(KIND_SMS, loaded=False)  # the primary webhook had stored it
    received = _received_at(entry, now)
    sender = parse_phone(entry.get("From"), settings.default_region)
    if sender.is_number:  # a live text from the number waits for this one, and vice versa
        take_turn(session, sender.e164)
    outcome = handle_sms(
        session, flow=conv.default_flow(settings), settings=settings, message_sid=sid,
        from_raw=entry.get("From", "") or "", to_raw=entry.get("To", "") or "",
        body=entry.get("Body", "") or "", now=received,
    )
    result = Replayed(KIND_SMS, loaded=True, message_ids=list(outcome.message_ids),
                      cases_to_match=list(outcome.cases_to_match))
    to_phone = sender.e164
    inbound = session.scalar(select(Message).where(Message.twilio_sid == sid))
    text = "\n\n".join(t.strip() for t in outcome.messages if t.strip())
    if not text:
        return result
    try:
        reply = queue_sms(session, to_phone=to_phone, body=text, purpose="reply",
                          idempotency_key=f"fallback-reply:{sid}", now=now,
                          case_id=inbound.case_id if inbound else None)
    except MessageRefused:
        log.warning("fallback replay: the reply to %s could not be queued", sid)
        return result
    if reply is not None and reply.status == "pending":
        result.message_ids.append(reply.id)
    return result


def _replay_call(session: Session, entry: JournalEntry, settings: Settings,
                 now: datetime) -> Replayed:
    """Make sure the call has a call-back case; attach the voicemail when this entry has one."""
    received = _received_at(entry, now)
    parsed = parse_phone(entry.get("From"), settings.default_region)
    call = session.scalar(select(Call).where(Call.call_sid == entry.key))
    if call is None:
        call = Call(call_sid=entry.key, from_phone=parsed.e164, to_phone=parse_phone(
            entry.get("To"), settings.default_region).e164, created_at=received,
            updated_at=received)
        session.add(call)
        session.flush()
    result = Replayed(entry.kind, loaded=True)
    case = session.get(Case, call.case_id) if call.case_id else None
    if case is None:
        created = create_case(session, CaseDraft(channel=Channel.VOICE, phone=entry.get("From"),
                                                 needs_staff=True, call_id=call.id),
                              settings=settings, now=received)
        case = created.case
        call.case_id = case.id
        result.message_ids.extend(created.message_ids)
        # Callback due from NOW: nobody could ring them back while the service was down.
        conv.note_handover(session, case, settings, now, reason="service down, fallback",
                           channel=Channel.VOICE)
    if entry.kind == KIND_RECORDING:
        record_voicemail(session, call_sid=entry.key, recording_sid=entry.get("RecordingSid"),
                         recording_url=entry.get("RecordingUrl"),
                         duration=_int(entry.get("RecordingDuration")), now=received)
    session.flush()
    return result


def _follow_up(session: Session, job_queue: JobQueue | None, result: Replayed) -> None:
    """After the commit: enqueue sends, matching and price checks; a failure leaves them to the
    sweeper."""
    if job_queue is None or not (result.message_ids or result.cases_to_match
                                 or result.price_checks):
        return
    case_ids = [case.id for case in result.cases_to_match]
    try:
        enqueue_send(job_queue, result.message_ids)
        enqueue_matching(session, job_queue, result.cases_to_match)
        pricing.enqueue_price_checks(job_queue, result.price_checks, suffix="-replay")
    except Exception as exc:
        session.rollback()
        unstamp_matching(session, case_ids)
        log.warning("fallback replay: follow-up work not enqueued (%s); left for the sweeper",
                    type(exc).__name__)


def _set_aside(path: Path) -> None:
    try:
        move_to(path, FAILED_DIR)
    except OSError:
        log.exception("could not move %s aside", path.name)


def _received_at(entry: JournalEntry, now: datetime) -> datetime:
    try:
        moment = datetime.fromisoformat(entry.received_at)
    except ValueError:
        return now
    return moment if moment.tzinfo else now


def _int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
