"""What a write changed, so a front end refreshes only what shows it (Anki's ``OpChanges``).

Each use-case names what it writes where it opens its transaction (``ctx.write(Kind.DOSES,
patient_id)``); the context keeps what committed transactions wrote until the caller takes it
(``ctx.take_changes()``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class Kind(enum.Enum):
    """What views show, as far as a write can change it."""

    DOSES = "doses"  # administrations: the MAR, late/missed, dose alerts
    OBSERVATIONS = "observations"  # vital signs, NEWS2, monitoring and withdrawal alerts
    ORDERS = "orders"  # order versions and tapers: the current dose, the schedule
    PUMP = "pump"  # pump record, refills, alarms
    PATIENT = "patient"  # admission, bed, flags, labs, co-medications
    ACKS = "acks"  # alert acknowledgements
    SETTINGS = "settings"  # thresholds, dose times, the ward's time zone: everything may change
    USERS = "users"  # accounts, passwords, log-ins
    AUDIT = "audit"  # an entry in the audit trail only (a sheet printed, a backup made)


@dataclass(frozen=True)
class Changes:
    """What one or more writes changed: which patients, which kinds, and whether it reaches every
    patient on the ward (a setting, a demo ward)."""

    patient_ids: frozenset[int] = frozenset()
    kinds: frozenset[Kind] = frozenset()
    ward: bool = False

    @classmethod
    def of(cls, *kinds: Kind, patients: Iterable[int | None] = (), ward: bool = False) -> Changes:
        return cls(frozenset(p for p in patients if p is not None), frozenset(kinds), ward)

    @classmethod
    def everything(cls) -> Changes:
        """What the minute refresh assumes: time passed, so anything may read differently."""
        return cls(frozenset(), frozenset(Kind), True)

    def __or__(self, other: Changes) -> Changes:
        return Changes(self.patient_ids | other.patient_ids, self.kinds | other.kinds,
                       self.ward or other.ward)

    def __bool__(self) -> bool:
        return bool(self.kinds or self.patient_ids or self.ward)

    def touches(self, patient_id: int) -> bool:
        """Whether anything shown about this patient may have changed."""
        return self.ward or patient_id in self.patient_ids

    def any_of(self, *kinds: Kind) -> bool:
        return not self.kinds.isdisjoint(kinds)


NONE = Changes()

__all__ = ["NONE", "Changes", "Kind"]
