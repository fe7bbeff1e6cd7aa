"""Intrathecal pumps and their refills."""

from __future__ import annotations

import json
from datetime import date, datetime

from ward_app.domain.clock import from_utc_text, to_utc_text
from ward_app.domain.pump import (
    AlarmKind,
    AlarmResolution,
    EventKind,
    Pump,
    PumpAlarm,
    PumpEvent,
    Refill,
)
from ward_app.domain.scanning import scan_summary
from ward_app.storage.connection import Database


def insert_pump(
    db: Database, *, patient_id: int, model: str | None, serial: str | None,
    reservoir_ml: float | None, implant_date: date | None, eri_date: date | None,
    end_of_service: date | None, alarm_ml: float, at: datetime,
) -> int:
    cur = db.execute(
        "INSERT INTO pumps (patient_id, model, serial, reservoir_ml, implant_date, eri_date, "
        "end_of_service, alarm_ml, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            patient_id, model, serial, reservoir_ml,
            implant_date.isoformat() if implant_date else None,
            eri_date.isoformat() if eri_date else None,
            end_of_service.isoformat() if end_of_service else None, alarm_ml, to_utc_text(at),
        ],
    )
    return int(cur.lastrowid or 0)


def insert_refill(
    db: Database, *, pump_id: int, refilled_at: datetime, volume_ml: float, conc_mcg_ml: float,
    daily_mcg: float, alarm_ml: float, user_id: int, witness_id: int, at: datetime,
    entered_at: datetime, next_refill_booked: date | None = None, client_id: str | None = None,
    withdrawn_ml: float | None = None, scan: dict | None = None, scan_skipped: str | None = None,
) -> int:
    cur = db.execute(
        "INSERT INTO pump_refills (pump_id, refilled_at, volume_ml, conc_mcg_ml, daily_mcg, "
        "alarm_ml, next_refill_booked, recorded_at, recorded_by, witness_id, entered_at, client_id, "
        "withdrawn_ml, scan, scan_skipped) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            pump_id, to_utc_text(refilled_at), volume_ml, conc_mcg_ml, daily_mcg, alarm_ml,
            next_refill_booked.isoformat() if next_refill_booked else None,
            to_utc_text(at), user_id, witness_id, to_utc_text(entered_at), client_id, withdrawn_ml,
            json.dumps(scan) if scan else None, scan_skipped,
        ],
    )
    return int(cur.lastrowid or 0)


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


_PUMP = ("SELECT id, patient_id, model, serial, reservoir_ml, implant_date, eri_date, "
         "end_of_service, alarm_ml, updated_at FROM pumps")


def _pump(row: tuple) -> Pump:
    return Pump(id=row[0], patient_id=row[1], model=row[2], serial=row[3], reservoir_ml=row[4],
                implant_date=_date(row[5]), eri_date=_date(row[6]), end_of_service=_date(row[7]),
                alarm_ml=row[8], updated_at=from_utc_text(row[9]) if row[9] else None)


def pump_for_patient(db: Database, patient_id: int) -> Pump | None:
    row = db.execute(_PUMP + " WHERE patient_id = ?", [patient_id]).fetchone()
    return _pump(row) if row else None


def all_pumps(db: Database) -> dict[int, Pump]:
    """Every pump, by patient id."""
    return {p.patient_id: p for p in map(_pump, db.execute(_PUMP).fetchall())}


def update_pump(db: Database, pump_id: int, at: datetime, **fields: object) -> None:
    if not fields:
        return
    sets = ", ".join(f"{k} = ?" for k in fields)
    values = [v.isoformat() if isinstance(v, date) else v for v in fields.values()]
    db.execute(f"UPDATE pumps SET {sets}, updated_at = ? WHERE id = ?", [*values, to_utc_text(at),
                                                                       pump_id])


_REFILL = ("SELECT r.id, r.pump_id, r.refilled_at, r.volume_ml, r.conc_mcg_ml, r.daily_mcg, "
           "r.alarm_ml, u.name, w.name, r.next_refill_booked, r.withdrawn_ml, r.scan, "
           "r.scan_skipped FROM pump_refills r "
           "JOIN users u ON u.id = r.recorded_by JOIN users w ON w.id = r.witness_id")


def _refill(row: tuple) -> Refill:
    return Refill(id=row[0], pump_id=row[1], refilled_at=from_utc_text(row[2]), volume_ml=row[3],
                  conc_mcg_ml=row[4], daily_mcg=row[5], alarm_ml=row[6], by=row[7], witness=row[8],
                  next_refill_booked=_date(row[9]), withdrawn_ml=row[10],
                  ampoule=scan_summary(json.loads(row[11]) if row[11] else None, row[12]))


def refills(db: Database, pump_id: int, limit: int = 50) -> list[Refill]:
    """A pump's refills, oldest first (the last is the one in the reservoir now)."""
    rows = db.execute(_REFILL + " WHERE r.pump_id = ? ORDER BY r.refilled_at DESC, r.id DESC "
                      "LIMIT ?", [pump_id, limit]).fetchall()
    return [_refill(r) for r in reversed(rows)]


def refill_by_client_id(db: Database, client_id: str) -> Refill | None:
    """The refill a form submission with this client-generated id stored, if any."""
    row = db.execute(_REFILL + " WHERE r.client_id = ?", [client_id]).fetchone()
    return _refill(row) if row else None


