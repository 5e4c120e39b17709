"""Community grants as pure rules: organisation types, the due-diligence checklist, money in
pence, and what a decision must respect (the pot's minimum and maximum award and its budget).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Protocol

#: Kinds of group that may apply, as (value, label); reports count by these.
ORGANISATION_TYPES: list[tuple[str, str]] = [
    ("school", "School"),
    ("faith_group", "Faith group"),
    ("residents_association", "Residents' association"),
    ("charity", "Registered charity"),
    ("community_group", "Community or voluntary group"),
    ("social_enterprise", "Social enterprise or community interest company"),
    ("mutual_aid", "Mutual aid group"),
    ("other", "Other"),
]
ORGANISATION_TYPE_LABELS = dict(ORGANISATION_TYPES)

#: Due diligence before any award: each item is confirmed by a named person at a time.
CHECKLIST: list[tuple[str, str]] = [
    ("governing_document", "Constitution or governing document seen"),
    ("bank_account", "Bank account in the group's name verified"),
    ("safeguarding_policy", "Safeguarding policy seen"),
]
CHECKLIST_LABELS = dict(CHECKLIST)

# Application statuses.
RECEIVED = "received"
AWARDED = "awarded"
DECLINED = "declined"
STATUS_LABELS = {RECEIVED: "Received", AWARDED: "Awarded", DECLINED: "Declined"}

_MONEY = re.compile(r"^£?\s*(\d{1,7})(?:\.(\d{1,2}))?$")
MAX_PENCE = 100_000_000  # £1,000,000: far beyond any community pot


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str | None, limit: int) -> str:
    """Typed text as kept: control characters (NUL above all: PostgreSQL text cannot hold
    it) removed, ends trimmed, cut to `limit` characters."""
    return _CONTROL.sub("", text or "").strip()[:limit]


class GrantRefused(ValueError):
    """A request the grants rules do not allow; the message is one line, for a person."""


def parse_money(text: str | None) -> int:
    """'£250', '250.5', '1,500.00' -> pence; GrantRefused for anything else or nothing."""
    cleaned = (text or "").strip().replace(",", "")
    match = _MONEY.match(cleaned)
    if not match:
        raise GrantRefused("Enter an amount in pounds, like 250 or 250.00")
    pence = int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))
    if pence <= 0 or pence > MAX_PENCE:
        raise GrantRefused("Enter an amount between £0.01 and £1,000,000")
    return pence


def pounds(pence: int | None) -> str:
    """1234567 -> '£12,345.67'; whole pounds without pence: 50000 -> '£500'."""
    if pence is None:
        return ""
    whole, part = divmod(pence, 100)
    return f"£{whole:,}" if part == 0 else f"£{whole:,}.{part:02d}"


def check_pot(name: str, budget: int, minimum: int, maximum: int, opens: date,
              closes: date) -> None:
    if not name.strip():
        raise GrantRefused("A funding pot needs a name")
    if minimum > maximum:
        raise GrantRefused("The smallest award cannot be more than the largest")
    if maximum > budget:
        raise GrantRefused("The largest award cannot be more than the budget")
    if closes < opens:
        raise GrantRefused("The pot cannot close before it opens")


def is_open(opens: date, closes: date, today: date) -> bool:
    return opens <= today <= closes


def check_award(amount: int, *, minimum: int, maximum: int, budget_left: int) -> None:
    """An award must lie within the pot's range and what is left of its budget."""
    if amount < minimum or amount > maximum:
        raise GrantRefused(f"Awards from this pot are {pounds(minimum)} to {pounds(maximum)}")
    if amount > budget_left:
        raise GrantRefused(f"Only {pounds(budget_left)} is left in this pot")


def check_payment(amount: int, *, awarded: int | None, paid: int) -> None:
    """Payments go only to awarded applications, and never beyond the award."""
    if awarded is None:
        raise GrantRefused("Only an awarded application can be paid")
    if amount > awarded - paid:
        raise GrantRefused(f"Only {pounds(awarded - paid)} of the award is left to pay")


def missing_checks(done: set[str]) -> list[str]:
    """Checklist items not yet confirmed, by label."""
    return [label for item, label in CHECKLIST if item not in done]


def acknowledgement_text(reference: str, organisation: str, pot: str) -> str:
    """The SMS a group gets: short, no amounts or bank details (a lock screen shows it)."""
    return (f"Here2Help: thank you, we have {organisation[:40]}'s expression of interest for "
            f"{pot[:40]} (ref {reference}). A coordinator will be in touch.")


class PotTerms(Protocol):
    name: str
    min_award_pence: int
    max_award_pence: int
    closes_on: date


def funding_text(reference: str, pots: Sequence[PotTerms], form_url: str | None) -> str:
    """The SMS that tells a group which grant pots are open and where to apply (at most 2)."""
    named = "; ".join(
        f"{p.name[:40]} ({pounds(p.min_award_pence)} to {pounds(p.max_award_pence)}, closes "
        f"{p.closes_on.day} {p.closes_on:%b %Y})" for p in pots[:2])
    where = f"Apply at {form_url}" if form_url else "Reply HELP and we will send the form"
    more = f" and {len(pots) - 2} more" if len(pots) > 2 else ""
    return (f"Here2Help {reference}: community grants open now: {named}{more}. {where}. "
            "Reply HELP to reach us.")[:640]
