"""Patients and their safety flags: validation of what a nurse types, and how a patient reads on the board."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from enum import StrEnum

from ward_app.domain.errors import InvalidInput


class Flag(StrEnum):
    DEMENTIA = "dementia"
    PREGNANCY = "pregnancy"
    EPILEPSY = "epilepsy"
    FALL_RISK = "fall_risk"
    COMMUNICATION_DIFFICULTY = "communication_difficulty"
    PREVIOUS_WITHDRAWAL = "previous_withdrawal"
    HYPERCAPNIC = "hypercapnic"
    NPO = "npo"
    CIRRHOSIS = "cirrhosis"
    ALCOHOL_USE_DISORDER = "alcohol_use_disorder"
    FUNCTIONAL_SPASTICITY = "functional_spasticity"  # spasticity maintains posture or function


#: How a flag reads on the ward board: short, and never colour alone.
FLAG_LABELS: dict[Flag, str] = {
    Flag.DEMENTIA: "Dementia",
    Flag.PREGNANCY: "Pregnant",
    Flag.EPILEPSY: "Epilepsy",
    Flag.FALL_RISK: "Falls risk",
    Flag.COMMUNICATION_DIFFICULTY: "Communication difficulty",
    Flag.PREVIOUS_WITHDRAWAL: "Previous withdrawal",
    Flag.HYPERCAPNIC: "Hypercapnic (SpO2 scale 2)",
    Flag.NPO: "Nil by mouth",
    Flag.CIRRHOSIS: "Cirrhosis",
    Flag.ALCOHOL_USE_DISORDER: "Alcohol use disorder",
    Flag.FUNCTIONAL_SPASTICITY: "Spasticity maintains posture/function",
}

_MRN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-/]{2,19}$")
_BED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 \-]{0,9}$")
_SCI = re.compile(r"^([CTLS])([0-9]{1,2})$")
_SCI_MAX = {"C": 8, "T": 12, "L": 5, "S": 5}
_SCI_ORDER = {"C": 0, "T": 1, "L": 2, "S": 3}


def parse_flag(text: str) -> Flag:
    try:
        return Flag(text.strip().lower())
    except ValueError:
        allowed = ", ".join(f.value for f in Flag)
        raise InvalidInput("flag", f"'{text}' is not a patient flag: use one of {allowed}.") from None


def check_mrn(text: str) -> str:
    mrn = text.strip()
    if not _MRN.match(mrn):
        raise InvalidInput(
            "mrn",
            f"MRN '{text}' is not valid: use 3 to 20 letters, digits, '-' or '/', starting with a "
            "letter or digit.",
        )
    return mrn.upper()


def check_name(text: str) -> str:
    name = unicodedata.normalize("NFC", " ".join(text.split()))
    if not name or len(name) > 100:
        raise InvalidInput("name", "Name must be 1 to 100 characters.")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise InvalidInput("name", "Name contains control characters: type the name as printed.")
    if not any(ch.isalpha() for ch in name):
        raise InvalidInput("name", f"Name '{text}' has no letters: type the patient's name.")
    return name


def check_bed(text: str) -> str:
    bed = " ".join(text.split())
    if not _BED.match(bed):
        raise InvalidInput(
            "bed", f"Bed '{text}' is not valid: use up to 10 letters, digits, spaces or '-'."
        )
    return bed


def check_dob(dob: date, today: date) -> date:
    if dob > today:
        raise InvalidInput("dob", f"Date of birth {dob.isoformat()} is in the future.")
    if today.year - dob.year > 120:
        raise InvalidInput("dob", f"Date of birth {dob.isoformat()} is more than 120 years ago.")
    return dob


def check_weight(kg: float) -> float:
    if not (0.5 <= kg <= 400):
        raise InvalidInput("weight-kg", f"Weight {kg:g} kg is out of range: use 0.5 to 400 kg.")
    return round(kg, 1)


def check_sci_level(text: str) -> str:
    """A spinal cord injury level such as C5, T4 or L1."""
    level = text.strip().upper()
    match = _SCI.match(level)
    if not match or not (1 <= int(match.group(2)) <= _SCI_MAX[match.group(1)]):
        raise InvalidInput(
            "sci-level",
            f"Spinal cord injury level '{text}' is not valid: use C1-C8, T1-T12, L1-L5 or S1-S5.",
        )
    return level


def sci_at_or_above(level: str, limit: str = "T6") -> bool:
    """True when an injury level is at or above (rostral to) ``limit``: C-levels and T1..T6."""
    a, b = _SCI.match(level), _SCI.match(limit)
    assert a and b
    return (_SCI_ORDER[a.group(1)], int(a.group(2))) <= (_SCI_ORDER[b.group(1)], int(b.group(2)))


@dataclass(frozen=True)
class Patient:
    id: int
    mrn: str
    name: str
    dob: date
    bed: str
    ward: str
    weight_kg: float | None = None
    sci_level: str | None = None
    surgery_date: date | None = None
    flags: frozenset[Flag] = field(default_factory=frozenset)
    delivery_date: date | None = None  # pregnancy: expected delivery
    oral_form: str = "tablet"  # tablet or solution: what the taper planner rounds to
    #: When the patient left the ward (None while admitted), where to, and who discharged them.
    discharged_at: datetime | None = None
    discharged_to: str | None = None
    discharged_by: str | None = None

    @property
    def discharged(self) -> bool:
        return self.discharged_at is not None

    def discharge_text(self, zone: tzinfo) -> str:
        """'Discharged 06 Dec 2026 14:00 to home (by sam)'; '' while admitted."""
        if self.discharged_at is None:
            return ""
        where = f" to {self.discharged_to}" if self.discharged_to else ""
        who = f" (by {self.discharged_by})" if self.discharged_by else ""
        return f"Discharged {self.discharged_at.astimezone(zone):%d %b %Y %H:%M}{where}{who}"

    def read_only_reason(self, zone: tzinfo) -> str | None:
        """None while admitted; else one sentence: the record of a discharged patient is
        read-only (clinical-rules §11)."""
        if self.discharged_at is None:
            return None
        return (f"{self.name} (MRN {self.mrn}) was discharged on "
                f"{self.discharged_at.astimezone(zone):%d %b %Y at %H:%M}: their record is "
                "read-only.")

    @property
    def itb_high_risk(self) -> bool:
        """Boxed-warning high-risk groups for intrathecal withdrawal (clinical-rules §5)."""
        return (
            (self.sci_level is not None and sci_at_or_above(self.sci_level))
            or Flag.COMMUNICATION_DIFFICULTY in self.flags
            or Flag.PREVIOUS_WITHDRAWAL in self.flags
        )


@dataclass(frozen=True)
class Lab:
    """A renal result: eGFR (mL/min/1.73m2) and whether the patient is on dialysis."""

    taken_at: datetime
    egfr: float | None
    dialysis: bool
    id: int = 0
