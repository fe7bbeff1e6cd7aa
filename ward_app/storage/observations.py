"""Observations: append-only rows of vital signs, sedation, spasticity and withdrawal signs."""

from __future__ import annotations

import json
from datetime import datetime

from ward_app.domain.clock import from_utc_text, to_utc_text
from ward_app.domain.observations import Acvpu, Observation, Poss, Sign
from ward_app.storage.connection import Database

_SELECT = """
SELECT o.id, o.patient_id, o.taken_at, o.rr, o.spo2, o.on_oxygen, o.sbp, o.hr, o.acvpu, o.temp,
       o.poss, o.rass, o.mas, o.penn, o.signs, o.signs_checked, u.name, o.note, o.corrects_id,
       o.entered_at
FROM observations o JOIN users u ON u.id = o.recorded_by
"""
#: Rows that count: not a correction, and not marked entered in error by one.
_VALID = ("o.corrects_id IS NULL AND NOT EXISTS "
          "(SELECT 1 FROM observations c WHERE c.corrects_id = o.id)")
_HAS_VITALS = ("(o.rr IS NOT NULL OR o.spo2 IS NOT NULL OR o.sbp IS NOT NULL OR o.hr IS NOT NULL "
               "OR o.acvpu IS NOT NULL OR o.temp IS NOT NULL)")


def _signs(text: str | None) -> frozenset[Sign]:
    if not text or text == "[]":
        return frozenset()  # most sets: no signs, no JSON to parse
    return frozenset(Sign(x) for x in json.loads(text))


_ACVPU = {e.value: e for e in Acvpu}
_POSS = {e.value: e for e in Poss}
_EMPTY: frozenset[Sign] = frozenset()


def _obs(row: tuple) -> Observation:
    # Built without the frozen dataclass's __init__ (which sets each of 20 fields through
    # object.__setattr__): alert evaluation turns hundreds of rows into observations each minute.
    obs = Observation.__new__(Observation)
    obs.__dict__.update(
        id=row[0], patient_id=row[1], taken_at=from_utc_text(row[2]), rr=row[3], spo2=row[4],
        on_oxygen=None if row[5] is None else bool(row[5]), sbp=row[6], hr=row[7],
        acvpu=_ACVPU[row[8]] if row[8] else None, temp=row[9],
        poss=_POSS[row[10]] if row[10] else None, rass=row[11], mas=row[12], penn=row[13],
        signs=_signs(row[14]) if row[14] and row[14] != "[]" else _EMPTY,
        signs_checked=bool(row[15]), by=row[16], note=row[17], corrects_id=row[18],
        entered_at=from_utc_text(row[19]) if row[19] else None,
    )
    return obs


def insert(db: Database, obs: Observation, *, user_id: int, at: datetime,
           entered_at: datetime, client_id: str | None = None) -> int:
    cur = db.execute(
        "INSERT INTO observations (patient_id, taken_at, rr, spo2, on_oxygen, sbp, hr, acvpu, temp, "
        "poss, rass, mas, penn, signs, signs_checked, note, recorded_at, recorded_by, entered_at, "
        "client_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            obs.patient_id, to_utc_text(obs.taken_at), obs.rr, obs.spo2,
            None if obs.on_oxygen is None else int(obs.on_oxygen), obs.sbp, obs.hr,
            obs.acvpu.value if obs.acvpu else None, obs.temp, obs.poss.value if obs.poss else None,
            obs.rass, obs.mas, obs.penn, json.dumps(sorted(s.value for s in obs.signs)),
            int(obs.signs_checked), obs.note, to_utc_text(at), user_id, to_utc_text(entered_at),
            client_id,
        ],
    )
    return int(cur.lastrowid or 0)


