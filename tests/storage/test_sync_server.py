"""The ward server on a real PostgreSQL (issue 19; tests/helpers/postgres.py): its schema, the
least-privilege role, push and pull through the engine, and LISTEN/NOTIFY waking another
workstation's loop. The merging itself is tested without a server in test_sync_local.py."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import psycopg
import pytest

from tests import typed
from tests.conftest import act_as
from tests.helpers.sync_wards import (
    START,
    Clock,
    contents,
    copy_ward,
    give_0800,
    healthy,
    live_rows,
    new_workstation,
    ward_template,
)
from ward_app.services import alerts
from ward_app.services import sync as svc
from ward_app.storage.sync import engine, local, server
from ward_app.storage.sync.server import ServerProblem


@pytest.fixture(scope="session")
def _ward_template(tmp_path_factory) -> Path:
    return ward_template(tmp_path_factory.mktemp("sync-server-template"))


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def passfile(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "config" / "pgpass"
    monkeypatch.setenv("WARD_APP_PGPASS", str(path))
    return path


@pytest.fixture
def ward_server(pg_url, pg_server):
    """A ward server for Ward 7 (made by the superuser) and the ward's own role ``ward7``, which
    the workstations use: (the role's URL with its password, the superuser's URL)."""
    pg_server.create_role("ward7", "ward7-secret-pw")
    with server.connect(pg_url) as conn:
        server.init(conn, wards=["Ward 7"], grant="ward7")
    dbname = pg_url.rsplit("/", 1)[1]
    return pg_server.url(dbname, user="ward7", password="ward7-secret-pw"), pg_url


def joined(ctx, url: str) -> None:
    """This workstation's file names the server (no password) and the server knows it."""
    address, password = server.split_password(url)
    with server.connect(url) as conn:
        server.check_ready(conn)
        ws = local.workstation(ctx.db)
        server.register(conn, str(ws["id"]), str(ws["name"]))
    local.set_state(ctx.db, server_url=address)
    if password:
        server.save_password(svc.passfile(), address, password)


@pytest.fixture
def a(tmp_path, clock, _ward_template, ward_server, passfile):
    ctx = copy_ward(_ward_template, tmp_path / "a.db", clock)
    joined(ctx, ward_server[0])
    engine.once(ctx.db, passfile=passfile)
    yield ctx
    ctx.close()


@pytest.fixture
def b(tmp_path, clock, a, ward_server, passfile):
    ctx = new_workstation(tmp_path / "b.db", clock)
    joined(ctx, ward_server[0])
    engine.once(ctx.db, passfile=passfile)
    act_as(ctx, "nurse.okafor")
    yield ctx
    ctx.close()


