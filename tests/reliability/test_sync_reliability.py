"""Issue 19 §5: three workstations recording at once, kept in step through a real PostgreSQL ward
server that is stopped and restarted under them, one workstation's sync SIGKILLed at random.

Workstation A is a small ward made by the test helpers (8 patients on an oral dose every 30 min);
B and C are new, empty databases that join it. Each workstation runs

- a recorder: a child process (``python -m tests.reliability.test_sync_reliability record CONFIG``)
  giving or omitting every due dose of its own two patients over a day and recording an
  observation after each, through the services (clinical recording checks off, as in every
  reliability test), one JSON line per record made;
- its sync: the real ``ward-app --db X --user NURSE sync`` command line, a child process too.

Meanwhile the parent stops the server (``fast``) and, while it is down, gives the same due doses
of two reserved patients at two workstations (one at all three): the deliberate conflicts. Later
it stops the server ``immediate`` (a crash: recovery from the WAL) and starts it again. C's sync
is SIGKILLed at random moments (seeded) throughout and started again.

Afterwards (``sync --once`` rounds until a round moves nothing) every workstation and the server
hold exactly the same records (sets of global ids per table, and the row contents by global id),
every record a recorder made is everywhere, nothing is there twice except the deliberate
conflicts, each conflict is a ``recorded_twice`` with an urgent alert on every workstation, the
audit chains are whole and ``ward-app check`` finds nothing wrong. The seed is in every failure
message (``WARD_APP_SYNC_SEED`` picks another).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.conftest import ADMIN_PASSWORD, NOW, PASSWORD, ROLE_USERS, fixed_clock
from tests.reliability.worker import (
    EVERY_30_MIN,
    Report,
    child_env,
    populate,
    read_report,
    ward_app_cli,
    without_recording_checks,
)

ROOT = Path(__file__).resolve().parents[2]
SEED = int(os.environ.get("WARD_APP_SYNC_SEED", "1919"))
#: The recorders' moment: every dose of the first day is due (given late, or not given).
CHILD_NOW = NOW + timedelta(days=1)
NAMES = ("a", "b", "c")
NURSES = {"a": "nurse.test", "b": "nurse.two", "c": "nurse.three"}
PATIENTS = 8  # RX100..RX105: two per workstation; RX106, RX107: the deliberate conflicts
ROLE, ROLE_PASSWORD = "ward_sync_rel", "rel-pass-19"
#: Seconds the running syncs have, after the last record, to bring every workstation in step.
CATCH_UP = 60


# --- the recorder (child process) ------------------------------------------------------------

def run_recorder(config: dict[str, Any]) -> int:
    """Record every due dose of this workstation's patients over the day (every fourth not
    given), each followed by an observation; report each record made (kind, local id)."""
    from tests import typed
    from ward_app.services import mar, observations
    from ward_app.services.context import open_context
    from ward_app.services.patients import find_by_mrn

    without_recording_checks()
    report = Report(config["report"])
    rng = random.Random(config["seed"])
    moment = datetime.fromisoformat(config["now"])
    ctx = open_context(Path(config["db"]), user=config["user"], clock=lambda: moment)
    jobs = []
    for mrn in config["mrns"]:
        patient = find_by_mrn(ctx, mrn)
        jobs += [(mrn, patient.id, dose.due) for dose in mar.schedule_between(
            ctx, patient, NOW, moment)]
    jobs.sort(key=lambda j: (j[2], j[0]))
    report.write("plan", doses=len(jobs))
    for index, (mrn, patient_id, due) in enumerate(jobs):
        if index % 4 == 3:
            done = typed.omit(ctx, mrn, due.isoformat(), "asleep")
        else:
            done = typed.give(ctx, mrn, due.isoformat())
        report.write("dose", id=done.record_id, mrn=mrn, due=due.isoformat(),
                     outcome=done.outcome.value)
        obs = observations.add_observation(ctx, observations.NewObservation(
            patient_id=patient_id, rr=12 + index % 8, hr=60 + index % 40, spo2=97,
            taken_at=moment - timedelta(minutes=len(jobs) - index),
            client_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"ward-sync/{config['name']}/obs/{index}"))))
        report.write("obs", id=obs.observation.id, mrn=mrn)
        time.sleep(rng.uniform(0, config["pause"]))
    report.write("finished", sync=True)
    ctx.close()
    return 0


def _recorder(tmp: Path, name: str, db: Path, mrns: list[str], pause: float) -> subprocess.Popen:
    config = {"db": str(db), "user": NURSES[name], "now": CHILD_NOW.isoformat(), "mrns": mrns,
              "report": str(tmp / f"rec-{name}.jsonl"), "seed": SEED + ord(name), "name": name,
              "pause": pause}
    path = tmp / f"rec-{name}.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return subprocess.Popen([sys.executable, "-m", "tests.reliability.test_sync_reliability",
                             "record", str(path)], cwd=ROOT, env=child_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


#: The workstations whose sync is the command line's (the others': the window's).
CLI_SYNC = ("a", "b")
#: The window's sync (services.sync.Background), run on its own in a child: C's sync.
BACKGROUND = """
import signal, sys, time
from pathlib import Path
from ward_app.services.sync import Background
print(f"{time.time():.2f} Started.", flush=True)
said = []
def state(connected, problem):
    if said[-1:] != [(connected, problem)]:
        said.append((connected, problem))
        print(f"{time.time():.2f}", "Connected." if connected else f"Offline: {problem}", flush=True)
