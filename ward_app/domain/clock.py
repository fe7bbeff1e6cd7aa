"""Ward time: parse the moments users type, convert between the ward's clock and stored UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from ward_app.domain.errors import InvalidInput


def ward_zone(name: str) -> ZoneInfo:
    """The IANA time zone of a ward, refusing names that are not real zones."""
    if not name or name != name.strip() or name.startswith("/") or ".." in name:
        raise InvalidInput("tz", f"'{name}' is not a time zone: use an IANA name such as Europe/London.")
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file
        raise InvalidInput(
            "tz", f"'{name}' is not a time zone: use an IANA name such as Europe/London."
        ) from None
    if name not in available_timezones() and name != "UTC":
        raise InvalidInput("tz", f"'{name}' is not a time zone: use an IANA name such as Europe/London.")
    return zone


def parse_moment(text: str, zone: tzinfo, field: str = "now") -> datetime:
    """An ISO-8601 moment; a time without an offset is the ward's local clock time."""
    raw = text.strip()
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            field,
            f"'{text}' is not a date and time: use ISO-8601, e.g. 2026-11-25T14:00 "
            "(ward time) or 2026-11-25T14:00+00:00.",
        ) from None
    _check_year(moment.year, field, text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


#: Years a ward record can be about: anything outside is a typing mistake (and would overflow).
YEARS = (1900, 2200)


def _check_year(year: int, field: str, text: str) -> None:
    if not YEARS[0] <= year <= YEARS[1]:
        raise InvalidInput(field, f"'{text}' is out of range: use a date between "
                           f"{YEARS[0]} and {YEARS[1]}.")


def parse_date(text: str, field: str) -> date:
    """A calendar date written YYYY-MM-DD."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(field, f"'{text}' is not a date: use YYYY-MM-DD.") from None
    _check_year(day.year, field, text)
    return day


def to_utc_text(moment: datetime) -> str:
    """How moments are stored: UTC ISO-8601 with offset, to the second."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime cannot be stored")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_utc_text(text: str) -> datetime:
    """Read a stored moment back as an aware UTC datetime."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def age_on(dob: date, day: date) -> int:
    """Age in whole years on a day (a 29 February birthday counts from 1 March)."""
    years = day.year - dob.year
    if (day.month, day.day) < (dob.month, dob.day):
        years -= 1
    return years
