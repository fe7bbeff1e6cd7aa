"""Order versions: every change is a new row; the version in force is the latest that has started."""

from __future__ import annotations

import json
from datetime import datetime

from ward_app.domain.clock import from_utc_text, to_utc_text
from ward_app.domain.orders import Caution, Frequency, Indication, Order, OrderAction, Route
from ward_app.storage.connection import Database

_COLS = (
    "id, patient_id, action, route, starts_at, dose_mg, times, frequency, daily_mcg, indication, "
    "override_reason, supersedes_id, stop_reason, prescriber, doses, taper_id, acknowledged_cautions"
)


def _order(row: tuple) -> Order:
    return Order(
        id=row[0], patient_id=row[1], action=OrderAction(row[2]), route=Route(row[3]),
        starts_at=from_utc_text(row[4]), dose_mg=row[5], times=tuple(json.loads(row[6])),
        frequency=Frequency(row[7]) if row[7] else None, daily_mcg=row[8],
        indication=Indication(row[9]) if row[9] else None, override_reason=row[10],
        supersedes_id=row[11], stop_reason=row[12], prescriber=row[13],
        doses=tuple(json.loads(row[14])) if row[14] else (), taper_id=row[15],
        cautions=tuple(Caution(c["rule"], c["message"]) for c in json.loads(row[16] or "[]")),
    )


def insert_order(
    db: Database, *, patient_id: int, action: OrderAction, route: Route, starts_at: datetime,
    user_id: int, at: datetime, entered_at: datetime, dose_mg: float | None = None,
    times: tuple[str, ...] = (),
    frequency: Frequency | None = None, daily_mcg: float | None = None,
    indication: Indication | None = None, override_reason: str | None = None,
    stop_reason: str | None = None, prescriber: str | None = None,
    supersedes_id: int | None = None, doses: tuple[float, ...] = (), taper_id: int | None = None,
    cautions: tuple[Caution, ...] = (),
) -> int:
    cur = db.execute(
        "INSERT INTO orders (patient_id, supersedes_id, action, route, dose_mg, frequency, times, "
        "daily_mcg, indication, override_reason, stop_reason, prescriber, starts_at, created_at, "
        "created_by, doses, taper_id, entered_at, acknowledged_cautions) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            patient_id, supersedes_id, action.value, route.value, dose_mg,
            frequency.value if frequency else None, json.dumps(list(times)), daily_mcg,
            indication.value if indication else None, override_reason, stop_reason, prescriber,
            to_utc_text(starts_at), to_utc_text(at), user_id,
            json.dumps(list(doses)) if doses else None, taper_id, to_utc_text(entered_at),
            json.dumps([{"rule": c.rule, "message": c.message} for c in cautions]),
        ],
    )
    return int(cur.lastrowid or 0)


def current_orders(db: Database, at: datetime) -> dict[int, Order]:
    """Per patient, the order version in force at ``at`` (a 'stop' version means none)."""
    rows = db.execute(
        f"""SELECT {_COLS} FROM live_orders o
            WHERE o.id = (SELECT o2.id FROM live_orders o2 WHERE o2.patient_id = o.patient_id
                          AND o2.starts_at <= ? ORDER BY o2.starts_at DESC, o2.id DESC LIMIT 1)""",
        [to_utc_text(at)],
    ).fetchall()
    found = (_order(r) for r in rows)
    return {o.patient_id: o for o in found if o.action is not OrderAction.STOP}


def versions_since(db: Database, since: datetime, patient_id: int | None = None) -> dict[int, list[Order]]:
    """Per patient, the version in force at ``since`` and every version that starts after it."""
    where = "AND o.patient_id = ?" if patient_id is not None else ""
    params: list[object] = [to_utc_text(since), to_utc_text(since)]
    if patient_id is not None:
        params.append(patient_id)
    rows = db.execute(
        f"""SELECT {_COLS} FROM live_orders o
            WHERE (o.starts_at >= ? OR o.id = (
                SELECT o2.id FROM live_orders o2 WHERE o2.patient_id = o.patient_id AND o2.starts_at < ?
                ORDER BY o2.starts_at DESC, o2.id DESC LIMIT 1)) {where}
            ORDER BY o.patient_id, o.starts_at, o.id""",
        params,
    ).fetchall()
    out: dict[int, list[Order]] = {}
    for row in rows:
        order = _order(row)
        out.setdefault(order.patient_id, []).append(order)
    return out


def latest_version(db: Database, patient_id: int) -> Order | None:
    row = db.execute(
        f"SELECT {_COLS} FROM live_orders WHERE patient_id = ? ORDER BY starts_at DESC, id DESC "
        "LIMIT 1",
        [patient_id],
    ).fetchone()
    return _order(row) if row else None


def by_id(db: Database, order_id: int) -> Order | None:
    """One order version, whether or not it still counts."""
    row = db.execute(f"SELECT {_COLS} FROM orders WHERE id = ?", [order_id]).fetchone()
    return _order(row) if row else None
