"""Patients, their flags, lab results and co-medications."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from ward_app.domain.clock import from_utc_text, to_utc_text
from ward_app.domain.patient import Flag, Patient
from ward_app.storage.connection import Database


@dataclass(frozen=True)
class LabRow:
    id: int
    patient_id: int
    taken_at: str
    egfr: float | None
    dialysis: bool


def add_patient(
    db: Database, *, mrn: str, name: str, dob: date, bed: str, ward_id: int,
    weight_kg: float | None, sci_level: str | None, at: datetime,
) -> int:
    cur = db.execute(
        "INSERT INTO patients (mrn, name, dob, bed, ward_id, weight_kg, sci_level, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [mrn, name, dob.isoformat(), bed, ward_id, weight_kg, sci_level, to_utc_text(at)],
    )
    return int(cur.lastrowid or 0)


def update_patient(db: Database, patient_id: int, **fields: object) -> None:
    allowed = {"bed", "weight_kg", "sci_level", "surgery_date", "name", "delivery_date", "oral_form"}
    assert set(fields) <= allowed, set(fields) - allowed
    if fields:
        assigns = ", ".join(f"{k} = ?" for k in fields)
        db.execute(f"UPDATE patients SET {assigns} WHERE id = ?", [*fields.values(), patient_id])


def set_flag(db: Database, patient_id: int, flag: Flag, at: datetime) -> bool:
    cur = db.execute(
        "INSERT OR IGNORE INTO patient_flags (patient_id, flag, set_at) VALUES (?, ?, ?)",
        [patient_id, flag.value, to_utc_text(at)],
    )
    return cur.rowcount > 0


def clear_flag(db: Database, patient_id: int, flag: Flag) -> bool:
    cur = db.execute(
        "DELETE FROM patient_flags WHERE patient_id = ? AND flag = ?", [patient_id, flag.value]
    )
    return cur.rowcount > 0


_PATIENT_SQL = """
SELECT p.id, p.mrn, p.name, p.dob, p.bed, w.name, p.weight_kg, p.sci_level, p.surgery_date,
       (SELECT group_concat(flag) FROM patient_flags f WHERE f.patient_id = p.id),
       p.delivery_date, p.oral_form, p.discharged_at, p.discharged_to,
       (SELECT u.name FROM users u WHERE u.id = p.discharged_by)
FROM patients p JOIN wards w ON w.id = p.ward_id
"""

#: Admitted: never discharged (a discharged patient leaves the board; their record stays).
_ADMITTED = "p.discharged_at IS NULL"


def _patient(row: tuple) -> Patient:
    flags = frozenset(Flag(f) for f in row[9].split(",")) if row[9] else frozenset()
    return Patient(
        id=row[0], mrn=row[1], name=row[2], dob=date.fromisoformat(row[3]), bed=row[4],
        ward=row[5], weight_kg=row[6], sci_level=row[7],
        surgery_date=date.fromisoformat(row[8]) if row[8] else None, flags=flags,
        delivery_date=date.fromisoformat(row[10]) if row[10] else None, oral_form=row[11],
        discharged_at=from_utc_text(row[12]) if row[12] else None, discharged_to=row[13],
        discharged_by=row[14],
    )


def patient_by_mrn(db: Database, mrn: str) -> Patient | None:
    row = db.execute(_PATIENT_SQL + " WHERE p.mrn = ?", [mrn]).fetchone()
    return _patient(row) if row else None


def patient_by_id(db: Database, patient_id: int) -> Patient | None:
    row = db.execute(_PATIENT_SQL + " WHERE p.id = ?", [patient_id]).fetchone()
    return _patient(row) if row else None


def patients(db: Database, ward_id: int | None = None, *, admitted_only: bool = False
             ) -> list[Patient]:
    """Every patient on record (``admitted_only``: those not discharged), by ward and bed."""
    where = [_ADMITTED] if admitted_only else []
    args: list[object] = []
    if ward_id is not None:
        where.append("p.ward_id = ?")
        args.append(ward_id)
    sql = _PATIENT_SQL + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY w.name, p.bed"
    return [_patient(r) for r in db.execute(sql, args).fetchall()]


def discharged_patients(db: Database) -> list[Patient]:
    """Discharged patients, the most recently discharged first."""
    rows = db.execute(_PATIENT_SQL + " WHERE p.discharged_at IS NOT NULL "
                      "ORDER BY p.discharged_at DESC, p.id DESC").fetchall()
    return [_patient(r) for r in rows]


def discharged_among(db: Database, patient_ids: Iterable[int]) -> list[Patient]:
    """Those of ``patient_ids`` who have been discharged (their record is read-only)."""
    ids = sorted(set(patient_ids))
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    rows = db.execute(_PATIENT_SQL + f" WHERE p.id IN ({marks}) AND p.discharged_at IS NOT NULL",
                      ids).fetchall()
    return [_patient(r) for r in rows]


def discharge(db: Database, patient_id: int, *, at: datetime, entered_at: datetime, user_id: int,
              to: str | None) -> None:
    db.execute(
        "UPDATE patients SET discharged_at = ?, discharge_entered_at = ?, discharged_by = ?, "
        "discharged_to = ? WHERE id = ? AND discharged_at IS NULL",
        [to_utc_text(at), to_utc_text(entered_at), user_id, to, patient_id])


def last_act(db: Database, patient_id: int) -> datetime | None:
    """The latest act time on the patient's record: their admission, a dose record, observations,
    a lab result, a pump refill or alarm, an acknowledgement (None for no such patient)."""
    row = db.execute(
        """SELECT max(t) FROM (
            SELECT created_at AS t FROM patients WHERE id = :p
            UNION ALL SELECT max(administered_at) FROM administrations WHERE patient_id = :p
            UNION ALL SELECT max(taken_at) FROM observations WHERE patient_id = :p
            UNION ALL SELECT max(taken_at) FROM lab_results WHERE patient_id = :p
            UNION ALL SELECT max(acked_at) FROM alert_acks WHERE patient_id = :p
            UNION ALL SELECT max(r.refilled_at) FROM pump_refills r
                      JOIN pumps u ON u.id = r.pump_id WHERE u.patient_id = :p
            UNION ALL SELECT max(a.heard_at) FROM pump_alarms a
                      JOIN pumps u ON u.id = a.pump_id WHERE u.patient_id = :p)""",
        {"p": patient_id}).fetchone()
    return from_utc_text(row[0]) if row and row[0] else None


def bed_taken(db: Database, ward_id: int, bed: str, except_patient: int | None = None) -> str | None:
    """The MRN of the admitted patient in ``bed`` (a discharged patient's bed is free), or None."""
    row = db.execute(
        "SELECT mrn FROM patients p WHERE ward_id = ? AND bed = ? COLLATE NOCASE AND id IS NOT ? "
        f"AND {_ADMITTED}",
        [ward_id, bed, except_patient],
    ).fetchone()
    return row[0] if row else None


def add_lab(
    db: Database, *, patient_id: int, egfr: float | None, dialysis: bool, taken_at: datetime,
    user_id: int, at: datetime, entered_at: datetime,
) -> int:
    cur = db.execute(
        "INSERT INTO lab_results (patient_id, taken_at, egfr, dialysis, recorded_by, recorded_at, "
        "entered_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [patient_id, to_utc_text(taken_at), egfr, int(dialysis), user_id, to_utc_text(at),
         to_utc_text(entered_at)],
    )
    return int(cur.lastrowid or 0)


