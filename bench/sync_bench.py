"""python -m bench.sync_bench [--url URL] [--json] [--beds N] [--records N] [--samples N]: the ward
server sync figures (issue 19 §6), against a real PostgreSQL. Figures only: nothing asserts.

- propagation: two workstations joined to one ward server, each syncing continuously (the
  window's background sync, ``services.sync.Background``, on a thread with its own connection);
  ``--records`` records (doses and observations, alternately) made at A one after another
  ``--gap`` seconds apart, each timed from its commit at A until it is in B's SQLite file:
  median and p95 (target: under 2 s);
- catch-up: B offline while A records a day of a ``--beds``-bed ward (every due dose, the
  observations, refills, labs and audit rows: bench.wardgen.append_history), then one
  ``sync --once`` at B: seconds (target: under 30 s) and records applied per second;
- local recording: the p95 of giving a dose through the service (bench.measure.record_dose_ms)
  on a copy of the joined ward with the sync triggers, and on a copy with them dropped: both and
  their ratio (target: within 10 %), ``--rounds`` alternating rounds of ``--samples`` each.

Without ``--url`` a throw-away PostgreSQL is started (tests/helpers/postgres.py, which needs the
server programs: ``bash packaging/quickstart.sh test`` installs them); with it, URL is an empty
database a superuser (or its owner) reaches, e.g. postgresql://postgres:pw@127.0.0.1/ward_bench.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.measure import NURSE, open_ward_context, p95
from bench.wardgen import ANCHOR, DEMO_DAYS, _new_ward, _open, append_history, copy_database

TARGETS = {"propagation_p95_s": 2.0, "catch_up_s": 30.0, "record_dose_ratio": 1.10}


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def _server(url: str | None) -> Iterator[str]:
    """The ward server's (superuser) URL: ``url``, else a throw-away PostgreSQL's."""
    if url:
        yield url
        return
    from tests.helpers.postgres import PgServer

    with PgServer() as pg:
        yield pg.create_database("ward_bench")


def _gid(path: Path, table: str, row_id: int) -> str:
    """The record's global id, given by A's sync loop at its next round (storage/sync/stamp.py)."""
    deadline = time.monotonic() + 30
    with contextlib.closing(sqlite3.connect(str(path))) as conn:
        while True:
            row = conn.execute("SELECT gid FROM sync_rows WHERE tbl = ? AND row_id = ?",
                               [table, row_id]).fetchone()
            if row is not None or time.monotonic() > deadline:
                return str(row[0]) if row else ""
            time.sleep(0.005)


class _Watcher:
    """Polls B's file every few milliseconds; notes when each awaited global id appears there."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.awaited: dict[str, float] = {}  # gid -> committed at A (perf_counter)
        self.seen: dict[str, float] = {}  # gid -> seconds until it was in B's file
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def expect(self, gid: str, committed: float) -> None:
        with self.lock:
            self.awaited[gid] = committed

    def _run(self) -> None:
        with contextlib.closing(sqlite3.connect(str(self.path), timeout=5)) as conn:
            while not self.stop.is_set():
                with self.lock:
                    pending = list(self.awaited)
                if pending:
                    marks = ",".join("?" * len(pending))
                    found = [g for (g,) in conn.execute(
                        f"SELECT gid FROM sync_rows WHERE gid IN ({marks})", pending)]
                    now = time.perf_counter()
                    with self.lock:
                        for gid in found:
                            self.seen[gid] = now - self.awaited.pop(gid)
                time.sleep(0.005)


def propagation(a: Path, b: Path, records: int, gap: float,
                log: Callable[[str], None]) -> dict[str, Any]:
    """Records made at A one by one, each timed until it is in B's file (both syncing)."""
    from ward_app.services import observations, sync
    from ward_app.services.mar import give_dose, schedule_between
    from ward_app.storage import patients as patient_repo

    loops = [sync.Background(path, on_round=lambda _r: None, on_state=lambda _c, _e: None)
             for path in (a, b)]
    threads = [threading.Thread(target=loop.run, daemon=True) for loop in loops]
    for thread in threads:
        thread.start()
    watcher = _Watcher(b)
    watcher.thread.start()
    moment = [ANCHOR + timedelta(days=1)]
    ctx = open_ward_context(a, NURSE, clock=lambda: moment[0])
    try:
        time.sleep(1.0)  # both connected and idle
        patients = patient_repo.patients(ctx.db)
        doses = sorted(((d.due, p.id) for p in patients for d in schedule_between(
            ctx, p, ANCHOR + timedelta(minutes=1), ANCHOR + timedelta(days=1))),
            key=lambda x: x[0])
        for i in range(records):
            if i % 2 == 0 and doses:
                due, pid = doses.pop(0)
                moment[0] = due + timedelta(minutes=5)
                row_id, table = give_dose(ctx, pid, due).record_id, "administrations"
            else:
                pid = patients[i % len(patients)].id
                row_id = observations.add_observation(ctx, observations.NewObservation(
                    patient_id=pid, rr=16, hr=72, spo2=97)).observation.id
                table = "observations"
            committed = time.perf_counter()
            watcher.expect(_gid(a, table, row_id), committed)
            time.sleep(gap)
        deadline = time.monotonic() + 30
        while watcher.awaited and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        ctx.close()
        watcher.stop.set()
        watcher.thread.join()
        for loop in loops:
            loop.stop()
        for thread in threads:
            thread.join(timeout=30)
    times = sorted(watcher.seen.values())
    log(f"  propagation: {len(times)} of {records} records seen at B")
    return {"records": records, "seen": len(times), "not_seen": len(watcher.awaited),
            "gap_s": gap, "median_s": round(statistics.median(times), 3) if times else None,
            "p95_s": round(p95(times), 3) if times else None,
            "max_s": round(max(times), 3) if times else None}


