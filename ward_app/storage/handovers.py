"""Handover notes (a nurse's own words about a patient, kept until changed) and take-overs (who
took the ward or which beds at a shift change, when, and which unstable patients they confirmed).
Both append-only: a changed note is a new row; the note in force is the latest."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from ward_app.domain.clock import from_utc_text, to_utc_text
from ward_app.storage.connection import Database


@dataclass(frozen=True)
class Note:
    patient_id: int
    text: str  # "" clears the note
    by: str
    at: datetime


@dataclass(frozen=True)
class TakeOver:
    id: int
    by: str
    at: datetime
    beds: tuple[str, ...]  # () = the whole ward
    confirmed: tuple[int, ...]  # patient ids of the unstable patients the receiver confirmed


def add_note(db: Database, *, patient_id: int, text: str, user_id: int, at: datetime,
             entered_at: datetime) -> int:
    cur = db.execute(
        "INSERT INTO handover_notes (patient_id, text, written_by, written_at, entered_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [patient_id, text, user_id, to_utc_text(at), to_utc_text(entered_at)])
    return int(cur.lastrowid or 0)


def notes_in_force(db: Database, patient_ids: list[int]) -> dict[int, Note]:
    """The latest note of each patient that has one (a cleared note is left out)."""
    if not patient_ids:
        return {}
    marks = ",".join("?" * len(patient_ids))
    rows = db.execute(
        f"SELECT n.patient_id, n.text, u.name, n.written_at FROM handover_notes n "
        f"JOIN users u ON u.id = n.written_by WHERE n.id IN (SELECT MAX(id) FROM handover_notes "
        f"WHERE patient_id IN ({marks}) GROUP BY patient_id)", patient_ids).fetchall()
    return {r[0]: Note(r[0], r[1], r[2], from_utc_text(r[3])) for r in rows if r[1]}


def add_take_over(db: Database, *, ward_id: int, user_id: int, at: datetime, entered_at: datetime,
                  beds: tuple[str, ...], confirmed: tuple[int, ...]) -> int:
    cur = db.execute(
        "INSERT INTO handover_takeovers (ward_id, taken_by, taken_at, entered_at, beds, confirmed) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [ward_id, user_id, to_utc_text(at), to_utc_text(entered_at), json.dumps(list(beds)),
         json.dumps(list(confirmed))])
    return int(cur.lastrowid or 0)


def last_take_over(db: Database, ward_id: int, before: datetime) -> TakeOver | None:
    """The latest take-over of the ward at or before ``before``."""
    row = db.execute(
        "SELECT t.id, u.name, t.taken_at, t.beds, t.confirmed FROM handover_takeovers t "
        "JOIN users u ON u.id = t.taken_by WHERE t.ward_id = ? AND t.taken_at <= ? "
        "ORDER BY t.taken_at DESC, t.id DESC LIMIT 1", [ward_id, to_utc_text(before)]).fetchone()
    if row is None:
        return None
    return TakeOver(row[0], row[1], from_utc_text(row[2]), tuple(json.loads(row[3])),
                    tuple(json.loads(row[4])))
