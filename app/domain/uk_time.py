"""UK local time for people: every time a person reads or types is Europe/London wall-clock time.

The service stores and compares instants in UTC; people live by the clock on the wall, which is
GMT in winter and BST (UTC+1) in summer. Two edges need care:

- Showing: `format_uk` turns a stored instant into London time and names the zone ("GMT" or
  "BST"), so 10:30 on 1 July reads "10:30 BST", and the two 01:30s of the autumn change day are
  told apart.
- Reading what someone typed: `parse_uk_local` takes a naive wall-clock time and returns the
  instant. 01:30 on the spring change day never happens (the clocks jump from 01:00 to 02:00),
  so it is refused with a sentence that says so; 01:30 on the autumn day happens twice and is
  read as the first (BST) pass, unless the caller asks for the second.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

#: Named styles, so every page writes the same kind of time the same way.
STYLES = {
    "datetime": "%d %b %Y %H:%M",  # 01 Jul 2027 10:30
    "short": "%d %b %H:%M",  # 01 Jul 10:30
    "seconds": "%d %b %Y %H:%M:%S",  # access log
    "date": "%d %b %Y",  # 01 Jul 2027
    "time": "%H:%M",
    "long": "%d %B %Y %H:%M",  # 01 July 2027 10:30
}


class LocalTimeError(ValueError):
    """A typed time that cannot be read as UK time; the message is one sentence for a form."""


def to_uk(moment: datetime) -> datetime:
    """The same instant on London's clock. A naive value is taken as UTC (SQLite hands back
    naive datetimes, and every time the service stores is UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON)


def zone_name(moment: datetime) -> str:
    """ "GMT" or "BST" for that instant in London."""
    return to_uk(moment).tzname() or "GMT"


def format_uk(moment: datetime | date | None, style: str = "datetime", *,
              zone: bool = True, empty: str = "") -> str:
    """A stored instant as a person reads it: London time, with "GMT"/"BST" after any clock time.

    Dates (no clock) are shown as they are: a date has no zone. `style` is a key of `STYLES` or
    a strftime pattern; `zone=False` leaves the zone off (for a column headed "UK time").
    """
    if moment is None:
        return empty
    pattern = STYLES.get(style, style)
    if not isinstance(moment, datetime):
        return moment.strftime(pattern)
    local = to_uk(moment)
    text = local.strftime(pattern)
    has_clock = any(code in pattern for code in ("%H", "%I", "%M"))
    return f"{text} {local.tzname()}" if zone and has_clock else text


def parse_uk_local(value: datetime, *, later_if_repeated: bool = False) -> datetime:
    """A naive London wall-clock time (as typed in a form) -> the aware UTC instant.

    Raises `LocalTimeError` for a time the clocks skip. For a time that happens twice, the
    first (BST) pass is meant unless `later_if_repeated`. An aware value is only converted.
    """
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    if is_skipped(value):
        raise LocalTimeError(
            f"{value:%H:%M} on {value.day} {value:%B %Y} does not exist in the UK: the clocks "
            f"go forward from 01:00 to 02:00 that night. Choose another time.")
    fold = 1 if later_if_repeated and is_repeated(value) else 0
    return value.replace(tzinfo=LONDON, fold=fold).astimezone(UTC)


def is_repeated(value: datetime) -> bool:
    """True for a naive London wall-clock time that happens twice (the autumn change)."""
    naive = value.replace(tzinfo=None)
    first = naive.replace(tzinfo=LONDON, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=LONDON, fold=1).astimezone(UTC)
    return first != second and all(
        m.astimezone(LONDON).replace(tzinfo=None) == naive for m in (first, second))


def is_skipped(value: datetime) -> bool:
    """True for a naive London wall-clock time that never happens (the spring change)."""
    naive = value.replace(tzinfo=None)
    return naive.replace(tzinfo=LONDON).astimezone(UTC).astimezone(LONDON).replace(
        tzinfo=None) != naive


def uk_input_value(moment: datetime | None) -> str:
    """The value for an <input type="datetime-local">: London wall-clock time, minutes."""
    return "" if moment is None else to_uk(moment).strftime("%Y-%m-%dT%H:%M")


def uk_today(now: datetime) -> date:
    """Today's date on London's clock (after 23:00 UTC in summer it is already tomorrow)."""
    return to_uk(now).date()


def uk_midnight(day: date) -> datetime:
    """The instant London's `day` begins, in UTC (23:00 UTC the day before in summer)."""
    return datetime(day.year, day.month, day.day, tzinfo=LONDON).astimezone(UTC)


def uk_day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of London's `day` in UTC: 23 or 25 hours long on the change days."""
    return uk_midnight(day), uk_midnight(day + timedelta(days=1))
