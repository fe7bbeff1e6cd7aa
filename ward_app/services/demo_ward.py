"""The demo ward's parts every history builder works with: a bed's profile and what the demo
created. Apart from ``demo`` so that the builders in other modules need not import it."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ward_app.services.context import Context


@dataclass(frozen=True)
class Profile:
    """One demo bed: who lies there and what baclofen they are on."""

    name: str
    age: int
    route: str | None  # oral / enteral / intrathecal / None
    dose_mg: float | None = None
    freq: str | None = None
    daily_mcg: float | None = None
    conc: float | None = None  # ITB: mcg/mL in the reservoir
    reservoir_ml: float | None = None
    refilled_days_ago: int | None = None
    indication: str = "spasticity"
    override: str | None = None
    flags: tuple[str, ...] = ()
    sci: str | None = None
    egfr: float | None = None
    dialysis: bool = False
    comeds: tuple[str, ...] = ()
    weight: float | None = None


@dataclass
class DemoWard:
    """What the demo created, for the history builders."""

    ctx: Context
    rng: random.Random
    days: int
    now: datetime
    users: dict[str, int]
    patients: list[tuple[int, Profile]] = field(default_factory=list)


HistoryBuilder = Callable[[DemoWard], None]
