"""Issue 19 §5: a Hypothesis state machine over connect / disconnect / record / change / sync with
three workstations and a real PostgreSQL ward server (stopped and started as a step, too).

Each example is a new ward server database; workstation A is a copy of a small ward (8 patients,
an oral dose every 30 min) that joins it, B and C are new databases that join it. The steps:

- a workstation's "network" goes down or comes back (its sync is simply not run while down), or
  the server itself is stopped (fast or immediate) and started again;
- a workstation records a due dose (given or not given), or the same due dose is given at two
  workstations before either syncs (a deliberate ``recorded_twice``);
- a patient's weight is changed at one workstation, or at two from the same version (a
  deliberate ``changed_twice``);
- one workstation syncs once (``services.sync.sync_once``; with the server down it must say it
  is offline, and keep what waits);
- every online workstation syncs twice, after which they hold the same rows (by global id and
  content) and the same versions in force;
- everyone comes back and syncs (also at the end of every example): all three and the server
  hold the same records, every record made anywhere is everywhere, each deliberate conflict is
  found and alerted on every workstation, and the conflicts are counted in the sync status.

Always (after every step): no record made at a workstation is ever lost there.
"""

from __future__ import annotations

import itertools
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.conftest import NOW, acting
from tests.reliability.test_sync_reliability import (
    CHILD_NOW,
    NAMES,
    NURSES,
    ROLE,
    ROLE_PASSWORD,
    holdings,
    make_ward,
    server_holdings,
)

#: Server stops per example at most (each stop and start takes about a second).
MOST_SERVER_STOPS = 2


