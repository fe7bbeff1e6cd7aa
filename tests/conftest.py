"""Shared fixtures: real SQLite files in tmp_path, a fixed clock, offscreen Qt; the gui marker.

The tests leave the checkout as they found it: everything they write goes to tmp_path, and the
caches of a test run live in .venv/ (the install quickstart.sh makes, ignored by git): pytest's
in .venv/pytest-cache (pyproject.toml), Hypothesis's examples in .venv/hypothesis, and bytecode
in .venv/pycache (PYTHONPYCACHEPREFIX, set here for child processes and by quickstart.sh before
Python starts).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATE = ROOT / ".venv"

# Before anything imports Qt: tests never need a display (CI has none).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("WARD_APP_DB", None)
os.environ.pop("WARD_APP_USER", None)
if sys.pycache_prefix is None:  # no __pycache__ folders in the checkout, here or in children
    sys.pycache_prefix = str(STATE / "pycache")
    os.environ["PYTHONPYCACHEPREFIX"] = sys.pycache_prefix

import contextlib  # noqa: E402
import hashlib  # noqa: E402
import io  # noqa: E402
import types  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

import pytest  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402
from hypothesis.configuration import set_hypothesis_home_dir  # noqa: E402

from ward_app.services.admin import init_ward  # noqa: E402

if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):  # not .hypothesis/ in the checkout
    set_hypothesis_home_dir(STATE / "hypothesis")

# CI runs the same examples every time (a submission passes or fails on its own merits, not on
# the draw); on a developer's machine each run draws new ones, and a failure is kept to replay.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

#: Fixtures that need a QApplication: a test using one is a GUI test.
QT_FIXTURES = frozenset({"qtbot", "qapp", "qapp_args", "qapp_cls", "qtmodeltester", "qtlog"})
GUI_TESTS = ROOT / "tests" / "gui"


def _imports_qt(module: types.ModuleType | None) -> bool:
    """Whether a test module has Qt in its namespace (PySide6/shiboken6 modules, classes...)."""
    if module is None:
        return False
    for value in vars(module).values():
        name = value.__name__ if isinstance(value, types.ModuleType) else getattr(value, "__module__", "")
        if isinstance(name, str) and name.split(".")[0] in {"PySide6", "shiboken6", "pytestqt"}:
            return True
    return False


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    """pyproject.toml sets ``cache_dir``; with ``-p no:cacheprovider`` pytest no longer knows that
    key, and --strict-config would refuse it."""
    if not pluginmanager.has_plugin("cacheprovider"):
        parser.addini("cache_dir", "unused: the cache plugin is disabled (-p no:cacheprovider)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that needs Qt ``gui`` (so ``-m "not gui"`` runs without Qt): all of tests/gui/
    and any test using a pytest-qt fixture. A test module elsewhere that imports Qt must say
    ``pytestmark = pytest.mark.gui`` itself: collection fails until it does."""
    unmarked = []
    for item in items:
        if item.path.is_relative_to(GUI_TESTS) or QT_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.gui)
        elif item.get_closest_marker("gui") is None and _imports_qt(getattr(item, "module", None)):
            unmarked.append(item.nodeid)
    if unmarked:
        raise pytest.UsageError("these tests import Qt but are not marked gui (add "
                                "'pytestmark = pytest.mark.gui' to their module):\n  "
                                + "\n  ".join(unmarked))

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def fixed_clock() -> datetime:
    return NOW


#: The system clock as the tests see it (entry times, audit rows, the future-time rule): a fixed
#: moment later than every act time the tests give (``--now``, NOW and the hours after it), so
#: the suite does not depend on the real date.
ENTRY_NOW = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen_entry_clock(monkeypatch):
    """Freeze the entry clock's default (services.context.real_clock) at ENTRY_NOW; a test
    about entry times sets its own (monkeypatch it again, or a context's ``entry_clock``)."""
    monkeypatch.setattr("ward_app.services.context.real_clock", lambda: ENTRY_NOW)


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory, monkeypatch):
    """Never touch the real user's data folder."""
    monkeypatch.setenv("WARD_APP_DATA", str(tmp_path_factory.mktemp("data")))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "ward.db"


