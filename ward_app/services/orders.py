"""Prescribing: order versions (a change supersedes, never edits) and the guarded stop."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

from ward_app.domain.errors import InvalidInput, Refused
from ward_app.domain.orders import (
    Frequency,
    Indication,
    Order,
    OrderAction,
    Route,
    parse_route,
    parse_times,
)
from ward_app.domain.roles import Action, can
from ward_app.domain.text import clean_text, lookup_text
from ward_app.services.auth import verify_password
from ward_app.services.changes import Kind
from ward_app.services.context import Actor, Context
from ward_app.services.patients import get_patient
from ward_app.storage import audit, people
from ward_app.storage import orders as repo
from ward_app.storage.errors import actionable_errors

TIMES_PER_DAY = {Frequency.OD: 1, Frequency.BD: 2, Frequency.TDS: 3, Frequency.QDS: 4}
STOP_SAR = "serious_adverse_reaction"
_REASON = re.compile(r"^[a-z][a-z_]{1,40}$")


@dataclass(frozen=True)
class NewOrder:
    mrn: str
    route: str
    dose_mg: float | None = None
    daily_mcg: float | None = None
    freq: str | None = None
    times: str | None = None
    indication: str | None = None
    start: datetime | None = None
    override_reason: str | None = None
    witness: str | None = None


def witness_for(ctx: Context, actor: Actor, name: str | None, what: str, *,
                password: str | None = None) -> int:
    """A second, different user who confirms an intrathecal action (RULES §2). With ``password``
    (the window always asks) the witness must also type their own password."""
    if not name:
        raise InvalidInput("witness", f"{what} needs a witness: give --witness NAME (another user).")
    name = lookup_text(name, "witness")
    with actionable_errors():
        row = people.user_by_name(ctx.db, name)
    if row is None or not row.active:
        raise InvalidInput("witness", f"There is no user '{name}' to witness: give an existing user.")
    if row.id == actor.id:
        raise InvalidInput("witness", "The witness must be a different user from the one recording.")
    if not can(row.role, Action.WITNESS):
        raise Refused("witness.role", f"{row.name} cannot witness (role {row.role}): choose a "
                      "nurse, charge nurse or pharmacist.")
    if password is not None and not verify_password(row.password_hash, password):
        raise Refused("witness.password", f"The witness password for {row.name} is not right: "
                      "the witness types their own password.")
    return row.id


def _positive(value: float, field: str, unit: str) -> float:
    if not math.isfinite(value) or value <= 0:
        raise InvalidInput(field, f"--{field} must be a positive number of {unit}.")
    return value


def _schedule(ctx: Context, new: NewOrder) -> tuple[Frequency, tuple[str, ...]]:
    freq: Frequency | None = None
    if new.freq:
        try:
            freq = Frequency(new.freq.strip().upper() if new.freq.lower() != "custom" else "custom")
        except ValueError:
            raise InvalidInput("freq", f"'{new.freq}' is not a frequency: use OD, BD, TDS or QDS, "
                               "or give --times.") from None
    if new.times:
        times = parse_times(new.times)
        if freq in TIMES_PER_DAY and len(times) != TIMES_PER_DAY[freq]:  # type: ignore[index]
            raise InvalidInput("times", f"{freq.value} means {TIMES_PER_DAY[freq]} dose times a day, "  # type: ignore[index, union-attr]
                               f"but {len(times)} were given: fix --times or --freq.")
        return freq or Frequency.CUSTOM, times
    if freq is None or freq is Frequency.CUSTOM:
        raise InvalidInput("freq", "Give --freq OD|BD|TDS|QDS, or the dose times with --times.")
    return freq, tuple(ctx.thresholds().times_for(freq.value))


def add_order(ctx: Context, new: NewOrder, *, witness_password: str | None = None) -> Order:
    """A new order, or a new version superseding the one in force from its start time."""
    actor = ctx.require(Action.ORDER)
    patient = get_patient(ctx, new.mrn)
    route = parse_route(new.route)
    now = ctx.now()
    start = new.start or now
    t = ctx.thresholds()
    override = clean_text(new.override_reason, "override-reason", longest=300)
    witness_id = None
    if route is Route.INTRATHECAL:
        if new.dose_mg is not None:
            raise InvalidInput("dose-mg", "Intrathecal doses are in mcg/day, not mg: give --daily-mcg.")
        if new.daily_mcg is None:
            raise InvalidInput("daily-mcg", "An intrathecal order needs --daily-mcg N (mcg/day).")
        if new.freq or new.times:
            raise InvalidInput("freq", "An intrathecal infusion is continuous: drop --freq/--times.")
        daily = _positive(new.daily_mcg, "daily-mcg", "mcg/day")
        witness_id = witness_for(ctx, actor, new.witness, "An intrathecal order or dose change",
                                 password=witness_password)
        fields: dict[str, object] = {"daily_mcg": daily}
    else:
        if new.daily_mcg is not None:
            raise InvalidInput("daily-mcg", f"{route.value.capitalize()} doses are in mg per dose, "
                               "not mcg/day: give --dose-mg.")
        if new.dose_mg is None:
            raise InvalidInput("dose-mg", f"An {route.value} order needs --dose-mg N (mg per dose).")
        dose = _positive(new.dose_mg, "dose-mg", "mg")
        freq, times = _schedule(ctx, new)
        try:
            indication = Indication((new.indication or "spasticity").strip().lower())
        except ValueError:
            raise InvalidInput("indication", f"'{new.indication}' is not an indication: use "
                               "spasticity, alcohol_use_disorder or other.") from None
        daily_mg = dose * len(times)
        warn = float(t.oral_max_daily_warning_mg)
        if daily_mg > warn and not override:
            raise Refused(
                "dose.max_daily",
                f"{daily_mg:g} mg/day is above the {warn:g} mg/day maximum (RULES §1). Prescribe it "
                "only with the prescriber's reason: add --override-reason TEXT.")
        fields = {"dose_mg": dose, "times": times, "frequency": freq, "indication": indication,
                  "override_reason": override}
    with actionable_errors():
        latest = repo.latest_version(ctx.db, patient.id)
    if latest is not None and start < latest.starts_at and latest.taper_id is not None:
        raise Refused("taper.exists", "A taper is planned for this patient until "
                      f"{latest.starts_at.astimezone(ctx.zone):%d %b %Y}: cancel it first "
                      f"(ward-app taper cancel --mrn {patient.mrn}), then change the order.")
    if latest is not None and start < latest.starts_at:
        local = latest.starts_at.astimezone(ctx.zone).strftime("%Y-%m-%d %H:%M")
        raise InvalidInput("start", f"--start is before the latest order version ({local}): a new "
                           "version must start at or after it.")
    action = OrderAction.START if latest is None or latest.action is OrderAction.STOP else (
        OrderAction.CHANGE)
    with ctx.write(Kind.ORDERS, patient.id) as db:
        oid = repo.insert_order(db, patient_id=patient.id, action=action, route=route,
                                starts_at=start, user_id=actor.id, at=now,
                                supersedes_id=latest.id if action is OrderAction.CHANGE and latest
                                else None, **fields)  # type: ignore[arg-type]
        audit.record(db, at=now, user_id=actor.id, action=f"order.{action.value}", entity="order",
                     entity_id=oid, patient_id=patient.id,
                     detail={"route": route.value, "start": start.isoformat(),
                             "witness_id": witness_id,
                             **{k: (list(v) if isinstance(v, tuple) else str(v) if v is not None
                                    else None) for k, v in fields.items()}})
    versions = repo.versions_since(ctx.db, start, patient.id).get(patient.id, [])
    return next(o for o in versions if o.id == oid)


def stop_order(ctx: Context, mrn: str, reason: str, prescriber: str | None = None) -> Order:
    """Stop at once: refused unless for a serious adverse reaction (RULES §7)."""
    actor = ctx.require(Action.ORDER)
    patient = get_patient(ctx, mrn)
    code = reason.strip().lower()
    if not _REASON.match(code):
        raise InvalidInput("reason", f"'{reason}' is not a reason code: use e.g. {STOP_SAR}.")
    now = ctx.now()
    with actionable_errors():
        current = repo.current_orders(ctx.db, now).get(patient.id)
    if current is None:
        raise InvalidInput("mrn", f"MRN {patient.mrn} has no baclofen order in force to stop.")
    if code != STOP_SAR:
        how = ("Intrathecal reductions are a specialist decision: ask the ITB team to plan and "
               "record them." if current.route is Route.INTRATHECAL else
               f"Reduce it gradually instead: ward-app taper plan --mrn {patient.mrn}.")
        raise Refused(
            "order.stop_abrupt",
            "Stopping baclofen abruptly is refused: it can cause withdrawal (hallucinations, "
            f"seizures; life-threatening with intrathecal therapy). {how} Only a serious adverse "
            f"reaction allows an immediate stop (--reason {STOP_SAR} --prescriber NAME).")
    who = clean_text(prescriber, "prescriber", longest=80)
    if not who:
        raise InvalidInput("prescriber", "Name the prescriber who stopped it: --prescriber NAME.")
    with ctx.write(Kind.ORDERS, patient.id) as db:
        oid = repo.insert_order(db, patient_id=patient.id, action=OrderAction.STOP,
                                route=current.route, starts_at=now, user_id=actor.id, at=now,
                                stop_reason=code, prescriber=who, supersedes_id=current.id)
        audit.record(db, at=now, user_id=actor.id, action="order.stop", entity="order",
                     entity_id=oid, patient_id=patient.id,
                     detail={"reason": code, "prescriber": who, "supersedes": current.id})
    versions = repo.versions_since(ctx.db, now, patient.id).get(patient.id, [])
    return next(o for o in versions if o.id == oid)
