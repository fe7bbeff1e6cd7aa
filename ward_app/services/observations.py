"""Recording observations (vital signs, sedation, spasticity, withdrawal checklist), marking one
entered in error, and the history and trends the chart shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ward_app.domain.alerts import Alert
from ward_app.domain.entry import entered_late
from ward_app.domain.errors import InvalidInput
from ward_app.domain.news2 import News2, news2
from ward_app.domain.observations import (
    Acvpu,
    Observation,
    Poss,
    Sign,
    check_mas,
    check_range,
)
from ward_app.domain.patient import Flag, Patient
from ward_app.domain.roles import Action
from ward_app.domain.text import clean_text
from ward_app.services.alerts import ward_alerts
from ward_app.services.changes import Kind
from ward_app.services.context import Context
from ward_app.services.entry_time import check_act_time, with_act_time
from ward_app.services.patients import patient_by_id
from ward_app.services.requests import request_id, reused
from ward_app.storage import audit
from ward_app.storage import observations as repo
from ward_app.storage.errors import actionable_errors

if TYPE_CHECKING:
    from ward_app.storage.connection import Database

#: How far back an observation may be entered (back-entry after a busy spell), and how far ahead
#: of the clock (workstation clocks drift a little).
BACK_ENTRY_LIMIT = timedelta(hours=24)
CLOCK_SLACK = timedelta(minutes=5)


@dataclass(frozen=True)
class NewObservation:
    """One set of observations as values (the front end has parsed what was typed); every field
    optional, but at least one must be given. Ranges are checked here."""

    patient_id: int
    rr: float | None = None
    spo2: float | None = None
    on_oxygen: bool | None = None
    sbp: float | None = None
    hr: float | None = None
    acvpu: Acvpu | None = None
    temp: float | None = None
    poss: Poss | None = None
    rass: float | None = None
    mas: str | None = None  # a Modified Ashworth step: 0, 1, 1+, 2, 3, 4
    penn: float | None = None
    signs: frozenset[Sign] = frozenset()
    signs_checked: bool = False  # the withdrawal checklist was gone through (no signs is an answer)
    note: str | None = None
    taken_at: datetime | None = None
    client_id: str | None = None  # the form's request id: a retry with it stores nothing twice


@dataclass(frozen=True)
class Recorded:
    observation: Observation
    score: News2 | None
    patient: Patient
    alerts: list[Alert] = field(default_factory=list)  # the patient's active alerts afterwards


def _clean_note(note: str | None, field: str = "note") -> str | None:
    return clean_text(note, field, longest=500, label=f"The {field}")


def validate(new: NewObservation, patient: Patient, now: datetime) -> Observation:
    """The observation as it will be stored, or InvalidInput naming the field and its range."""
    taken = new.taken_at or now
    if taken > now + CLOCK_SLACK:
        raise InvalidInput("taken", "The observation time is in the future: give the time the "
                           "observations were taken.")
    if taken < now - BACK_ENTRY_LIMIT:
        raise InvalidInput("taken", "Observations can be entered up to 24 hours after they were "
                           "taken: this time is earlier. Write a note in the record instead.")
    signs = frozenset(new.signs)
    obs = Observation(
        id=0, patient_id=patient.id, taken_at=taken,
        rr=_int(check_range("rr", new.rr)), spo2=_int(check_range("spo2", new.spo2)),
        on_oxygen=new.on_oxygen, sbp=_int(check_range("sbp", new.sbp)),
        hr=_int(check_range("hr", new.hr)),
        acvpu=new.acvpu, temp=check_range("temp", new.temp, integer=False), poss=new.poss,
        rass=_int(check_range("rass", new.rass)), mas=check_mas(new.mas),
        penn=_int(check_range("penn", new.penn)),
        signs=signs,
        signs_checked=new.signs_checked or bool(signs), note=_clean_note(new.note),
    )
    if obs.on_oxygen is not None and not obs.has_vitals:
        obs = Observation(**{**obs.__dict__, "on_oxygen": None})
    if not (obs.has_vitals or obs.poss or obs.rass is not None or obs.mas or obs.penn is not None
            or obs.signs_checked or obs.note):
        raise InvalidInput("obs", "Nothing to record: give at least one observation (a vital "
                           "sign, sedation, spasticity or the withdrawal checklist).")
    return obs


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)


def _stored_before(ctx: Context, db: Database, client_id: str | None,
                   patient: Patient) -> Observation | None:
    """The set stored under this request id by an earlier attempt, if any (for this patient)."""
    if client_id is None:
        return None
    with actionable_errors():
        earlier = repo.by_client_id(db, client_id)
    if earlier is not None and earlier.patient_id != patient.id:
        raise reused("another patient's observations")
    if earlier is not None and ctx.actor is not None and earlier.by != ctx.actor.name:
        raise reused(f"observations {earlier.by} recorded")
    return earlier


def _recorded(ctx: Context, obs: Observation, patient: Patient, now: datetime) -> Recorded:
    score = news2(obs, Flag.HYPERCAPNIC in patient.flags) if obs.has_vitals else None
    return Recorded(obs, score, patient, ward_alerts(ctx, now, patient_id=patient.id))


def add_observation(ctx: Context, new: NewObservation) -> Recorded:
    """Validate and store one set of observations (nothing is stored if any value is refused).
    With ``new.client_id`` already stored (a retried save), the set stored then is returned and
    nothing is written."""
    actor = ctx.require(Action.RECORD_OBS)
    patient = patient_by_id(ctx, new.patient_id)
    client_id = request_id(new.client_id)
    earlier = _stored_before(ctx, ctx.db, client_id, patient)
    if earlier is not None:
        return _recorded(ctx, earlier, patient, ctx.now())
    now = ctx.now()
    obs = validate(new, patient, now)
    check_act_time(ctx, obs.taken_at, "taken")
    with ctx.write(Kind.OBSERVATIONS, patient.id) as db:
        earlier = _stored_before(ctx, db, client_id, patient)  # saved meanwhile by another try
        if earlier is not None:
            return _recorded(ctx, earlier, patient, now)
        entered = ctx.entered()
        oid = repo.insert(db, obs, user_id=actor.id, at=now, entered_at=entered,
                          client_id=client_id)
        score = news2(obs, Flag.HYPERCAPNIC in patient.flags) if obs.has_vitals else None
        audit.record(db, at=entered, user_id=actor.id, action="obs.add", entity="observation",
                     entity_id=oid, patient_id=patient.id,
                     detail=with_act_time(entered, now, {
                         "taken_at": obs.taken_at.isoformat(),
                         "news2": score.total if score else None,
                         "complete": score.complete if score else None,
                         "signs": sorted(s.value for s in obs.signs)}))
    stored = Observation(**{**obs.__dict__, "id": oid, "by": actor.name, "entered_at": entered})
    return Recorded(stored, score, patient, ward_alerts(ctx, now, patient_id=patient.id))


def correct_observation(ctx: Context, obs_id: int, reason: str) -> int:
    """Mark a set of observations entered in error: a new row names it; the original stays."""
    actor = ctx.require(Action.RECORD_OBS)
    why = _clean_note(reason, "reason")
    if not why or len(why) < 3:
        raise InvalidInput("reason", "Give the reason the observations were wrong (a few words).")
    with actionable_errors():
        original = repo.by_id(ctx.db, obs_id)
    if original is None:
        raise InvalidInput("id", f"There is no observation {obs_id}: check its number in the "
                           "patient's observations.")
    if original.corrects_id is not None:
        raise InvalidInput("id", f"Record {obs_id} is itself a correction: it cannot be corrected.")
    with actionable_errors():
        if repo.is_corrected(ctx.db, obs_id):
            raise InvalidInput("id", f"Observation {obs_id} is already marked entered in error.")
    now = ctx.now()
    with ctx.write(Kind.OBSERVATIONS, original.patient_id) as db:
        entered = ctx.entered()
        cid = repo.insert_correction(db, original, reason=why, user_id=actor.id, at=now,
                                     entered_at=entered)
        audit.record(db, at=entered, user_id=actor.id, action="obs.entered_in_error",
                     entity="observation", entity_id=obs_id, patient_id=original.patient_id,
                     detail=with_act_time(entered, now, {"correction_id": cid, "reason": why}))
    return cid


@dataclass(frozen=True)
class ObservationRow:
    """One set in the history, with its NEWS2 (None when no vital signs were taken)."""

    observation: Observation
    score: News2 | None
    entered_in_error: bool = False
    correction_reason: str | None = None
    entered_late: bool = False  # entered more than record.late_entry_minutes after it was taken


def history(ctx: Context, patient: Patient, start: datetime, end: datetime) -> list[ObservationRow]:
    """Every observation taken in [start, end), newest first, corrections folded in."""
    with actionable_errors():
        found = repo.for_patient(ctx.db, patient.id, start, end, include_corrected=True)
        reasons = repo.corrections_of(ctx.db, [o.id for o in found])
    hyper = Flag.HYPERCAPNIC in patient.flags
    late = float(ctx.thresholds().record_late_entry_minutes)
    rows = [ObservationRow(o, news2(o, hyper) if o.has_vitals else None, o.id in reasons,
                           reasons.get(o.id), entered_late(o.taken_at, o.entered_at, late))
            for o in found]
    return sorted(rows, key=lambda r: (r.observation.taken_at, r.observation.id), reverse=True)


def next_obs_due(ctx: Context, patient: Patient, at: datetime | None = None) -> datetime | None:
    """When the next full set of observations is due, from the latest NEWS2 (None: none yet)."""
    from ward_app.services.vitals import latest_news2

    moment = at or ctx.now()
    rows = history(ctx, patient, moment - timedelta(days=30), moment + CLOCK_SLACK)
    latest = latest_news2([r.observation for r in rows if not r.entered_in_error],
                          Flag.HYPERCAPNIC in patient.flags, ctx.thresholds(), moment)
    return latest.next_due if latest else None


__all__ = ["NewObservation", "ObservationRow", "Recorded", "add_observation",
           "correct_observation", "history", "next_obs_due", "validate"]
