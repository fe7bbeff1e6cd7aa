"""Ward databases for the benchmarks: a full ward with years of history, made once and cached.

The last 30 days are the demo ward (``services.demo.build_demo``: patients, users, orders, pumps,
stories); everything older is appended with the storage layer's insert functions, one transaction
per patient, at realistic rates: every due oral dose recorded (a few late, not given or corrected),
observations every 4-8 h, pump refills at each pump's interval, monthly renal results, alert
acknowledgements and an audit row for every record. The longer history is made from the shorter
one by appending older years, so both share the same recent weeks: the alert engine sees the same
ward in each and any difference in its time comes from the length of history alone.

Every database ends at one fixed moment (ANCHOR, ward time) and the benchmarks use that moment as
"now", so a cached database never goes stale.
"""

from __future__ import annotations

import os
import random
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from time import perf_counter
from zoneinfo import ZoneInfo

TZ = "Europe/London"
#: The moment every bench database ends and every benchmark runs at (ward time): a weekday morning
#: just after the 08:00 drug round.
ANCHOR = datetime(2026, 11, 25, 10, 5, tzinfo=ZoneInfo(TZ))
ANCHOR_TEXT = "2026-11-25T10:05"
#: Bump when the generated history changes, so cached databases are made again.
GENERATOR = 1
#: Days of the demo ward at the recent end of every database.
DEMO_DAYS = 30
SEED = 9

NURSES = ("nurse.jones", "nurse.okafor", "charge.silva")
_OMIT = (("refused", None), ("asleep", None), ("vomiting", None), ("away", "In X-ray"),
         ("nil_by_mouth", "Nil by mouth for swallow assessment"), ("unavailable", None))