bg = Background(Path(sys.argv[1]), on_state=state, on_round=lambda r: print(
    f"{time.time():.2f} Sent {r.sent} records, received {r.received}.", flush=True))
signal.signal(signal.SIGTERM, lambda *_: bg.stop())
bg.run()
"""


def _sync_process(tmp: Path, name: str, db: Path, run: int) -> subprocess.Popen:
    """A and B: ``ward-app --db DB --user NURSE sync`` (the command line's continuous sync);
    C: the window's background sync (``services.sync.Background``) in a child. Output in a log."""
    log = (tmp / f"sync-{name}.log").open("ab")
    log.write(f"--- run {run} at {time.time():.2f}\n".encode())
    if name not in CLI_SYNC:
        args = ["-c", BACKGROUND, str(db)]
    else:
        args = ["-m", "ward_app", "--db", str(db), "--user", NURSES[name], "sync"]
    proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=child_env(),
                            stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT)
    assert proc.stdin is not None
    proc.stdin.write((PASSWORD + "\n").encode())
    proc.stdin.close()
    log.close()
    return proc


# --- reading what each workstation holds -------------------------------------------------------

def holdings(path: Path) -> dict[str, dict[str, Any]]:
    """table -> global id -> the row as sent (references as global ids), for every synced row
    this workstation has (a deleted row: None)."""
    from ward_app.storage.database import connect
    from ward_app.storage.sync import local

    db = connect(path, wal=False)
    try:
        out: dict[str, dict[str, Any]] = {}
        for gid, tbl, row_id in db.execute("SELECT gid, tbl, row_id FROM sync_rows").fetchall():
            out.setdefault(tbl, {})[gid] = (local.encode_row(db, tbl, row_id)
                                            if row_id is not None else None)
        for gid, tbl, row_id in db.execute("SELECT gid, tbl, row_id FROM sync_alias").fetchall():
            out.setdefault(tbl, {})[gid] = local.encode_row(db, tbl, row_id)
        return out
    finally:
        db.close()


def server_holdings(url: str) -> tuple[dict[str, set[str]], list[tuple[str, str, int]]]:
    """table -> the global ids on the server; and the append-only records held more than once."""
    from ward_app.storage.sync import tables

    with psycopg.connect(url) as conn:
        out: dict[str, set[str]] = {}
        for tbl, gid in conn.execute("SELECT tbl, gid::text FROM records"):
            out.setdefault(tbl, set()).add(gid)
        twice = conn.execute("SELECT tbl, gid::text, count(*) FROM records WHERE tbl = ANY(%s) "
                             "GROUP BY tbl, gid HAVING count(*) > 1",
                             [list(tables.APPEND_ONLY)]).fetchall()
    return out, [(str(t), str(g), int(n)) for t, g, n in twice]


