"""Loading what the alert rules and the board need for every patient, in a few indexed queries.

The cost follows the number of patients and the recent window, not the length of history.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ward_app.domain.alerts import PatientSnapshot
from ward_app.domain.dose_alerts import history_hours
from ward_app.domain.rules import Thresholds
from ward_app.services.context import Context
from ward_app.storage import administrations, orders
from ward_app.storage import patients as patient_repo
from ward_app.storage.errors import actionable_errors


def load_snapshots(ctx: Context, now: datetime, t: Thresholds,
                   patient_id: int | None = None) -> list[PatientSnapshot]:
    start = now - timedelta(hours=history_hours(t))
    end = now + timedelta(days=1)
    with actionable_errors():
        patients = patient_repo.patients(ctx.db)
        versions = orders.versions_since(ctx.db, start, patient_id)
        if patient_id is None:
            records = administrations.for_ward(ctx.db, start, end)
        else:
            records = {patient_id: administrations.for_patient(ctx.db, patient_id, start, end)}
        since = patient_repo.flags_since(ctx.db)
    return [
        PatientSnapshot(patient=p, versions=tuple(versions.get(p.id, ())),
                        records=tuple(records.get(p.id, ())), zone=ctx.zone,
                        flag_since=since.get(p.id, {}))
        for p in patients if patient_id is None or p.id == patient_id
    ]