def latest_labs(db: Database, at: datetime) -> dict[int, LabRow]:
    """The most recent lab result per patient taken at or before ``at``."""
    rows = db.execute(
        """SELECT l.id, l.patient_id, l.taken_at, l.egfr, l.dialysis FROM lab_results l
           WHERE l.id = (SELECT l2.id FROM lab_results l2 WHERE l2.patient_id = l.patient_id
                         AND l2.taken_at <= ? ORDER BY l2.taken_at DESC, l2.id DESC LIMIT 1)""",
        [to_utc_text(at)],
    ).fetchall()
    return {r[1]: LabRow(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows}


def add_comedication(db: Database, *, patient_id: int, drug: str, user_id: int, at: datetime,
                     entered_at: datetime) -> int:
    cur = db.execute(
        "INSERT INTO comedications (patient_id, drug, started_at, recorded_by, entered_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [patient_id, drug, to_utc_text(at), user_id, to_utc_text(entered_at)],
    )
    return int(cur.lastrowid or 0)


def comedications(db: Database, patient_id: int) -> list[str]:
    return [
        r[0]
        for r in db.execute(
            "SELECT drug FROM comedications WHERE patient_id = ? AND stopped_at IS NULL ORDER BY id",
            [patient_id],
        )
    ]


def stop_comedication(db: Database, patient_id: int, drug: str, at: datetime) -> int | None:
    """Mark a current co-medication stopped (matched case-insensitively); its id, or None."""
    row = db.execute(
        "SELECT id FROM comedications WHERE patient_id = ? AND stopped_at IS NULL "
        "AND lower(drug) = lower(?) ORDER BY id LIMIT 1", [patient_id, drug]).fetchone()
    if row is None:
        return None
    db.execute("UPDATE comedications SET stopped_at = ? WHERE id = ?", [to_utc_text(at), row[0]])
    return int(row[0])


def all_comedications(db: Database) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for pid, drug in db.execute(
        "SELECT patient_id, drug FROM comedications WHERE stopped_at IS NULL ORDER BY id"
    ):
        out.setdefault(pid, []).append(drug)
    return out


def flags_since(db: Database) -> dict[int, dict[Flag, datetime]]:
    """When each patient's flags were set (for how long an alert has stood)."""
    from ward_app.domain.clock import from_utc_text

    out: dict[int, dict[Flag, datetime]] = {}
    for pid, flag, set_at in db.execute("SELECT patient_id, flag, set_at FROM patient_flags"):
        out.setdefault(pid, {})[Flag(flag)] = from_utc_text(set_at)
    return out
