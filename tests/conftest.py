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

    ctx = init_ward(db_path, ward="Ward 7", tz="Europe/London", clock=fixed_clock)
    for role, name in ROLE_USERS.items():
        add_user(ctx, name, role, PASSWORD)
    yield ctx
    ctx.close()


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory) -> Path:
    """The demo ward, built once per test run (at NOW) and copied for each test that needs it."""
    from ward_app.services.demo import build_demo

    path = tmp_path_factory.mktemp("demo-template") / "demo.db"
    ctx = init_ward(path, ward="Ward 7", tz="Europe/London", clock=fixed_clock, drill=True)
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


def database_state(path: Path) -> str:
    """Every row of every table, as a digest: to prove a failed command wrote nothing."""
    import sqlite3

    conn = sqlite3.connect(str(path))
    try:
        dump = "\n".join(conn.iterdump())
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
    """Run ``ward-app`` in-process through its real entry point (exit codes and stderr included)."""
    from ward_app.cli import main

    def run(*args: str, stdin: str = "") -> CliResult:
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
