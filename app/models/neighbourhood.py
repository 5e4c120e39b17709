"""Neighbourhoods (LSOAs from the ONS files) and the postcode lookup that places people in them.

Cases and volunteers keep a `neighbourhood_code`, not a foreign key: it is an LSOA code when a
lookup is loaded, else a postcode sector ("WR1 2") that has no row here, and a lookup can be
replaced without touching them (`here2help neighbourhoods backfill` re-places everyone).
"""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TimestampMixin


class Neighbourhood(TimestampMixin, Base):
    __tablename__ = "neighbourhoods"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)  # e.g. E01032144
    name: Mapped[str] = mapped_column(String(120))  # e.g. "Worcester 010A"
    district_code: Mapped[str | None] = mapped_column(String(12))
    district_name: Mapped[str | None] = mapped_column(String(80))
    # Residents, from the ONS mid-year estimates; None until a population file is loaded.
    population: Mapped[int | None]


class NeighbourhoodPostcode(Base):
    """One row of the ONS postcode-to-LSOA lookup (postcode normalised: "WR1 2NN")."""

    __tablename__ = "neighbourhood_postcodes"

    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)
    neighbourhood_code: Mapped[str] = mapped_column(String(12), index=True)