#: Users every ``ward`` fixture has besides its admin, one per clinical role (password: PASSWORD).
PASSWORD = "test-password-1"
ROLE_USERS = {"nurse": "nurse.test", "charge_nurse": "charge.test", "pharmacist": "pharm.test"}
#: The password of the ``ward`` fixture's (and the demo template's) admin, and of the admin a
#: test makes with ``init --admin-password-stdin`` when run_cli supplies its standard input.
ADMIN_PASSWORD = "admin-password-1"


def _demo_passwords() -> dict[str, str]:
    from ward_app.services.demo import DEMO_PASSWORD, DEMO_USERS

    return {name: DEMO_PASSWORD for name, _role, _full in DEMO_USERS}


#: Whose password is what, for run_cli to type: the role users, the test admin, the demo users.
TEST_PASSWORDS: dict[str, str] = {**_demo_passwords(), **{n: PASSWORD for n in ROLE_USERS.values()},
                                  "admin": ADMIN_PASSWORD}

#: Options naming a witness, in the order the command line reads their passwords.
WITNESS_FLAGS = ("--witness", "--override-witness")


def _option(args: list[str], flag: str) -> str | None:
    for i, a in enumerate(args):
        if a == flag and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(flag + "="):
            return a.split("=", 1)[1]
    return None


def identity_passwords(args) -> str:
    """The lines that prove who acts in ``ward-app ARGS``: the acting user's password (``--user``,
    else WARD_APP_USER), then each witness's (WITNESS_FLAGS order), one a line (``pw``)."""
    args = [str(a) for a in args]
    lines = []
    user = _option(args, "--user") or os.environ.get("WARD_APP_USER")
    if user:
        lines.append(pw(user))
    for flag in WITNESS_FLAGS:
        witness = _option(args, flag)
        if witness:
            lines.append(pw(witness))
    return "".join(line + "\n" for line in lines)


def cli_passwords(args) -> str:
    """The standard input a command needs when a test gives none: ``identity_passwords``, then
    the command's own (``init --admin-password-stdin``: ADMIN_PASSWORD; ``user add NAME
    --password-stdin``: that user's ``pw``), one a line."""
    args = [str(a) for a in args]
    lines = []
    if "--admin-password-stdin" in args:
        lines.append(ADMIN_PASSWORD)
    elif "--password-stdin" in args:
        i = args.index("user") if "user" in args else -1
        name = args[i + 2] if 0 <= i and i + 2 < len(args) else ""
        lines.append(pw(name))
    return identity_passwords(args) + "".join(line + "\n" for line in lines)


@contextlib.contextmanager
def acting(ctx, name: str):
    """Act as another existing user for the block (roles are enforced by the services)."""
    from ward_app.services.context import resolve_actor

    previous = ctx.actor
    ctx.actor = resolve_actor(ctx, name)
    try:
        yield ctx
    finally:
        ctx.actor = previous


def act_as(ctx, name: str):
    """Switch the acting user for the rest of the test."""
    from ward_app.services.context import resolve_actor

    ctx.actor = resolve_actor(ctx, name)
    return ctx


@pytest.fixture
def ward(db_path: Path):
    """An initialised, empty ward database (Ward 7, Europe/London) acting as its admin, with one
    user per clinical role (ROLE_USERS)."""
    from ward_app.services.admin import add_user

    ctx = init_ward(db_path, ward="Ward 7", tz="Europe/London", admin_password=ADMIN_PASSWORD,
                    clock=fixed_clock)
    for role, name in ROLE_USERS.items():
        add_user(ctx, name, role, PASSWORD)
    yield ctx
    ctx.close()


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory) -> Path:
    """The demo ward, built once per test run (at NOW) and copied for each test that needs it."""
    from ward_app.services.demo import build_demo

    path = tmp_path_factory.mktemp("demo-template") / "demo.db"
    ctx = init_ward(path, ward="Ward 7", tz="Europe/London", admin_password=ADMIN_PASSWORD,
                    clock=fixed_clock, drill=True)
    try:
        build_demo(ctx, patients=24, days=30, seed=1)
    finally:
        ctx.close()
    return path