def insert_correction(db: Database, original: Observation, *, reason: str, user_id: int,
                      at: datetime, entered_at: datetime) -> int:
    """A row that marks ``original`` entered in error (the original row is never changed)."""
    cur = db.execute(
        "INSERT INTO observations (patient_id, taken_at, note, corrects_id, recorded_at, recorded_by, "
        "entered_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [original.patient_id, to_utc_text(original.taken_at), reason, original.id, to_utc_text(at),
         user_id, to_utc_text(entered_at)])
    return int(cur.lastrowid or 0)


def by_id(db: Database, obs_id: int) -> Observation | None:
    row = db.execute(_SELECT + " WHERE o.id = ?", [obs_id]).fetchone()
    return _obs(row) if row else None


def by_client_id(db: Database, client_id: str) -> Observation | None:
    """The set a form submission with this client-generated id stored, if any (unique index)."""
    row = db.execute(_SELECT + " WHERE o.client_id = ?", [client_id]).fetchone()
    return _obs(row) if row else None


def is_corrected(db: Database, obs_id: int) -> bool:
    return db.execute("SELECT 1 FROM observations WHERE corrects_id = ?", [obs_id]).fetchone() is not None


def corrections_of(db: Database, ids: list[int]) -> dict[int, str]:
    """For each of ``ids`` marked entered in error: the reason given."""
    out: dict[int, str] = {}
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        marks = ",".join("?" * len(chunk))
        for cid, note in db.execute(
                f"SELECT corrects_id, note FROM observations WHERE corrects_id IN ({marks})", chunk):
            out[cid] = note or ""
    return out


def for_patient(db: Database, patient_id: int, start: datetime, end: datetime, *,
                include_corrected: bool = False) -> list[Observation]:
    """One patient's observations taken in [start, end), oldest first; with ``include_corrected``
    also those marked entered in error (never the correcting rows themselves)."""
    valid = "o.corrects_id IS NULL" if include_corrected else _VALID
    rows = db.execute(
        _SELECT + f" WHERE o.patient_id = ? AND o.taken_at >= ? AND o.taken_at < ? AND {valid} "
        "ORDER BY o.taken_at, o.id", [patient_id, to_utc_text(start), to_utc_text(end)]).fetchall()
    return [_obs(r) for r in rows]


def recent(db: Database, start: datetime, end: datetime) -> dict[int, list[Observation]]:
    """Observations of every patient taken in [start, end), oldest first (index: taken_at)."""
    out: dict[int, list[Observation]] = {}
    for row in db.execute(_SELECT + f" WHERE o.taken_at >= ? AND o.taken_at < ? AND {_VALID} "
                          "ORDER BY o.taken_at, o.id", [to_utc_text(start), to_utc_text(end)]):
        obs = _obs(row)
        out.setdefault(obs.patient_id, []).append(obs)
    return out


def latest_before(db: Database, start: datetime) -> dict[int, Observation]:
    """Per patient, the last valid observation with vital signs taken before ``start`` (so a quiet
    patient's overdue check is still seen). Walks each patient's index backwards from ``start``."""
    rows = db.execute(
        _SELECT + f""" WHERE o.id IN (
            SELECT (SELECT o.id FROM observations o WHERE o.patient_id = p.id AND o.taken_at < ?
                    AND {_VALID} AND {_HAS_VITALS}
                    ORDER BY o.taken_at DESC, o.id DESC LIMIT 1) FROM patients p)""",
        [to_utc_text(start)]).fetchall()
    return {r[1]: _obs(r) for r in rows}


def baseline_mas(db: Database) -> dict[int, str]:
    """Each patient's baseline Modified Ashworth score: the first one recorded."""
    rows = db.execute(
        f"""SELECT o.patient_id, o.mas FROM observations o WHERE o.id IN (
               SELECT (SELECT o.id FROM observations o WHERE o.patient_id = p.id
                       AND o.mas IS NOT NULL AND {_VALID} ORDER BY o.taken_at, o.id LIMIT 1)
               FROM patients p)""").fetchall()
    return {pid: mas for pid, mas in rows}