def sqlite_rows(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    import sqlite3

    conn = sqlite3.connect(str(path))
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def settle(paths: dict[str, Path], *, most: int = 8) -> list[tuple[str, int, int]]:
    """``sync --once`` on every workstation in turn, until a whole round moves nothing; the log."""
    from ward_app.services import sync as svc
    from ward_app.services.context import open_context

    done = []
    for _ in range(most):
        moved = 0
        for name, path in paths.items():
            ctx = open_context(path, user=NURSES[name])
            try:
                result = svc.sync_once(ctx)
            finally:
                ctx.close()
            done.append((name, result.sent, result.received))
            moved += result.sent + result.received
        if moved == 0:
            return done
    raise AssertionError(f"the workstations did not settle in {most} rounds: {done}")


# --- the test ------------------------------------------------------------------------------------

def _wait_for_lines(files: dict[str, Path], text: str, timeout: float = 60) -> None:
    """Wait until each file has ``text`` in it (each child has got that far)."""
    deadline = time.monotonic() + timeout
    while not all(f.exists() and text in f.read_text(errors="replace") for f in files.values()):
        assert time.monotonic() < deadline, f"waited {timeout} s for {text!r} in " + ", ".join(
            f"{n}: {f.read_text(errors='replace')[-500:] if f.exists() else '(none)'}"
            for n, f in files.items())
        time.sleep(0.05)


class Chaos:
    """C's sync: SIGKILLed at random moments and started again, until ``stop``."""

    def __init__(self, tmp: Path, db: Path, rng: random.Random) -> None:
        self.tmp, self.db, self.rng = tmp, db, rng
        self.kills = 0
        self.proc = _sync_process(tmp, "c", db, 0)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(self.rng.uniform(0.5, 3.0)):
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self.kills += 1
            self.proc = _sync_process(self.tmp, "c", self.db, self.kills)

    def end(self) -> None:
        self.stop.set()
        self.thread.join()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


def make_ward(path: Path) -> list[str]:
    from ward_app.services.admin import add_user, init_ward

    ctx = init_ward(path, ward="Ward 7", tz="Europe/London", admin_password=ADMIN_PASSWORD,
                    clock=fixed_clock)
    try:
        for role, name in ROLE_USERS.items():
            add_user(ctx, name, role, PASSWORD)
        add_user(ctx, "nurse.two", "nurse", PASSWORD)
        add_user(ctx, "nurse.three", "nurse", PASSWORD)
        return populate(ctx, patients=PATIENTS, times=EVERY_30_MIN)
    finally:
        ctx.close()


def _join(pg_url: str, pg_server: Any, paths: dict[str, Path]) -> str:
    """Make the ward server on ``pg_url`` (its least-privilege role), join A, then B and C new."""
    from ward_app.services import sync as svc
    from ward_app.services.context import open_context

    dbname = pg_url.rsplit("/", 1)[1]
    pg_server.create_role(ROLE, ROLE_PASSWORD)
    role_url = pg_server.url(dbname, user=ROLE, password=ROLE_PASSWORD)
    ctx = open_context(paths["a"], user="admin")
    try:
        svc.init_server(ctx, pg_url, grant=ROLE)
        svc.join(ctx, role_url, name="Station A")
    finally:
        ctx.close()
    for name in ("b", "c"):
        ctx = open_context(paths[name], create=True)
        try:
            svc.join(ctx, role_url, name=f"Bay {name.upper()}")
        finally:
            ctx.close()
    return role_url


def _give_conflicts(paths: dict[str, Path], mrns: list[str]) -> list[tuple[str, str, tuple[str, ...]]]:
    """While the server is down: the same due doses given at two workstations (one at all three).
    (MRN, due ISO UTC, the workstations) of each."""
    from tests import typed
    from ward_app.services import mar
    from ward_app.services.context import open_context
    from ward_app.services.patients import find_by_mrn

    plan = [(mrns[6], 2, ("a", "b")), (mrns[7], 5, ("a", "b")), (mrns[6], 9, ("a", "b", "c"))]
    out = []
    for mrn, slot, where in plan:
        due = None
        for name in where:
            ctx = open_context(paths[name], user=NURSES[name], clock=lambda: CHILD_NOW)
            try:
                if due is None:
                    due = mar.schedule_between(ctx, find_by_mrn(ctx, mrn), NOW, CHILD_NOW)[slot].due
                done = typed.give(ctx, mrn, due.isoformat())
                assert done.outcome.value in ("given", "given_late")
            finally:
                ctx.close()
        assert due is not None
        out.append((mrn, due.astimezone(UTC).isoformat(), where))
    return out


def test_three_workstations_stay_in_step_through_outages_and_kills(tmp_path, pg_url, pg_server,
                                                                     monkeypatch):
    try:
        _scenario(tmp_path, pg_url, pg_server, monkeypatch)
    except AssertionError as exc:
        raise AssertionError(f"[sync reliability seed {SEED}; WARD_APP_SYNC_SEED={SEED} replays "
                             f"it] {exc}") from exc


def _scenario(tmp: Path, pg_url: str, pg_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from ward_app.domain.alerts import Severity
    from ward_app.services import alerts
    from ward_app.services.context import open_context
    from ward_app.storage import audit
    from ward_app.storage.database import connect
    from ward_app.storage.sync import local, tables

    rng = random.Random(SEED)
    monkeypatch.setenv("WARD_APP_PGPASS", str(tmp / "pgpass"))  # the children inherit it
    paths = {name: tmp / f"{name}.db" for name in NAMES}
    mrns = make_ward(paths["a"])
    _join(pg_url, pg_server, paths)

    # -- the run: recorders and syncs together, the server stopped twice, C's sync killed
    syncs = {name: _sync_process(tmp, name, paths[name], 0) for name in ("a", "b")}
    chaos = Chaos(tmp, paths["c"], rng)
    recorders: dict[str, subprocess.Popen] = {}
    outages = []
    try:
        _wait_for_lines({n: tmp / f"sync-{n}.log" for n in NAMES}, "Connected")
        recorders = {name: _recorder(tmp, name, paths[name], mrns[2 * i:2 * i + 2], pause=0.05)
                     for i, name in enumerate(NAMES)}
        _wait_for_lines({n: tmp / f"rec-{n}.jsonl" for n in NAMES}, '"plan"')
        chaos.thread.start()
        started = time.monotonic()
        time.sleep(rng.uniform(0.5, 2.0))
        pg_server.stop("fast")
        outages.append(("fast", round(time.monotonic() - started, 2)))
        conflicts = _give_conflicts(paths, mrns)
        time.sleep(rng.uniform(0.5, 1.5))
        pg_server.start()
        time.sleep(rng.uniform(1.5, 3.0))
        pg_server.stop("immediate")
        outages.append(("immediate", round(time.monotonic() - started, 2)))
        time.sleep(rng.uniform(0.5, 1.5))
        pg_server.start()
        for name, proc in recorders.items():
            _out, err = proc.communicate(timeout=240)
            assert proc.returncode == 0, f"recorder {name} failed: {err.decode()[-3000:]}"
        recorded = round(time.monotonic() - started, 2)
        # The running syncs catch up on their own: every dose and observation everywhere.
        made = {name: read_report(tmp / f"rec-{name}.jsonl") for name in NAMES}
        expected_doses = sum(1 for e in made.values() for ev in e if ev["ev"] == "dose") + \
            sum(len(where) for _m, _d, where in conflicts)
        expected_obs = sum(1 for e in made.values() for ev in e if ev["ev"] == "obs")
        deadline = time.monotonic() + CATCH_UP
        while True:
            counts = {name: sqlite_rows(paths[name], "SELECT (SELECT count(*) FROM "
                                        "administrations), (SELECT count(*) FROM observations)")[0]
                      for name in NAMES}
            if all(c == (expected_doses, expected_obs) for c in counts.values()) and \
                    chaos.kills >= 3:  # however fast the machine, C's sync was killed a few times
                break
            assert time.monotonic() < deadline, (
                f"the syncs did not catch up within {CATCH_UP} s of the last record: (doses, "
                f"observations) {counts}, wanted {(expected_doses, expected_obs)}; outages "
                f"{outages}" + "".join(f"\n--- {n}'s sync:\n" + (tmp / f"sync-{n}.log").read_text(
                    errors="replace")[-1500:] for n in NAMES))
            time.sleep(0.2)
        caught_up = round(time.monotonic() - started, 2)
    finally:
        pg_server.start()
        chaos.end()
        for proc in syncs.values():
            proc.send_signal(signal.SIGTERM)
        for proc in [*syncs.values(), *recorders.values()]:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    for name, proc in syncs.items():
        assert proc.returncode == 0, (f"{name}'s sync ended with {proc.returncode}: "
                                      f"{(tmp / f'sync-{name}.log').read_text()[-3000:]}")
    assert chaos.kills >= 3, f"C's sync was killed {chaos.kills} times only"
    for name in NAMES:
        log = (tmp / f"sync-{name}.log").read_text(errors="replace")
        assert "Traceback" not in log, f"{name}'s sync failed:\n{log[-3000:]}"
        assert "Connected" in log, f"{name}'s sync never connected:\n{log[-3000:]}"
    rounds = settle(paths)
    for name, events in made.items():
        assert events and events[-1]["ev"] == "finished", f"recorder {name}: {events[-3:]}"
    context = (f"recorded in {recorded} s, all in step at {caught_up} s, outages {outages}, "
               f"C's sync killed {chaos.kills} times, final rounds {rounds}")

    # -- every workstation and the server hold the same records, by global id and content
    held = {name: holdings(paths[name]) for name in NAMES}
    on_server, twice_on_server = server_holdings(pg_url)
    assert twice_on_server == [], f"records held twice on the server: {twice_on_server[:5]}"
    for tbl in sorted(set(tables.SYNCED) | set(on_server)):
        ours = {name: set(held[name].get(tbl, {})) for name in NAMES}
        for name in NAMES:
            assert ours[name] == on_server.get(tbl, set()), (
                f"{tbl} at {name}: {len(ours[name] - on_server.get(tbl, set()))} not on the server, "
                f"{len(on_server.get(tbl, set()) - ours[name])} missing here ({context})")
        for gid in ours["a"]:
            rows = {name: held[name][tbl][gid] for name in NAMES}
            assert rows["a"] == rows["b"] == rows["c"], f"{tbl} {gid} differs: {rows} ({context})"

    # -- every record each recorder made is everywhere, each once
    for name, events in made.items():
        for kind, tbl in (("dose", "administrations"), ("obs", "observations")):
            ids = [e["id"] for e in events if e["ev"] == kind]
            gids = dict(sqlite_rows(paths[name], f"SELECT row_id, gid FROM sync_rows WHERE tbl = "
                                                  f"'{tbl}'"))
            assert len(set(ids)) == len(ids) and all(i in gids for i in ids), (name, kind)
            for other in NAMES:
                missing = [i for i in ids if gids[i] not in held[other][tbl]]
                assert not missing, f"{len(missing)} of {name}'s {kind} records missing at {other}"
    assert expected_doses >= 3 * 2 * 48 and expected_obs >= 3 * 2 * 40
    wanted = {(mrn, due): len(where) for mrn, due, where in conflicts}
    for name in NAMES:
        path = paths[name]
        assert sqlite_rows(path, "SELECT count(*) FROM administrations")[0][0] == expected_doses, name
        assert sqlite_rows(path, "SELECT count(*) FROM observations")[0][0] == expected_obs, name
        dup_obs = sqlite_rows(path, "SELECT client_id FROM observations GROUP BY client_id "
                                    "HAVING count(*) > 1")
        assert dup_obs == [], f"observations twice at {name}: {dup_obs[:5]}"
        twice = sqlite_rows(path, "SELECT p.mrn, a.due_at, count(*) FROM administrations a "
                                  "JOIN patients p ON p.id = a.patient_id "
                                  "GROUP BY a.patient_id, a.due_at HAVING count(*) > 1")
        found = {(mrn, datetime.fromisoformat(due).astimezone(UTC).isoformat()): n
                 for mrn, due, n in twice}
        assert found == wanted, f"doses recorded more than once at {name}: {found} ({context})"

    # -- each deliberate conflict found and alerted everywhere; nothing else in conflict
    for name in NAMES:
        db = connect(paths[name])
        try:
            assert local.waiting_count(db) == 0 and local.inbox_count(db) == 0, name
            found_conflicts = {}
            for kind, key, row_ids in db.execute(
                    "SELECT c.kind, p.mrn || '|' || substr(c.key, length('dose.recorded_twice:') + "
                    "length(c.patient_id) + 2), c.row_ids FROM sync_conflicts c "
                    "JOIN patients p ON p.id = c.patient_id").fetchall():
                assert kind == "recorded_twice", (name, kind, key)
                mrn, due = key.split("|")
                found_conflicts[(mrn, datetime.fromisoformat(due).astimezone(UTC).isoformat())] = \
                    len(json.loads(row_ids))
            assert found_conflicts == wanted, f"conflicts at {name}: {found_conflicts}"
            assert audit.chain_problems(db) == [], f"audit chain at {name}"
        finally:
            db.close()
        ctx = open_context(paths[name], user=NURSES[name], clock=lambda: CHILD_NOW)
        try:
            urgent = {(a.mrn, datetime.fromisoformat(a.key.split(":", 2)[2]).astimezone(UTC)
                       .isoformat()): len(a.values["records"])
                      for a in alerts.ward_alerts(ctx, CHILD_NOW)
                      if a.rule == "dose.recorded_twice" and a.severity is Severity.URGENT}
        finally:
            ctx.close()
        assert urgent == wanted, f"recorded_twice alerts at {name}: {urgent}, wanted {wanted}"
        checked = ward_app_cli("--db", str(paths[name]), "check")
        assert checked.returncode == 0, f"ward-app check at {name}: {checked.stdout}{checked.stderr}"


if __name__ == "__main__":
    if sys.argv[1:2] == ["record"]:
        sys.exit(run_recorder(json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))))
    raise SystemExit(f"usage: python -m {__spec__.name if __spec__ else __file__} record CONFIG")