def records(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT gid::text, hlc, tbl FROM records ORDER BY seq").fetchall()


# --- the schema -----------------------------------------------------------------------------

def test_server_init_twice_is_harmless(pg_url):
    with server.connect(pg_url) as conn:
        assert server.init(conn, wards=["Ward 7"]) == ["s001_records"]
    with server.connect(pg_url) as conn:
        conn.execute("INSERT INTO records (gid, tbl, origin, hlc, data) VALUES "
                     "(gen_random_uuid(), 'wards', gen_random_uuid(), 'x', '{}')")
        conn.commit()
        assert server.init(conn, wards=["Ward 7", "Ward 8"]) == []
        server.check_ready(conn)
        assert server.server_wards(conn) == ["Ward 7", "Ward 8"]
        assert conn.execute("SELECT count(*) FROM records").fetchone() == (1,)
        assert server.applied_steps(conn) == ["s001_records"]


def test_a_database_that_is_not_a_ward_server_is_refused(pg_url):
    with server.connect(pg_url) as conn, pytest.raises(ServerProblem, match="server init"):
        server.check_ready(conn)


def test_an_unreachable_server_is_one_sentence(pg_server):
    url = f"postgresql://ward7:pw@127.0.0.1:{pg_server.port + 1}/ward7"
    with pytest.raises(ServerProblem) as err:
        server.connect(url)
    text = str(err.value)
    assert text.startswith("The ward server at postgresql://ward7@127.0.0.1:")
    assert "pw" not in text.replace("postgresql", "") and "\n" not in text


def test_the_ward_role_can_push_and_pull_but_not_change_records(ward_server):
    role_url, owner_url = ward_server
    rec = {"gid": "01890000-0000-7000-8000-000000000001", "tbl": "wards",
           "origin": "8e0c5a4e-4a47-4cfe-9d5e-0d5fd1f6a001", "hlc": "0000000000001.000000001.x",
           "base": None, "deleted": False, "data": {"name": "Ward 7"}}
    with server.connect(role_url) as conn:
        server.check_ready(conn)
        server.register(conn, rec["origin"], "bay 1")
        assert server.push(conn, [rec], rec["origin"]) == 1
        assert server.push(conn, [rec], rec["origin"]) == 0  # again: nothing added
        assert [w["gid"] for _s, w in server.pull(conn, 0)] == [rec["gid"]]
        for sql in ("UPDATE records SET tbl = 'x'", "DELETE FROM records",
                    "TRUNCATE records", "DROP TABLE records", "CREATE TABLE t (x int)"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
                conn.execute(sql)
    with server.connect(owner_url) as conn:  # even the owner: append-only
        for sql in ("UPDATE records SET tbl = 'x'", "DELETE FROM records"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"), \
                    conn.transaction():
                conn.execute(sql)
        assert conn.execute("SELECT count(*) FROM records").fetchone() == (1,)


# --- push and pull ----------------------------------------------------------------------------

def test_a_new_workstation_joining_gets_exactly_the_same_rows(a, b, ward_server):
    assert contents(b) == contents(a)
    assert live_rows(b.db) == live_rows(a.db)
    healthy(b)
    assert local.waiting_count(a.db) == local.waiting_count(b.db) == 0
    gids = [r[0] for r in records(ward_server[1])]
    assert len(gids) == len(set(gids))  # every row once (no version changed yet)


def test_a_dose_given_at_one_appears_at_the_other_and_is_sent_once(a, b, clock, passfile,
                                                                   ward_server):
    give_0800(a, clock)
    first = engine.once(a.db, passfile=passfile)
    assert first.sent == 2  # the record and its audit entry
    got = engine.once(b.db, passfile=passfile)
    assert got.received == 2 and got.sent == 0
    assert live_rows(b.db)["administrations"] == 1
    total = len(records(ward_server[1]))
    engine.once(a.db, passfile=passfile)
    engine.once(b.db, passfile=passfile)
    assert len(records(ward_server[1])) == total
    assert contents(a) == contents(b)


def test_a_push_committed_but_not_marked_sent_is_sent_again_harmlessly(a, b, clock, passfile,
                                                                       ward_server):
    give_0800(a, clock)
    batch = local.waiting(a.db)
    with server.connect(ward_server[0]) as conn:
        server.push(conn, batch, str(local.workstation(a.db)["id"]))
    # killed here: the server committed, this workstation never heard
    total = len(records(ward_server[1]))
    again = engine.once(a.db, passfile=passfile)
    assert again.sent == len(batch) and local.waiting_count(a.db) == 0
    assert len(records(ward_server[1])) == total
    engine.once(b.db, passfile=passfile)
    assert live_rows(b.db)["administrations"] == 1


def test_the_same_dose_given_offline_at_both_is_kept_twice_and_alerted(a, b, clock, passfile):
    give_0800(a, clock, "2026-11-25T08:05")
    give_0800(b, clock, "2026-11-25T08:07")
    for ctx in (a, b, a):
        engine.once(ctx.db, passfile=passfile)
    clock.set("2026-11-25T08:30", a.zone)
    for ctx in (a, b):
        assert live_rows(ctx.db)["administrations"] == 2
        found = [x for x in alerts.ward_alerts(ctx) if x.rule == "dose.recorded_twice"]
        assert [x.severity.label for x in found] == ["urgent"]
        assert "this workstation" in found[0].message


def test_sync_once_with_the_server_unreachable_keeps_the_records_waiting(a, clock, passfile,
                                                                         pg_server):
    give_0800(a, clock)
    waiting = local.waiting_count(a.db)
    url = local.workstation(a.db)["server_url"]
    local.set_state(a.db, server_url=url.replace(str(pg_server.port), str(pg_server.port + 1)))
    with pytest.raises(ServerProblem, match="cannot be reached"):
        engine.once(a.db, passfile=passfile)
    ws = local.workstation(a.db)
    assert ws["offline_since"] is not None and "cannot be reached" in ws["last_error"]
    assert local.waiting_count(a.db) == waiting
    local.set_state(a.db, server_url=url)
    engine.once(a.db, passfile=passfile)
    ws = local.workstation(a.db)
    assert ws["offline_since"] is None and ws["last_error"] is None
    assert local.waiting_count(a.db) == 0


# --- the continuous loop ----------------------------------------------------------------------

def _once(path: Path, passfile: Path) -> engine.Round:
    from ward_app.storage.database import connect

    db = connect(path)
    try:
        return engine.once(db, passfile=passfile)
    finally:
        db.close()


def wait_for(what, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not what():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.05)


def test_the_loop_receives_another_workstations_push_within_seconds(a, b, clock, passfile):
    rounds: list[engine.Round] = []
    states: list[tuple[bool, str | None]] = []
    bg = svc.Background(b.path, on_round=rounds.append,
                        on_state=lambda c, e: states.append((c, e)))
    assert bg.joined()
    worker = threading.Thread(target=bg.run, daemon=True)
    worker.start()
    try:
        wait_for(lambda: (True, None) in states)
        give_0800(a, clock)
        engine.once(a.db, passfile=passfile)
        wait_for(lambda: live_rows(b.db)["administrations"] == 1)
        wait_for(lambda: any(r.received for r in rounds))
        assert any(b.db.execute("SELECT id FROM patients WHERE mrn = 'RX1'").fetchone()[0]
                   in r.patient_ids for r in rounds)
        # and b's own change is sent by its loop without anyone asking
        clock.set("2026-11-25T14:05", b.zone)
        typed.give(b, "RX1", "14:00")
        wait_for(lambda: local.waiting_count(b.db) == 0)
        engine.once(a.db, passfile=passfile)
        assert live_rows(a.db)["administrations"] == 2
    finally:
        bg.stop()
        worker.join(10)
    assert not worker.is_alive()


def test_the_loop_does_not_hold_the_others_back(a, b, clock, passfile):
    """While one workstation's loop runs, another's sends still reach the server at once."""
    bg = svc.Background(b.path, on_round=lambda _r: None, on_state=lambda _c, _e: None)
    worker = threading.Thread(target=bg.run, daemon=True)
    worker.start()
    try:
        time.sleep(0.5)
        give_0800(b, clock, "2026-11-25T08:09")
        wait_for(lambda: local.waiting_count(b.db) == 0)
        clock.set("2026-11-25T09:00", a.zone)
        typed.add_observation(a, typed.ObsText(mrn="RX2", rr=16))
        done: list[engine.Round] = []
        # on its own connection (a's file is opened on this thread)
        other = threading.Thread(target=lambda: done.append(_once(a.path, passfile)), daemon=True)
        other.start()
        other.join(10)
        assert done and done[0].sent >= 1 and done[0].received >= 1
        wait_for(lambda: live_rows(b.db)["observations"] == 1)
    finally:
        bg.stop()
        worker.join(10)


# --- addresses --------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "kept", "password"), [
    ("postgresql://ward7:s%3Acret@db/ward7?sslmode=require",
     "postgresql://ward7@db/ward7?sslmode=require", "s:cret"),
    ("postgresql://ward7@db:5433/ward7?sslmode=require&password=s3cret",
     "postgresql://ward7@db:5433/ward7?sslmode=require", "s3cret"),
    ("postgresql://ward7@db/ward7?options=-csearch_path%3Dward7&password=pw",
     "postgresql://ward7@db/ward7?options=-csearch_path%3Dward7", "pw"),
    ("postgresql://ward7@db/ward7", "postgresql://ward7@db/ward7", None),
])
def test_the_password_is_taken_out_of_the_address_wherever_it_is(url, kept, password):
    assert server.split_password(url) == (kept, password)
    assert server.shown(url) == kept


def test_an_address_that_is_not_postgresql_is_refused_without_echoing_it():
    with pytest.raises(ServerProblem) as err:
        server.split_password("mysql://ward7:topsecret@db/ward7")
    assert "topsecret" not in str(err.value) and "PostgreSQL" in str(err.value)


def test_the_loop_survives_a_round_the_ward_file_could_not_take(a, b, passfile, monkeypatch):
    """A locked or refusing ward file ends no worker: the loop says so and tries again."""
    import sqlite3

    real = engine.exchange
    calls: list[int] = []

    def locked_once(db, conn):
        calls.append(1)
        if len(calls) == 1:
            raise sqlite3.OperationalError("database is locked")
        return real(db, conn)

    monkeypatch.setattr(engine, "exchange", locked_once)
    states: list[tuple[bool, str | None]] = []
    bg = svc.Background(b.path, on_round=lambda _r: None,
                        on_state=lambda c, e: states.append((c, e)))
    worker = threading.Thread(target=bg.run, daemon=True)
    worker.start()
    try:
        wait_for(lambda: (True, None) in states)
        assert states[0][0] is False and "database is locked" in str(states[0][1])
    finally:
        bg.stop()
        worker.join(10)
    assert not worker.is_alive()


def test_one_schema_per_ward_in_one_database(pg_url, pg_server):
    """docs/ward-server.md: one database, a schema per ward, chosen by search_path in the URL."""
    pg_server.create_role("ward9", "ward9-pw")
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA ward9")
    owner = pg_url + "?options=-csearch_path%3Dward9"
    with server.connect(owner) as conn:
        assert server.init(conn, wards=["Ward 9"], grant="ward9") == ["s001_records"]
    dbname = pg_url.rsplit("/", 1)[1]
    role = pg_server.url(dbname, user="ward9", password="ward9-pw") + \
        "?options=-csearch_path%3Dward9"
    rec = {"gid": "01890000-0000-7000-8000-000000000009", "tbl": "wards",
           "origin": "8e0c5a4e-4a47-4cfe-9d5e-0d5fd1f6a009", "hlc": "0000000000001.000000001.x",
           "base": None, "deleted": False, "data": {"name": "Ward 9"}}
    with server.connect(role) as conn:
        server.check_ready(conn)
        assert server.server_wards(conn) == ["Ward 9"]
        server.register(conn, rec["origin"], "bay")
        assert server.push(conn, [rec], rec["origin"]) == 1
        assert [w["gid"] for _s, w in server.pull(conn, 0)] == [rec["gid"]]
    with psycopg.connect(pg_url) as conn:  # not in public
        assert conn.execute("SELECT to_regclass('public.records')").fetchone() == (None,)
