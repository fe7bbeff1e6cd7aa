"""The ward pump calendar: every pump's refill-by, low-reservoir alarm, empty, drug-stability and ERI
dates, soonest refill-by first, those inside the refill buffer marked in words (clinical-rules §6).
The dates are the pump countdown of ``domain.pump`` (a calculation from the last refill, not a
reading from the pump); nothing here adds a clinical number of its own."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from ward_app.domain.pump import PumpState, pump_dates
from ward_app.domain.rules import Thresholds

#: Said wherever the calendar is shown: the dates are worked out, not read from the pump.
CALCULATED = ("Dates are calculated from the last refill (volume, concentration, daily dose), not "
              "read from the pump.")


@dataclass(frozen=True)
class CalendarEntry:
    """One pump's dates. ``days_left``: ward days from today to the refill-by date (negative when
    it has passed); None, like the dates, when no refill is recorded."""

    mrn: str
    bed: str
    name: str
    ward: str
    refill_by: date | None
    refill_by_reason: str | None  # which limit set it: "alarm date − 7 days", "drug stability limit"...
    alarm_at: datetime | None  # in the ward's zone
    empty_at: datetime | None
    stability_date: date | None  # refill + pump.stability_days
    eri_date: date | None
    end_of_service: date | None
    days_left: int | None
    within_buffer: bool  # the refill is due within pump.refill_buffer_days (or overdue)
    why: str  # in words, e.g. "OVERDUE since Mon 30 Nov", "refill due in 3 days", "no refill recorded"

    def dates(self) -> list[date]:
        """Every date this entry has (ward calendar days)."""
        out = [d for d in (self.refill_by, self.stability_date, self.eri_date, self.end_of_service)
               if d is not None]
        out += [m.date() for m in (self.alarm_at, self.empty_at) if m is not None]
        return out


@dataclass(frozen=True)
class PumpCalendar:
    """The ward's pumps for the next ``days`` days, as of ``at`` (in the ward's zone)."""

    at: datetime
    days: int
    buffer_days: int
    entries: tuple[CalendarEntry, ...]
    ward: str = ""  # "" = every ward
    zone_name: str = "Europe/London"
    printed_by: str = ""
    drill: bool = False  # a drill (training) ward: the sheet says DRILL
    paper: str = "A4"

    @property
    def due(self) -> tuple[CalendarEntry, ...]:
        """The pumps whose refill is due within the buffer (or overdue)."""
        return tuple(e for e in self.entries if e.within_buffer)

    @property
    def until(self) -> date:
        return self.at.date() + timedelta(days=self.days)


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_text(d: date) -> str:
    """'Mon 30 Nov', in English whatever the process locale."""
    return f"{_DAYS[d.weekday()]} {d.day:02d} {_MONTHS[d.month - 1]}"


def _why(refill_by: date | None, days_left: int | None, buffer: int, empty: bool,
         alarm_passed: bool) -> str:
    if refill_by is None or days_left is None:
        return "no refill recorded: the dates cannot be worked out"
    if empty:
        return f"EMPTY by calculation; refill OVERDUE since {day_text(refill_by)}"
    if days_left < 0:
        said = f"refill OVERDUE since {day_text(refill_by)}"
        return said + ("; low-reservoir alarm date passed" if alarm_passed else "")
    if days_left == 0:
        return f"refill due TODAY (within the {buffer}-day buffer)"
    if days_left <= buffer:
        return (f"refill due in {days_left} day{'s' * (days_left != 1)} (within the {buffer}-day "
                "buffer)")
    return f"refill in {days_left} days"


def calendar_entry(mrn: str, bed: str, name: str, ward: str, state: PumpState, t: Thresholds,
                   zone: tzinfo, now: datetime) -> CalendarEntry:
    """One pump's dates as of ``now``, from its last refill (``domain.pump.pump_dates``)."""
    eri, end = state.pump.eri_and_end(t)
    buffer = int(t.pump_refill_buffer_days)
    today = now.astimezone(zone).date()
    last = state.last_refill
    if last is None:
        return CalendarEntry(mrn, bed, name, ward, None, None, None, None, None, eri, end, None,
                             False, _why(None, None, buffer, False, False)
                             + _battery(eri, end, today))
    d = pump_dates(last, t, zone, end)
    stability = (last.refilled_at + timedelta(days=int(t.pump_stability_days))).astimezone(
        zone).date()
    left = (d.refill_by - today).days
    why = _why(d.refill_by, left, buffer, now >= d.empty_at, now >= d.alarm_at)
    return CalendarEntry(
        mrn, bed, name, ward, d.refill_by, d.refill_by_reason, d.alarm_at.astimezone(zone),
        d.empty_at.astimezone(zone), stability, eri, end, left, left <= buffer,
        why + _battery(eri, end, today))


def _battery(eri: date | None, end: date | None, today: date) -> str:
    """What the battery dates add to the words: past its end of service, or past ERI."""
    if end is not None and today >= end:
        return f"; battery past its expected end of service ({day_text(end)} {end.year})"
    if eri is not None and today >= eri:
        return f"; battery past ERI since {day_text(eri)} {eri.year}: replacement due"
    return ""


def soonest_first(entries: Iterable[CalendarEntry]) -> list[CalendarEntry]:
    """Soonest refill-by first; a pump with no refill recorded (no dates) first of all: it is the
    one the ward knows least about."""
    return sorted(entries, key=lambda e: (e.refill_by is not None, e.refill_by or date.min,
                                          e.bed, e.mrn))


def in_window(entry: CalendarEntry, until: date) -> bool:
    """Whether the entry has anything on or before ``until``, or no refill recorded (no countdown:
    always listed)."""
    return entry.refill_by is None or min(entry.dates()) <= until
