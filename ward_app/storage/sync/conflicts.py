"""Reading the conflicts sync found (``sync_conflicts``) for the alerts, the chart and the MAR."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import UTC, datetime

from ward_app.domain.clock import from_utc_text
from ward_app.domain.sync_alerts import GivenRecord, RecordedTwice
from ward_app.storage.connection import Database


def workstation_names(db: Database) -> dict[str, str]:
    """Workstation id -> name: this one and every one the ward server listed."""
    names = {str(i): str(n) for i, n in db.execute("SELECT id, name FROM sync_peers")}
    me = db.execute("SELECT id, name FROM sync_workstation").fetchone()
    if me:
        names[str(me[0])] = f"{me[1]} (this workstation)"
    return names


def recorded_twice(db: Database, patient_ids: Collection[int] | None = None
                   ) -> dict[int, list[RecordedTwice]]:
    """patient id -> the doses recorded as given at several workstations, each with its records
    not marked entered in error."""
    rows = db.execute("SELECT key, patient_id, row_ids, detected_at FROM sync_conflicts "
                      "WHERE kind = 'recorded_twice' ORDER BY id").fetchall()
    if not rows:
        return {}
    names = workstation_names(db)
    out: dict[int, list[RecordedTwice]] = {}
    for key, pid, row_ids, detected in rows:
        if patient_ids is not None and pid not in patient_ids:
            continue
        ids = json.loads(row_ids)
        marks = ",".join("?" * len(ids))
        found = db.execute(
            f"""SELECT a.id, coalesce(u.name, '?'), a.administered_at, a.dose_mg, a.dose_mcg,
                       s.origin, a.due_at
                FROM administrations a LEFT JOIN users u ON u.id = a.recorded_by
                LEFT JOIN sync_rows s ON s.tbl = 'administrations' AND s.row_id = a.id
                WHERE a.id IN ({marks}) AND NOT EXISTS (
                    SELECT 1 FROM administrations c WHERE c.corrects_id = a.id
                    AND c.outcome = 'entered_in_error')
                ORDER BY a.administered_at, a.id""", ids).fetchall()
        records = tuple(GivenRecord(int(r[0]), str(r[1]), from_utc_text(r[2]), r[3], r[4],
                                    names.get(str(r[5]), "another workstation")) for r in found)
        suffix = str(key).split(":", 2)[2]
        due = datetime.fromisoformat(suffix).astimezone(UTC)
        out.setdefault(int(pid), []).append(
            RecordedTwice(due=due, suffix=suffix, detected_at=from_utc_text(detected),
                          records=records))
    return out


def flagged_records(db: Database, patient_id: int) -> set[int]:
    """The ids of this patient's dose records that are part of a dose recorded twice."""
    out: set[int] = set()
    for (row_ids,) in db.execute("SELECT row_ids FROM sync_conflicts WHERE kind = "
                                 "'recorded_twice' AND patient_id = ?", [patient_id]):
        out |= set(json.loads(row_ids))
    return out


def acked_count(db: Database) -> int:
    """The conflicts settled: a patient detail changed twice needs no acknowledging (the later
    version is in force, both are in the history); a dose recorded twice once its alert is
    acknowledged."""
    row = db.execute("SELECT count(*) FROM sync_conflicts c WHERE c.kind = 'changed_twice' OR "
                     "EXISTS (SELECT 1 FROM alert_acks a WHERE a.alert_key = c.key)").fetchone()
    return int(row[0])