def _sync_once(path: Path) -> tuple[float, Any]:
    from ward_app.services import sync
    from ward_app.storage.database import connect
    from ward_app.storage.sync import engine

    db = connect(path)
    try:
        t0 = time.perf_counter()
        done = engine.once(db, passfile=sync.passfile())
        return time.perf_counter() - t0, done
    finally:
        db.close()


def catch_up(a: Path, b: Path, log: Callable[[str], None]) -> dict[str, Any]:
    """A records a day of the ward while B is offline; then one sync at A and one at B."""
    from ward_app.storage.sync import local

    ctx = _open(a)
    try:
        before = local.waiting_count(ctx.db)
        t0 = time.perf_counter()
        # The day before the demo's history begins (bench.wardgen's rates: every due dose...).
        start = ANCHOR - timedelta(days=DEMO_DAYS + 1)
        append_history(ctx, start, start + timedelta(days=1))
        made_s = time.perf_counter() - t0
        made = local.waiting_count(ctx.db) - before
    finally:
        ctx.close()
    log(f"  catch-up: a day of the ward made at A ({made} records, {made_s:.1f} s); A sends...")
    push_s, pushed = _sync_once(a)
    log(f"  catch-up: A sent {pushed.sent} in {push_s:.2f} s; B catches up...")
    pull_s, pulled = _sync_once(b)
    return {"records_made": made, "sent_by_a": pushed.sent, "push_s": round(push_s, 2),
            "received_by_b": pulled.received, "waiting_at_b": pulled.waiting_in,
            "seconds": round(pull_s, 2),
            "records_per_s": round(pulled.received / pull_s) if pull_s else None}


def _drop_sync_triggers(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(str(path))) as conn:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                            "AND name LIKE '%\\_sync\\_%' ESCAPE '\\'")]
        for name in names:
            conn.execute(f'DROP TRIGGER "{name}"')
        conn.commit()
    return len(names)


def recording(a: Path, work: Path, samples: int, rounds: int,
              log: Callable[[str], None]) -> dict[str, Any]:
    """record_dose p95 with and without the sync triggers, alternating, on fresh copies."""
    from bench.measure import record_dose_ms

    synced, plain = [], []
    medians: dict[str, list[float]] = {"with": [], "without": []}
    dropped = 0
    for r in range(rounds):
        for label, out in (("with", synced), ("without", plain)):
            copy = copy_database(a, work / f"rec-{label}-{r}.db")
            if label == "without":
                dropped = _drop_sync_triggers(copy)
            figure, details = record_dose_ms(copy, samples)
            out.append(figure)
            medians[label].append(details["median_ms"])
            for suffix in ("", "-wal", "-shm"):
                copy.with_name(copy.name + suffix).unlink(missing_ok=True)
        log(f"  recording round {r + 1}/{rounds}: p95 {synced[-1]} ms with the sync triggers, "
            f"{plain[-1]} ms without")
    with_ms, without_ms = statistics.median(synced), statistics.median(plain)
    return {"samples": samples, "rounds": rounds, "triggers_dropped": dropped,
            "p95_ms_with_sync": with_ms, "p95_ms_without_sync": without_ms,
            "each_round_with": synced, "each_round_without": plain,
            "median_ms_with_sync": statistics.median(medians["with"]),
            "median_ms_without_sync": statistics.median(medians["without"]),
            "ratio": round(with_ms / without_ms, 3) if without_ms else None}


