"""Who may do what (README.md, "Using the window"): one table, used by the services (which refuse), the
command line (exit 1) and the window (which disables the action and says why).

A charge nurse may do everything a nurse may. Reading (lists, the MAR, alerts, checks) is open to
every role that works with patients (READ); the ``service`` role (a scheduled backup's account) may
only make backups (and check the database, which needs no user).
"""

from __future__ import annotations

from enum import StrEnum

from ward_app.domain.errors import Refused


class Role(StrEnum):
    NURSE = "nurse"
    CHARGE_NURSE = "charge_nurse"
    PHARMACIST = "pharmacist"
    ADMIN = "admin"
    SERVICE = "service"


ROLE_LABELS = {Role.NURSE: "nurse", Role.CHARGE_NURSE: "charge nurse",
               Role.PHARMACIST: "pharmacist", Role.ADMIN: "administrator",
               Role.SERVICE: "service account"}


class Action(StrEnum):
    """Things a user does that change the record, named as the table names them."""

    RECORD_DOSE = "record doses (give, not given, corrections)"
    RECORD_OBS = "record observations"
    ADD_LAB = "record lab results"
    REFILL_PUMP = "record pump refills"
    PUMP_ALARM = "record pump alarms"
    ACK_ALERT = "acknowledge alerts"
    EDIT_PATIENT = "admit, move or discharge patients and edit their flags"
    SET_PUMP = "record pump details"
    HANDOVER = "print the handover sheet"
    HANDOVER_NOTE = "write a patient's handover note"
    TAKE_OVER = "take over the ward or beds at a shift change"
    COMED = "record co-medications"
    ORDER = "prescribe, change or stop orders"
    TAPER = "plan and apply tapers"
    ADMIN = "manage users, settings and the demo"
    BACKUP = "make backups"
    READ = "read patient records"
    EXPORT = "export records"
    WITNESS = "witness intrathecal actions"
    SYNC = "keep this workstation in step with the ward server"
    PACKS = "maintain the ward's medicine pack table (GTINs)"


_NURSE = {Action.READ, Action.RECORD_DOSE, Action.RECORD_OBS, Action.ADD_LAB, Action.REFILL_PUMP,
          Action.PUMP_ALARM, Action.ACK_ALERT, Action.WITNESS, Action.HANDOVER_NOTE,
          Action.TAKE_OVER, Action.SYNC}
ALLOWED: dict[Role, frozenset[Action]] = {
    Role.NURSE: frozenset(_NURSE),
    Role.CHARGE_NURSE: frozenset(_NURSE | {Action.EDIT_PATIENT, Action.SET_PUMP, Action.HANDOVER,
                                           Action.COMED, Action.EXPORT}),
    Role.PHARMACIST: frozenset({Action.READ, Action.COMED, Action.ORDER, Action.TAPER,
                                Action.EXPORT, Action.WITNESS, Action.SYNC, Action.PACKS}),
    Role.ADMIN: frozenset({Action.READ, Action.ADMIN, Action.BACKUP, Action.EXPORT, Action.SYNC}),
    Role.SERVICE: frozenset({Action.BACKUP, Action.SYNC}),
}

#: Who to ask instead, by action.
WHO_CAN = {action: sorted((ROLE_LABELS[r] for r, acts in ALLOWED.items() if action in acts),
                          key=lambda label: list(ROLE_LABELS.values()).index(label))
           for action in Action}


def can(role: str, action: Action) -> bool:
    try:
        return action in ALLOWED[Role(role)]
    except ValueError:
        return False


def why_not(role: str, action: Action) -> str | None:
    """None when allowed; else one sentence saying who can (for a tooltip or an error)."""
    if can(role, action):
        return None
    label = ROLE_LABELS[Role(role)] if role in Role._value2member_map_ else role
    who = " or ".join(f"{_a(w)} {w}" for w in WHO_CAN[action]) or "nobody"
    return f"{_a(label).capitalize()} {label} cannot {action.value}: ask {who}."


def _a(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def require(role: str, action: Action) -> None:
    reason = why_not(role, action)
    if reason is not None:
        raise Refused("role.forbidden", reason)
