"""Calling the services from what a person typed (an MRN, 'HH:MM', a user name, a reason word),
parsed the way the command line parses it (ward_app/cli/parsing.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from ward_app.cli import parsing
from ward_app.domain.mar import parse_reason
from ward_app.domain.orders import Order
from ward_app.domain.patient import Patient
from ward_app.domain.pump import Pump, PumpAlarm
from ward_app.services import mar, observations, orders, patients, pumps, settings, tapers
from ward_app.services.context import Context


def pid(ctx: Context, mrn: str) -> int:
    return parsing.patient(ctx, mrn).id


def due(ctx: Context, mrn: str, text: str) -> datetime:
    return parsing.due(ctx, parsing.patient(ctx, mrn), text)


def uid(ctx: Context, name: str | None, field: str = "witness") -> int | None:
    return parsing.user_id(ctx, name or None, field)


def typed_password(name: str | None) -> str | None:
    """The password the witness ``name`` types (tests.conftest.pw), None for no witness."""
    from tests.conftest import pw

    return pw(name) if name else None


def give(ctx: Context, mrn: str, due_text: str, *, witness: str | None = None,
         at: datetime | None = None, **kw: object) -> mar.Recorded:
    """Give a due dose now, or ``at`` that moment (the context's act clock, for this call)."""
    patient = parsing.patient(ctx, mrn)
    kw.setdefault("witness_password", typed_password(witness))
    due = parsing.due(ctx, patient, due_text)
    clock = ctx.clock
    if at is not None:
        ctx.clock = lambda: at
    try:
        return mar.give_dose(ctx, patient.id, due, witness_id=uid(ctx, witness),
                             **kw)  # type: ignore[arg-type]
    finally:
        ctx.clock = clock


def omit(ctx: Context, mrn: str, due_text: str, reason: str, **kw: object) -> mar.Recorded:
    patient = parsing.patient(ctx, mrn)
    return mar.omit_dose(ctx, patient.id, parsing.due(ctx, patient, due_text),
                         parse_reason(reason), **kw)  # type: ignore[arg-type]


def bolus(ctx: Context, mrn: str, mcg: float, witness: str | None,
          note: str | None = None, **kw: object) -> mar.Recorded:
    kw.setdefault("witness_password", typed_password(witness))
    return mar.give_bolus(ctx, pid(ctx, mrn), mcg, uid(ctx, witness), note,
                          **kw)  # type: ignore[arg-type]


def mar_day(ctx: Context, mrn: str, day: date | None = None) -> tuple:
    return mar.mar_day(ctx, pid(ctx, mrn), day)


@dataclass(frozen=True)
class OrderText:
    """``order add``'s options as typed."""

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
    ack_warnings: bool = False  # --ack-warnings: the prescriber acknowledges the cautions


def new_order(ctx: Context, text: OrderText) -> orders.NewOrder:
    made = parsing.new_order(ctx, mrn=text.mrn, route=text.route, dose_mg=text.dose_mg,
                             daily_mcg=text.daily_mcg, freq=text.freq, times=text.times,
                             indication_text=text.indication, override_reason=text.override_reason,
                             witness=text.witness, ack_cautions=text.ack_warnings)
    return replace(made, start=text.start)


def add_order(ctx: Context, text: OrderText, **kw: object) -> Order:
    kw.setdefault("witness_password", typed_password(text.witness))
    return orders.add_order(ctx, new_order(ctx, text), **kw)  # type: ignore[arg-type]


def stop_order(ctx: Context, mrn: str, reason: str, prescriber: str | None = None) -> Order:
    return orders.stop_order(ctx, pid(ctx, mrn), reason, prescriber)


@dataclass(frozen=True)
class RefillText:
    """``pump refill``'s options as typed."""

    mrn: str
    volume_ml: float
    conc_mcg_ml: float
    daily_mcg: float
    witness: str | None
    alarm_ml: float | None = None
    witness_password: str | None = None
    refilled_at: datetime | None = None
    next_refill: date | None = None
    change_order: bool = False
    withdrawn_ml: float | None = None


def refill_pump(ctx: Context, text: RefillText) -> pumps.RefillDone:
    return pumps.refill_pump(ctx, pumps.NewRefill(
        patient_id=pid(ctx, text.mrn), volume_ml=text.volume_ml, conc_mcg_ml=text.conc_mcg_ml,
        daily_mcg=text.daily_mcg, witness_id=uid(ctx, text.witness), alarm_ml=text.alarm_ml,
        witness_password=text.witness_password if text.witness_password is not None
        else typed_password(text.witness), refilled_at=text.refilled_at,
        next_refill=text.next_refill, change_order=text.change_order,
        withdrawn_ml=text.withdrawn_ml))


def set_pump(ctx: Context, mrn: str, **kw: object) -> Pump:
    return pumps.set_pump(ctx, pid(ctx, mrn), **kw)  # type: ignore[arg-type]


def record_alarm(ctx: Context, mrn: str, kind: str, note: str | None = None,
                 heard_at: datetime | None = None) -> PumpAlarm:
    return pumps.record_alarm(ctx, pid(ctx, mrn), parsing.alarm_kind(kind), note, heard_at)


@dataclass(frozen=True)
class ObsText:
    """``obs add``'s options as typed."""

    mrn: str
    rr: float | None = None
    spo2: float | None = None
    on_oxygen: bool | None = None
    sbp: float | None = None
    hr: float | None = None
    acvpu: str | None = None
    temp: float | None = None
    poss: str | None = None
    rass: float | None = None
    mas: str | None = None
    penn: float | None = None
    signs: tuple[str, ...] = ()
    signs_checked: bool = False
    note: str | None = None
    taken_at: datetime | None = None


def new_observation(ctx: Context, text: ObsText) -> observations.NewObservation:
    return observations.NewObservation(
        patient_id=pid(ctx, text.mrn), rr=text.rr, spo2=text.spo2, on_oxygen=text.on_oxygen,
        sbp=text.sbp, hr=text.hr, acvpu=parsing.acvpu(text.acvpu), temp=text.temp,
        poss=parsing.poss(text.poss), rass=text.rass, mas=text.mas, penn=text.penn,
        signs=parsing.signs(text.signs), signs_checked=text.signs_checked, note=text.note,
        taken_at=text.taken_at)


def add_observation(ctx: Context, text: ObsText) -> observations.Recorded:
    return observations.add_observation(ctx, new_observation(ctx, text))


def patient_text(*, flags: tuple[str, ...] = (), **kw: object) -> patients.NewPatient:
    """``patient add``'s options as typed (flags as words)."""
    return patients.NewPatient(flags=parsing.flags(flags), **kw)  # type: ignore[arg-type]


def set_patient(ctx: Context, mrn: str, *, set_flags: tuple[str, ...] | list[str] = (),
                clear_flags: tuple[str, ...] | list[str] = (), oral_form: str | None = None,
                **kw: object) -> Patient:
    changes = patients.PatientChanges(
        set_flags=parsing.flags(set_flags), clear_flags=parsing.flags(clear_flags, "clear-flag"),
        oral_form=parsing.oral_form(oral_form), **kw)  # type: ignore[arg-type]
    return patients.set_patient(ctx, pid(ctx, mrn), changes)


def add_lab(ctx: Context, mrn: str, **kw: object) -> int:
    return patients.add_lab(ctx, pid(ctx, mrn), **kw)  # type: ignore[arg-type]


def add_comedication(ctx: Context, mrn: str, drug: str) -> int:
    return patients.add_comedication(ctx, pid(ctx, mrn), drug)


def stop_comedication(ctx: Context, mrn: str, drug: str) -> int:
    return patients.stop_comedication(ctx, pid(ctx, mrn), drug)


def comedications(ctx: Context, mrn: str) -> list[str]:
    return patients.comedications(ctx, pid(ctx, mrn))


@dataclass(frozen=True)
class TaperText:
    """``taper plan``'s options as typed."""

    mrn: str
    step_mg: float | None = None
    step_pct: float | None = None
    every_days: int | None = None
    start: date | None = None
    form: str | None = None


def taper_params(ctx: Context, text: TaperText) -> tapers.TaperParams:
    return tapers.TaperParams(patient_id=pid(ctx, text.mrn), step_mg=text.step_mg,
                              step_pct=text.step_pct, every_days=text.every_days,
                              start=text.start, form=parsing.oral_form(text.form, "form"))


def taper_preview(ctx: Context, text: TaperText) -> tapers.TaperPreview:
    return tapers.preview(ctx, taper_params(ctx, text))


def taper_apply(ctx: Context, text: TaperText, prescriber: str) -> tuple[tapers.TaperPreview, int]:
    return tapers.apply(ctx, taper_params(ctx, text), prescriber)


def taper_cancel(ctx: Context, mrn: str, reason: str, from_moment: datetime | None = None) -> Order:
    return tapers.cancel(ctx, pid(ctx, mrn), reason, from_moment)


def set_setting(ctx: Context, key: str, text: str) -> settings.SettingValue:
    """``settings set KEY VALUE`` as typed."""
    return settings.set_setting(ctx, key, settings.parse_value(settings.find_setting(key), text))