def run(*, url: str | None = None, beds: int = 40, records: int = 200, gap: float = 0.1,
        samples: int = 200, rounds: int = 3, history_days: int = 0,
        log: Callable[[str], None] = _progress) -> dict[str, Any]:
    """Every sync figure (see the module's docstring)."""
    from ward_app.services import sync
    from ward_app.services.context import open_context

    with tempfile.TemporaryDirectory(prefix="ward-sync-bench-") as folder, _server(url) as server:
        work = Path(folder)
        saved = os.environ.get("WARD_APP_PGPASS")
        os.environ["WARD_APP_PGPASS"] = str(work / "pgpass")
        try:
            a, b = work / "a.db", work / "b.db"
            log(f"building a {beds}-bed ward ({DEMO_DAYS} days of demo history)...")
            ctx = _new_ward(a, beds, DEMO_DAYS)
            try:
                sync.init_server(ctx, server)
                t0 = time.perf_counter()
                joined_a = sync.join(ctx, server, name="Station")
                join_a_s = time.perf_counter() - t0
            finally:
                ctx.close()
            ctx = open_context(b, create=True)
            try:
                t0 = time.perf_counter()
                joined_b = sync.join(ctx, server, name="Bay 2")
                join_b_s = time.perf_counter() - t0
            finally:
                ctx.close()
            log(f"  joined: A sent {joined_a.sent} in {join_a_s:.2f} s, B received "
                f"{joined_b.received} in {join_b_s:.2f} s")
            result: dict[str, Any] = {"join": {
                "a_sent": joined_a.sent, "a_s": round(join_a_s, 2),
                "b_received": joined_b.received, "b_s": round(join_b_s, 2)}}
            log("local recording speed...")
            measured = a
            if history_days:  # the main benchmark's ward (cached; made if missing)
                from bench.wardgen import default_cache_dir, ward_database

                measured = ward_database(default_cache_dir(), beds, history_days, log=log)
            result["recording"] = recording(measured, work, samples, rounds, log)
            result["recording"]["history_days"] = history_days or DEMO_DAYS
            log("catch-up after a day offline...")
            result["catch_up"] = catch_up(a, b, log)
            log("propagation while connected...")
            result["propagation"] = propagation(a, b, records, gap, log)
        finally:
            if saved is None:
                os.environ.pop("WARD_APP_PGPASS", None)
            else:
                os.environ["WARD_APP_PGPASS"] = saved
    figures = {"propagation_p95_s": result["propagation"]["p95_s"],
               "catch_up_s": result["catch_up"]["seconds"],
               "record_dose_ratio": result["recording"]["ratio"]}
    return {**figures, "targets": TARGETS,
            "met": {k: v is not None and v <= TARGETS[k] for k, v in figures.items()},
            "details": {**result, "beds": beds, "machine": {
                "cpu_count": os.cpu_count(), "load_average": os.getloadavg(),
                "sqlite": sqlite3.sqlite_version}}}


def table(result: dict[str, Any]) -> str:
    d = result["details"]
    p, c, r = d["propagation"], d["catch_up"], d["recording"]
    met = {k: "yes" if v else "NO" for k, v in result["met"].items()}
    return "\n".join([
        f"propagation A -> B while connected: median {p['median_s']} s, p95 {p['p95_s']} s, max "
        f"{p['max_s']} s over {p['seen']} of {p['records']} records {p['gap_s']} s apart "
        f"(target p95 < 2 s: {met['propagation_p95_s']})",
        f"catch-up after a day offline ({d['beds']} beds): {c['received_by_b']} records in "
        f"{c['seconds']} s, {c['records_per_s']} records/s (target < 30 s: {met['catch_up_s']}); "
        f"A sent them in {c['push_s']} s",
        f"recording a dose, p95: {r['p95_ms_with_sync']} ms with the sync triggers, "
        f"{r['p95_ms_without_sync']} ms without ({r['triggers_dropped']} triggers dropped): ratio "
        f"{r['ratio']} (target <= 1.10: {met['record_dose_ratio']}); median of {r['rounds']} "
        f"rounds of {r['samples']}; medians {r['median_ms_with_sync']} / "
        f"{r['median_ms_without_sync']} ms; a ward with {r['history_days']} days of history",
        f"join: A sent {d['join']['a_sent']} records in {d['join']['a_s']} s; a new workstation "
        f"received {d['join']['b_received']} in {d['join']['b_s']} s",
        f"machine: {d['machine']['cpu_count']} CPUs, load {d['machine']['load_average']}, "
        f"SQLite {d['machine']['sqlite']}",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sync_bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="an empty PostgreSQL database (superuser or owner); "
                        "default: start a throw-away server")
    parser.add_argument("--beds", type=int, default=40)
    parser.add_argument("--records", type=int, default=200, help="propagation records")
    parser.add_argument("--gap", type=float, default=0.1, help="seconds between them")
    parser.add_argument("--samples", type=int, default=200, help="doses per recording round")
    parser.add_argument("--rounds", type=int, default=3, help="recording rounds (alternating)")
    parser.add_argument("--history-days", type=int, default=0,
                        help="measure recording on the main benchmark's ward with this much "
                        "history (e.g. 365, cached; built if missing) instead of the joined one")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    result = run(url=args.url, beds=args.beds, records=args.records, gap=args.gap,
                 samples=args.samples, rounds=args.rounds, history_days=args.history_days)
    print(json.dumps(result, indent=2) if args.json else table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