def latest_refills(db: Database, per_pump: int = 2) -> dict[int, list[Refill]]:
    """The last ``per_pump`` refills of every pump, oldest first, by pump id (one indexed query
    per pump: the cost follows the number of pumps, not the years of refills)."""
    pump_ids = [r[0] for r in db.execute("SELECT id FROM pumps").fetchall()]
    found = {pid: refills(db, pid, per_pump) for pid in pump_ids}
    return {pid: rows for pid, rows in found.items() if rows}


def insert_alarm(db: Database, *, pump_id: int, kind: AlarmKind, heard_at: datetime,
                 note: str | None, user_id: int, at: datetime, entered_at: datetime,
                 client_id: str | None = None) -> int:
    cur = db.execute(
        "INSERT INTO pump_alarms (pump_id, kind, heard_at, note, recorded_at, recorded_by, "
        "entered_at, client_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [pump_id, kind.value, to_utc_text(heard_at), note, to_utc_text(at), user_id,
         to_utc_text(entered_at), client_id])
    return int(cur.lastrowid or 0)


_ALARM = ("SELECT a.id, a.pump_id, a.kind, a.heard_at, u.name, a.note FROM pump_alarms a "
          "JOIN users u ON u.id = a.recorded_by")


def _alarm(row: tuple) -> PumpAlarm:
    return PumpAlarm(id=row[0], pump_id=row[1], kind=AlarmKind(row[2]),
                     heard_at=from_utc_text(row[3]), by=row[4], note=row[5])


def alarm_by_client_id(db: Database, client_id: str) -> PumpAlarm | None:
    """The alarm a form submission with this client-generated id stored, if any."""
    row = db.execute(_ALARM + " WHERE a.client_id = ?", [client_id]).fetchone()
    return _alarm(row) if row else None


def alarms_since(db: Database, since: datetime, pump_id: int | None = None) -> dict[int, list[PumpAlarm]]:
    """Alarms heard since ``since`` (index: pump_alarms(pump_id, heard_at)), oldest first."""
    where, params = ("WHERE a.heard_at >= ?", [to_utc_text(since)])
    if pump_id is not None:
        where += " AND a.pump_id = ?"
        params.append(pump_id)  # type: ignore[arg-type]
    out: dict[int, list[PumpAlarm]] = {}
    for row in db.execute(f"{_ALARM} {where} ORDER BY a.heard_at, a.id", params).fetchall():
        alarm = _alarm(row)
        out.setdefault(alarm.pump_id, []).append(alarm)
    return out


def insert_resolution(db: Database, *, alarm_id: int, resolved_at: datetime, action: str,
                      itb_contact: str | None, user_id: int, at: datetime,
                      entered_at: datetime) -> int:
    cur = db.execute(
        "INSERT INTO pump_alarm_resolutions (alarm_id, resolved_at, action, itb_contact, "
        "recorded_by, recorded_at, entered_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [alarm_id, to_utc_text(resolved_at), action, itb_contact, user_id, to_utc_text(at),
         to_utc_text(entered_at)])
    return int(cur.lastrowid or 0)


def resolutions_for(db: Database, alarm_ids: list[int]) -> list[AlarmResolution]:
    """The resolutions of these alarms (at most one each)."""
    if not alarm_ids:
        return []
    marks = ", ".join("?" for _ in alarm_ids)
    rows = db.execute(
        "SELECT r.id, r.alarm_id, r.resolved_at, r.action, r.itb_contact, u.name "
        "FROM pump_alarm_resolutions r JOIN users u ON u.id = r.recorded_by "
        f"WHERE r.alarm_id IN ({marks}) ORDER BY r.id", alarm_ids).fetchall()
    return [AlarmResolution(id=r[0], alarm_id=r[1], at=from_utc_text(r[2]), action=r[3],
                            itb_contact=r[4], by=r[5]) for r in rows]


def alarm_by_id(db: Database, alarm_id: int) -> PumpAlarm | None:
    row = db.execute(_ALARM + " WHERE a.id = ?", [alarm_id]).fetchone()
    return _alarm(row) if row else None


def insert_event(db: Database, *, pump_id: int, kind: EventKind, happened_at: datetime,
                 note: str | None, user_id: int, at: datetime, entered_at: datetime) -> int:
    cur = db.execute(
        "INSERT INTO pump_events (pump_id, kind, happened_at, note, recorded_by, recorded_at, "
        "entered_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [pump_id, kind.value, to_utc_text(happened_at), note, user_id, to_utc_text(at),
         to_utc_text(entered_at)])
    return int(cur.lastrowid or 0)


def events_since(db: Database, since: datetime, pump_id: int | None = None
                 ) -> dict[int, list[PumpEvent]]:
    """Pump events since ``since`` (index: pump_events(pump_id, happened_at)), oldest first, by
    pump id."""
    where, params = "WHERE e.happened_at >= ?", [to_utc_text(since)]
    if pump_id is not None:
        where += " AND e.pump_id = ?"
        params.append(pump_id)  # type: ignore[arg-type]
    out: dict[int, list[PumpEvent]] = {}
    for row in db.execute(
            "SELECT e.id, e.pump_id, e.kind, e.happened_at, u.name, e.note FROM pump_events e "
            f"JOIN users u ON u.id = e.recorded_by {where} ORDER BY e.happened_at, e.id",
            params).fetchall():
        event = PumpEvent(id=row[0], pump_id=row[1], kind=EventKind(row[2]),
                          at=from_utc_text(row[3]), by=row[4], note=row[5])
        out.setdefault(event.pump_id, []).append(event)
    return out
