"""Observations a nurse records: vital signs, sedation, spasticity and withdrawal signs, validated.

Impossible or mistyped values are refused naming the field and its allowed range; a set with some
vital signs missing is kept (NEWS2 is then shown as incomplete, never as a low score).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ward_app.domain.errors import InvalidInput


class Acvpu(StrEnum):
    ALERT = "A"
    CONFUSION = "C"  # new confusion
    VOICE = "V"
    PAIN = "P"
    UNRESPONSIVE = "U"


class Poss(StrEnum):
    """Pasero Opioid-induced Sedation Scale (S, 1, 2 acceptable; 3, 4 not)."""

    ASLEEP = "S"
    AWAKE = "1"
    SLIGHTLY_DROWSY = "2"
    FREQUENTLY_DROWSY = "3"
    SOMNOLENT = "4"


POSS_LABELS = {
    Poss.ASLEEP: "S: asleep, easy to rouse",
    Poss.AWAKE: "1: awake and alert",
    Poss.SLIGHTLY_DROWSY: "2: slightly drowsy, easily roused",
    Poss.FREQUENTLY_DROWSY: "3: frequently drowsy, drifts off mid-conversation",
    Poss.SOMNOLENT: "4: somnolent, minimal or no response",
}

#: Modified Ashworth Scale steps in order (1+ sits between 1 and 2).
MAS_STEPS = ("0", "1", "1+", "2", "3", "4")


class Sign(StrEnum):
    """Withdrawal signs (clinical-rules §4): the first eight are early, the rest late."""

    PRURITUS = "pruritus"
    BASELINE_SPASTICITY = "baseline_spasticity"
    HYPOTENSION = "hypotension"
    PARAESTHESIA = "paraesthesia"
    ANXIETY = "anxiety"
    TACHYCARDIA = "tachycardia"
    SWEATING = "sweating"
    INSOMNIA = "insomnia"
    FEVER = "fever"
    ALTERED_MENTAL_STATE = "altered_mental_state"
    HALLUCINATIONS = "hallucinations"
    REBOUND_SPASTICITY = "rebound_spasticity"
    RIGIDITY = "rigidity"
    SEIZURE = "seizure"


EARLY_SIGNS = frozenset({Sign.PRURITUS, Sign.BASELINE_SPASTICITY, Sign.HYPOTENSION,
                         Sign.PARAESTHESIA, Sign.ANXIETY, Sign.TACHYCARDIA, Sign.SWEATING,
                         Sign.INSOMNIA})
LATE_SIGNS = frozenset(set(Sign) - EARLY_SIGNS)

SIGN_LABELS = {
    Sign.PRURITUS: "Itching without a rash",
    Sign.BASELINE_SPASTICITY: "Return of usual spasticity",
    Sign.HYPOTENSION: "Low blood pressure",
    Sign.PARAESTHESIA: "Pins and needles",
    Sign.ANXIETY: "Anxiety or agitation",
    Sign.TACHYCARDIA: "Fast heart rate",
    Sign.SWEATING: "Sweating",
    Sign.INSOMNIA: "Can't sleep",
    Sign.FEVER: "High fever",
    Sign.ALTERED_MENTAL_STATE: "Confusion or delirium",
    Sign.HALLUCINATIONS: "Hallucinations",
    Sign.REBOUND_SPASTICITY: "Exaggerated rebound spasticity",
    Sign.RIGIDITY: "Muscle rigidity",
    Sign.SEIZURE: "Seizure",
}

#: (field, lowest, highest, unit): values outside are physiologically impossible or mistyped.
RANGES: dict[str, tuple[float, float, str]] = {
    "rr": (0, 80, "breaths/min"),
    "spo2": (50, 100, "%"),
    "sbp": (40, 300, "mmHg"),
    "hr": (20, 250, "beats/min"),
    "temp": (30, 44, "°C"),
    "rass": (-5, 4, ""),
    "penn": (0, 4, ""),
}
FIELD_NAMES = {"rr": "Respiration rate", "spo2": "SpO2", "sbp": "Systolic BP", "hr": "Pulse",
               "temp": "Temperature", "rass": "RASS", "penn": "Penn spasm frequency"}


def check_range(name: str, value: float | None, *, integer: bool = True) -> float | None:
    if value is None:
        return None
    low, high, unit = RANGES[name]
    label = FIELD_NAMES[name]
    allowed = f"allowed {low:g} to {high:g}{' ' + unit if unit else ''}"
    if not math.isfinite(value):
        raise InvalidInput(name, f"{label} is not a number: {allowed}. Check the reading.")
    if not (low <= value <= high):
        raise InvalidInput(name, f"{label} {value:g} is out of range: {allowed}. Check the reading.")
    if integer and value != int(value):
        raise InvalidInput(name, f"{label} {value:g} must be a whole number.")
    return int(value) if integer else round(float(value), 1)


def parse_enum(enum_type: type[StrEnum], text: str | None, name: str) -> StrEnum | None:
    if text is None:
        return None
    try:
        return enum_type(text.strip().upper() if enum_type in (Acvpu, Poss) else text.strip().lower())
    except ValueError:
        allowed = ", ".join(e.value for e in enum_type)  # type: ignore[attr-defined]
        raise InvalidInput(name, f"'{text}' is not allowed: use one of {allowed}.") from None


def check_mas(text: str | None) -> str | None:
    if text is None:
        return None
    value = text.strip()
    if value not in MAS_STEPS:
        raise InvalidInput("mas", f"'{text}' is not a Modified Ashworth score: use one of "
                           f"{', '.join(MAS_STEPS)}.")
    return value


@dataclass(frozen=True)
class Observation:
    id: int
    patient_id: int
    taken_at: datetime
    rr: int | None = None
    spo2: int | None = None
    on_oxygen: bool | None = None
    sbp: int | None = None
    hr: int | None = None
    acvpu: Acvpu | None = None
    temp: float | None = None
    poss: Poss | None = None
    rass: int | None = None
    mas: str | None = None
    penn: int | None = None
    signs: frozenset[Sign] = field(default_factory=frozenset)
    signs_checked: bool = False  # the withdrawal checklist was gone through (signs may be none)
    by: str = ""
    note: str | None = None
    corrects_id: int | None = None  # set on a row that marks another entered in error
    entered_at: datetime | None = None  # when it was entered (system clock); None before m013

    @property
    def has_vitals(self) -> bool:
        return any(v is not None for v in (self.rr, self.spo2, self.sbp, self.hr, self.acvpu,
                                           self.temp))

    def mas_step(self) -> int | None:
        return MAS_STEPS.index(self.mas) if self.mas is not None else None
