"""A demo case whose timeline has a whole conversation on it, for screenshots and browser tests.

A resident rings out of hours, picks a language, says what they need (with a number in their
words), asks for a person and leaves a voicemail; the next morning staff note a call-back, offer
the case to a volunteer who says YES, and the volunteer is sent the resident's number. Rows are
written as the live service writes them (the transcript through
app.services.cases.transcript), marked is_demo, with Ofcom drama numbers only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.domain.phone import format_for_display
from app.models.case import Case, CaseEvent
from app.models.conversation import Conversation
from app.models.message import Call, Message
from app.models.volunteer import Offer, Volunteer
from app.services.cases import transcript

_WELCOME = "Welcome to Here2Help, the community help line. If it's an emergency, ring 999."


def seed_timeline_case(session: Session, *, reference: str, phone: str, volunteer: Volunteer,
                       start: datetime, staff_user_id: int | None = None) -> Case:
    """The case, its call (with the IVR steps), texts both ways, offer and staff actions."""
    def at(minutes: float) -> datetime:
        return start + timedelta(minutes=minutes)

    case = Case(reference=reference, status="assigned", category="shielding", need="food",
                urgency="routine", channel="voice", phone=phone, postcode="WR1 2NN",
                district="Worcester", details="I can't get to the shops this week",
                consent_to_share=True, is_demo=True, created_at=at(1), updated_at=at(900),
                assigned_volunteer_id=volunteer.id)
    session.add(case)
    session.flush()
    call = Call(call_sid=f"CA{reference.replace('-', '').lower():0>32}"[:34], from_phone=phone,
                status="completed", duration_seconds=96, case_id=case.id, created_at=at(0),
                updated_at=at(2), recording_url="https://api.twilio.com/demo/recording.mp3",
                recording_sid="RE" + "d" * 32, recording_duration_seconds=31)
    session.add(call)
    conversation = Conversation(channel="voice", phone=phone, call_sid=call.call_sid,
                                flow_id="here2help", node="speak_to_person", state={},
                                status="handed_over", case_id=case.id, created_at=at(0))
    session.add(conversation)
    session.flush()
    call.conversation_id = conversation.id
    _call_steps(conversation, case, at)
    events = [
        (1.1, "created", "Case opened (voice)", None),
        (1.1, "handover", "Asked for a person (voice, operator)", None),
        (2, "voicemail", "Voicemail left: call back", call.id),
        (2.5, "voicemail_transcript", "Hello, it's about my shopping. Please ring me back on "
         f"{format_for_display(phone)}. Thank you.", call.id),
    ]
    for minutes, kind, summary, call_id in events:
        session.add(CaseEvent(case_id=case.id, kind=kind, summary=summary, call_id=call_id,
                              created_at=at(minutes)))
    session.add(Message(direction="outbound", purpose="case_reference", to_phone=phone,
                        status="delivered", case_id=case.id, created_at=at(1.2),
                        body=f"Here2Help: thank you for calling. The line opens at 9am "
                             f"tomorrow (UK time) and we will call you back then. Your "
                             f"reference is {reference}. In an emergency ring 999."))
    session.add(CaseEvent(case_id=case.id, kind="note", staff_user_id=staff_user_id,
                          created_at=at(840), summary="Rang back: she would like a food shop "
                          "on Thursday. Her son's number is 07700 900444 if she is out."))
    _offer(session, case, volunteer, phone, at)
    session.flush()
    return case


def _call_steps(conversation: Conversation, case: Case, at) -> None:
    steps = [
        (0, transcript.CALL, "step", "The line answered the call"),
        (0, transcript.LINE, "say", _WELCOME),
        (0, transcript.LINE, "say", "Choose a language. Press 1 for English. Press 2 for "
         "Polish."),
        (0.3, transcript.RESIDENT, "keys", "1"),
        (0.3, transcript.LINE, "say", "What do you need help with? You can say it in your "
         "own words."),
        (0.6, transcript.RESIDENT, "speech", "I can't get to the shops this week, my son is "
         "on 07700 900444"),
        (0.6, transcript.LINE, "say", "Thank you. To talk to a person, press 0."),
        (1.1, transcript.RESIDENT, "keys", "0"),
        (1.1, transcript.LINE, "say", f"The line is closed just now. Your reference is "
         f"{case.reference}. The line opens at 9am tomorrow, and we will call you back "
         "then."),
        (1.1, transcript.CALL, "step", "Handed over: recording a voicemail"),
    ]
    for minutes, who, kind, text in steps:
        transcript.note(conversation, at(minutes), who, kind, text)


def _offer(session: Session, case: Case, volunteer: Volunteer, phone: str, at) -> None:
    offer = Offer(case_id=case.id, volunteer_id=volunteer.id, attempt=1, status="accepted",
                  created_at=at(850), answered_at=at(856))
    session.add(offer)
    session.flush()
    ref = case.reference
    texts = [
        (850, "outbound", "offer", volunteer.phone,
         f"Here2Help {ref}: can you help with food shopping near your area? Reply YES {ref} "
         "to help or NO. Open for 15 min."),
        (856, "inbound", "inbound", volunteer.phone, f"YES {ref}"),
        (856, "outbound", "assignment", volunteer.phone,
         f"Thank you! {ref}: food shopping for the resident. Phone "
         f"{format_for_display(phone)}. Area: Worcester. Reply DONE {ref} when finished."),
        (856, "outbound", "assigned", phone,
         f"Here2Help {ref}: good news, {volunteer.name.split()[0]} will contact you soon "
         "about food shopping. Reply STATUS any time."),
    ]
    for minutes, direction, purpose, number, body in texts:
        inbound = direction == "inbound"
        session.add(Message(
            direction=direction, purpose=purpose, body=body, case_id=case.id,
            from_phone=number if inbound else None, to_phone=None if inbound else number,
            status="received" if inbound else "delivered", created_at=at(minutes),
            volunteer_id=volunteer.id if number == volunteer.phone else None,
            offer_id=offer.id))
