"""Observations: append-only rows of vital signs, sedation, spasticity and withdrawal signs."""

from __future__ import annotations

import json
from datetime import datetime

from sqlite_utils import Database

from ward_app.domain.clock import from_utc_text, to_utc_text
from ward_app.domain.observations import Acvpu, Observation, Poss, Sign

_SELECT = """
SELECT o.id, o.patient_id, o.taken_at, o.rr, o.spo2, o.on_oxygen, o.sbp, o.hr, o.acvpu, o.temp,
       o.poss, o.rass, o.mas, o.penn, o.signs, o.signs_checked, u.name, o.note
FROM observations o JOIN users u ON u.id = o.recorded_by
"""


def _obs(row: tuple) -> Observation:
    return Observation(
        id=row[0], patient_id=row[1], taken_at=from_utc_text(row[2]), rr=row[3], spo2=row[4],
        on_oxygen=None if row[5] is None else bool(row[5]), sbp=row[6], hr=row[7],
        acvpu=Acvpu(row[8]) if row[8] else None, temp=row[9], poss=Poss(row[10]) if row[10] else None,
        rass=row[11], mas=row[12], penn=row[13],
        signs=frozenset(Sign(x) for x in json.loads(row[14] or "[]")), signs_checked=bool(row[15]),
        by=row[16], note=row[17],
    )


def insert(db: Database, obs: Observation, *, user_id: int, at: datetime) -> int:
    cur = db.execute(
        "INSERT INTO observations (patient_id, taken_at, rr, spo2, on_oxygen, sbp, hr, acvpu, temp, "
        "poss, rass, mas, penn, signs, signs_checked, note, recorded_at, recorded_by) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            obs.patient_id, to_utc_text(obs.taken_at), obs.rr, obs.spo2,
            None if obs.on_oxygen is None else int(obs.on_oxygen), obs.sbp, obs.hr,
            obs.acvpu.value if obs.acvpu else None, obs.temp, obs.poss.value if obs.poss else None,
            obs.rass, obs.mas, obs.penn, json.dumps(sorted(s.value for s in obs.signs)),
            int(obs.signs_checked), obs.note, to_utc_text(at), user_id,
        ],
    )
    return int(cur.lastrowid or 0)


def for_patient(db: Database, patient_id: int, start: datetime, end: datetime) -> list[Observation]:
    rows = db.execute(
        _SELECT + " WHERE o.patient_id = ? AND o.taken_at >= ? AND o.taken_at < ? "
        "ORDER BY o.taken_at, o.id", [patient_id, to_utc_text(start), to_utc_text(end)]).fetchall()
    return [_obs(r) for r in rows]


def recent(db: Database, start: datetime, end: datetime) -> dict[int, list[Observation]]:
    """Observations of every patient taken in [start, end), oldest first (index: taken_at)."""
    out: dict[int, list[Observation]] = {}
    for row in db.execute(_SELECT + " WHERE o.taken_at >= ? AND o.taken_at < ? "
                          "ORDER BY o.taken_at, o.id", [to_utc_text(start), to_utc_text(end)]):
        obs = _obs(row)
        out.setdefault(obs.patient_id, []).append(obs)
    return out


def latest_before(db: Database, start: datetime) -> dict[int, Observation]:
    """Per patient, the last observation with vital signs taken before ``start`` (so a quiet
    patient's overdue check is still seen)."""
    rows = db.execute(
        _SELECT + """ WHERE o.id IN (
            SELECT (SELECT o2.id FROM observations o2 WHERE o2.patient_id = p.id AND o2.taken_at < ?
                    ORDER BY o2.taken_at DESC, o2.id DESC LIMIT 1) FROM patients p)""",
        [to_utc_text(start)]).fetchall()
    return {r[1]: _obs(r) for r in rows}


def baseline_mas(db: Database) -> dict[int, str]:
    """Each patient's baseline Modified Ashworth score: the first one recorded."""
    rows = db.execute(
        """SELECT o.patient_id, o.mas FROM observations o WHERE o.id IN (
               SELECT (SELECT o2.id FROM observations o2 WHERE o2.patient_id = p.id
                       AND o2.mas IS NOT NULL ORDER BY o2.taken_at, o2.id LIMIT 1)
               FROM patients p)""").fetchall()
    return {pid: mas for pid, mas in rows}
