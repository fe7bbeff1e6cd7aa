"""A real PostgreSQL server for the ward server sync tests (issue 19), started with initdb/pg_ctl.

One ``PgServer`` is a throw-away cluster in a fresh temporary folder: it listens on 127.0.0.1 on a
free TCP port (its unix socket is in its data folder, never in /var/run/postgresql), every role
logs in with a password (scram-sha-256, the superuser's too), and ``fsync`` stays on: the
reliability tests stop the server (fast or immediate) and start it again, and expect what was
committed to be there. ``close()`` stops it and removes the folder; a session killed before it
could (SIGTERM, SIGKILL) leaves its cluster running, and the next PgServer stops and removes it
(``remove_abandoned``).

initdb and postgres refuse to run as root, and CI (a debootstrap chroot) runs the tests as root:
there the server runs as the ``postgres`` system user that Debian's postgresql package creates
(else a ``ward-app-pg`` system user, made with useradd), by starting initdb and pg_ctl with that
user's uid and gid (subprocess's ``user``/``group``: no runuser, su or PAM). Its folder is made
with tempfile.mkdtemp (pytest's tmp_path is root's, 0700, closed to that user) and given to it.

The binaries are found with ``pg_config --bindir``, else in the newest /usr/lib/postgresql/*/bin,
else on PATH; ``packaging/quickstart.sh test`` installs them (Debian's ``postgresql`` package).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import secrets
import shutil
import socket
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Literal
from urllib.parse import quote

import psycopg
from psycopg import sql

#: The cluster's superuser (initdb -U), whatever system user runs the server.
SUPERUSER = "postgres"
#: The system user a root test run starts the server as when there is no ``postgres`` user.
FALLBACK_SYSTEM_USER = "ward-app-pg"
INSTALL_HINT = ("PostgreSQL's server programs (initdb, pg_ctl) are not installed: run "
                "`bash packaging/quickstart.sh test` (it installs Debian's postgresql package).")
#: Seconds pg_ctl waits for the server to start or stop.
PG_CTL_TIMEOUT = 60


class PgNotInstalled(RuntimeError):
    """initdb/pg_ctl cannot be found; the message says how to install them."""


class PgServerError(RuntimeError):
    """initdb or pg_ctl failed; the message has its output and the end of the server's log."""


def find_bindir() -> Path:
    """The folder holding initdb and pg_ctl: ``pg_config --bindir``, else the newest
    /usr/lib/postgresql/N/bin, else the folder on PATH that has both."""

    def usable(folder: Path) -> bool:
        return all(os.access(folder / name, os.X_OK) for name in ("initdb", "pg_ctl", "postgres"))

    pg_config = shutil.which("pg_config")
    if pg_config:
        # Debian's pg_config (libpq-dev) names a bindir whether or not that server version is there.
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=30,
                                 check=True).stdout.strip()
            if out and usable(Path(out)):
                return Path(out)
    versions = []
    for folder in Path("/usr/lib/postgresql").glob("*/bin"):
        match = re.fullmatch(r"\d+(?:\.\d+)?", folder.parent.name)
        if match and usable(folder):
            versions.append((tuple(int(p) for p in folder.parent.name.split(".")), folder))
    if versions:
        return max(versions)[1]
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl and Path(initdb).parent == Path(pg_ctl).parent and usable(Path(initdb).parent):
        return Path(initdb).parent
    raise PgNotInstalled(INSTALL_HINT)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (now: start() retries if it is taken)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _system_user() -> pwd.struct_passwd | None:
    """Whom the server runs as: None (this process's user) unless we are root; as root, the
    ``postgres`` system user, else FALLBACK_SYSTEM_USER (created here if missing)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", FALLBACK_SYSTEM_USER):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    result = subprocess.run([useradd, "--system", "--user-group", "--no-create-home",
                             "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin",
                             FALLBACK_SYSTEM_USER], capture_output=True, text=True)
    if result.returncode != 0 and "already exists" not in result.stderr:
        raise PgServerError(f"the tests run as root, which PostgreSQL refuses, and there is no "
                            f"'postgres' user; creating the system user {FALLBACK_SYSTEM_USER} "
                            f"failed: {result.stderr.strip()}")
    return pwd.getpwnam(FALLBACK_SYSTEM_USER)


def _temp_parent() -> str:
    """Where the cluster's folder goes: the temp folder when every user can reach it (a root
    run's server user must), else /tmp."""
    parent = tempfile.gettempdir()
    path = Path(parent).resolve()
    for folder in (path, *path.parents):
        if not folder.stat().st_mode & stat.S_IXOTH:
            return "/tmp"
    return parent


