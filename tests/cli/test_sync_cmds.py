"""ward-app server init, join, sync --once and sync status on a real PostgreSQL (issue 19;
docs/ward-server.md, the CLI contract)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.conftest import ADMIN_PASSWORD, database_state, pw
from tests.helpers.sync_wards import ward_template
from ward_app.storage.sync import server

NOW = "2026-11-25T07:00"
ROLE_PW = "Wd7-s3cret-only-here"


@pytest.fixture(scope="session")
def _ward_template(tmp_path_factory) -> Path:
    return ward_template(tmp_path_factory.mktemp("sync-cli-template"))


@pytest.fixture
def passfile(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "config" / "pgpass"
    monkeypatch.setenv("WARD_APP_PGPASS", str(path))
    return path


@pytest.fixture
def a(tmp_path, _ward_template) -> str:
    """A ward file in use (tests.helpers.sync_wards.make_ward: admin, nurse.jones, ... RX1 on
    oral TDS)."""
    import shutil

    path = tmp_path / "a.db"
    shutil.copyfile(_ward_template, path)
    return str(path)


@pytest.fixture
def urls(pg_url, pg_server):
    """(the superuser's URL, the ward role's URL with its password, the same without it)."""
    pg_server.create_role("ward7", ROLE_PW)
    dbname = pg_url.rsplit("/", 1)[1]
    return (pg_url, pg_server.url(dbname, user="ward7", password=ROLE_PW),
            pg_server.url(dbname, user="ward7"))


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def status(run_cli, db: str, user: str = "nurse.jones") -> dict:
    r = run_cli("--db", db, "--user", user, "sync", "status", "--json")
    assert r.code == 0, r.err
    return json.loads(r.out)


def ready(run_cli, a: str, urls) -> None:
    r = run_cli("--db", a, "--user", "admin", "server", "init", "--url", urls[0], "--grant",
                "ward7")
    assert r.code == 0, r.err
    r = run_cli("--db", a, "--user", "admin", "join", "--url", urls[1], "--name", "Station")
    assert r.code == 0, r.err


def test_server_init_twice_is_harmless_and_admin_only(run_cli, a, urls):
    r = run_cli("--db", a, "--user", "nurse.jones", "server", "init", "--url", urls[0])
    assert r.code == 1 and "admin" in one_line(r.err).lower()
    r = run_cli("--db", a, "--user", "admin", "server", "init", "--url", urls[0], "--grant",
                "ward7")
    assert r.code == 0, r.err
    assert "schema steps applied: s001_records" in r.out
    assert ":" + urls[0].split(":")[2].split("@")[0] + "@" not in r.out  # no password shown
    r = run_cli("--db", a, "--user", "admin", "server", "init", "--url", urls[0])
    assert r.code == 0 and "already up to date" in r.out


def test_join_then_a_new_workstation_joins_with_the_saved_password(run_cli, a, urls, passfile,
                                                                   tmp_path):
    ready(run_cli, a, urls)
    b = str(tmp_path / "b.db")
    r = run_cli("--db", b, "join", "--url", urls[2], "--name", "Bay 2 COW", stdin="")
    assert r.code == 0, r.err
    assert "Joined the ward server at " + urls[2] in r.out
    sent, received = status(run_cli, b), status(run_cli, a)
    assert sent["pending_push"] == 0 and received["pending_push"] == 0
    # the new workstation's people can log in with their own passwords
    r = run_cli("--db", b, "--user", "nurse.jones", "--now", NOW, "alerts", "--json")
    assert r.code == 0, r.err


def test_the_password_never_lands_in_the_ward_file_and_the_pgpass_is_0600(run_cli, a, urls,
                                                                         passfile):
    ready(run_cli, a, urls)
    r = run_cli("--db", a, "--user", "nurse.jones", "sync", "--once")
    assert r.code == 0, r.err
    for path in Path(a).parent.glob("a.db*"):
        assert ROLE_PW.encode() not in path.read_bytes(), path
    assert stat.S_IMODE(passfile.stat().st_mode) == 0o600
    assert ROLE_PW in passfile.read_text()
    st = status(run_cli, a)
    assert st["server"] == urls[2] and ROLE_PW not in json.dumps(st)


def test_a_password_given_as_a_parameter_is_kept_out_of_the_ward_file_too(run_cli, a, urls,
                                                                        passfile):
    r = run_cli("--db", a, "--user", "admin", "server", "init", "--url", urls[0], "--grant",
                "ward7")
    assert r.code == 0, r.err
    r = run_cli("--db", a, "--user", "admin", "join", "--url", urls[2] + "?password=" + ROLE_PW)
    assert r.code == 0, r.err
    assert ROLE_PW not in r.out
    for path in Path(a).parent.glob("a.db*"):
        assert ROLE_PW.encode() not in path.read_bytes(), path
    assert ROLE_PW in passfile.read_text()
    assert status(run_cli, a)["server"] == urls[2]
    assert run_cli("--db", a, "--user", "nurse.jones", "sync", "--once").code == 0


def test_joining_as_a_role_without_the_grants_says_so_and_writes_nothing(run_cli, a, urls,
                                                                        passfile):
    r = run_cli("--db", a, "--user", "admin", "server", "init", "--url", urls[0])  # no grant
    assert r.code == 0, r.err
    before = database_state(Path(a))
    r = run_cli("--db", a, "--user", "admin", "join", "--url", urls[1])
    assert r.code == 3
    line = one_line(r.err)
    assert "ward7 may not use the ward's tables" in line and "server init" in line
    assert ROLE_PW not in line
    assert database_state(Path(a)) == before and not passfile.exists()
    r = run_cli("--db", a, "--user", "nurse.jones", "sync", "status", "--json")
    assert r.code == 0 and json.loads(r.out)["connected"] is False


def test_join_is_refused_for_another_wards_server_and_writes_nothing(run_cli, a, urls, passfile):
    with server.connect(urls[0]) as conn:
        server.init(conn, wards=["Ward 9"], grant="ward7")
    before = database_state(Path(a))
    r = run_cli("--db", a, "--user", "admin", "join", "--url", urls[1])
    assert r.code == 1
    assert "Ward 9" in one_line(r.err) and ROLE_PW not in r.err
    assert database_state(Path(a)) == before
    assert not passfile.exists()


def test_join_needs_an_admin_for_a_ward_in_use(run_cli, a, urls, passfile):
    ready(run_cli, a, urls)
    r = run_cli("--db", a, "--user", "nurse.jones", "join", "--url", urls[1])
    assert r.code == 1 and "admin" in one_line(r.err).lower()


def test_sync_status_json_says_what_cli_md_says(run_cli, a, urls, passfile):
    st = status(run_cli, a)
    assert {"server", "connected", "pending_push", "last_pull", "conflicts"} <= set(st)
    assert st["server"] is None and st["connected"] is False and st["pending_push"] > 0
    r = run_cli("--db", a, "--user", "nurse.jones", "sync", "status")
    assert r.code == 0 and "has not joined" in r.out
    ready(run_cli, a, urls)
    st = status(run_cli, a)
    assert st["connected"] is True and st["pending_push"] == 0 and st["conflicts"] == 0
    assert st["last_pull"] is not None and st["workstation_name"] == "Station"
    r = run_cli("--db", a, "--user", "nurse.jones", "sync", "status")
    assert r.code == 0 and "(connected)" in r.out


def test_sync_once_with_the_server_stopped_exits_3_and_keeps_the_records_waiting(
        run_cli, a, urls, passfile, pg_server, tmp_path):
    """The issue's example: with the server down both record the same due dose; after it returns
    both show the urgent recorded_twice alert and keep both records."""
    ready(run_cli, a, urls)
    b = str(tmp_path / "b.db")
    assert run_cli("--db", b, "join", "--url", urls[2], stdin="").code == 0
    pg_server.stop()
    try:
        for db in (a, b):
            r = run_cli("--db", db, "--user", "nurse.jones", "--now", "2026-11-25T08:05", "dose",
                        "give", "--mrn", "RX1", "--due", "08:00")
            assert r.code == 0, r.err
        r = run_cli("--db", a, "--user", "nurse.jones", "sync", "--once")
        assert r.code == 3
        line = one_line(r.err)
        assert "ward server" in line and ROLE_PW not in line
        st = status(run_cli, a)
        assert st["connected"] is False and st["pending_push"] == 2
        assert st["offline_since"] is not None
    finally:
        pg_server.start()
    outs = []
    for db in (a, b, a):
        r = run_cli("--db", db, "--user", "nurse.jones", "sync", "--once")
        assert r.code == 0, r.err
        outs.append(r.out)
    assert "1 conflicts found: check the patients" in outs[1]
    for db in (a, b):
        st = status(run_cli, db)  # (before reading the alerts: a read is audited, and waits)
        assert st["conflicts"] == 1 and st["open_conflicts"] == 1 and st["pending_push"] == 0
        r = run_cli("--db", db, "--user", "nurse.jones", "--now", "2026-11-25T08:30", "alerts",
                    "--json")
        assert r.code == 0, r.err
        twice = [x for x in json.loads(r.out) if x["rule"] == "dose.recorded_twice"]
        assert [x["severity"] for x in twice] == ["urgent"]
    # acknowledged at a: acknowledged at b after sync
    r = run_cli("--db", a, "--user", "nurse.jones", "--now", "2026-11-25T08:30", "alerts", "--json")
    alert_id = next(x["id"] for x in json.loads(r.out) if x["rule"] == "dose.recorded_twice")
    r = run_cli("--db", a, "--user", "nurse.jones", "--now", "2026-11-25T08:31", "alerts", "ack",
                "--id", str(alert_id), "--note", "checked the patient")
    assert r.code == 0, r.err
    for db in (a, b):
        assert run_cli("--db", db, "--user", "nurse.jones", "sync", "--once").code == 0
    assert status(run_cli, b)["open_conflicts"] == 0


def test_sync_before_joining_says_what_to_do(run_cli, a, passfile):
    r = run_cli("--db", a, "--user", "nurse.jones", "sync", "--once")
    assert r.code == 3 and "ward-app join" in one_line(r.err)


def test_an_address_that_is_not_postgresql_is_refused(run_cli, a, passfile):
    r = run_cli("--db", a, "--user", "admin", "join", "--url", "mysql://x@y/z")
    assert r.code in (2, 3) and "PostgreSQL" in one_line(r.err)


def test_passwords_given_are_the_users_own(run_cli):
    assert pw("nurse.jones") and ADMIN_PASSWORD  # the template's users log in with these
