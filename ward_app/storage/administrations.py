"""Administration records: what happened to each due dose. Append-only; corrections are new rows."""

from __future__ import annotations

import json
from datetime import datetime

from ward_app.domain.clock import from_utc_text, to_utc_text
from ward_app.domain.mar import Outcome, Record
from ward_app.storage.connection import Database

_SELECT = """
SELECT a.id, a.patient_id, a.order_id, a.due_at, a.outcome, a.dose_mg, a.dose_mcg, a.reason_code,
       a.note, a.corrects_id, a.administered_at, a.recorded_at, u.name, w.name, a.entered_at,
       a.flags, a.override_reason, v.name, a.scan, a.scan_skipped
FROM administrations a JOIN users u ON u.id = a.recorded_by LEFT JOIN users w ON w.id = a.witness_id
LEFT JOIN users v ON v.id = a.override_by
"""


def _record(row: tuple) -> Record:
    return Record(
        id=row[0], patient_id=row[1], order_id=row[2],
        due=from_utc_text(row[3]) if row[3] else None, outcome=Outcome(row[4]), dose_mg=row[5],
        dose_mcg=row[6], reason=row[7], note=row[8], corrects_id=row[9],
        administered_at=from_utc_text(row[10]), recorded_at=from_utc_text(row[11]), by=row[12],
        witness=row[13], entered_at=from_utc_text(row[14]) if row[14] else None,
        flags=tuple(json.loads(row[15] or "[]")), override_reason=row[16], override_by=row[17],
        scan=json.loads(row[18]) if row[18] else None, scan_skipped=row[19],
    )


def insert(
    db: Database, *, patient_id: int, order_id: int | None, due: datetime | None, outcome: Outcome,
    administered_at: datetime, user_id: int, at: datetime, entered_at: datetime,
    dose_mg: float | None = None,
    dose_mcg: float | None = None, reason: str | None = None, note: str | None = None,
    corrects_id: int | None = None, witness_id: int | None = None,
    flags: tuple[str, ...] = (), override_reason: str | None = None,
    override_by: int | None = None, scan: dict | None = None, scan_skipped: str | None = None,
) -> int:
    cur = db.execute(
        "INSERT INTO administrations (patient_id, order_id, due_at, outcome, dose_mg, dose_mcg, "
        "reason_code, note, corrects_id, administered_at, recorded_at, recorded_by, witness_id, "
        "entered_at, flags, override_reason, override_by, scan, scan_skipped) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            patient_id, order_id, to_utc_text(due) if due else None, outcome.value, dose_mg,
            dose_mcg, reason, note, corrects_id, to_utc_text(administered_at), to_utc_text(at),
            user_id, witness_id, to_utc_text(entered_at), json.dumps(list(flags)),
            override_reason, override_by, json.dumps(scan) if scan else None, scan_skipped,
        ],
    )
    return int(cur.lastrowid or 0)


def for_patient(db: Database, patient_id: int, start: datetime, end: datetime) -> list[Record]:
    """Records of one patient whose due time (or, for unscheduled doses, time given) is in range."""
    rows = db.execute(
        _SELECT + " WHERE a.patient_id = ? AND coalesce(a.due_at, a.administered_at) >= ? "
        "AND coalesce(a.due_at, a.administered_at) < ? ORDER BY a.id",
        [patient_id, to_utc_text(start), to_utc_text(end)],
    ).fetchall()
    return [_record(r) for r in rows]


def for_ward(db: Database, start: datetime, end: datetime) -> dict[int, list[Record]]:
    """Scheduled records of every patient due in [start, end), by patient (index: due_at)."""
    rows = db.execute(
        _SELECT + " WHERE a.due_at >= ? AND a.due_at < ? ORDER BY a.id",
        [to_utc_text(start), to_utc_text(end)],
    ).fetchall()
    out: dict[int, list[Record]] = {}
    for row in rows:
        rec = _record(row)
        out.setdefault(rec.patient_id, []).append(rec)
    return out


def by_id(db: Database, record_id: int) -> Record | None:
    row = db.execute(_SELECT + " WHERE a.id = ?", [record_id]).fetchone()
    return _record(row) if row else None


def correction_of(db: Database, record_id: int) -> int | None:
    row = db.execute(
        "SELECT id FROM administrations WHERE corrects_id = ? AND outcome = 'entered_in_error'",
        [record_id],
    ).fetchone()
    return int(row[0]) if row else None


def not_given_due(db: Database) -> dict[int, list[datetime]]:
    """Due times of the doses recorded as not given (held, refused, not available, omitted), per
    patient."""
    out: dict[int, list[datetime]] = {}
    for pid, due in db.execute(
            "SELECT patient_id, due_at FROM administrations WHERE outcome IN "
            "('held','refused','not_available','omitted') AND due_at IS NOT NULL"):
        out.setdefault(pid, []).append(from_utc_text(due))
    return out


def scan_counts(db: Database, start: datetime, end: datetime) -> list[tuple[int, dict | None,
                                                                             str | None]]:
    """(patient id, scan, skip reason) of every dose given in [start, end) and not marked entered
    in error: what the share of doses scanned is worked out from."""
    rows = db.execute(
        "SELECT a.patient_id, a.scan, a.scan_skipped FROM administrations a WHERE a.outcome IN "
        "('given', 'given_late') AND a.administered_at >= ? AND a.administered_at < ? AND NOT "
        "EXISTS (SELECT 1 FROM administrations c WHERE c.corrects_id = a.id AND c.outcome = "
        "'entered_in_error')", [to_utc_text(start), to_utc_text(end)]).fetchall()
    return [(int(r[0]), json.loads(r[1]) if r[1] else None, r[2]) for r in rows]
