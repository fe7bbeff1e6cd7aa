"""Prescribing: order versions (a change supersedes, never edits) and the guarded stop."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, time

from ward_app.domain.clock import from_utc_text
from ward_app.domain.errors import InvalidInput, Refused
from ward_app.domain.orders import (
    Caution,
    Frequency,
    Indication,
    Order,
    OrderAction,
    Route,
)
from ward_app.domain.patient import Lab
from ward_app.domain.prescribing import Proposed, order_cautions
from ward_app.domain.roles import Action, can
from ward_app.domain.text import clean_text
from ward_app.services.changes import Kind
from ward_app.services.context import Actor, Context
from ward_app.services.entry_time import act_detail
from ward_app.services.patients import patient_by_id
from ward_app.storage import audit, people
from ward_app.storage import orders as repo
from ward_app.storage import patients as patient_repo
from ward_app.storage.errors import actionable_errors

TIMES_PER_DAY = {Frequency.OD: 1, Frequency.BD: 2, Frequency.TDS: 3, Frequency.QDS: 4}
STOP_SAR = "serious_adverse_reaction"
_REASON = re.compile(r"^[a-z][a-z_]{1,40}$")


@dataclass(frozen=True)
class NewOrder:
    """A prescription as values: the front end has parsed what was typed (MRN, route, times)."""

    patient_id: int
    route: Route
    dose_mg: float | None = None
    daily_mcg: float | None = None
    freq: Frequency | None = None
    times: tuple[time, ...] | None = None
    indication: Indication | None = None
    start: datetime | None = None
    override_reason: str | None = None
    witness_id: int | None = None
    #: The prescriber has seen and acknowledges every caution that applies (clinical-rules §9).
    ack_cautions: bool = False


class CautionsToAcknowledge(Refused):
    """The order has cautions the prescriber has not acknowledged yet (``cautions``)."""

    def __init__(self, cautions: list[Caution]) -> None:
        listed = " ".join(f"({i}) {c.message}" for i, c in enumerate(cautions, 1))
        super().__init__("order.cautions", f"Before this order is saved the prescriber "
                         f"acknowledges {'this caution' if len(cautions) == 1 else 'these cautions'}"
                         f": {listed}")
        self.cautions = cautions


def cautions_for(ctx: Context, new: NewOrder) -> list[Caution]:
    """Every caution that applies to ``new`` (clinical-rules §9): what the order form shows and the
    prescriber acknowledges before saving."""
    patient = patient_by_id(ctx, new.patient_id)
    now = ctx.now()
    with actionable_errors():
        lab_row = patient_repo.latest_labs(ctx.db, now).get(patient.id)
        comeds = patient_repo.comedications(ctx.db, patient.id)
        previous = repo.current_orders(ctx.db, new.start or now).get(patient.id)
    lab = Lab(from_utc_text(lab_row.taken_at), lab_row.egfr, lab_row.dialysis, lab_row.id) \
        if lab_row else None
    if new.route is Route.INTRATHECAL:
        proposed = Proposed(new.route, daily_mcg=new.daily_mcg)
    else:
        count = len(new.times) if new.times else len(ctx.thresholds().times_for(new.freq.value)) \
            if new.freq is not None and new.freq is not Frequency.CUSTOM else 0
        proposed = Proposed(new.route, daily_mg=(new.dose_mg or 0) * count, doses_per_day=count)
    return order_cautions(patient, proposed, lab=lab, comeds=comeds, previous=previous,
                          t=ctx.thresholds())


def order_in_force(ctx: Context, patient_id: int, at: datetime | None = None) -> Order | None:
    """The order version in force at ``at`` (default now); None when there is none or it was
    stopped. What the order form starts from when the prescriber changes it."""
    patient = patient_by_id(ctx, patient_id)
    with actionable_errors():
        order = repo.current_orders(ctx.db, at or ctx.now()).get(patient.id)
    return None if order is None or order.action is OrderAction.STOP else order


def latest_version(ctx: Context, patient_id: int) -> Order | None:
    """The patient's latest order version (it may start later: a planned change or a taper's
    last step); a new version starts at or after it."""
    patient = patient_by_id(ctx, patient_id)
    with actionable_errors():
        return repo.latest_version(ctx.db, patient.id)


def witness_for(ctx: Context, actor: Actor, witness_id: int | None, what: str, *,
                password: str | None, proven: bool = False, field: str = "witness") -> int:
    """A second, different user who confirms an intrathecal action (clinical-rules §2) and types
    their own password (the window and the command line always ask): a wrong or missing password,
    or a locked or deactivated witness, is refused, audited and counts toward the witness's
    lockout. ``proven``: the caller has already checked this witness (the logged-in user, or a
    witness whose password was checked earlier in the same use-case)."""
    from ward_app.services.auth import prove_witness

    if witness_id is None:
        raise InvalidInput(field, f"{what} needs a witness: choose another user who saw it.")
    with actionable_errors():
        row = people.user_by_id(ctx.db, witness_id)
    if row is None:
        raise InvalidInput(field, "The witness is not an active user: choose an existing user.")
    if row.id == actor.id:
        raise InvalidInput(field, "The witness must be a different user from the one recording.")
    if row.active and not can(row.role, Action.WITNESS):
        raise Refused("witness.role", f"{row.name} cannot witness (role {row.role}): choose a "
                      "nurse, charge nurse or pharmacist.")
    if not proven:
        prove_witness(ctx, row, password)
    elif not row.active:
        raise InvalidInput(field, "The witness is not an active user: choose an existing user.")
    return row.id


def _positive(value: float, field: str, unit: str) -> float:
    if not math.isfinite(value) or value <= 0:
        raise InvalidInput(field, f"The dose must be a positive number of {unit}.")
    return value


def _schedule(ctx: Context, new: NewOrder) -> tuple[Frequency, tuple[str, ...]]:
    freq = new.freq
    if new.times:
        times = tuple(sorted({f"{t:%H:%M}" for t in new.times}))
        if len(times) != len(new.times):
            raise InvalidInput("times", "A dose time is given twice: give each time once.")
        if freq in TIMES_PER_DAY and len(times) != TIMES_PER_DAY[freq]:  # type: ignore[index]
            raise InvalidInput("times", f"{freq.value} means {TIMES_PER_DAY[freq]} dose times a day, "  # type: ignore[index, union-attr]
                               f"but {len(times)} were given: give that many times, or change "
                               "how often.")
        return freq or Frequency.CUSTOM, times
    if freq is None or freq is Frequency.CUSTOM:
        raise InvalidInput("freq", "Say how often (OD, BD, TDS or QDS), or give the dose times.")
    return freq, tuple(ctx.thresholds().times_for(freq.value))


def add_order(ctx: Context, new: NewOrder, *, witness_password: str | None = None,
              witness_proven: bool = False) -> Order:
    """A new order, or a new version superseding the one in force from its start time. An
    intrathecal order needs a witness who types ``witness_password`` (``witness_proven``: the
    caller has already checked the witness, see ``witness_for``)."""
    actor = ctx.require(Action.ORDER)
    patient = patient_by_id(ctx, new.patient_id)
    route = new.route
    now = ctx.now()
    start = new.start or now
    t = ctx.thresholds()
    override = clean_text(new.override_reason, "override-reason", longest=300,
                          label="The override reason")
    witness_id = None
    if route is Route.INTRATHECAL:
        if new.dose_mg is not None:
            raise InvalidInput("route-dose", "Intrathecal doses are in mcg/day, not mg: give the daily "
                               "dose in mcg.")
        if new.daily_mcg is None:
            raise InvalidInput("daily-mcg", "An intrathecal order needs the daily dose in mcg/day.")
        if new.freq or new.times:
            raise InvalidInput("freq", "An intrathecal infusion is continuous: leave out how often "
                               "and the dose times.")
        daily = _positive(new.daily_mcg, "daily-mcg", "mcg/day")
        witness_id = witness_for(ctx, actor, new.witness_id, "An intrathecal order or dose change",
                                 password=witness_password, proven=witness_proven)
        fields: dict[str, object] = {"daily_mcg": daily}
    else:
        if new.daily_mcg is not None:
            raise InvalidInput("route-dose", f"{route.value.capitalize()} doses are in mg per dose, "
                               "not mcg/day: give the dose in mg.")
        if new.dose_mg is None:
            raise InvalidInput("dose-mg", f"An {route.value} order needs the dose in mg per dose.")
        dose = _positive(new.dose_mg, "dose-mg", "mg")
        freq, times = _schedule(ctx, new)
        indication = new.indication or Indication.SPASTICITY
        daily_mg = dose * len(times)
        warn = float(t.oral_max_daily_warning_mg)
        if daily_mg > warn and not override:
            raise Refused(
                "dose.max_daily",
                f"{daily_mg:g} mg/day is above the {warn:g} mg/day maximum (clinical-rules §1). Prescribe it "
                "only with the prescriber's reason for going over it (the override reason).")
        fields = {"dose_mg": dose, "times": times, "frequency": freq, "indication": indication,
                  "override_reason": override}
    cautions = tuple(cautions_for(ctx, new))
    if cautions and not new.ack_cautions:
        raise CautionsToAcknowledge(list(cautions))
    with actionable_errors():
        latest = repo.latest_version(ctx.db, patient.id)
    if latest is not None and start < latest.starts_at and latest.taper_id is not None:
        raise Refused("taper.exists", "A taper is planned for this patient until "
                      f"{latest.starts_at.astimezone(ctx.zone):%d %b %Y}: cancel the taper first "
                      "(Taper, Cancel taper), then change the order.")
    if latest is not None and start < latest.starts_at:
        local = latest.starts_at.astimezone(ctx.zone).strftime("%Y-%m-%d %H:%M")
        raise InvalidInput("start", f"The start is before the latest order version ({local}): a new "
                           "version must start at or after it.")
    action = OrderAction.START if latest is None or latest.action is OrderAction.STOP else (
        OrderAction.CHANGE)
    with ctx.write(Kind.ORDERS, patient.id) as db:
        oid = repo.insert_order(db, patient_id=patient.id, action=action, route=route,
                                starts_at=start, user_id=actor.id, at=now,
                                entered_at=ctx.entered(),
                                supersedes_id=latest.id if action is OrderAction.CHANGE and latest
                                else None, cautions=cautions,
                                **fields)  # type: ignore[arg-type]
        audit.record(db, at=ctx.entered(), user_id=actor.id, action=f"order.{action.value}",
                     entity="order", entity_id=oid, patient_id=patient.id,
                     detail=act_detail(ctx, now, {
                         "route": route.value, "start": start.isoformat(),
                         "witness_id": witness_id,
                         "cautions_acknowledged": [c.rule for c in cautions],
                         **{k: (list(v) if isinstance(v, tuple) else str(v) if v is not None
                                else None) for k, v in fields.items()}}))
    versions = repo.versions_since(ctx.db, start, patient.id).get(patient.id, [])
    return next(o for o in versions if o.id == oid)


def stop_order(ctx: Context, patient_id: int, reason: str, prescriber: str | None = None) -> Order:
    """Stop at once: refused unless for a serious adverse reaction (clinical-rules §7). ``reason`` is a
    reason code (``serious_adverse_reaction``...)."""
    actor = ctx.require(Action.ORDER)
    patient = patient_by_id(ctx, patient_id)
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
               "Reduce it gradually instead: plan a taper.")
        raise Refused(
            "order.stop_abrupt",
            "Stopping baclofen abruptly is refused: it can cause withdrawal (hallucinations, "
            f"seizures; life-threatening with intrathecal therapy). {how} Only a serious adverse "
            f"reaction allows an immediate stop (reason {STOP_SAR}, naming the prescriber).")
    who = clean_text(prescriber, "prescriber", longest=80, label="The prescriber's name")
    if not who:
        raise InvalidInput("prescriber", "Name the prescriber who decided to stop it.")
    with ctx.write(Kind.ORDERS, patient.id) as db:
        oid = repo.insert_order(db, patient_id=patient.id, action=OrderAction.STOP,
                                route=current.route, starts_at=now, user_id=actor.id, at=now,
                                entered_at=ctx.entered(), stop_reason=code, prescriber=who,
                                supersedes_id=current.id)
        audit.record(db, at=ctx.entered(), user_id=actor.id, action="order.stop", entity="order",
                     entity_id=oid, patient_id=patient.id,
                     detail=act_detail(ctx, now, {"reason": code, "prescriber": who,
                                                  "supersedes": current.id}))
    versions = repo.versions_since(ctx.db, now, patient.id).get(patient.id, [])
    return next(o for o in versions if o.id == oid)
