"""The pump failure checklist's ticks (clinical-rules §6): append-only, one row per step done (who,
when it was done, whom they called, a note); the latest of each step since the trigger counts."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from ward_app.domain.clock import from_utc_text, to_utc_text
from ward_app.domain.pump_checklist import Step, StepDone
from ward_app.storage.connection import Database


def add_step(db: Database, *, patient_id: int, step: Step, done_at: datetime,
             who_called: str | None, note: str | None, user_id: int, at: datetime,
             entered_at: datetime) -> int:
    cur = db.execute(
        "INSERT INTO pump_checklist_steps (patient_id, step, done_at, who_called, note, "
        "recorded_by, recorded_at, entered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [patient_id, step.value, to_utc_text(done_at), who_called, note, user_id,
         to_utc_text(at), to_utc_text(entered_at)])
    return int(cur.lastrowid or 0)


def steps_since(db: Database, patient_ids: Collection[int], since: datetime
                ) -> dict[int, list[StepDone]]:
    """The steps done at or after ``since`` for each patient, oldest first."""
    if not patient_ids:
        return {}
    ids = sorted(patient_ids)
    marks = ",".join("?" * len(ids))
    rows = db.execute(
        f"SELECT s.patient_id, s.step, u.name, s.done_at, s.who_called, s.note "
        f"FROM pump_checklist_steps s JOIN users u ON u.id = s.recorded_by "
        f"WHERE s.patient_id IN ({marks}) AND s.done_at >= ? ORDER BY s.done_at, s.id",
        [*ids, to_utc_text(since)]).fetchall()
    out: dict[int, list[StepDone]] = {}
    for pid, step, by, done_at, who, note in rows:
        out.setdefault(pid, []).append(StepDone(Step(step), by, from_utc_text(done_at), who, note))
    return out
