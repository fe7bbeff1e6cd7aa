"""Intrathecal pumps and their refills."""

from __future__ import annotations

from datetime import date, datetime

from sqlite_utils import Database

from ward_app.domain.clock import to_utc_text


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
) -> int:
    cur = db.execute(
        "INSERT INTO pump_refills (pump_id, refilled_at, volume_ml, conc_mcg_ml, daily_mcg, "
        "alarm_ml, recorded_at, recorded_by, witness_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            pump_id, to_utc_text(refilled_at), volume_ml, conc_mcg_ml, daily_mcg, alarm_ml,
            to_utc_text(at), user_id, witness_id,
        ],
    )
    return int(cur.lastrowid or 0)