def default_cache_dir() -> Path:
    """``$WARD_APP_BENCH_CACHE``, else ``$XDG_CACHE_HOME/ward-app-bench`` (``~/.cache/...``)."""
    if os.environ.get("WARD_APP_BENCH_CACHE"):
        return Path(os.environ["WARD_APP_BENCH_CACHE"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "ward-app-bench"


def schema_tag() -> str:
    """The newest schema step this build knows: a cached database made by another schema is
    made again rather than migrated (a migration would copy it to backups/ first)."""
    from ward_app.storage import migrations

    steps = sorted(n for n in vars(migrations) if re.match(r"m\d{3}_", n))
    return steps[-1].split("_")[0] if steps else "m000"


def database_name(beds: int, days: int) -> str:
    return f"ward-{beds}beds-{days}d-g{GENERATOR}-{schema_tag()}.db"


def ward_database(cache: Path, beds: int, days: int, *, extend_from: int | None = None,
                  log: Callable[[str], None] = print) -> Path:
    """The cached database of ``beds`` beds with ``days`` days of history, made if missing.

    With ``extend_from`` (fewer days) it is made from that database of the same ward (itself made
    if missing) by appending the older history, so both share their recent weeks."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / database_name(beds, days)
    if path.exists():
        return path
    shorter = None
    if extend_from is not None and extend_from < days:
        shorter = ward_database(cache, beds, extend_from, log=log)
    for stale in cache.glob(f"ward-{beds}beds-{days}d-*.db"):
        stale.unlink()  # another generator or schema: of no further use
    # Made under a temporary name and renamed at the end: an interrupted build is never used.
    work = path.with_name(f"{path.name}.building-{os.getpid()}")
    t0 = perf_counter()
    if shorter is not None:
        copy_database(shorter, work)
        ctx = _open(work)
        have = extend_from
    else:
        ctx = _new_ward(work, beds, min(days, DEMO_DAYS))
        have = DEMO_DAYS
    # Made in one go by this process alone: no need to wait for the disk at every commit.
    ctx.db.execute("PRAGMA synchronous=OFF")
    try:
        if days > have:
            append_history(ctx, ANCHOR - timedelta(days=days), ANCHOR - timedelta(days=have))
    finally:
        ctx.close()
    work.rename(path)
    log(f"built {path.name} ({path.stat().st_size / 1e6:.0f} MB) in {perf_counter() - t0:.0f} s")
    return path


def copy_database(src: Path, dst: Path) -> Path:
    """A copy of a closed database (its -wal too, should one be left)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        side = src.with_name(src.name + suffix)
        if side.exists():
            shutil.copyfile(side, dst.with_name(dst.name + suffix))
    return dst


def _open(path: Path):
    from ward_app.services.context import Context, resolve_actor
    from ward_app.storage.database import open_database

    db, _ = open_database(path, check_integrity=False)
    ctx = Context(db=db, path=path, clock=lambda: ANCHOR)
    ctx.actor = resolve_actor(ctx, "admin")
    return ctx


def _new_ward(path: Path, beds: int, days: int):
    """A new ward through the services: its admin, the demo users and patients, ``days`` of demo
    history."""
    from ward_app.services.admin import init_ward
    from ward_app.services.demo import build_demo

    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    from ward_app.services.demo import DEMO_PASSWORD

    ctx = init_ward(path, ward="Ward 9", tz=TZ, admin_password=DEMO_PASSWORD, clock=lambda: ANCHOR,
                    drill=True)
    build_demo(ctx, patients=beds, days=days, seed=SEED)
    return ctx


@dataclass(frozen=True)
class _Baseline:
    rr: int
    spo2: int
    on_oxygen: bool | None
    sbp: int
    hr: int
    temp: float
    mas: str | None


def append_history(ctx, start: datetime, end: datetime) -> None:
    """Older history for every patient in [start, end), one transaction per patient."""
    from ward_app.storage import patients as patient_repo
    from ward_app.storage import people
    from ward_app.storage import pumps as pump_repo

    users = [people.user_by_name(ctx.db, n).id for n in NURSES]  # type: ignore[union-attr]
    pharmacist = people.user_by_name(ctx.db, "pharm.chen").id  # type: ignore[union-attr]
    labs = patient_repo.latest_labs(ctx.db, ANCHOR)
    pumps = pump_repo.all_pumps(ctx.db)
    for patient in patient_repo.patients(ctx.db):
        rng = random.Random(f"{SEED}:{patient.id}:{start.date()}")
        with ctx.write() as db:
            _orders_and_doses(ctx, db, rng, patient.id, start, end, users, pharmacist)
            _observations(ctx, db, rng, patient.id, start, end, users)
            if patient.id in pumps:
                _refills(db, rng, pumps[patient.id], patient.id, start, users)
            if patient.id in labs:
                _labs(db, rng, labs[patient.id], patient.id, start, end, users)


def _orders_and_doses(ctx, db, rng: random.Random, pid: int, start: datetime,
                      end: datetime, users: list[int], pharmacist: int) -> None:
    from ward_app.domain.alerts import Severity
    from ward_app.domain.mar import Outcome, Reason, given_outcome, outcome_for_reason
    from ward_app.domain.orders import OrderAction, Route
    from ward_app.domain.rules import default
    from ward_app.domain.schedule import due_doses
    from ward_app.storage import acks, administrations, audit
    from ward_app.storage import orders as order_repo

    row = db.execute("SELECT id FROM orders WHERE patient_id = ? ORDER BY starts_at, id LIMIT 1",
                     [pid]).fetchone()
    if row is None:
        return
    first = order_repo.by_id(db, row[0])
    assert first is not None
    if first.starts_at > start:
        # The same order, started before the window (a long-term patient): a new start version.
        began = start - timedelta(days=rng.randint(5, 90), hours=rng.randint(0, 8))
        oid = order_repo.insert_order(
            db, patient_id=pid, action=OrderAction.START, route=first.route, starts_at=began,
            user_id=pharmacist, at=began, entered_at=began, dose_mg=first.dose_mg, times=first.times,
            frequency=first.frequency, daily_mcg=first.daily_mcg, indication=first.indication,
            override_reason=first.override_reason, doses=first.doses)
        audit.record(db, at=began, user_id=pharmacist, action="order.start", entity="order",
                     entity_id=oid, patient_id=pid, detail={"route": first.route.value})
    if first.route is Route.INTRATHECAL:
        return
    window = float(default("dose.window_min"))
    versions = order_repo.versions_since(db, start, pid).get(pid, [])
    for dose in due_doses(versions, start, end, ctx.zone):
        nurse = rng.choice(users)
        roll = rng.random()
        if roll < 0.04:
            code, note = rng.choice(_OMIT)
            at = dose.due + timedelta(minutes=rng.randint(0, 40))
            outcome = outcome_for_reason(Reason(code))
            rid = administrations.insert(
                db, patient_id=pid, order_id=dose.order_id, due=dose.due, outcome=outcome,
                administered_at=at, user_id=nurse, at=at, entered_at=at, reason=code, note=note)
        else:
            late = roll < 0.08
            at = dose.due + timedelta(minutes=rng.randint(35, 110) if late else rng.randint(-20, 25))
            outcome = given_outcome(dose.due, at, window)
            if late and rng.random() < 0.5:
                # the late-dose alert was acknowledged before the dose was given
                acked = dose.due + timedelta(minutes=rng.randint(31, 34))
                acks.insert(db, patient_id=pid, rule="dose.late",
                            key=f"dose.late:{pid}:{dose.due.isoformat()}",
                            severity=int(Severity.WARNING), note="Patient off the ward",
                            user_id=nurse, at=acked, entered_at=acked)
                audit.record(db, at=acked, user_id=nurse, action="alert.ack", entity="alert",
                             patient_id=pid, detail={"rule": "dose.late"})
            rid = administrations.insert(
                db, patient_id=pid, order_id=dose.order_id, due=dose.due, outcome=outcome,
                administered_at=at, user_id=nurse, at=at, entered_at=at,
                dose_mg=dose.dose_mg)
        audit.record(db, at=at, user_id=nurse, action=f"dose.{outcome.value}",
                     entity="administration", entity_id=rid, patient_id=pid,
                     detail={"due": dose.due.isoformat(), "dose_mg": dose.dose_mg})
        if roll >= 0.04 and rng.random() < 0.001:
            # recorded on the wrong chart: marked entered in error, recorded again
            fix_at = at + timedelta(minutes=rng.randint(10, 90))
            cid = administrations.insert(
                db, patient_id=pid, order_id=dose.order_id, due=dose.due,
                outcome=Outcome.ENTERED_IN_ERROR, administered_at=fix_at, user_id=nurse, at=fix_at,
                entered_at=fix_at,
                note="Recorded on the wrong chart", corrects_id=rid)
            audit.record(db, at=fix_at, user_id=nurse, action="dose.entered_in_error",
                         entity="administration", entity_id=cid, patient_id=pid,
                         detail={"corrects_id": rid, "reason": "Recorded on the wrong chart"})
            again = administrations.insert(
                db, patient_id=pid, order_id=dose.order_id, due=dose.due, outcome=outcome,
                administered_at=at, user_id=rng.choice(users), at=fix_at, entered_at=fix_at,
                dose_mg=dose.dose_mg)
            audit.record(db, at=fix_at, user_id=nurse, action=f"dose.{outcome.value}",
                         entity="administration", entity_id=again, patient_id=pid,
                         detail={"due": dose.due.isoformat(), "dose_mg": dose.dose_mg})


def _baseline(db, pid: int) -> _Baseline | None:
    """The patient's usual readings: their oldest set on record (so the first Modified Ashworth
    score, the rebound-spasticity baseline, stays what it was)."""
    row = db.execute(
        "SELECT rr, spo2, on_oxygen, sbp, hr, temp, mas FROM observations WHERE patient_id = ? "
        "AND corrects_id IS NULL AND rr IS NOT NULL ORDER BY taken_at, id LIMIT 1", [pid]).fetchone()
    if row is None:
        return None
    return _Baseline(rr=row[0], spo2=row[1], on_oxygen=None if row[2] is None else bool(row[2]),
                     sbp=row[3], hr=row[4], temp=row[5], mas=row[6])


def _observations(ctx, db, rng: random.Random, pid: int, start: datetime, end: datetime,
                  users: list[int]) -> None:
    from ward_app.domain.news2 import news2
    from ward_app.domain.observations import MAS_STEPS, Acvpu, Observation, Poss
    from ward_app.domain.orders import Route
    from ward_app.storage import audit
    from ward_app.storage import observations as obs_repo
    from ward_app.storage import orders as order_repo

    b = _baseline(db, pid)
    if b is None:
        return
    latest = order_repo.latest_version(db, pid)
    route = latest.route if latest is not None else None
    taken = start + timedelta(minutes=rng.randint(0, 240))
    first, checked_day = True, None
    while taken < end:
        local = taken.astimezone(ctx.zone)
        night = local.hour >= 23 or local.hour < 6
        morning = checked_day != local.date() and local.hour >= 6
        mas = penn = poss = None
        if b.mas is not None and (morning or first):
            step = 0 if first else rng.choice((-1, 0, 0, 0, 1))
            mas = MAS_STEPS[max(0, min(MAS_STEPS.index(b.mas) + step, len(MAS_STEPS) - 1))]
            penn = rng.choice((0, 1, 1))
        if route is not None:
            poss = Poss.ASLEEP if night else rng.choice(
                (Poss.AWAKE, Poss.AWAKE, Poss.AWAKE, Poss.SLIGHTLY_DROWSY))
        obs = Observation(
            id=0, patient_id=pid, taken_at=taken, rr=max(10, b.rr + rng.randint(-2, 2)),
            spo2=min(100, b.spo2 + rng.randint(-1, 1)), on_oxygen=b.on_oxygen,
            sbp=b.sbp + rng.randint(-10, 10), hr=b.hr + rng.randint(-6, 8) - (6 if night else 0),
            acvpu=Acvpu.ALERT, temp=round(b.temp + rng.uniform(-0.3, 0.3), 1), poss=poss, mas=mas,
            penn=penn, signs_checked=route is Route.INTRATHECAL and (morning or first))
        if morning:
            checked_day = local.date()
        nurse = rng.choice(users)
        at = taken + timedelta(minutes=rng.randint(1, 9))
        oid = obs_repo.insert(db, obs, user_id=nurse, at=at, entered_at=at)
        score = news2(obs)
        audit.record(db, at=at, user_id=nurse, action="obs.add", entity="observation",
                     entity_id=oid, patient_id=pid,
                     detail={"taken_at": taken.isoformat(), "news2": score.total,
                             "complete": score.complete, "signs": []})
        if rng.random() < 0.0005:  # a set entered on the wrong patient's chart, marked in error
            stored = Observation(**{**obs.__dict__, "id": oid})
            fix_at = at + timedelta(minutes=rng.randint(5, 120))
            cid = obs_repo.insert_correction(db, stored, reason="Wrong patient", user_id=nurse,
                                             at=fix_at, entered_at=fix_at)
            audit.record(db, at=fix_at, user_id=nurse, action="obs.entered_in_error",
                         entity="observation", entity_id=cid, patient_id=pid,
                         detail={"corrects_id": oid, "reason": "Wrong patient"})
        first = False
        taken += timedelta(minutes=rng.randint(4 * 60, 8 * 60))


def _refills(db, rng: random.Random, pump, pid: int, start: datetime,
             users: list[int]) -> None:
    """Refills before the oldest one on record, at the interval the pump has been refilled at."""
    from ward_app.storage import audit
    from ward_app.storage import pumps as pump_repo

    known = pump_repo.refills(db, pump.id, limit=1000)
    if not known:
        return
    gaps = sorted((b.refilled_at - a.refilled_at) for a, b in zip(known, known[1:], strict=False))
    interval = gaps[len(gaps) // 2] if gaps else timedelta(days=60)
    oldest = known[0]
    when = oldest.refilled_at - interval
    made: list[datetime] = []
    while when >= start:
        made.append(when)
        when -= interval + timedelta(days=rng.randint(-4, 0), minutes=rng.randint(-90, 90))
    for refilled in reversed(made):
        nurse = rng.choice(users)
        witness = rng.choice([u for u in users if u != nurse])
        rid = pump_repo.insert_refill(
            db, pump_id=pump.id, refilled_at=refilled, volume_ml=oldest.volume_ml,
            conc_mcg_ml=oldest.conc_mcg_ml, daily_mcg=oldest.daily_mcg, alarm_ml=oldest.alarm_ml,
            user_id=nurse, witness_id=witness, at=refilled, entered_at=refilled)
        audit.record(db, at=refilled, user_id=nurse, action="pump.refill", entity="pump_refill",
                     entity_id=rid, patient_id=pid,
                     detail={"volume_ml": oldest.volume_ml, "conc_mcg_ml": oldest.conc_mcg_ml,
                             "daily_mcg": oldest.daily_mcg, "alarm_ml": oldest.alarm_ml,
                             "witness_id": witness, "order_changed": False,
                             "refilled_at": refilled.isoformat()})
    if made and pump.implant_date is not None and pump.implant_date > made[-1].date():
        # the pump has been in longer than the first refill now on record (updated_at unchanged:
        # it decides which alarms still count)
        implanted = made[-1].date() - timedelta(days=rng.randint(7, 60))
        pump_repo.update_pump(db, pump.id, pump.updated_at or datetime.combine(
            implanted, time(12), tzinfo=UTC), implant_date=implanted)


def _labs(db, rng: random.Random, lab, pid: int, start: datetime, end: datetime,
          users: list[int]) -> None:
    """A renal result about every month (eGFR around the latest one)."""
    from ward_app.storage import audit
    from ward_app.storage import patients as patient_repo

    taken = start + timedelta(days=rng.randint(0, 30), hours=rng.randint(6, 10))
    while taken < end:
        egfr = None if lab.egfr is None else max(5.0, round(lab.egfr + rng.uniform(-6, 6)))
        nurse = rng.choice(users)
        at = taken + timedelta(hours=rng.randint(2, 8))
        lid = patient_repo.add_lab(db, patient_id=pid, egfr=egfr, dialysis=lab.dialysis,
                                   taken_at=taken, user_id=nurse, at=at, entered_at=at)
        audit.record(db, at=at, user_id=nurse, action="add", entity="lab_result", entity_id=lid,
                     patient_id=pid, detail={"egfr": egfr, "dialysis": lab.dialysis})
        taken += timedelta(days=rng.randint(25, 35))


def history_counts(path: Path) -> dict[str, int]:
    """Rows per clinical table (for the report)."""
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("patients", "orders", "administrations", "observations", "pump_refills",
                          "lab_results", "alert_acks", "audit")}
    finally:
        conn.close()

