"""Loading what the alert rules and the board need for every patient, in a few indexed queries.

The cost follows the number of patients and the recent window, not the length of history.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from ward_app.domain.alerts import PatientSnapshot
from ward_app.domain.clinical_alerts import observation_hours
from ward_app.domain.clock import from_utc_text
from ward_app.domain.dose_alerts import history_hours
from ward_app.domain.patient import Lab
from ward_app.domain.rules import Thresholds
from ward_app.services.context import Context
from ward_app.services.pumps import pump_states
from ward_app.storage import administrations, orders
from ward_app.storage import observations as obs_repo
from ward_app.storage import patients as patient_repo
from ward_app.storage.errors import actionable_errors
from ward_app.storage.sync import conflicts


def load_snapshots(ctx: Context, now: datetime, t: Thresholds, patient_id: int | None = None, *,
                   patient_ids: Collection[int] | None = None, include_discharged: bool = False
                   ) -> list[PatientSnapshot]:
    """Every admitted patient's snapshot, or only those of ``patient_ids`` (or ``patient_id``): a
    targeted refresh after a write loads one patient's orders, records and pump, not the ward's.
    Discharged patients are left out unless ``include_discharged`` (a discharged patient's chart)."""
    wanted = set(patient_ids) if patient_ids is not None else None
    if patient_id is not None:
        wanted = {patient_id}
    start = now - timedelta(hours=history_hours(t))
    # observations go back a withdrawal episode too (its signs stay listed: clinical-rules §10)
    obs_start = now - timedelta(hours=observation_hours(t))
    end = now + timedelta(days=1)
    one = next(iter(wanted)) if wanted is not None and len(wanted) == 1 else None
    with actionable_errors():
        # a discharged patient leaves the board, the alerts, the worklist and the handover
        patients = patient_repo.patients(ctx.db, admitted_only=not include_discharged)
        versions = orders.versions_since(ctx.db, start, one)
        if one is None:
            records = administrations.for_ward(ctx.db, start, end)
        else:
            records = {one: administrations.for_patient(ctx.db, one, start, end)}
        since = patient_repo.flags_since(ctx.db)
        observations = obs_repo.recent(ctx.db, obs_start, end)
        older = obs_repo.latest_before(ctx.db, obs_start)
        baselines = obs_repo.baseline_mas(ctx.db)
        labs = patient_repo.latest_labs(ctx.db, now)
        comeds = patient_repo.all_comedications(ctx.db)
        twice = conflicts.recorded_twice(ctx.db, wanted)
    pumps = pump_states(ctx, now, wanted)
    out = []
    for p in patients:
        if wanted is not None and p.id not in wanted:
            continue
        obs = observations.get(p.id, [])
        if p.id in older:
            obs = [older[p.id], *obs]
        lab = labs.get(p.id)
        out.append(PatientSnapshot(
            patient=p, versions=tuple(versions.get(p.id, ())), records=tuple(records.get(p.id, ())),
            zone=ctx.zone, flag_since=since.get(p.id, {}), observations=tuple(obs),
            baseline_mas=baselines.get(p.id),
            lab=Lab(from_utc_text(lab.taken_at), lab.egfr, lab.dialysis, lab.id) if lab else None,
            comeds=tuple(comeds.get(p.id, ())), pump=pumps.get(p.id),
            twice=tuple(twice.get(p.id, ())), loaded_for=now))
    return out
