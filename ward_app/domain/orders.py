"""Baclofen orders: routes fix their unit (mg or mcg/day), frequencies fix clock times."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ward_app.domain.errors import InvalidInput


class Route(StrEnum):
    ORAL = "oral"
    ENTERAL = "enteral"
    INTRATHECAL = "intrathecal"

    @property
    def unit(self) -> str:
        return "mcg/day" if self is Route.INTRATHECAL else "mg"


class Frequency(StrEnum):
    OD = "OD"
    BD = "BD"
    TDS = "TDS"
    QDS = "QDS"
    CUSTOM = "custom"


class Indication(StrEnum):
    SPASTICITY = "spasticity"
    ALCOHOL_USE_DISORDER = "alcohol_use_disorder"
    OTHER = "other"


class OrderAction(StrEnum):
    START = "start"
    CHANGE = "change"
    STOP = "stop"


_HHMM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


def parse_route(text: str) -> Route:
    try:
        return Route(text.strip().lower())
    except ValueError:
        raise InvalidInput("route", f"'{text}' is not a route: use oral, enteral or intrathecal.") from None


def parse_times(text: str) -> tuple[str, ...]:
    """Clock times 'HH:MM,HH:MM', sorted and without repeats."""
    times = [t.strip() for t in text.split(",") if t.strip()]
    if not times:
        raise InvalidInput("times", "No dose times given: use HH:MM,HH:MM, e.g. 08:00,20:00.")
    for t in times:
        if not _HHMM.match(t):
            raise InvalidInput("times", f"'{t}' is not a clock time: use 24-hour HH:MM, e.g. 08:00.")
    if len(set(times)) != len(times):
        raise InvalidInput("times", f"Dose time repeated in '{text}': give each time once.")
    return tuple(sorted(times))


@dataclass(frozen=True)
class Caution:
    """A prescribing caution shown at order time (clinical-rules §9), e.g. renal.avoid."""

    rule: str
    message: str


@dataclass(frozen=True)
class Order:
    """One version of a patient's baclofen order. A change is a new version, never an edit."""

    id: int
    patient_id: int
    action: OrderAction
    route: Route
    starts_at: datetime
    dose_mg: float | None = None
    times: tuple[str, ...] = ()
    frequency: Frequency | None = None
    daily_mcg: float | None = None
    indication: Indication | None = None
    override_reason: str | None = None
    supersedes_id: int | None = None
    stop_reason: str | None = None
    prescriber: str | None = None
    doses: tuple[float, ...] = ()  # per clock time, when they differ (a taper); else dose_mg each
    taper_id: int | None = None
    #: The cautions the prescriber acknowledged when this version was ordered (clinical-rules §9).
    cautions: tuple[Caution, ...] = ()

    def dose_for(self, clock: str) -> float:
        """The dose due at a clock time of this version."""
        if self.doses and clock in self.times:
            return self.doses[self.times.index(clock)]
        return float(self.dose_mg or 0)

    @property
    def uneven(self) -> bool:
        return bool(self.doses) and len(set(self.doses)) > 1

    @property
    def daily_mg(self) -> float | None:
        if self.route is Route.INTRATHECAL or self.dose_mg is None:
            return None
        return sum(self.dose_for(c) for c in self.times)

    def describe(self) -> str:
        """How the current dose reads on the ward board, e.g. 'oral 10 mg TDS (30 mg/day)'."""
        if self.action is OrderAction.STOP:
            return "stopped"
        if self.route is Route.INTRATHECAL:
            return f"intrathecal {self.daily_mcg:g} mcg/day"
        if self.uneven:
            parts = ", ".join(f"{self.dose_for(c):g} mg at {c}" for c in self.times
                              if self.dose_for(c) > 0)
            taper = ", taper" if self.taper_id else ""
            return f"{self.route.value} {parts} ({self.daily_mg:g} mg/day{taper})"
        freq = self.frequency.value if self.frequency and self.frequency is not Frequency.CUSTOM else (
            " ".join(self.times)
        )
        taper = ", taper" if self.taper_id else ""
        return f"{self.route.value} {self.dose_mg:g} mg {freq} ({self.daily_mg:g} mg/day{taper})"
