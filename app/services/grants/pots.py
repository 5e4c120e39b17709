"""Funding pots and what is left in them.

A pot's budget left is its budget less every award made from it. Awards, not payments: an
award is a promise the pot has to keep, so it is counted the moment it is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.grants import AWARDED, GrantRefused, check_pot, clean_text, is_open, pounds
from app.models.grant import FundingPot, GrantApplication, GrantPayment


@dataclass(frozen=True)
class PotInput:
    name: str
    budget_pence: int
    min_award_pence: int
    max_award_pence: int
    opens_on: date
    closes_on: date
    description: str = ""


@dataclass
class PotSummary:
    pot: FundingPot
    applications: int
    awards: int
    awarded_pence: int
    paid_pence: int
    open_now: bool

    @property
    def budget_left_pence(self) -> int:
        return self.pot.budget_pence - self.awarded_pence


def create_pot(session: Session, data: PotInput) -> FundingPot:
    """A new pot (flushes; the caller commits)."""
    pot = FundingPot()
    _apply(session, pot, data)
    session.add(pot)
    session.flush()
    return pot


def update_pot(session: Session, pot: FundingPot, data: PotInput) -> FundingPot:
    """Change a pot; its budget can never fall below what it has already awarded."""
    awarded = awarded_pence(session, pot.id)
    if data.budget_pence < awarded:
        raise GrantRefused(f"The pot has already awarded {pounds(awarded)}: the budget cannot "
                           "be less")
    _apply(session, pot, data)
    session.flush()
    return pot


def _apply(session: Session, pot: FundingPot, data: PotInput) -> None:
    check_pot(data.name, data.budget_pence, data.min_award_pence, data.max_award_pence,
              data.opens_on, data.closes_on)
    name = clean_text(data.name, 200)
    clash = session.scalar(select(FundingPot.id).where(FundingPot.name == name))
    if clash is not None and clash != pot.id:
        raise GrantRefused("There is already a funding pot with this name")
    pot.name, pot.description = name, clean_text(data.description, 2000)
    pot.budget_pence, pot.opens_on, pot.closes_on = data.budget_pence, data.opens_on, data.closes_on
    pot.min_award_pence, pot.max_award_pence = data.min_award_pence, data.max_award_pence


def awarded_pence(session: Session, pot_id: int) -> int:
    return int(session.scalar(
        select(func.coalesce(func.sum(GrantApplication.awarded_pence), 0))
        .where(GrantApplication.pot_id == pot_id, GrantApplication.status == AWARDED)) or 0)


def budget_left_pence(session: Session, pot: FundingPot) -> int:
    return pot.budget_pence - awarded_pence(session, pot.id)


def pot_summaries(session: Session, today: date) -> list[PotSummary]:
    """Every pot with its counts and money, newest first."""
    apps = dict(session.execute(
        select(GrantApplication.pot_id, func.count()).group_by(GrantApplication.pot_id)
    ).tuples().all())
    awards = {pot_id: (int(n), int(total or 0)) for pot_id, n, total in session.execute(
        select(GrantApplication.pot_id, func.count(), func.sum(GrantApplication.awarded_pence))
        .where(GrantApplication.status == AWARDED).group_by(GrantApplication.pot_id))}
    paid = dict(session.execute(
        select(GrantApplication.pot_id, func.sum(GrantPayment.amount_pence))
        .join(GrantPayment, GrantPayment.application_id == GrantApplication.id)
        .group_by(GrantApplication.pot_id)).tuples().all())
    pots = session.scalars(select(FundingPot).order_by(FundingPot.opens_on.desc(),
                                                       FundingPot.id.desc())).all()
    return [PotSummary(pot=pot, applications=int(apps.get(pot.id, 0)),
                       awards=awards.get(pot.id, (0, 0))[0],
                       awarded_pence=awards.get(pot.id, (0, 0))[1],
                       paid_pence=int(paid.get(pot.id) or 0),
                       open_now=is_open(pot.opens_on, pot.closes_on, today))
            for pot in pots]


def open_pots(session: Session, today: date) -> list[FundingPot]:
    """Pots taking expressions of interest today, closing soonest first."""
    return list(session.scalars(
        select(FundingPot).where(FundingPot.opens_on <= today, FundingPot.closes_on >= today)
        .order_by(FundingPot.closes_on, FundingPot.id)))