def _started(pid: int) -> str | None:
    """Process ``pid``'s start time (clock ticks after boot, /proc/PID/stat), None if it is gone:
    a pid and its start time name one process, even after the pid is reused."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] in ("Z", "X") else fields[19]


def remove_abandoned(parent: str, bindir: Path) -> None:
    """Stop and remove the clusters of test sessions that died without cleaning up (SIGTERM or
    SIGKILL, which skip fixture teardown and atexit): folders this module made (they have an
    ``owner`` file) whose owning process has ended. Other live sessions' clusters are left alone."""
    for base in Path(parent).glob("ward-app-pg-*"):
        with contextlib.suppress(OSError, ValueError, subprocess.SubprocessError):
            pid, started = (base / "owner").read_text().split()
            if _started(int(pid)) == started:
                continue
            uid = base.stat().st_uid
            if os.geteuid() not in (0, uid):
                continue
            if (base / "data" / "postmaster.pid").exists():
                as_owner = {} if os.geteuid() == uid else {"user": uid, "group": base.stat().st_gid}
                subprocess.run([str(bindir / "pg_ctl"), "stop", "--pgdata", str(base / "data"),
                                "--mode=immediate", "--wait", "--timeout=30"], cwd="/",
                               stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
                               **as_owner)  # type: ignore[call-overload]
            shutil.rmtree(base, ignore_errors=True)