@pytest.fixture
def demo_ward(db_path: Path, _demo_template: Path):
    """A fresh copy of the demo ward (24 patients, 30 days) acting as its demo nurse (as
    ``ward-app gui --demo`` does), clock at NOW. Use ``acting``/``act_as`` for other roles."""
    import shutil

    from ward_app.services.context import open_context

    shutil.copyfile(_demo_template, db_path)
    ctx = open_context(db_path, clock=fixed_clock, user="nurse.jones")
    yield ctx
    ctx.close()


def database_state(path: Path, *, but_logins: bool = False) -> str:
    """Every row of every table, as a digest: to prove a failed command wrote nothing. With
    ``but_logins`` the audit trail and the users' failed log-in counts and locks are left out: to
    prove a command refused for its password wrote nothing but the failed-login audit row."""
    import sqlite3

    conn = sqlite3.connect(str(path))
    try:
        if not but_logins:
            dump = "\n".join(conn.iterdump())
        else:
            parts = []
            tables = [r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
            for table in tables:
                if table == "audit":
                    continue
                # the failed log-in's audit row also has its sync entry and moved the clock
                cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')
                        if not (table == "users" and r[1] in ("failed_logins", "locked_until"))
                        and not (table == "sync_workstation" and r[1] in ("hlc_ms", "hlc_c"))]
                listed = ", ".join(f'"{c}"' for c in cols)
                where = " WHERE tbl != 'audit'" if table == "sync_rows" else ""
                parts.append(f"{table}: " + repr(conn.execute(
                    f'SELECT {listed} FROM "{table}"{where} ORDER BY {listed}').fetchall()))
            parts += [r[0] or "" for r in conn.execute(
                "SELECT sql FROM sqlite_master ORDER BY type, name")]
            dump = "\n".join(parts)
    finally:
        conn.close()
    return hashlib.sha256(dump.encode()).hexdigest()


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys, monkeypatch):
    """Run ``ward-app`` in-process through its real entry point (exit codes and stderr included).
    Without ``stdin`` the passwords the command needs are typed for it (``cli_passwords``); an
    explicit ``stdin`` is used as given (tests about passwords)."""
    from ward_app.cli import main

    def run(*args: str, stdin: str | None = None) -> CliResult:
        if stdin is None:
            stdin = cli_passwords(args)
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        else:  # pragma: no cover - main always exits
            code = 0
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def pw(name: str) -> str:
    """The password a test gives user ``name`` (and types for them): TEST_PASSWORDS, else
    PASSWORD."""
    return TEST_PASSWORDS.get(name.strip().lower(), PASSWORD)


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL server for the whole session (tests/helpers/postgres.py: PgServer), on
    127.0.0.1, password logins; removed at the end. A test that stops it starts it again
    (``pg_url`` does so for its tests). Fails, not skips, when the server programs are missing:
    the sync tests are part of the suite."""
    from tests.helpers.postgres import PgNotInstalled, PgServer

    missing = None
    try:
        server = PgServer()
    except PgNotInstalled as exc:
        missing = str(exc)
    if missing is not None:  # outside the except: the message alone, no chained traceback
        pytest.fail(missing, pytrace=False)
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture
def pg_url(pg_server):
    """A fresh, empty database on ``pg_server`` for this test: its superuser URI
    (``postgresql://postgres:PW@127.0.0.1:PORT/t_<uuid>``); dropped afterwards. Other roles:
    ``pg_server.create_role(name, password)`` and ``pg_server.url(db, user=..., password=...)``."""
    import uuid

    pg_server.start()  # an earlier test may have left it stopped
    name = f"t_{uuid.uuid4().hex}"
    url = pg_server.create_database(name)
    yield url
    pg_server.start()  # this test may have stopped it
    pg_server.drop_database(name)
