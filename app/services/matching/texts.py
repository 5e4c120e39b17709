"""The SMS texts of matching, in one place so they can be read (and reworded) together.

Rules they follow: short (one or two segments, GSM-7 only: no emoji or smart quotes; the texts
to residents are in their language, app.domain.resident_texts, so may be Unicode); the
case reference in every text; an offer names only the rough area (outcode and district), never
the address, because an offer can reach a volunteer who says no; the resident learns only the
volunteer's first name.
"""

from __future__ import annotations

from app.domain.resident_texts import need_words as resident_need_words
from app.domain.resident_texts import resident_text
from app.models.case import Case
from app.models.volunteer import Volunteer

NEED_WORDS = {
    "food": "food shopping",
    "prescriptions": "collecting a prescription",
    "befriending": "a friendly phone call",
    "transport": "a lift to an appointment",
    "money": "money worries",
    "wellbeing": "a wellbeing chat",
    "other": "a request for help",
    "funding": "funding for a community group",
}


def need_words(need: str | None) -> str:
    return NEED_WORDS.get(need or "other", (need or "other").replace("_", " "))


def rough_area(case: Case) -> str:
    """`WR1 (Worcester)`: outcode and district only (never the full postcode or address)."""
    outcode = (case.postcode or "").split(" ")[0] or None
    if outcode and case.district:
        return f"{outcode} ({case.district})"
    return outcode or case.district or "your area"


def first_name(name: str | None) -> str:
    parts = (name or "").split()
    return parts[0] if parts else ""


def helper_name(volunteer: Volunteer) -> str:
    """What the resident is told: `Sam`, or `Sam from St Mark's Church` for an organisation."""
    if volunteer.kind == "organisation":
        contact = first_name(volunteer.contact_name)
        return f"{contact} from {volunteer.name}" if contact else volunteer.name
    return first_name(volunteer.name) or "a volunteer"


def offer_text(case: Case, minutes: int) -> str:
    ref = case.reference
    return (f"Here2Help {ref}: can you help with {need_words(case.need)} near "
            f"{rough_area(case)}? Reply YES {ref} to help or NO. Open for {minutes} min.")


def assignment_text(case: Case, phone_display: str | None) -> str:
    """To the volunteer who said YES: what they need to get in touch, per the resident's consent."""
    who = first_name(case.name) or "the resident"
    parts = [f"Thank you! {case.reference}: {need_words(case.need)} for {who}."]
    if phone_display:
        parts.append(f"Phone {phone_display}.")
    if case.consent_to_share and case.address:
        parts.append(f"Address: {case.address}, {case.postcode or ''}".rstrip(", ") + ".")
    else:
        parts.append(f"Area: {rough_area(case)}.")
    if not phone_display and not (case.consent_to_share and case.address):
        parts.append("Our team will call you with how to reach them.")
    parts.append(f"Reply DONE {case.reference} when finished.")
    return " ".join(parts)


def resident_assigned_text(case: Case, volunteer: Volunteer) -> str:
    """In the resident's language (the one on their case): app/data/resident_texts.yaml."""
    return resident_text("assigned", case.language, reference=case.reference,
                         helper=helper_name(volunteer),
                         need=resident_need_words(case.need, case.language))


def resident_completed_text(case: Case) -> str:
    return resident_text("completed", case.language, reference=case.reference)


def volunteer_thanks_text(case: Case) -> str:
    return f"Thank you for helping with {case.reference}! We have marked it as done."


def already_covered_text(reference: str) -> str:
    return f"Thank you! {reference} is already covered by another volunteer, so no need this time."


def closed_text(reference: str) -> str:
    return f"Thank you! {reference}: this request is now closed, so no need to do anything."


def offer_rearranged_text(case: Case) -> str:
    """To a volunteer whose open offer staff gave to someone else: the reference, nothing more."""
    return f"Thanks - {case.reference} has been arranged another way, no need to reply."


def cannot_take_text(reference: str) -> str:
    return (f"Thank you, but we cannot pass you {reference} just now. A coordinator will be in "
            "touch about your volunteering.")


def declined_text(reference: str) -> str:
    return f"No problem, thank you for letting us know about {reference}."


NO_OFFER_TEXT = "Thank you! You have no offer waiting just now. We will text you when one comes."
NO_ASSIGNMENT_TEXT = "Thank you! We have no open request with you to mark as done."


def which_one_text(word: str, references: list[str]) -> str:
    listed = ", ".join(references[:4])
    return f"You have more than one: {listed}. Please reply {word} with the reference, " \
           f"e.g. {word} {references[0]}."


def already_registered_text() -> str:
    return "Thank you! This number is already on our volunteer list."


def away_text(back_on: str) -> str:
    return (f"Thank you. No Here2Help requests will be sent to you until {back_on}. "
            "Reply BACK to start again sooner.")


def away_usage_text(max_days: int) -> str:
    return f"To pause requests, reply AWAY and a number of days from 1 to {max_days}, e.g. AWAY 7."


BACK_TEXT = "Welcome back! Here2Help requests will be sent to you again."
NOT_AWAY_TEXT = "You are not paused: Here2Help requests are being sent to you as usual."
NO_JOBS_TEXT = "You have no open Here2Help requests."


def my_jobs_text(cases: list[Case]) -> str:
    """MYJOBS: each open assignment as `REF need (area)`, short enough for two segments."""
    lines = [f"{c.reference} {need_words(c.need)} ({rough_area(c)})" for c in cases[:4]]
    more = f" +{len(cases) - 4} more" if len(cases) > 4 else ""
    return "Your open requests: " + "; ".join(lines) + more + ". Reply DONE <ref> when done."