class PgServer:
    """A throw-away PostgreSQL cluster: ``start()``, ``stop()``, ``restart()``, ``url()``,
    ``create_database()``, ``create_role()``, ``close()``. Usable as a context manager."""

    def __init__(self, bindir: Path | None = None) -> None:
        self.bindir = bindir or find_bindir()
        self.password = secrets.token_urlsafe(18)
        self.port = free_port()
        self._owner = _system_user()
        parent = _temp_parent()
        remove_abandoned(parent, self.bindir)
        self.base = Path(tempfile.mkdtemp(prefix="ward-app-pg-", dir=parent))
        (self.base / "owner").write_text(f"{os.getpid()} {_started(os.getpid())}\n")
        self.datadir = self.base / "data"
        self.logfile = self.base / "server.log"
        self._initialised = False
        self._closed = False
        atexit.register(self.close)  # a session cut short (Ctrl+C twice) leaves no server behind
        try:
            if self._owner is not None:
                os.chown(self.base, self._owner.pw_uid, self._owner.pw_gid)
            self._initdb()
        except BaseException:
            self.close()
            raise

    # -- running the programs --------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        # The developer's PGDATA, PGPORT... must not redirect pg_ctl; messages in English.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        if self._owner is not None:
            env.update(HOME=self._owner.pw_dir, USER=self._owner.pw_name, LOGNAME=self._owner.pw_name)
        return env

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        owner = self._owner
        result = subprocess.run([str(self.bindir / program), *args], cwd=self.base, env=self._env(),
                                stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                timeout=PG_CTL_TIMEOUT + 30,
                                user=owner.pw_uid if owner else None,
                                group=owner.pw_gid if owner else None,
                                extra_groups=[] if owner else None)
        if check and result.returncode != 0:
            raise PgServerError(f"{program} {' '.join(args)} failed ({result.returncode}):\n"
                                f"{result.stdout}{result.stderr}{self._log_tail()}")
        return result

    def _log_tail(self, lines: int = 30) -> str:
        try:
            text = self.logfile.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return ""
        return "\n-- server log (end) --\n" + "\n".join(text) if text else ""

    def _initdb(self) -> None:
        pwfile = self.base / "pwfile"
        pwfile.write_text(self.password + "\n")
        pwfile.chmod(0o600)
        if self._owner is not None:
            os.chown(pwfile, self._owner.pw_uid, self._owner.pw_gid)
        try:
            self._run("initdb", "--pgdata", str(self.datadir), "--username", SUPERUSER,
                      f"--pwfile={pwfile}", "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C",
                      "--no-instructions")
        finally:
            pwfile.unlink(missing_ok=True)
        with (self.datadir / "postgresql.conf").open("a") as conf:
            conf.write("\n# ward_app tests (tests/helpers/postgres.py)\n"
                       "listen_addresses = '127.0.0.1'\n"
                       f"port = {self.port}\n"
                       f"unix_socket_directories = '{self.datadir}'\n"
                       "max_connections = 100\n"
                       "fsync = on\n")
        self._initialised = True

    def _set_port(self, port: int) -> None:
        conf = self.datadir / "postgresql.conf"
        conf.write_text(re.sub(r"(?m)^port = \d+$", f"port = {port}", conf.read_text()))
        self.port = port

    # -- the API the tests use -------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the server is up (pg_ctl status: its postmaster.pid names a live process)."""
        if self._closed or not self._initialised:
            return False
        return self._run("pg_ctl", "status", "--pgdata", str(self.datadir), check=False).returncode == 0

    def start(self) -> None:
        """Start the server and wait until it takes connections; nothing if it is running. A port
        someone took since is replaced only before the first start (URLs handed out keep theirs)."""
        if self._closed:
            raise PgServerError("this PgServer was closed")
        if self.running:
            return
        first = not self.logfile.exists()
        for attempt in range(3):
            result = self._run("pg_ctl", "start", "--pgdata", str(self.datadir), "--log", str(self.logfile),
                               "--wait", f"--timeout={PG_CTL_TIMEOUT}", check=False)
            if result.returncode == 0:
                return
            if first and attempt < 2 and "could not bind" in self._log_tail(10):
                self._set_port(free_port())
                continue
            raise PgServerError(f"pg_ctl start failed ({result.returncode}):\n"
                                f"{result.stdout}{result.stderr}{self._log_tail()}")

    def stop(self, mode: Literal["fast", "immediate"] = "fast") -> None:
        """Stop the server: ``fast`` (sessions cut, a clean shutdown checkpoint) or ``immediate``
        (no checkpoint, like a crash: the next start recovers from the WAL). Nothing if stopped."""
        if mode not in ("fast", "immediate"):
            raise ValueError(f"stop mode must be 'fast' or 'immediate', not {mode!r}")
        if not self.running:
            return
        self._run("pg_ctl", "stop", "--pgdata", str(self.datadir), f"--mode={mode}", "--wait",
                  f"--timeout={PG_CTL_TIMEOUT}")

    def restart(self, mode: Literal["fast", "immediate"] = "fast") -> None:
        """Stop (``mode``) and start again, on the same port and data."""
        self.stop(mode)
        self.start()

    def url(self, dbname: str = "postgres", user: str | None = None, password: str | None = None) -> str:
        """A libpq URI ``postgresql://user:password@127.0.0.1:PORT/dbname``. Without ``user``: the
        superuser, with its password; with ``user`` and no ``password``: no password in the URI."""
        if user is None:
            user, password = SUPERUSER, self.password if password is None else password
        auth = quote(user, safe="")
        if password is not None:
            auth += ":" + quote(password, safe="")
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{quote(dbname, safe='')}"

    @property
    def admin_url(self) -> str:
        """The superuser's URI to the ``postgres`` database."""
        return self.url()

    @contextlib.contextmanager
    def admin(self, dbname: str = "postgres") -> Iterator[psycopg.Connection]:
        """A superuser connection in autocommit mode (CREATE DATABASE cannot run in a transaction)."""
        with psycopg.connect(self.url(dbname), autocommit=True, connect_timeout=10) as conn:
            yield conn

    def create_database(self, name: str) -> str:
        """Create database ``name`` (owned by the superuser) and return its superuser URI."""
        with self.admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop database ``name`` if it exists, ending its sessions first."""
        with self.admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def create_role(self, name: str, password: str) -> None:
        """A login role (no superuser, no CREATEDB, no CREATEROLE) with this password; a role of that
        name made earlier in the session gets the new password. Grants are the caller's."""
        with self.admin() as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
            verb = "ALTER" if exists else "CREATE"
            # Utility statements take no bound parameters: the password is quoted client-side.
            conn.execute(sql.SQL(verb + " ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                                 "PASSWORD {}").format(sql.Identifier(name), sql.Literal(password)))

    def close(self) -> None:
        """Stop the server (immediate: its data is thrown away) and remove its folder."""
        if self._closed:
            return
        try:
            if self._initialised and (self.datadir / "postmaster.pid").exists():
                self._run("pg_ctl", "stop", "--pgdata", str(self.datadir), "--mode=immediate", "--wait",
                          f"--timeout={PG_CTL_TIMEOUT}", check=False)
        finally:
            self._closed = True
            shutil.rmtree(self.base, ignore_errors=True)
            atexit.unregister(self.close)

    def __enter__(self) -> PgServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<PgServer {self.bindir} 127.0.0.1:{self.port} {self.datadir}>"