class WardSync(RuleBasedStateMachine):
    template: Path
    mrns: list[str]
    pg: Any
    tmp: Path

    def __init__(self) -> None:
        super().__init__()
        from tests import typed
        from ward_app.services import mar
        from ward_app.services import sync as svc
        from ward_app.services.context import open_context
        from ward_app.services.patients import find_by_mrn

        self.folder = self.tmp / uuid.uuid4().hex[:12]
        self.folder.mkdir()
        self.dbname = f"sm_{uuid.uuid4().hex}"
        self.pg.start()
        self.admin_url = self.pg.create_database(self.dbname)
        self.paths = {name: self.folder / f"{name}.db" for name in NAMES}
        shutil.copyfile(self.template, self.paths["a"])
        role_url = self.pg.url(self.dbname, user=ROLE, password=ROLE_PASSWORD)
        ctx = open_context(self.paths["a"], user="admin")
        try:
            svc.init_server(ctx, self.admin_url, grant=ROLE)
            svc.join(ctx, role_url, name="Station A")
        finally:
            ctx.close()
        for name in ("b", "c"):
            ctx = open_context(self.paths[name], create=True)
            try:
                svc.join(ctx, role_url, name=f"Bay {name.upper()}")
            finally:
                ctx.close()
        self.ctx = {name: open_context(self.paths[name], user=NURSES[name], clock=lambda: CHILD_NOW,
                                       check_integrity=False) for name in NAMES}
        self.typed = typed
        ctx = self.ctx["a"]
        slots = [(mrn, dose.due) for mrn in self.mrns
                 for dose in mar.schedule_between(ctx, find_by_mrn(ctx, mrn), NOW, CHILD_NOW)]
        slots.sort(key=lambda s: (s[1], s[0]))
        self.slots = iter(slots)
        self.online = dict.fromkeys(NAMES, True)
        self.server_up = True
        self.server_stops = 0
        self.made: dict[str, set[str]] = {name: set() for name in NAMES}  # gids made there
        self.twice: dict[tuple[str, str], int] = {}  # (MRN, due UTC) -> workstations given at
        self.changed_twice: set[str] = set()  # MRNs changed at two workstations from one version
        self.clean = set(self.mrns)  # patients in step everywhere since the last full settle
        self.weights = itertools.count(50)
        self.log: list[str] = []

    # -- helpers -------------------------------------------------------------------------------

    def _gid(self, name: str, table: str, row_id: int) -> str:
        from ward_app.storage.sync import stamp

        stamp.stamp(self.ctx[name].db)  # what a sync round begins with (a record's id is given then)
        row = self.ctx[name].db.execute("SELECT gid FROM sync_rows WHERE tbl = ? AND row_id = ?",
                                        [table, row_id]).fetchone()
        assert row is not None, f"{table} {row_id} at {name} has no global id"
        return str(row[0])

    def _sync(self, name: str) -> bool:
        """One ``sync --once`` at ``name``; whether it reached the server (it must, when up)."""
        from ward_app.services import sync as svc
        from ward_app.storage.sync.server import ServerProblem

        try:
            result = svc.sync_once(self.ctx[name])
        except ServerProblem as exc:
            assert not self.server_up, f"sync at {name} failed with the server up: {exc}"
            status = svc.read_status(self.ctx[name].db)
            assert not status.connected and status.offline_since is not None, status
            self.log.append(f"sync {name}: offline")
            return False
        assert self.server_up, f"sync at {name} worked with the server stopped"
        self.log.append(f"sync {name}: sent {result.sent}, received {result.received}")
        return True

    def _in_step(self, names: list[str]) -> None:
        """The workstations ``names`` hold the same rows, each with the highest version known in
        force; every record made at one of them is at all of them."""
        held = {name: holdings(self.paths[name]) for name in names}
        first = names[0]
        for name in names[1:]:
            for tbl in set(held[first]) | set(held[name]):
                mine, theirs = held[first].get(tbl, {}), held[name].get(tbl, {})
                assert set(mine) == set(theirs), (
                    f"{tbl}: {len(set(mine) - set(theirs))} at {first} only, "
                    f"{len(set(theirs) - set(mine))} at {name} only")
                for gid, row in mine.items():
                    assert row == theirs[gid], f"{tbl} {gid}: {row} at {first}, {theirs[gid]} at {name}"
        for name in names:
            for maker in names:
                lost = self.made[maker] - set(held[name].get("administrations", {}))
                assert not lost, f"{len(lost)} records made at {maker} missing at {name}"
            db = self.ctx[name].db
            behind = db.execute(
                "SELECT r.tbl, r.gid, r.hlc, max(v.hlc) FROM sync_rows r JOIN sync_versions v "
                "ON v.gid = r.gid GROUP BY r.gid HAVING max(v.hlc) > r.hlc").fetchall()
            assert behind == [], f"not the latest version in force at {name}: {behind}"

    # -- the network and the server --------------------------------------------------------------

    @rule(name=st.sampled_from(NAMES))
    def disconnect(self, name: str) -> None:
        self.online[name] = False
        self.log.append(f"{name} offline")

    @rule(name=st.sampled_from(NAMES))
    def connect(self, name: str) -> None:
        self.online[name] = True
        self.log.append(f"{name} online")

    @precondition(lambda self: self.server_up and self.server_stops < MOST_SERVER_STOPS)
    @rule(mode=st.sampled_from(["fast", "immediate"]))
    def server_stop(self, mode: str) -> None:
        self.pg.stop(mode)
        self.server_up = False
        self.server_stops += 1
        self.log.append(f"server stopped ({mode})")

    @precondition(lambda self: not self.server_up)
    @rule()
    def server_start(self) -> None:
        self.pg.start()
        self.server_up = True
        self.log.append("server started")

    # -- recording and changing ------------------------------------------------------------------

    @rule(name=st.sampled_from(NAMES), given=st.booleans())
    def record(self, name: str, given: bool) -> None:
        mrn, due = next(self.slots)
        ctx = self.ctx[name]
        done = (self.typed.give(ctx, mrn, due.isoformat()) if given
                else self.typed.omit(ctx, mrn, due.isoformat(), "asleep"))
        self.made[name].add(self._gid(name, "administrations", done.record_id))
        self.log.append(f"{name} {'gave' if given else 'omitted'} {mrn} {due:%H:%M}")

    @rule(pair=st.sampled_from([("a", "b"), ("b", "c"), ("a", "c"), ("c", "a")]))
    def record_twice(self, pair: tuple[str, str]) -> None:
        mrn, due = next(self.slots)
        for name in pair:
            done = self.typed.give(self.ctx[name], mrn, due.isoformat())
            self.made[name].add(self._gid(name, "administrations", done.record_id))
        self.twice[(mrn, due.astimezone(UTC).isoformat())] = 2
        self.log.append(f"{pair} both gave {mrn} {due:%H:%M}")

    def _change(self, name: str, mrn: str) -> None:
        from ward_app.services.patients import PatientChanges, find_by_mrn, set_patient

        ctx = self.ctx[name]
        with acting(ctx, "charge.test"):
            set_patient(ctx, find_by_mrn(ctx, mrn).id, PatientChanges(weight_kg=next(self.weights)))

    @rule(name=st.sampled_from(NAMES), index=st.integers(0, 7))
    def change(self, name: str, index: int) -> None:
        mrn = self.mrns[index]
        self._change(name, mrn)
        self.clean.discard(mrn)
        self.log.append(f"{name} changed {mrn}")

    @precondition(lambda self: bool(self.clean))
    @rule(pair=st.sampled_from([("a", "b"), ("b", "c"), ("c", "a")]), data=st.data())
    def change_twice(self, pair: tuple[str, str], data: st.DataObject) -> None:
        mrn = data.draw(st.sampled_from(sorted(self.clean)))
        for name in pair:
            self._change(name, mrn)
        self.clean.discard(mrn)
        self.changed_twice.add(mrn)
        self.log.append(f"{pair} both changed {mrn}")

    # -- syncing -----------------------------------------------------------------------------------

    @rule(name=st.sampled_from(NAMES))
    def sync(self, name: str) -> None:
        if self.online[name]:
            self._sync(name)

    @precondition(lambda self: self.server_up)
    @rule()
    def sync_online_twice(self) -> None:
        names = [n for n in NAMES if self.online[n]]
        for _ in range(2):
            for name in names:
                self._sync(name)
        if len(names) > 1:
            self._in_step(names)
        self.log.append(f"{names} synced twice")

    @rule()
    def settle(self) -> None:
        self._settle()

    def _settle(self) -> None:
        """Everyone back, the server up, two rounds: all in step, every conflict found."""
        from ward_app.domain.alerts import Severity
        from ward_app.services import alerts
        from ward_app.services import sync as svc
        from ward_app.storage.sync import tables

        if not self.server_up:
            self.server_start()
        self.online = dict.fromkeys(NAMES, True)
        for _ in range(2):
            for name in NAMES:
                self._sync(name)
        self._in_step(list(NAMES))
        on_server, twice = server_holdings(self.admin_url)
        assert twice == [], f"append-only records held twice on the server: {twice}"
        mine = holdings(self.paths["a"])
        for tbl in tables.SYNCED:
            assert set(mine.get(tbl, {})) == on_server.get(tbl, set()), f"{tbl}: a and the server differ"
        for name in NAMES:
            db = self.ctx[name].db
            found = {}
            for mrn, key in db.execute(
                    "SELECT p.mrn, c.key FROM sync_conflicts c JOIN patients p ON p.id = c.patient_id "
                    "WHERE c.kind = 'recorded_twice'").fetchall():
                found[(mrn, datetime.fromisoformat(key.split(":", 2)[2]).astimezone(UTC).isoformat())] = 2
            assert found == self.twice, f"recorded_twice at {name}: {found}, wanted {self.twice}"
            changed = {mrn for (mrn,) in db.execute(
                "SELECT p.mrn FROM sync_conflicts c JOIN patients p ON p.id = c.patient_id "
                "WHERE c.kind = 'changed_twice'")}
            assert self.changed_twice <= changed, (
                f"changed_twice at {name}: {sorted(changed)}, wanted at least {sorted(self.changed_twice)}")
            status = svc.read_status(db)
            total = db.execute("SELECT count(*) FROM sync_conflicts").fetchone()[0]
            assert status.conflicts == total and status.open_conflicts == len(self.twice), status
            assert status.pending_push == 0 and status.waiting_in == 0, status
            urgent = {(a.mrn, datetime.fromisoformat(a.key.split(":", 2)[2]).astimezone(UTC).isoformat())
                      for a in alerts.ward_alerts(self.ctx[name], CHILD_NOW)
                      if a.rule == "dose.recorded_twice" and a.severity is Severity.URGENT}
            assert urgent == set(self.twice), f"recorded_twice alerts at {name}: {urgent}"
        self.clean = set(self.mrns)
        self.log.append("settled")

    # -- always ------------------------------------------------------------------------------------

    @invariant()
    def nothing_lost_here(self) -> None:
        for name in NAMES:
            if not self.made[name]:
                continue
            have = {gid for (gid,) in self.ctx[name].db.execute(
                "SELECT s.gid FROM sync_rows s JOIN administrations a ON a.id = s.row_id "
                "WHERE s.tbl = 'administrations'")}
            lost = self.made[name] - have
            assert not lost, f"{len(lost)} records made at {name} are gone there"

    def teardown(self) -> None:
        try:
            self._settle()
        finally:
            for ctx in self.ctx.values():
                ctx.close()
            self.pg.start()
            self.pg.drop_database(self.dbname)
            shutil.rmtree(self.folder, ignore_errors=True)


def test_workstations_converge_whatever_the_order(tmp_path, pg_server, monkeypatch):
    monkeypatch.setenv("WARD_APP_PGPASS", str(tmp_path / "pgpass"))
    pg_server.create_role(ROLE, ROLE_PASSWORD)
    template = tmp_path / "template.db"
    mrns = make_ward(template)

    class Machine(WardSync):
        pass

    Machine.template, Machine.mrns, Machine.pg, Machine.tmp = template, mrns, pg_server, tmp_path
    try:
        run_state_machine_as_test(Machine, settings=settings(
            max_examples=8, stateful_step_count=20, deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]))
    finally:
        pg_server.start()


