"""What the FHIR export reads (services/fhir_export.py): every order version, dose record,
observation set and pump refill of the patients exported, optionally from a moment on. One query
per table for all the patients; the rows come back as the domain values the rest of the app uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ward_app.domain.clock import from_utc_text, to_utc_text
from ward_app.domain.mar import Record
from ward_app.domain.observations import Observation
from ward_app.domain.orders import Order
from ward_app.domain.pump import Refill
from ward_app.storage import administrations as admin_repo
from ward_app.storage import observations as obs_repo
from ward_app.storage import orders as order_repo
from ward_app.storage.connection import Database
from ward_app.storage.pumps import _refill

#: the earliest moment any record can have: "from the beginning"
_EVER = "0000"


@dataclass(frozen=True)
class OrderRow:
    """An order version with when and by whom it was entered, and whether it counts (a cancelled
    taper's versions from its cancellation on never came into force)."""

    order: Order
    created_at: datetime
    created_by: str
    live: bool


@dataclass(frozen=True)
class RefillRow:
    refill: Refill
    patient_id: int
    corrects_id: int | None


def _in(ids: Sequence[int]) -> str:
    return ", ".join("?" * len(ids)) or "NULL"


def _since(since: datetime | None) -> str:
    return to_utc_text(since) if since is not None else _EVER


def order_versions(db: Database, patient_ids: Sequence[int], since: datetime | None
                   ) -> list[OrderRow]:
    """The patients' order versions that start or were entered at or after ``since`` (all without
    it), and the version in force at ``since``; by patient, then start."""
    ids = list(patient_ids)
    at = _since(since)
    cols = ", ".join(f"o.{c.strip()}" for c in order_repo._COLS.split(","))
    rows = db.execute(
        f"""SELECT {cols}, o.created_at, u.name,
                   EXISTS (SELECT 1 FROM live_orders l WHERE l.id = o.id)
            FROM orders o JOIN users u ON u.id = o.created_by
            WHERE o.patient_id IN ({_in(ids)}) AND (o.starts_at >= ? OR o.created_at >= ?
                OR o.id = (SELECT l.id FROM live_orders l WHERE l.patient_id = o.patient_id
                           AND l.starts_at < ? ORDER BY l.starts_at DESC, l.id DESC LIMIT 1))
            ORDER BY o.patient_id, o.starts_at, o.id""",
        [*ids, at, at, at]).fetchall()
    return [OrderRow(order_repo._order(r[:17]), from_utc_text(r[17]), r[18], bool(r[19]))
            for r in rows]


def orders_by_id(db: Database, order_ids: Sequence[int]) -> list[OrderRow]:
    """These order versions (the ones an exported dose record names)."""
    ids = sorted(set(order_ids))
    if not ids:
        return []
    cols = ", ".join(f"o.{c.strip()}" for c in order_repo._COLS.split(","))
    rows = db.execute(
        f"""SELECT {cols}, o.created_at, u.name,
                   EXISTS (SELECT 1 FROM live_orders l WHERE l.id = o.id)
            FROM orders o JOIN users u ON u.id = o.created_by WHERE o.id IN ({_in(ids)})
            ORDER BY o.patient_id, o.starts_at, o.id""", ids).fetchall()
    return [OrderRow(order_repo._order(r[:17]), from_utc_text(r[17]), r[18], bool(r[19]))
            for r in rows]


def live_versions(db: Database, patient_ids: Sequence[int]
                  ) -> list[tuple[int, int, str, str, str | None]]:
    """(patient id, order id, action, starts_at UTC text, stop reason) of every version that
    counts, in the order they come into force: what tells a version's end and how it ended."""
    ids = list(patient_ids)
    rows = db.execute(
        "SELECT patient_id, id, action, starts_at, stop_reason FROM live_orders "
        f"WHERE patient_id IN ({_in(ids)}) ORDER BY patient_id, starts_at, id", ids).fetchall()
    return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def dose_records(db: Database, patient_ids: Sequence[int], since: datetime | None) -> list[Record]:
    """The patients' dose records given (or recorded) at or after ``since``, those a correction
    made since then marks entered in error, and every correction of them; oldest first."""
    ids = list(patient_ids)
    at = _since(since)
    rows = db.execute(
        admin_repo._SELECT + f""" WHERE a.patient_id IN ({_in(ids)}) AND (
                a.administered_at >= ? OR a.corrects_id IS NOT NULL
                OR a.id IN (SELECT c.corrects_id FROM administrations c
                            WHERE c.corrects_id IS NOT NULL AND c.administered_at >= ?))
            ORDER BY a.administered_at, a.id""", [*ids, at, at]).fetchall()
    return [admin_repo._record(r) for r in rows]


@dataclass(frozen=True)
class Correction:
    """A row marking an observation set entered in error: who, when, why."""

    obs_id: int
    by: str
    at: datetime
    reason: str


def observation_sets(db: Database, patient_ids: Sequence[int], since: datetime | None
                     ) -> tuple[list[Observation], dict[int, Correction]]:
    """The patients' observation sets taken at or after ``since`` or marked entered in error
    since then (oldest first), and the corrections of them by the id of the set they mark."""
    ids = list(patient_ids)
    at = _since(since)
    sets = db.execute(
        obs_repo._SELECT + f""" WHERE o.patient_id IN ({_in(ids)}) AND o.corrects_id IS NULL AND (
                o.taken_at >= ? OR o.id IN (SELECT c.corrects_id FROM observations c
                    WHERE c.corrects_id IS NOT NULL AND c.recorded_at >= ?))
            ORDER BY o.taken_at, o.id""", [*ids, at, at]).fetchall()
    corrections = db.execute(
        f"""SELECT c.corrects_id, u.name, c.recorded_at, coalesce(c.note, '')
            FROM observations c JOIN users u ON u.id = c.recorded_by
            WHERE c.patient_id IN ({_in(ids)}) AND c.corrects_id IS NOT NULL ORDER BY c.id""",
        ids).fetchall()
    return ([obs_repo._obs(r) for r in sets],
            {r[0]: Correction(r[0], r[1], from_utc_text(r[2]), r[3]) for r in corrections})


def refills(db: Database, patient_ids: Sequence[int], since: datetime | None) -> list[RefillRow]:
    """The refills of the patients' pumps made at or after ``since`` (and every correction),
    oldest first."""
    ids = list(patient_ids)
    rows = db.execute(
        "SELECT r.id, r.pump_id, r.refilled_at, r.volume_ml, r.conc_mcg_ml, r.daily_mcg, "
        "r.alarm_ml, u.name, w.name, r.next_refill_booked, r.withdrawn_ml, r.scan, "
        "r.scan_skipped, p.patient_id, r.corrects_id FROM pump_refills r "
        "JOIN pumps p ON p.id = r.pump_id "
        "JOIN users u ON u.id = r.recorded_by JOIN users w ON w.id = r.witness_id "
        f"WHERE p.patient_id IN ({_in(ids)}) AND (r.refilled_at >= ? OR r.corrects_id IS NOT NULL) "
        "ORDER BY r.refilled_at, r.id", [*ids, _since(since)]).fetchall()
    return [RefillRow(_refill(r[:13]), r[13], r[14]) for r in rows]


__all__ = ["Correction", "OrderRow", "RefillRow", "dose_records", "live_versions",
           "observation_sets", "order_versions", "orders_by_id", "refills"]
