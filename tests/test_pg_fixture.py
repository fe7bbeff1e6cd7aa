"""The PostgreSQL fixtures the ward server sync tests stand on (issue 19; tests/helpers/postgres.py):
a real server, password logins, a fresh database per test, and data that outlives a restart."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Literal

import psycopg
import pytest

from tests.helpers.postgres import PgServer, find_bindir

ROOT = Path(__file__).resolve().parent.parent


def _connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url, connect_timeout=5)


def test_the_fresh_database_takes_a_table(pg_url: str) -> None:
    with _connect(pg_url) as conn:
        assert conn.execute("SELECT current_user, inet_server_addr()::text").fetchone() == (
            "postgres", "127.0.0.1/32")
        assert conn.execute("SHOW fsync").fetchone() == ("on",)
        conn.execute("CREATE TABLE doses (id int PRIMARY KEY, drug text NOT NULL)")
        conn.execute("INSERT INTO doses VALUES (1, 'baclofen')")
        conn.commit()
        assert conn.execute("SELECT drug FROM doses").fetchall() == [("baclofen",)]


def test_each_test_has_its_own_empty_database(pg_url: str, pg_server: PgServer) -> None:
    """The previous test's table is not here, and a second database is empty too."""
    second = pg_server.create_database("t_second_" + pg_url.rsplit("/", 1)[1][2:])
    try:
        for url in (pg_url, second):
            with _connect(url) as conn:
                tables = conn.execute("SELECT count(*) FROM information_schema.tables "
                                      "WHERE table_schema = 'public'").fetchone()
                assert tables == (0,)
    finally:
        pg_server.drop_database(second.rsplit("/", 1)[1])


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_committed_rows_survive_a_stop_and_a_restart(pg_url: str, pg_server: PgServer,
                                                        mode: Literal["fast", "immediate"]) -> None:
    with _connect(pg_url) as conn:
        conn.execute("CREATE TABLE doses (id int PRIMARY KEY)")
        conn.execute("INSERT INTO doses SELECT generate_series(1, 500)")
        conn.commit()
        pg_server.stop(mode)
        assert not pg_server.running
        with pytest.raises(psycopg.OperationalError):  # the open session is gone
            conn.execute("SELECT 1")
    with pytest.raises(psycopg.OperationalError):  # and no new one is taken
        _connect(pg_url).close()
    pg_server.start()
    assert pg_server.running
    with _connect(pg_url) as conn:
        assert conn.execute("SELECT count(*), sum(id) FROM doses").fetchone() == (500, 125250)
    pg_server.restart()
    with _connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM doses").fetchone() == (500,)


def test_logins_need_the_right_password(pg_url: str, pg_server: PgServer) -> None:
    dbname = pg_url.rsplit("/", 1)[1]
    pg_server.create_role("ward_7_sync", "s3cret:/@ pass")
    with _connect(pg_server.url(dbname, user="ward_7_sync", password="s3cret:/@ pass")) as conn:
        assert conn.execute("SELECT current_user, rolsuper FROM pg_roles "
                            "WHERE rolname = current_user").fetchone() == ("ward_7_sync", False)
    pg_server.create_role("ward_7_sync", "another")  # again: a new password, no error
    for wrong in ("s3cret:/@ pass", None):
        with pytest.raises(psycopg.OperationalError, match="password"):
            _connect(pg_server.url(dbname, user="ward_7_sync", password=wrong)).close()
    with pytest.raises(psycopg.OperationalError, match="password"):
        _connect(pg_server.url(dbname, password="not-it")).close()


def test_the_server_is_local_and_its_folder_private(pg_server: PgServer) -> None:
    assert pg_server.admin_url == pg_server.url("postgres")
    assert pg_server.admin_url.startswith(f"postgresql://postgres:{pg_server.password}@127.0.0.1:")
    with pg_server.admin() as conn:
        assert conn.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
        assert conn.execute("SHOW unix_socket_directories").fetchone() == (str(pg_server.datadir),)
        assert conn.execute("SHOW max_connections").fetchone() == ("100",)
        assert conn.execute("SHOW password_encryption").fetchone() == ("scram-sha-256",)
    assert not pg_server.datadir.is_relative_to(ROOT)
    assert stat.S_IMODE(pg_server.datadir.stat().st_mode) & 0o077 == 0
    assert not (pg_server.base / "pwfile").exists()
    if os.geteuid() == 0:  # PostgreSQL refuses root: the server runs as a system user
        assert pg_server.datadir.stat().st_uid != 0


def test_a_server_of_its_own_is_removed_when_closed() -> None:
    """What the session fixture does at the end: stop the server, leave no folder behind."""
    server = PgServer()
    with server:
        assert server.running
        pid = int((server.datadir / "postmaster.pid").read_text().split()[0])
        with psycopg.connect(server.admin_url, connect_timeout=5) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    assert not server.base.exists()
    assert not server.running
    assert _gone(pid)


def test_a_killed_sessions_server_is_removed_by_the_next() -> None:
    """SIGKILL (or SIGTERM) skips the fixture's teardown: the next PgServer cleans up after it."""
    script = ("import time\nfrom tests.helpers.postgres import PgServer\n"
              "server = PgServer()\nserver.start()\nprint(server.base, flush=True)\ntime.sleep(300)\n")
    child = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        base = Path(child.stdout.readline().strip())
        pid = int((base / "data" / "postmaster.pid").read_text().split()[0])
    finally:
        child.kill()
        child.wait()
        if child.stdout is not None:
            child.stdout.close()
    PgServer().close()  # (another test session starting now may get there first: same outcome)
    assert not base.exists()
    assert _gone(pid)


def _gone(pid: int, timeout: float = 10.0) -> bool:
    """Whether process ``pid`` has ended (or is a zombie waiting for init) within ``timeout``: the
    postmaster removes its pid file, which pg_ctl waits for, a moment before it exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def test_the_binaries_are_the_installed_server() -> None:
    result = subprocess.run([str(find_bindir() / "postgres"), "--version"], capture_output=True,
                            text=True, check=True)
    assert result.stdout.startswith("postgres (PostgreSQL) ")
