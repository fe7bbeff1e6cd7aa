"""Taper plans: what was planned (a snapshot, for reprinting), by whom, and when it was cancelled."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ward_app.domain.clock import from_utc_text, to_utc_text
from ward_app.storage.connection import Database


@dataclass(frozen=True)
class TaperRow:
    id: int
    patient_id: int
    start_date: date
    step_mg: float
    every_days: int
    form: str
    plan: dict[str, Any]
    prescriber: str
    restore_order_id: int
    created_at: datetime
    created_by: str
    cancelled_from: datetime | None
    cancel_reason: str | None


def insert(db: Database, *, patient_id: int, start_date: date, step_mg: float, every_days: int,
           form: str, plan: dict[str, Any], prescriber: str, restore_order_id: int, user_id: int,
           at: datetime, entered_at: datetime) -> int:
    cur = db.execute(
        "INSERT INTO tapers (patient_id, start_date, step_mg, every_days, form, plan, prescriber, "
        "restore_order_id, created_at, created_by, entered_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [patient_id, start_date.isoformat(), step_mg, every_days, form, json.dumps(plan),
         prescriber, restore_order_id, to_utc_text(at), user_id, to_utc_text(entered_at)])
    return int(cur.lastrowid or 0)


def cancel(db: Database, taper_id: int, *, cancelled_from: datetime, reason: str, user_id: int,
           at: datetime) -> None:
    db.execute("UPDATE tapers SET cancelled_from = ?, cancelled_at = ?, cancelled_by = ?, "
               "cancel_reason = ? WHERE id = ? AND cancelled_from IS NULL",
               [to_utc_text(cancelled_from), to_utc_text(at), user_id, reason, taper_id])


_SELECT = ("SELECT t.id, t.patient_id, t.start_date, t.step_mg, t.every_days, t.form, t.plan, "
           "t.prescriber, t.restore_order_id, t.created_at, u.name, t.cancelled_from, "
           "t.cancel_reason FROM tapers t JOIN users u ON u.id = t.created_by")


def _row(r: tuple) -> TaperRow:
    return TaperRow(r[0], r[1], date.fromisoformat(r[2]), r[3], r[4], r[5], json.loads(r[6]), r[7],
                    r[8], from_utc_text(r[9]), r[10], from_utc_text(r[11]) if r[11] else None, r[12])


def for_patient(db: Database, patient_id: int) -> list[TaperRow]:
    """A patient's tapers, newest first."""
    return [_row(r) for r in db.execute(_SELECT + " WHERE t.patient_id = ? ORDER BY t.id DESC",
                                        [patient_id]).fetchall()]
