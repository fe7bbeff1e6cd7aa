"""Alert acknowledgements: who saw an alert, at what severity, with what note. Append-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ward_app.domain.clock import from_utc_text, to_utc_text
from ward_app.storage.connection import Database


@dataclass(frozen=True)
class Ack:
    key: str
    severity: int
    by: str
    note: str | None
    at: datetime


def insert(db: Database, *, patient_id: int, rule: str, key: str, severity: int, note: str | None,
           user_id: int, at: datetime, entered_at: datetime, client_id: str | None = None) -> int:
    cur = db.execute(
        "INSERT INTO alert_acks (patient_id, rule, alert_key, severity, note, acked_at, acked_by, "
        "entered_at, client_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [patient_id, rule, key, severity, note, to_utc_text(at), user_id, to_utc_text(entered_at),
         client_id])
    return int(cur.lastrowid or 0)


@dataclass(frozen=True)
class StoredAck:
    """An acknowledgement as stored, with the patient and rule it was for."""

    id: int
    patient_id: int
    rule: str
    ack: Ack


def by_client_id(db: Database, client_id: str) -> StoredAck | None:
    """The acknowledgement a form submission with this client-generated id stored, if any."""
    row = db.execute(
        "SELECT a.id, a.patient_id, a.rule, a.alert_key, a.severity, u.name, a.note, a.acked_at "
        "FROM alert_acks a JOIN users u ON u.id = a.acked_by WHERE a.client_id = ?",
        [client_id]).fetchone()
    if row is None:
        return None
    return StoredAck(row[0], row[1], row[2], Ack(row[3], row[4], row[5], row[6],
                                                   from_utc_text(row[7])))


def all_by_key(db: Database, keys: list[str]) -> dict[str, list[Ack]]:
    """Every acknowledgement of each alert key, oldest first (index: alert_key): none replaces
    another (clinical-rules §10)."""
    out: dict[str, list[Ack]] = {}
    for chunk in (keys[i:i + 500] for i in range(0, len(keys), 500)):
        marks = ",".join("?" * len(chunk))
        rows = db.execute(
            f"SELECT a.alert_key, a.severity, u.name, a.note, a.acked_at FROM alert_acks a "
            f"JOIN users u ON u.id = a.acked_by WHERE a.alert_key IN ({marks}) ORDER BY a.id",
            chunk).fetchall()
        for key, severity, by, note, at in rows:
            out.setdefault(key, []).append(Ack(key, severity, by, note, from_utc_text(at)))
    return out


def latest_by_key(db: Database, keys: list[str]) -> dict[str, Ack]:
    """The most severe acknowledgement of each alert key (the latest of those)."""
    out: dict[str, Ack] = {}
    for key, found in all_by_key(db, keys).items():
        for ack in found:
            if key not in out or ack.severity >= out[key].severity:
                out[key] = ack
    return out


def between(db: Database, patient_ids: list[int], since: datetime, until: datetime
            ) -> list[StoredAck]:
    """Every acknowledgement of these patients' alerts made in [since, until], oldest first: what
    the handover tells of alerts that may since have settled (clinical-rules §8)."""
    if not patient_ids:
        return []
    marks = ",".join("?" * len(patient_ids))
    rows = db.execute(
        f"SELECT a.id, a.patient_id, a.rule, a.alert_key, a.severity, u.name, a.note, a.acked_at "
        f"FROM alert_acks a JOIN users u ON u.id = a.acked_by WHERE a.patient_id IN ({marks}) "
        f"AND a.acked_at >= ? AND a.acked_at <= ? ORDER BY a.acked_at, a.id",
        [*patient_ids, to_utc_text(since), to_utc_text(until)]).fetchall()
    return [StoredAck(r[0], r[1], r[2], Ack(r[3], r[4], r[5], r[6], from_utc_text(r[7])))
            for r in rows]
