"""Ward files for the sync tests (issue 19): a small ward, a new workstation's empty file, and
comparing two workstations' files modulo their local row ids."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from tests import typed
from tests.conftest import ADMIN_PASSWORD, act_as, acting, pw
from ward_app.services.admin import add_user, check_database, init_ward
from ward_app.services.context import Context, open_context
from ward_app.services.patients import NewPatient, add_patient
from ward_app.storage import audit
from ward_app.storage.sync import local
from ward_app.storage.sync import tables as T

PHARMACIST = "pharm.chen"
START = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def set(self, text: str, zone: Any) -> None:
        self.moment = datetime.fromisoformat(text).replace(tzinfo=zone).astimezone(UTC)


def make_ward(path: Path, clock: Clock, *, patients: bool = True) -> Context:
    """Ward 7 with admin, nurse.okafor, charge.silva, pharm.chen, nurse.jones; RX1 on oral TDS
    (08:00, 14:00, 22:00), RX2; acting as nurse.jones."""
    ctx = init_ward(path, ward="Ward 7", tz="Europe/London", admin_password=ADMIN_PASSWORD,
                    clock=clock)
    add_user(ctx, "nurse.okafor", "nurse", pw("nurse.okafor"))
    add_user(ctx, "charge.silva", "charge_nurse", pw("charge.silva"))
    add_user(ctx, PHARMACIST, "pharmacist", pw(PHARMACIST))
    add_user(ctx, "nurse.jones", "nurse", pw("nurse.jones"))
    if patients:
        with acting(ctx, "charge.silva"):
            add_patient(ctx, NewPatient(mrn="RX1", name="Test Patient", dob=date(1970, 1, 1),
                                        bed="1", weight_kg=70))
            add_patient(ctx, NewPatient(mrn="RX2", name="Other Patient", dob=date(1980, 1, 1),
                                        bed="2"))
        with acting(ctx, PHARMACIST):
            typed.add_order(ctx, typed.OrderText(mrn="RX1", route="oral", dose_mg=10, freq="TDS"))
    act_as(ctx, "nurse.jones")
    return ctx


def new_workstation(path: Path, clock: Clock) -> Context:
    """A new workstation's empty database (no ward, no user yet)."""
    return open_context(path, clock=clock, create=True)


def live_rows(db) -> dict[str, int]:
    return {t: int(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in T.SYNCED}


def contents(ctx: Context) -> dict[str, dict[str, Any]]:
    """table -> {global id: the row as sent (no local ids)}: two workstations' files compared
    modulo their local row ids."""
    out: dict[str, dict[str, Any]] = {}
    for table in T.SYNCED:
        rows = ctx.db.execute("SELECT gid, row_id FROM sync_rows WHERE tbl = ? AND row_id IS NOT "
                              "NULL", [table]).fetchall()
        out[table] = {gid: local.encode_row(ctx.db, table, rid) for gid, rid in rows}
    return out


def every_row_has_a_gid(ctx: Context) -> None:
    """(after the stamping every sync round begins with: clinical records made here get their
    global id then, not when they are written: storage/sync/stamp.py)"""
    from ward_app.storage.sync import stamp

    stamp.stamp(ctx.db)
    for table in T.SYNCED:
        missing = ctx.db.execute(
            f"SELECT count(*) FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM sync_rows s "
            f"WHERE s.tbl = '{table}' AND s.row_id = t.rowid)").fetchone()[0]
        assert missing == 0, f"{table}: {missing} rows without a global id"


def healthy(ctx: Context) -> None:
    assert audit.chain_problems(ctx.db) == []
    every_row_has_a_gid(ctx)
    health = check_database(ctx.path)
    assert health.healthy, health.lines()


def pid(ctx: Context, mrn: str = "RX1") -> int:
    return typed.pid(ctx, mrn)


def give_0800(ctx: Context, clock: Clock, at: str = "2026-11-25T08:05") -> Any:
    """RX1's 08:00 dose given at ``at`` (ward time) by whoever acts."""
    clock.set(at, ctx.zone)
    return typed.give(ctx, "RX1", "08:00")


def ward_template(folder: Path) -> Path:
    """``make_ward``'s file, made once per run and copied by each test (argon2 hashes are slow
    on purpose)."""
    path = folder / "ward.db"
    make_ward(path, Clock(START)).close()
    return path


def copy_ward(template: Path, path: Path, clock: Clock, user: str = "nurse.jones") -> Context:
    """A copy of the template acting as ``user``. A copy is the same workstation (same id, same
    global ids): use one copy per test, and new_workstation for the others."""
    import shutil

    shutil.copyfile(template, path)
    return open_context(path, clock=clock, user=user)
