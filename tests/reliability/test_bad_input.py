"""Hostile input on every command-line option and every form field (issue 9, item 5).

What is fed: empty and blank text, 10,000 characters, control characters (NUL, ESC, CR), SQL,
unicode oddities (bidi marks, combining characters, emoji, zero-width, lone surrogates where
Python allows them), wrong units and special floats ("10mg", "1e309", "NaN", "-0", "inf"),
far-past and far-future dates, 29 February of a common year, times in the Europe/London DST gap,
and malformed ISO-8601, plus random unicode and valid values with hostile bits around them.

The properties, for every command:

* never a traceback: the exit code is never 70 and stderr never holds "Traceback";
* never a partial write: whenever the exit code is not 0 the database is byte-for-byte as before
  (``tests.conftest.database_state``);
* bad input exits 2 with one line on stderr that names the field; 1 only where the command has a
  clinical or safety rule that can refuse (the acting user always has the role, so a role check
  never hides the input check); 3 never;
* a value that is accepted leaves a ward that still works (``patient list`` exits 0 afterwards).

The form fields are checked on the services the windows call (``NewObservation``/
``add_observation``, ``give_dose``/``omit_dose``, ``NewRefill``, ``set_patient``,
``set_setting``, ``TaperParams``): a hostile value raises a ``WardError`` (InvalidInput or
Refused), never another exception, and writes nothing.

Each test function works on its own copy of one small ward (built once per module) and checks
``database_state`` after every example; a successful example puts the copy back, so the examples
do not depend on each other. The command line runs in-process through ``ward_app.cli.main`` with
stdout/stderr/stdin as a real UTF-8 terminal has them (stdout strict, stderr backslashreplace,
stdin bytes decoded strictly); the current folder is a scratch folder, so relative output paths
land there.

The bugs B1..B17 found by this module are fixed; each keeps its pinned cases (``FIXED_BUGS`` and
the tests after it), which assert the right behaviour. A bug found later is pinned the same way:
a ``known(...)`` case (a strict xfail whose reason says what happens and where) until it is fixed,
and the random tests keep away from exactly that input (``avoid=`` / ``assume``, marked with the
bug) so that they stay green and still find anything new.
"""

from __future__ import annotations

import io
import math
import re
import shutil
import sqlite3
import sys
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests import typed
from tests.conftest import (
    ADMIN_PASSWORD,
    NOW,
    PASSWORD,
    ROLE_USERS,
    acting,
    database_state,
    fixed_clock,
    identity_passwords,
)

NURSE, CHARGE, PHARMACIST = ROLE_USERS["nurse"], ROLE_USERS["charge_nurse"], ROLE_USERS["pharmacist"]
ADMIN = "admin"
NOW_TEXT = "2026-11-25T10:00"  # tests.conftest.NOW in ward time (GMT in November)
ORAL, PUMP, TAPERED, NEW_MRN = "RX100001", "RX100002", "RX100003", "RX900001"

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.filter_too_much])


def fuzz(n: int) -> settings:
    return settings(FUZZ, max_examples=n)


# -- the ward every test copies -------------------------------------------------------------------

@dataclass(frozen=True)
class Template:
    path: Path
    record_id: int  # a dose record (dose correct)
    obs_id: int  # an observation (obs correct)
    alert_id: int  # an active alert (alerts ack)


def build_ward(path: Path) -> Template:
    """Ward 7 at NOW: an oral patient (10 mg TDS, a dose given last night, Lorazepam), an
    intrathecal patient with a pump refilled at NOW, and an oral patient on an applied taper."""
    from tests.typed import ObsText as NewObservation
    from tests.typed import add_observation
    from ward_app.services.admin import add_user, init_ward
    from ward_app.services.alerts import ward_alerts
    from ward_app.services.patients import NewPatient, add_patient

    ctx = init_ward(path, ward="Ward 7", tz="Europe/London", admin_password=ADMIN_PASSWORD, clock=fixed_clock)
    try:
        for role, name in ROLE_USERS.items():
            add_user(ctx, name, role, PASSWORD)
        with acting(ctx, CHARGE):
            for mrn, name, bed in ((ORAL, "Oral Patient", "1"), (PUMP, "Pump Patient", "2"),
                                   (TAPERED, "Taper Patient", "3")):
                add_patient(ctx, NewPatient(mrn=mrn, name=name, dob=date(1970, 1, 1), bed=bed))
        start = NOW - timedelta(days=2)
        with acting(ctx, PHARMACIST):
            typed.add_order(ctx, typed.OrderText(mrn=ORAL, route="oral", dose_mg=10, freq="TDS",
                                                  start=start))
            typed.add_order(ctx, typed.OrderText(mrn=TAPERED, route="oral", dose_mg=20,
                                                  freq="TDS", start=start))
            typed.add_order(ctx, typed.OrderText(mrn=PUMP, route="intrathecal", daily_mcg=400,
                                                  witness=NURSE, start=start))
            typed.taper_apply(ctx, typed.TaperText(mrn=TAPERED), "Dr Khan")
            typed.add_comedication(ctx, ORAL, "Lorazepam")
        with acting(ctx, CHARGE):
            typed.set_pump(ctx, PUMP, model="SynchroMed II 20 mL", reservoir_ml=20,
                           implant_date=date(2023, 1, 10), eri_date=date(2029, 5, 1))
        with acting(ctx, NURSE):
            typed.refill_pump(ctx, typed.RefillText(mrn=PUMP, volume_ml=20, conc_mcg_ml=2000,
                                                   daily_mcg=400, witness=CHARGE))
            record = typed.give(ctx, ORAL, "2026-11-24T22:00",  # given on time
                                at=datetime(2026, 11, 24, 22, 5, tzinfo=UTC)).record_id
            obs_id = add_observation(ctx, NewObservation(mrn=ORAL, rr=18)).observation.id
            alert = next(a for a in ward_alerts(ctx) if a.mrn == ORAL)
        return Template(path, record, obs_id, alert.id)
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Template:
    return build_ward(tmp_path_factory.mktemp("bad-input-template") / "ward.db")


def _copy(source: Path, target: Path) -> None:
    for suffix in ("-wal", "-shm"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(source, target)


# -- running the real entry point -----------------------------------------------------------------

@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(argv: Sequence[str], stdin: bytes = b"") -> Result:
    """``ward-app ARGV`` in-process, with the streams a UTF-8 terminal gives Python: stdout strict,
    stderr backslashreplace, stdin bytes decoded strictly. (``tests.conftest.run_cli`` captures
    through pytest, whose streams differ, and is a function-scoped fixture.)"""
    from ward_app.cli import main

    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    streams = (io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8", errors="strict"),
               io.TextIOWrapper(out_bytes, encoding="utf-8", errors="strict", write_through=True),
               io.TextIOWrapper(err_bytes, encoding="utf-8", errors="backslashreplace",
                                write_through=True))
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = streams
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException as exc:  # noqa: BLE001 - escaping main() is what a traceback is
        code, err_bytes = 70, io.BytesIO(f"Traceback: {type(exc).__name__}: {exc!r}".encode())
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
    return Result(code, out_bytes.getvalue().decode("utf-8", "replace"),
                  err_bytes.getvalue().decode("utf-8", "replace"))


class Ward:
    """One copy of the template for one test function, and the checks every example goes through."""

    def __init__(self, template: Template, root: Path):
        self.template = template
        (root / "db").mkdir()
        (root / "cwd").mkdir()
        self.path = root / "db" / "ward.db"
        self.cwd = root / "cwd"
        _copy(template.path, self.path)
        self.digest = database_state(self.path)
        self.logins_digest = database_state(self.path, but_logins=True)

    def reset(self) -> None:
        _copy(self.template.path, self.path)

    def fill(self, text: str) -> str:
        """The template's ids in place of the tokens <record>, <obs> and <alert>."""
        t = self.template
        return (text.replace("<record>", str(t.record_id)).replace("<obs>", str(t.obs_id))
                .replace("<alert>", str(t.alert_id)))

    def run(self, *argv: str, user: str | None, now: str | None = NOW_TEXT, db: str | None = None,
            stdin: bytes = b"") -> Result:
        argv = tuple(self.fill(a) for a in argv)
        front = ["--db", str(self.path) if db is None else db]
        if now is not None:
            front += ["--now", now]
        if user is not None:
            front += ["--user", user]
        # who acts proves it first (tests.conftest.identity_passwords); then the command's own
        return run_cli([*front, *argv], identity_passwords([*front, *argv]).encode() + stdin)

    def check(self, result: Result, argv: Sequence[str], *, codes: frozenset[int],
              words: Sequence[str] = (), accepted: bool = True,
              follow: bool = True, keep: bool = False) -> None:
        """The properties of this module for one run (see the module docstring)."""
        where = (f"\n  ward-app {' '.join(repr(a) if len(a) < 200 else repr(a[:60]) + '…' for a in argv)}"
                 f"\n  exit {result.code}\n  stderr {result.err[:800]!r}")
        assert result.code != 70 and "Traceback" not in result.err, f"internal error:{where}"
        assert result.code in codes, f"exit code not in {sorted(codes)}:{where}"
        now = database_state(self.path)
        if (result.code == 1 and now != self.digest and "password is not right" in result.err
                and database_state(self.path, but_logins=True) == self.logins_digest):
            self.reset()  # a refused log-in (a --user that is no one) wrote its audit row only
            now = self.digest
        if result.code != 0 and now != self.digest:
            self.reset()  # the next example starts clean; this one fails
            raise AssertionError(f"partial write: the command failed but the database changed:{where}")
        left = sorted(p.name for p in self.cwd.iterdir()) if result.code != 0 else []
        if left:
            for p in self.cwd.iterdir():
                shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
            raise AssertionError(f"partial write: the command failed but left {left!r}:{where}")
        if result.code == 0:
            assert accepted, f"a value that should be refused was accepted:{where}"
            if now != self.digest:
                if follow:
                    after = self.run("patient", "list", "--json", user=NURSE)
                    assert after.code == 0, (f"accepted, but afterwards 'patient list' exits "
                                             f"{after.code}: {after.err[:300]!r}{where}")
                if not keep:
                    self.reset()
            return
        assert result.err.startswith("ward-app: "), f"not the one-sentence error form:{where}"
        assert len(result.err.splitlines()) == 1, f"error is not one line:{where}"
        line = result.err.rstrip("\n")
        assert not any(unicodedata.category(ch).startswith("C") for ch in line), \
            f"error shows a control or invisible character raw:{where}"
        if result.code == 2 and words:
            low = result.err.lower()
            assert any(w.lower() in low for w in words), f"message does not name {words[0]}:{where}"


@pytest.fixture
def ward(template: Template, tmp_path: Path, monkeypatch) -> Ward:
    made = Ward(template, tmp_path)
    monkeypatch.chdir(made.cwd)
    monkeypatch.delenv("WARD_APP_DEBUG", raising=False)
    return made


# -- hostile values ---------------------------------------------------------------------------------

HUGE = "x" * 10_000
HOSTILE_TEXT = (
    "", " ", "\t", HUGE, "\x00", "a\x00b", "\x1b[2J\x1b[31mred", "\x07\x08\x7f", "\r", "a\rb",
    "'; DROP TABLE patients; --", "Robert'); DROP TABLE users;--", "%s%n%x", "{0}{__class__}", "\\",
    "\u200f\u202eevil\u202c", "e\u0301\u0301\u0301", "\U0001f469\U0001f3fd\u200d\u2695\ufe0f",
    "\ufeffBOM", "a\u200bb", "\u0130\u0131", "\ufb01", "\U0001d54f", "\u0645\u0631\u062d\u0628\u0627",
    "10mg", "1e309", "NaN", "-0", "inf", "-inf", "1e-320", "0x10", "1_000", "\u0663", "\uff11\uff10",
    "0001-01-01", "9999-12-31", "1900-02-29", "2026-02-30", "2027-03-28T01:30", "2026-13-45",
    "T", "--", "-", "-1", "--help", "08:00\n", "a\nb", "ab\udcff", "\udc80",
)
#: Small pieces put around a valid value: trimming, zero-width and combining characters, quotes.
AROUND = ("", "", " ", "\t", "\x00", "\u200b", "\u0301", "\u202e", "\x1b", "'", ";", "\n", "0", "x")


def _around(valid: Sequence[str]) -> st.SearchStrategy[str]:
    return st.builds(lambda a, v, b: a + v + b, st.sampled_from(AROUND), st.sampled_from(valid),
                     st.sampled_from(AROUND))


#: Random text, and random text around a lone surrogate (what Python puts in sys.argv for a byte
#: that is not UTF-8; hypothesis leaves category Cs out unless asked).
LONE_SURROGATE = st.characters(categories=["Cs"])
RANDOM_TEXT = st.one_of(st.text(max_size=30), st.text(st.characters(max_codepoint=0x9F), max_size=8),
                        st.builds(lambda a, s, b: a + s + b, st.text(max_size=6), LONE_SURROGATE,
                                  st.text(max_size=6)))


def text_values(*valid: str) -> st.SearchStrategy[str]:
    parts = [st.sampled_from(HOSTILE_TEXT), RANDOM_TEXT]
    if valid:
        parts.append(_around(valid))
    return st.one_of(*parts)


NUMBER_WORDS = ("10mg", "1e309", "-1e309", "NaN", "nan", "-nan", "-0", "0", "inf", "-inf", "Infinity",
                "1e-320", "5e-324", "0x10", "1_000", "\u0661\u0660", "\uff11\uff10", "10,5", "10.5.1",
                "+5", ".5", "5.", "1e308", "-5", "", " ", "ten", "9" * 400, "20 ", " 20")


def number_values(*valid: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(NUMBER_WORDS), st.floats().map(repr),
                     st.integers(-10**30, 10**30).map(str), text_values(*valid))


def int_values(*valid: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(("0", "-1", "9" * 25, str(2**63), str(2**63 - 1), "1.5",
                                      "1e3", "", "0x1", "\u0663")),
                     st.integers(-2**63, 2**63 - 1).map(str), text_values(*valid))


DATE_WORDS = ("0001-01-01", "9999-12-31", "1900-02-29", "2000-02-29", "2026-02-30", "2026-13-01",
              "2026-00-10", "26-11-25", "25/11/2026", "2026-11-25T10:00", "20261125", "2026-W48-3",
              "2026-11-25 ", " 2026-11-25", "2026\u201011\u201025", "\uff12\uff10\uff12\uff16-11-25",
              "today", "2026-11-24", "2026-11-25", "2026-11-26", "2027-02-23", "2027-03-28")


def date_values() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(DATE_WORDS), st.dates().map(date.isoformat),
                     st.dates(date(2026, 9, 1), date(2027, 4, 1)).map(date.isoformat), text_values())


MOMENT_WORDS = (
    "2027-03-28T01:30", "2027-03-28T01:00", "2027-03-28T01:59:59", "2027-10-31T01:30",
    "2026-03-29T01:30", "0001-01-01T00:00", "9999-12-31T23:59", "0001-01-01T00:00+01:00",
    "9999-12-31T23:59-01:00", "2026-11-25T25:00", "2026-11-25T10:00+24:00", "2026-11-25T10:00+23:59",
    "2026-11-25T10:60", "2026-11-25T10:00:00.123456789", "2026-11-25T10:00Z", "2026-11-25t10:00",
    "2026-11-25 10:00", "10:00", "T10:00", "2026-11-25T", "1900-02-29T12:00", "2026-11-24T22:00",
    "2026-11-25T09:59", "2026-11-25T10:04", "2026-11-25T10:06", "2026-11-24T10:00",
    "2026-11-24T09:59", "2026-11-25T08:00", "2026-11-25T14:00",
)
_ZONES = st.sampled_from([None, UTC, ZoneInfo("Europe/London"), ZoneInfo("Pacific/Kiritimati"),
                          timezone(timedelta(hours=-12)), timezone(timedelta(minutes=1))])


def moment_values() -> st.SearchStrategy[str]:
    near = st.datetimes(datetime(2026, 11, 23), datetime(2026, 11, 27), timezones=_ZONES)
    return st.one_of(st.sampled_from(MOMENT_WORDS), st.datetimes(timezones=_ZONES).map(datetime.isoformat),
                     near.map(lambda d: d.isoformat(timespec="minutes")), date_values())


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def in_range(low: float, high: float) -> Callable[[str], bool]:
    def ok(text: str) -> bool:
        value = _float(text)
        return value is not None and low <= value <= high
    return ok


# -- the command-line table ------------------------------------------------------------------------

@dataclass(frozen=True)
class Opt:
    """One option of a command: the values to try and the words a bad-input message must use."""

    name: str
    values: st.SearchStrategy[str]
    words: tuple[str, ...] = ()
    accept: Callable[[str], bool] | None = None  # exit 0 only when this holds
    avoid: Callable[[str], bool] | None = None  # a known bug (see the xfail cases): not drawn

    def names(self) -> tuple[str, ...]:
        return self.words or (self.name,)



@dataclass(frozen=True)
class Cmd:
    words: tuple[str, ...]
    user: str
    base: dict[str, str]
    opts: tuple[Opt, ...]
    codes: frozenset[int] = frozenset({0, 2})
    follow: bool = True

    @property
    def id(self) -> str:
        return " ".join(self.words)

    def argv(self, opt: Opt, value: str) -> list[str]:
        given = {**self.base, opt.name: value}
        return [*self.words, *(x for k, v in given.items() for x in (k, v))]


MRN_OPT = Opt("--mrn", text_values(ORAL, PUMP, TAPERED, "rx100001"), ("mrn",),
              accept=lambda v: re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9\-/]{2,19}", v.strip()) is not None)
NOTE = ("note",)
TWO = frozenset({0, 2})
RULES = frozenset({0, 1, 2})


def mrn(*valid: str) -> Opt:
    return replace(MRN_OPT, values=text_values(*valid))


def positive(text: str) -> bool:
    value = _float(text)
    return value is not None and math.isfinite(value) and value > 0


CLI: list[Cmd] = [
    Cmd(("patient", "add"), CHARGE,
        {"--mrn": NEW_MRN, "--name": "New Person", "--dob": "1990-01-01", "--bed": "9"},
        (mrn(NEW_MRN), Opt("--name", text_values("Zoë Ní Bhriain", "O'Brien"), ("name",)),
         Opt("--dob", date_values(), ("--dob", "birth")), Opt("--bed", text_values("9", "SR 2"), ("bed",)),
         Opt("--ward", text_values("Ward 7", "ward 7"), ("ward",)),
         Opt("--weight-kg", number_values("70"), ("weight",), accept=in_range(0.5, 400)),
         Opt("--flag", text_values("fall_risk", "NPO"), ("flag",)),
         Opt("--sci-level", text_values("T4", "c5"), ("--sci-level", "injury level")))),
    Cmd(("patient", "set"), CHARGE, {"--mrn": ORAL, "--flag": "fall_risk"},
        (mrn(ORAL), Opt("--flag", text_values("fall_risk", "dementia"), ("flag",)),
         Opt("--clear-flag", text_values("npo", "fall_risk"), ("flag",)),
         Opt("--surgery-date", date_values(), ("--surgery-date",)),
         Opt("--bed", text_values("7", "2"), ("bed",)),
         Opt("--weight-kg", number_values("70"), ("weight",), accept=in_range(0.5, 400)),
         Opt("--sci-level", text_values("T4", "S5"), ("--sci-level", "injury level")),
         Opt("--delivery-date", date_values(), ("--delivery-date",)),
         Opt("--oral-form", text_values("tablet", "solution"), ("--oral-form",)))),
    Cmd(("lab", "add"), NURSE, {"--mrn": ORAL, "--egfr": "42"},
        (mrn(ORAL), Opt("--egfr", number_values("42", "0", "200"), ("egfr",), accept=in_range(0, 200)))),
    Cmd(("comed", "add"), PHARMACIST, {"--mrn": ORAL, "--drug": "Oxycodone"},
        (mrn(ORAL), Opt("--drug", text_values("Oxycodone", "Lorazepam"), ("drug", "already recorded")))),
    Cmd(("comed", "stop"), PHARMACIST, {"--mrn": ORAL, "--drug": "Lorazepam"},
        (mrn(ORAL), Opt("--drug", text_values("Lorazepam", "lorazepam"), ("drug", "co-medication")))),
    # the oral patient takes lorazepam: the prescriber acknowledges that caution (clinical-rules §9)
    Cmd(("order", "add", "--ack-warnings"), PHARMACIST,
        {"--mrn": ORAL, "--route": "oral", "--dose-mg": "10", "--freq": "TDS"},
        (mrn(ORAL), Opt("--route", text_values("oral", "enteral"), ("--route",)),
         Opt("--dose-mg", number_values("10", "25"), ("--dose-mg",), accept=positive),
         Opt("--freq", text_values("TDS", "bd", "custom"), ("--freq", "frequency", "--times")),
         Opt("--times", text_values("08:00,14:00,22:00", "8:00,14:00,22:00", "24:00"), ("--times", "time")),
         Opt("--indication", text_values("spasticity", "other"), ("--indication",)),
         Opt("--start", moment_values(), ("--start",)),
         Opt("--override-reason", text_values("Specialist advice"), ("override",))),
        RULES),  # dose.max_daily above 80 mg/day without an override reason
    Cmd(("order", "add"), PHARMACIST,
        {"--mrn": PUMP, "--route": "intrathecal", "--daily-mcg": "420", "--witness": NURSE},
        (Opt("--daily-mcg", number_values("420"), ("--daily-mcg",), accept=positive),
         Opt("--witness", text_values(NURSE, CHARGE), ("witness",)),
         Opt("--start", moment_values(), ("--start",))),
        RULES),  # witness.role
    Cmd(("order", "stop"), PHARMACIST,
        {"--mrn": ORAL, "--reason": "serious_adverse_reaction", "--prescriber": "Dr Khan"},
        (mrn(ORAL), Opt("--reason", text_values("serious_adverse_reaction", "vomiting"), ("reason",)),
         Opt("--prescriber", text_values("Dr Khan"), ("prescriber",))),
        RULES),  # order.stop_abrupt for any reason but a serious adverse reaction
    Cmd(("dose", "give"), NURSE, {"--mrn": ORAL, "--due": "08:00"},
        (mrn(ORAL), Opt("--due", st.one_of(moment_values(), text_values("08:00", "14:00", "8:00")),
                        ("due", "dose")),
         Opt("--dose-mg", number_values("10"), ("--dose-mg",), accept=lambda v: _float(v) == 10),
         Opt("--witness", text_values(CHARGE, NURSE), ("witness",)),
         Opt("--note", text_values("Taken with food"), NOTE)),
        RULES),  # dose.too_early, dose.mismatch, witness.role
    Cmd(("dose", "omit"), NURSE, {"--mrn": ORAL, "--due": "14:00", "--reason": "vomiting"},
        (mrn(ORAL), Opt("--due", st.one_of(moment_values(), text_values("14:00", "08:00")),
                        ("due", "dose")),
         Opt("--reason", text_values("vomiting", "OTHER", "refused"), ("reason", "note")),
         Opt("--note", text_values("Sick at 13:30"), NOTE))),
    Cmd(("dose", "correct"), NURSE, {"--id": "<record>", "--reason": "recorded on the wrong chart"},
        (Opt("--id", int_values("<record>"), ("--id", "record")),
         Opt("--reason", text_values("wrong chart"), ("reason",)))),
    Cmd(("obs", "add"), NURSE, {"--mrn": ORAL, "--rr": "18"},
        (mrn(ORAL), Opt("--rr", number_values("18"), ("--rr",), accept=in_range(0, 80)),
         Opt("--spo2", number_values("97"), ("--spo2",), accept=in_range(50, 100)),
         Opt("--sbp", number_values("124"), ("--sbp",), accept=in_range(40, 300)),
         Opt("--hr", number_values("78"), ("--hr",), accept=in_range(20, 250)),
         Opt("--acvpu", text_values("A", "c"), ("--acvpu",)),
         Opt("--temp", number_values("36.8"), ("--temp",), accept=in_range(30, 44)),
         Opt("--poss", text_values("S", "1", "4"), ("--poss",)),
         Opt("--rass", number_values("-1", "4"), ("--rass",), accept=in_range(-5, 4)),
         Opt("--mas", text_values("1+", "0", "4"), ("--mas",)),
         Opt("--penn", number_values("2"), ("--penn",), accept=in_range(0, 4)),
         Opt("--sign", text_values("pruritus", "SEIZURE"), ("--sign",)),
         Opt("--taken", moment_values(), ("--taken", "taken")),
         Opt("--note", text_values("Asleep"), NOTE))),
    Cmd(("obs", "correct"), NURSE, {"--id": "<obs>", "--reason": "wrong patient"},
        (Opt("--id", int_values("<obs>"), ("--id", "observation")),
         Opt("--reason", text_values("wrong patient"), ("reason",)))),
    Cmd(("pump", "set"), CHARGE, {"--mrn": PUMP, "--model": "SynchroMed II 40 mL"},
        (mrn(PUMP), Opt("--model", text_values("SynchroMed II"), ("--model",)),
         Opt("--serial", text_values("NGP123456H"), ("--serial",)),
         Opt("--reservoir-ml", number_values("20", "40"), ("--reservoir-ml",), accept=in_range(1, 100)),
         Opt("--implant-date", date_values(), ("--implant-date",)),
         Opt("--eri-date", date_values(), ("--eri-date",)),
         Opt("--end-of-service", date_values(), ("--end-of-service",)),
         Opt("--alarm-ml", number_values("2"), ("--alarm-ml",), accept=in_range(0, 10)))),
    Cmd(("pump", "refill"), NURSE,
        {"--mrn": PUMP, "--volume-ml": "20", "--conc-mcg-ml": "2000", "--daily-mcg": "400",
         "--witness": CHARGE},
        (mrn(PUMP), Opt("--volume-ml", number_values("20", "18"), ("--volume-ml", "volume")),
         Opt("--conc-mcg-ml", number_values("2000", "500"), ("--conc-mcg-ml",)),
         Opt("--daily-mcg", number_values("400"), ("--daily-mcg",)),
         Opt("--alarm-ml", number_values("2"), ("--alarm-ml", "alarm volume")),
         Opt("--witness", text_values(CHARGE, PHARMACIST), ("witness",)),
         Opt("--next-refill", date_values(), ("--next-refill",)),
         Opt("--at", moment_values(), ("--at",))),
        RULES),  # pump.dose_mismatch, witness.role
    Cmd(("pump", "alarm"), NURSE, {"--mrn": PUMP, "--kind": "low_reservoir"},
        (mrn(PUMP), Opt("--kind", text_values("low_reservoir", "critical"), ("--kind",)),
         Opt("--note", text_values("single tone"), NOTE),
         Opt("--at", moment_values(), ("--at",)))),
    Cmd(("alerts", "ack"), NURSE, {"--id": "<alert>", "--note": "seen"},
        (Opt("--id", int_values("<alert>"), ("--id", "alert")),
         Opt("--note", text_values("Dr Khan told"), NOTE))),
    Cmd(("taper", "plan"), PHARMACIST, {"--mrn": ORAL},
        (mrn(ORAL), Opt("--step-mg", number_values("5", "10"), ("step",)),
         Opt("--step-pct", number_values("10", "50"), ("--step-pct",)),
         Opt("--every-days", int_values("3", "28"), ("--every-days",)),
         Opt("--start", date_values(), ("--start",)),
         Opt("--form", text_values("tablet", "solution"), ("--form",)),
         Opt("--prescriber", text_values("Dr Khan"), ("prescriber",))),
        RULES),  # taper.too_fast
    Cmd(("taper", "apply"), PHARMACIST, {"--mrn": ORAL, "--prescriber": "Dr Khan"},
        (mrn(ORAL), Opt("--step-mg", number_values("5"), ("step",)),
         Opt("--every-days", int_values("3"), ("--every-days",)),
         Opt("--start", date_values(), ("--start",)),
         Opt("--form", text_values("solution"), ("--form",)),
         Opt("--prescriber", text_values("Dr Khan"), ("prescriber",))),
        RULES),
    Cmd(("taper", "cancel"), PHARMACIST, {"--mrn": TAPERED, "--reason": "spasms returned"},
        (mrn(TAPERED), Opt("--reason", text_values("spasms returned"), ("reason",)),
         Opt("--from", moment_values(), ("--from", "cancel from")))),
    Cmd(("audit",), ADMIN, {},
        (Opt("--mrn", text_values(ORAL), ("mrn",)),
         Opt("--by", text_values(NURSE), ("--by", "user")),
         Opt("--from", date_values(), ("--from", "start date")),
         Opt("--to", date_values(), ("--to", "end date")),
         Opt("--limit", int_values("200"), ("--limit",)))),
]
CLI_IDS = [f"{c.id}{' ' + c.base['--route'] if c.base.get('--route') == 'intrathecal' else ''}" for c in CLI]


def fuzz_command(ward: Ward, cmd: Cmd, examples: int) -> None:
    by_name = {o.name: o for o in cmd.opts}

    @fuzz(examples)
    @given(case=st.sampled_from(sorted(by_name)).flatmap(lambda n: st.tuples(st.just(n), by_name[n].values)))
    def prop(case: tuple[str, str]) -> None:
        opt, value = by_name[case[0]], case[1]
        assume(opt.avoid is None or not opt.avoid(value))
        argv = cmd.argv(opt, value)
        result = ward.run(*argv, user=cmd.user)
        ward.check(result, argv, codes=cmd.codes, words=opt.names(),
                   accepted=opt.accept is None or opt.accept(value), follow=cmd.follow)

    prop()


@pytest.mark.parametrize("cmd", CLI, ids=CLI_IDS)
def test_every_base_command_succeeds(ward, cmd):
    """The baseline each hostile value is put into: valid, and the user has the role."""
    argv = [*cmd.words, *(x for kv in cmd.base.items() for x in kv)]
    result = ward.run(*argv, user=cmd.user)
    assert result.code == 0, result.err


@pytest.mark.parametrize("cmd", CLI, ids=CLI_IDS)
def test_hostile_option_values(ward, cmd):
    """Random and hostile text in every option of every command (the module's properties)."""
    fuzz_command(ward, cmd, min(60, max(25, 6 * len(cmd.opts))))


#: Every option gets these, whatever hypothesis draws.
CORE = ("", HUGE, "\x00", "\x1b[31m\r", "'; DROP TABLE patients; --", "\u202e\U0001f600e\u0301",
        "1e309", "NaN", "2027-03-28T01:30")


@pytest.mark.parametrize("cmd", CLI, ids=CLI_IDS)
def test_core_hostile_values_in_every_option(ward, cmd):
    for opt in cmd.opts:
        for value in CORE:
            if opt.avoid is not None and opt.avoid(value):
                continue
            argv = cmd.argv(opt, value)
            result = ward.run(*argv, user=cmd.user)
            ward.check(result, argv, codes=cmd.codes, words=opt.names(),
                       accepted=opt.accept is None or opt.accept(value), follow=cmd.follow)


# -- positional arguments, stdin, global options ---------------------------------------------------

SETTING_KEYS = ("pump.refill_buffer_days", "dose.window_min", "times.TDS", "print.paper",
                "contact.whom_to_call", "pump.alarm_ml", "pump.concentrations_mcg_ml",
                "toxicity.temp_at_or_below", "session.lock_minutes", "ward.tz")


def test_settings_set(ward):
    """``settings set KEY VALUE`` (after ``--``, as a script passing any value must; a negative
    number also without it, B12). An accepted value keeps the ward working (B11: ranges by unit)."""
    keys = st.one_of(st.sampled_from(SETTING_KEYS), text_values(*SETTING_KEYS))
    values = st.one_of(number_values("10", "0"), text_values("A4", "Letter", "08:00, 14:00, 22:00",
                                                             "UTC", "Europe/London", "yes"))

    @fuzz(60)
    @given(key=keys, value=values, dashes=st.booleans())
    def prop(key: str, value: str, dashes: bool) -> None:
        plain = not dashes and not key.startswith("-") and re.fullmatch(r"-[0-9.]+", value)
        argv = ["settings", "set", key, value] if plain else ["settings", "set", "--", key, value]
        result = ward.run(*argv, user=ADMIN)
        words = ("time zone",) if key == "ward.tz" else (key, "setting")
        ward.check(result, argv, codes=TWO, words=words)

    prop()


USER_NAME = re.compile(r"[A-Za-z][A-Za-z0-9._\-]{1,31}")


def test_user_add(ward):
    names = text_values("nurse.new", "Nurse_New-2", "ab")
    passwords = st.one_of(st.none(), st.sampled_from(["", "\n", "short\n", "long enough pw\r\n",
                                                      " padded password \n", HUGE + "\n",
                                                      "\x00" * 12 + "\n"]),
                          st.text(max_size=40).map(lambda t: t + "\n"))

    @fuzz(50)
    @given(name=names.filter(lambda n: not n.startswith("-")),
           role=text_values("nurse", "charge_nurse", "admin"),
           full_name=st.one_of(st.none(), text_values("Rhian Jones, RN")), password=passwords)
    def prop(name: str, role: str, full_name: str | None, password: str | None) -> None:
        argv = ["user", "add", name, "--role", role]
        if full_name is not None:
            argv += ["--full-name", full_name]
        if password is not None:
            argv.append("--password-stdin")
        result = ward.run(*argv, user=ADMIN, stdin=(password or "").encode())
        ward.check(result, argv, codes=TWO, words=("--role", "user", "password"),
                   accepted=USER_NAME.fullmatch(name) is not None)

    prop()


READS = (("patient", "list", "--json"), ("alerts", "--json"), ("mar", "--mrn", ORAL),
         ("pump", "show", "--mrn", PUMP), ("obs", "list", "--mrn", ORAL))
WRITES = ((NURSE, ("obs", "add", "--mrn", ORAL, "--rr", "18")),
          (NURSE, ("lab", "add", "--mrn", ORAL, "--egfr", "40")), (ADMIN, ("audit", "--limit", "5")))


def test_global_now(ward):
    """``--now`` with hostile moments, on reads and writes (B2: years outside 1900-2200 are
    refused, exit 2)."""
    commands = st.one_of(st.sampled_from(READS).map(lambda c: (NURSE, c)), st.sampled_from(WRITES))

    @fuzz(60)
    @given(now=moment_values(), command=commands)
    def prop(now: str, command: tuple[str, tuple[str, ...]]) -> None:
        user, argv = command
        result = ward.run(*argv, user=user, now=now)
        ward.check(result, ["--now", now, *argv], codes=TWO, words=("--now",))

    prop()


def test_global_user(ward):
    known = {ADMIN, NURSE, CHARGE, PHARMACIST}

    @fuzz(40)
    @given(user=text_values(NURSE, "NURSE.TEST", CHARGE, ADMIN))
    def prop(user: str) -> None:
        argv = ("obs", "add", "--mrn", ORAL, "--rr", "18")
        result = ward.run(*argv, user=user)
        typed = " ".join(user.split()).lower()  # names are looked up trimmed, any case
        ward.check(result, ["--user", user, *argv], codes=RULES, words=("--user",),
                   accepted=typed in known)
        if result.code == 1:  # a real user whose role may not record observations, or no one
            assert typed in known or "password is not right" in result.err, result.err

    prop()


def test_global_db(ward):
    @fuzz(40)
    @given(db=text_values("ward.db", "../db/ward.db", ".", "..", "/", "~", "~nosuchuser/ward.db"))
    def prop(db: str) -> None:
        argv = ("patient", "list")
        result = ward.run(*argv, user=NURSE, db=db)
        if result.code == 0:  # the name reached the real ward (e.g. '../db/ward.db')
            assert (ward.cwd / db).resolve() == ward.path.resolve(), result.out
            return
        if result.code == 3:  # an existing file that is not a ward database: the contract's 3
            assert (ward.cwd / db).is_file(), result.err
            return
        ward.check(result, ["--db", db, *argv], codes=TWO, words=("--db", "database"))

    prop()


def _plain_name(text: str) -> bool:
    """A file name that stays in the scratch folder: '/' and a leading '~' would leave it."""
    return "/" not in text and not text.startswith("~")


OUTPUTS = ((CHARGE, ("handover", "--out"), ".pdf"),
           (PHARMACIST, ("taper", "plan", "--mrn", ORAL, "--pdf"), ".pdf"),
           (ADMIN, ("audit", "--csv"), ".csv"))


@pytest.mark.parametrize("user, command, suffix", OUTPUTS, ids=["handover --out", "taper plan --pdf",
                                                                 "audit --csv"])
def test_output_file_names(ward, user, command, suffix):
    """Hostile file names (unicode, control characters, SQL, leading dashes, empty, '.', '..',
    too long) for the files the commands write, in the scratch folder: written, or exit 2 naming
    the option (ward_app.cli.common.output_path) with nothing written."""

    @fuzz(25)
    @given(name=st.one_of(text_values("handover"), text_values("x").map(lambda n: n + suffix)))
    def prop(name: str) -> None:
        assume(_plain_name(name))
        argv = [*command, name]
        result = ward.run(*argv, user=user)
        ward.check(result, argv, codes=TWO, words=(command[-1],))
        if result.code == 0:
            written = ward.cwd / name
            assert written.is_file() and written.stat().st_size > 0, result.out
            written.unlink()

    prop()


# -- the bugs found here: fixed ones assert the right behaviour, open ones are strict xfails ----

def known(bug: str, reason: str, *values: Any, ids: str | None = None) -> Any:
    """A case the app still gets wrong: a strict xfail whose reason says what happens and where."""
    return pytest.param(*values, marks=pytest.mark.xfail(strict=True, reason=f"{bug}: {reason}"),
                        id=ids)


#: (command words, user, base options, option) for every free-text option; each gets '\udcff'.
SURROGATE_SITES: list[tuple[str, str, dict[str, str], str]] = [
    ("patient add", CHARGE, CLI[0].base, o)
    for o in ("--mrn", "--name", "--bed", "--ward", "--sci-level", "--flag")
] + [
    ("patient set", CHARGE, {"--mrn": ORAL, "--flag": "fall_risk"}, o)
    for o in ("--bed", "--sci-level", "--oral-form")
] + [
    ("comed add", PHARMACIST, {"--mrn": ORAL, "--drug": "Oxycodone"}, "--drug"),
    ("order add", PHARMACIST, {"--mrn": ORAL, "--route": "oral", "--dose-mg": "40", "--freq": "TDS"},
     "--override-reason"),
    ("order add", PHARMACIST, {"--mrn": PUMP, "--route": "intrathecal", "--daily-mcg": "420"}, "--witness"),
    ("order stop", PHARMACIST, {"--mrn": ORAL, "--reason": "serious_adverse_reaction"}, "--prescriber"),
    ("dose give", NURSE, {"--mrn": ORAL, "--due": "08:00"}, "--witness"),
    ("dose give", NURSE, {"--mrn": ORAL, "--due": "08:00"}, "--note"),
    ("dose omit", NURSE, {"--mrn": ORAL, "--due": "14:00", "--reason": "vomiting"}, "--note"),
    ("dose correct", NURSE, {"--id": "<record>"}, "--reason"),
    ("obs add", NURSE, {"--mrn": ORAL, "--rr": "18"}, "--note"),
    ("obs add", NURSE, {"--mrn": ORAL, "--rr": "18"}, "--sign"),
    ("obs correct", NURSE, {"--id": "<obs>"}, "--reason"),
    ("pump set", CHARGE, {"--mrn": PUMP}, "--model"),
    ("pump set", CHARGE, {"--mrn": PUMP}, "--serial"),
    ("pump refill", NURSE, {"--mrn": PUMP, "--volume-ml": "20", "--conc-mcg-ml": "2000",
                            "--daily-mcg": "400"}, "--witness"),
    ("pump alarm", NURSE, {"--mrn": PUMP, "--kind": "low_reservoir"}, "--note"),
    ("alerts ack", NURSE, {"--id": "<alert>"}, "--note"),
    ("taper apply", PHARMACIST, {"--mrn": ORAL}, "--prescriber"),
    ("taper cancel", PHARMACIST, {"--mrn": TAPERED}, "--reason"),
    ("audit", ADMIN, {}, "--mrn"),
    ("audit", ADMIN, {}, "--by"),
    ("user add new.user", ADMIN, {"--role": "nurse"}, "--full-name"),
    ("handover", CHARGE, {}, "--out"),
    ("taper plan", PHARMACIST, {"--mrn": ORAL}, "--pdf"),
    ("taper apply", PHARMACIST, {"--mrn": ORAL, "--prescriber": "Dr Khan"}, "--pdf"),
    ("audit", ADMIN, {}, "--csv"),
    ("settings set contact.whom_to_call", ADMIN, {}, "VALUE"),
    ("settings set ward.tz", ADMIN, {}, "VALUE"),
    ("global", NURSE, {}, "--user"),
]
def _surrogate_params() -> list[Any]:
    return [pytest.param(words, user, base, opt, id=f"{words} {opt}")
            for words, user, base, opt in SURROGATE_SITES]


@pytest.mark.parametrize("words, user, base, opt", _surrogate_params())
def test_lone_surrogates(ward, words, user, base, opt):
    """'\\udcff' is what Python puts in sys.argv for the byte 0xFF on a UTF-8 system: exit 2 naming
    the field (B1), nothing written."""
    value = "ab\udcff" if opt not in ("--out", "--pdf", "--csv") else f"ab\udcff.{opt[2:]}"
    named = [opt, opt.strip("-").split("-")[0], "injury level"]
    if words == "global":
        argv = ["obs", "add", "--mrn", ORAL, "--rr", "18"]
        result = ward.run(*argv, user=value)
    else:
        argv = words.split()
        if opt == "VALUE":
            key = argv[2]
            argv = ["settings", "set", "--", key, value]
            named = ["time zone"] if key == "ward.tz" else [key]
        else:
            argv += [x for kv in {**base, opt: value}.items() for x in kv]
        result = ward.run(*argv, user=user)
    ward.check(result, argv, codes=TWO, accepted=False, words=named)
    assert result.code == 2


@dataclass(frozen=True)
class Case:
    """One concrete bad input: the contract says ``codes``; ``then`` runs afterwards, all exit 0."""

    user: str
    argv: tuple[str, ...]
    codes: frozenset[int] = TWO
    words: tuple[str, ...] = ()
    now: str = NOW_TEXT
    then: tuple[tuple[str, tuple[str, ...]], ...] = ()
    accepted: bool = True
    stdin: bytes = b""


LIST = ((NURSE, ("patient", "list", "--json")),)
HANDOVER = ((CHARGE, ("handover", "--out", "after.pdf")),)
ONLY = frozenset({0})


def fixed(bug: str, case: Case, ids: str) -> Any:
    """A pinned case of a bug that is fixed: it must now behave as ``case`` says."""
    return pytest.param(case, id=f"{bug} {ids}")


FIXED_BUGS = [
    fixed("B1", Case(ADMIN, ("user", "add", "new.user", "--role", "nurse", "--password-stdin"),
                     words=("password",), stdin=b"\xff\xfe not utf-8 at all\n", accepted=False),
          ids="user add --password-stdin bytes"),
    # B2: years outside 1900-2200 are refused where they are parsed, naming the option
    fixed("B2", Case(NURSE, ("dose", "give", "--mrn", ORAL, "--due", "0001-01-01"), words=("--due",),
                     accepted=False), ids="dose give --due 0001-01-01"),
    fixed("B2", Case(NURSE, ("dose", "omit", "--mrn", ORAL, "--due", "9999-12-31", "--reason", "vomiting"),
                     words=("--due",), accepted=False), ids="dose omit --due 9999-12-31"),
    fixed("B2", Case(NURSE, ("obs", "add", "--mrn", ORAL, "--rr", "18", "--taken",
                             "0001-01-01T00:00+01:00"), words=("--taken",), accepted=False),
          ids="obs add --taken 0001-01-01T00:00+01:00"),
    fixed("B2", Case(ADMIN, ("audit", "--to", "9999-12-31"), words=("--to",), accepted=False),
          ids="audit --to 9999-12-31"),
    fixed("B2", Case(NURSE, ("alerts",), now="0001-01-01", words=("--now",), accepted=False),
          ids="--now 0001-01-01 alerts"),
    fixed("B2", Case(NURSE, ("patient", "list"), now="9999-12-31T23:59", words=("--now",), accepted=False),
          ids="--now 9999-12-31 patient list"),
    fixed("B2", Case(NURSE, ("patient", "list"), now="1899-12-31T23:59", words=("--now",), accepted=False),
          ids="--now 1899-12-31 patient list"),
    # in range, but a live ward refuses a --now ahead of the system clock (entry time, issue 14)
    fixed("B2", Case(NURSE, ("patient", "list"), now="2200-12-31T23:59", words=("--now",),
                     accepted=False), ids="--now 2200-12-31 patient list (in range, ahead)"),
    fixed("B2", Case(CHARGE, ("pump", "set", "--mrn", PUMP, "--eri-date", "9999-12-31"),
                     words=("--eri-date",), accepted=False, then=LIST), ids="pump set --eri-date 9999-12-31"),
    fixed("B2", Case(PHARMACIST, ("taper", "plan", "--mrn", ORAL, "--step-mg", "1e-10", "--form",
                                  "solution"), words=("step",), accepted=False),
          ids="taper plan --step-mg 1e-10"),
    fixed("B2", Case(PHARMACIST, ("taper", "apply", "--mrn", ORAL, "--step-mg", "0.5", "--form",
                                  "solution", "--prescriber", "Dr Khan"), words=("step",), accepted=False),
          ids="taper apply --step-mg 0.5 solution"),
    fixed("B2", Case(NURSE, ("dose", "correct", "--id", "9" * 25, "--reason", "wrong chart"),
                     words=("--id",), accepted=False), ids="dose correct --id 9e24"),
    fixed("B2", Case(NURSE, ("dose", "correct", "--id", "0", "--reason", "wrong chart"),
                     words=("--id",), accepted=False), ids="dose correct --id 0"),
    fixed("B2", Case(NURSE, ("obs", "correct", "--id", "9" * 25, "--reason", "wrong chart"),
                     words=("--id",), accepted=False), ids="obs correct --id 9e24"),
    fixed("B2", Case(NURSE, ("alerts", "ack", "--id", "9" * 25), words=("--id",), accepted=False),
          ids="alerts ack --id 9e24"),
    # B3: a dose that is not a positive number is bad input, not the rule dose.mismatch
    fixed("B3", Case(NURSE, ("dose", "give", "--mrn", ORAL, "--due", "08:00", "--dose-mg", "nan"),
                     words=("--dose-mg",), accepted=False), ids="dose give --dose-mg nan"),
    fixed("B3", Case(NURSE, ("dose", "give", "--mrn", ORAL, "--due", "08:00", "--dose-mg", "-10"),
                     words=("--dose-mg",), accepted=False), ids="dose give --dose-mg -10"),
    fixed("B3", Case(NURSE, ("dose", "give", "--mrn", ORAL, "--due", "08:00", "--dose-mg", "0"),
                     words=("--dose-mg",), accepted=False), ids="dose give --dose-mg 0"),
    fixed("B3", Case(NURSE, ("dose", "give", "--mrn", ORAL, "--due", "08:00", "--dose-mg", "inf"),
                     words=("--dose-mg",), accepted=False), ids="dose give --dose-mg inf"),
    # B4: lengths (prescriber 80, override reason 300, notes and reasons 500)
    fixed("B4", Case(PHARMACIST, ("order", "stop", "--mrn", ORAL, "--reason", "serious_adverse_reaction",
                                  "--prescriber", "Dr " + HUGE), words=("--prescriber",), accepted=False),
          ids="order stop --prescriber 10k"),
    fixed("B4", Case(PHARMACIST, ("order", "stop", "--mrn", ORAL, "--reason", "serious_adverse_reaction",
                                  "--prescriber", "D" * 81), words=("--prescriber",), accepted=False),
          ids="order stop --prescriber 81 chars"),
    fixed("B4", Case(PHARMACIST, ("order", "stop", "--mrn", ORAL, "--reason", "serious_adverse_reaction",
                                  "--prescriber", "D" * 80), codes=ONLY, then=HANDOVER),
          ids="order stop --prescriber 80 chars (accepted)"),
    fixed("B4", Case(PHARMACIST, ("order", "add", "--mrn", ORAL, "--route", "oral", "--dose-mg", "40",
                                  "--freq", "TDS", "--override-reason", "word " * 2000),
                     words=("--override-reason",), accepted=False),
          ids="order add --override-reason 10k"),
    fixed("B4", Case(NURSE, ("dose", "omit", "--mrn", ORAL, "--due", "14:00", "--reason", "other",
                             "--note", "n" * 501), words=("--note",), accepted=False),
          ids="dose omit --note 501 chars"),
    # B5, B6: output paths are checked before anything is saved
    fixed("B5", Case(PHARMACIST, ("taper", "apply", "--mrn", ORAL, "--prescriber", "Dr Khan", "--pdf",
                                  "no-such-folder/t.pdf"), words=("--pdf",), accepted=False),
          ids="taper apply --pdf missing folder"),
    fixed("B6", Case(CHARGE, ("handover", "--out", ""), words=("--out",), accepted=False),
          ids="handover --out ''"),
    fixed("B6", Case(CHARGE, ("handover", "--out", "no-such-folder/h.pdf"), words=("--out",),
                     accepted=False), ids="handover --out missing folder"),
    fixed("B6", Case(CHARGE, ("handover", "--out", "x" * 300 + ".pdf"), words=("--out",), accepted=False),
          ids="handover --out name too long"),
    fixed("B6", Case(CHARGE, ("handover", "--out", ".."), words=("--out",), accepted=False),
          ids="handover --out .."),
    fixed("B6", Case(PHARMACIST, ("taper", "plan", "--mrn", ORAL, "--pdf", ""), words=("--pdf",),
                     accepted=False), ids="taper plan --pdf ''"),
    fixed("B6", Case(PHARMACIST, ("taper", "plan", "--mrn", ORAL, "--pdf", "no-such-folder/t.pdf"),
                     words=("--pdf",), accepted=False), ids="taper plan --pdf missing folder"),
    fixed("B6", Case(ADMIN, ("audit", "--csv", ""), words=("--csv",), accepted=False), ids="audit --csv ''"),
    fixed("B6", Case(ADMIN, ("audit", "--csv", "no-such-folder/a.csv"), words=("--csv",), accepted=False),
          ids="audit --csv missing folder"),
    # B8, B13: the global --db and --user
    fixed("B8", Case(NURSE, ("--db", "", "patient", "list"), words=("--db",), accepted=False), ids="--db ''"),
    fixed("B8", Case(NURSE, ("--db", "~nosuchuser/ward.db", "patient", "list"), words=("--db",),
                     accepted=False), ids="--db ~nosuchuser"),
    fixed("B8", Case(NURSE, ("--db", "~", "patient", "list"), words=("--db",), accepted=False), ids="--db ~"),
    fixed("B8", Case(NURSE, ("--db", "..", "patient", "list"), words=("--db",), accepted=False),
          ids="--db .."),
    fixed("B8", Case(NURSE, ("--db", "x" * 300, "patient", "list"), words=("--db",), accepted=False),
          ids="--db name too long"),
    fixed("B13", Case("", ("obs", "add", "--mrn", ORAL, "--rr", "18"), words=("--user",), accepted=False),
          ids="--user ''"),
    fixed("B13", Case(" ", ("obs", "add", "--mrn", ORAL, "--rr", "18"), words=("--user",), accepted=False),
          ids="--user blank"),
    fixed("B10", Case(ADMIN, ("user", "add", "ab\n", "--role", "nurse"), words=("user name",),
                      accepted=False), ids="user add 'ab\\n'"),
    fixed("B15", Case(NURSE, ("obs", "correct", "--id", "<obs>", "--reason", "wrong " * 120),
                      words=("--reason",), accepted=False), ids="obs correct --reason 720 chars"),
    # B11: settings have ranges by unit, times.* the right number of HH:MM times
    fixed("B11", Case(ADMIN, ("settings", "set", "dose.window_min", "999999999999"),
                      words=("dose.window_min",), accepted=False), ids="settings dose.window_min huge"),
    fixed("B11", Case(ADMIN, ("settings", "set", "withdrawal.watch_hours", "999999999999"),
                      words=("withdrawal.watch_hours",), accepted=False),
          ids="settings withdrawal.watch_hours huge"),
    fixed("B11", Case(ADMIN, ("settings", "set", "pump.eri_to_end_days", "99999999"),
                      words=("pump.eri_to_end_days",), accepted=False),
          ids="settings pump.eri_to_end_days huge"),
    fixed("B11", Case(ADMIN, ("settings", "set", "--", "dose.window_min", "-5"), words=("dose.window_min",),
                      accepted=False), ids="settings dose.window_min -5"),
    fixed("B11", Case(ADMIN, ("settings", "set", "times.OD", "x"), words=("times.OD",), accepted=False),
          ids="settings times.OD x"),
    fixed("B11", Case(ADMIN, ("settings", "set", "times.TDS", "08:00"), words=("times.TDS",),
                      accepted=False), ids="settings times.TDS one time"),
    fixed("B11", Case(ADMIN, ("settings", "set", "times.TDS", "07:00, 13:00, 21:00"), codes=ONLY,
                      then=((PHARMACIST, ("order", "add", "--ack-warnings", "--mrn", ORAL, "--route",
                                          "oral", "--dose-mg", "10", "--freq", "TDS")),
                            (NURSE, ("mar", "--mrn", ORAL)),
                            (NURSE, ("alerts",)))),
          ids="settings times.TDS three times (accepted)"),
    # B12: negative values, with or without '--', where the range allows them
    fixed("B12", Case(ADMIN, ("settings", "set", "toxicity.rass_urgent", "-4"), codes=ONLY, then=LIST),
          ids="settings toxicity.rass_urgent -4"),
    fixed("B12", Case(ADMIN, ("settings", "set", "--", "toxicity.rass_emergency", "-5"), codes=ONLY,
                      then=LIST), ids="settings -- toxicity.rass_emergency -5"),
    fixed("B12", Case(ADMIN, ("settings", "set", "toxicity.rass_urgent", "-9"),
                      words=("toxicity.rass_urgent",), accepted=False),
          ids="settings toxicity.rass_urgent -9"),
]

FIXED_LATER = [
    # B4: taper plan checks --prescriber like taper apply
    fixed("B4", Case(PHARMACIST, ("taper", "plan", "--mrn", ORAL, "--prescriber", HUGE, "--pdf", "t.pdf"),
                     words=("--prescriber",), accepted=False), ids="taper plan --prescriber 10k --pdf"),
    fixed("B4", Case(PHARMACIST, ("taper", "plan", "--mrn", ORAL, "--prescriber", "D" * 81, "--pdf",
                                  "t.pdf"), words=("--prescriber",), accepted=False),
          ids="taper plan --prescriber 81 chars --pdf"),
    # B6, B8: a NUL in a path is refused by the command, not by click.Path stat-ing it first
    fixed("B6", Case(CHARGE, ("handover", "--out", "a\x00b.pdf"), words=("--out",), accepted=False),
          ids="handover --out NUL"),
    fixed("B6", Case(PHARMACIST, ("taper", "plan", "--mrn", ORAL, "--pdf", "a\x00b.pdf"), words=("--pdf",),
                     accepted=False), ids="taper plan --pdf NUL"),
    fixed("B6", Case(ADMIN, ("audit", "--csv", "a\x00b.csv"), words=("--csv",), accepted=False),
          ids="audit --csv NUL"),
    fixed("B8", Case(NURSE, ("--db", "a\x00b.db", "patient", "list"), words=("--db",), accepted=False),
          ids="--db NUL"),
    fixed("B8", Case(NURSE, ("--db", "\ud800", "patient", "list"), words=("--db",), accepted=False),
          ids="--db lone surrogate"),
    fixed("B8", Case(ADMIN, ("backup", "--to", "a\x00b"), words=("--to",), accepted=False),
          ids="backup --to NUL"),
    fixed("B8", Case(ADMIN, ("restore", "--from", "b\udcff.db", "--yes"), words=("--from",),
                     accepted=False), ids="restore --from lone surrogate"),
    # B6: the name leaves room for the '.part' file handover writes first
    fixed("B6", Case(CHARGE, ("handover", "--out", "x" * 251 + ".pdf"), words=("--out",), accepted=False),
          ids="handover --out 255-byte name"),
    # B17: '~user' that does not exist
    fixed("B17", Case(CHARGE, ("handover", "--out", "~0"), words=("--out",), accepted=False),
          ids="handover --out ~0"),
    fixed("B17", Case(PHARMACIST, ("taper", "plan", "--mrn", ORAL, "--pdf", "~nosuchuser/t.pdf"),
                      words=("--pdf",), accepted=False), ids="taper plan --pdf ~nosuchuser"),
    fixed("B17", Case(ADMIN, ("audit", "--csv", "~nosuchuser/a.csv"), words=("--csv",), accepted=False),
          ids="audit --csv ~nosuchuser"),
]


@pytest.mark.parametrize("case", FIXED_BUGS + FIXED_LATER)
def test_pinned_bad_inputs(ward, case: Case):
    argv = list(case.argv)
    if argv[0] == "--db":
        result = ward.run(*argv[2:], user=case.user, now=case.now, db=argv[1])
    else:
        result = ward.run(*argv, user=case.user, now=case.now, stdin=case.stdin)
    then = list(case.then)
    ward.check(result, argv, codes=case.codes, words=case.words,
               accepted=case.accepted, follow=not then, keep=True)
    if result.code == 0 and then:
        for user, more in then:
            after = ward.run(*more, user=user, now=case.now)
            assert after.code == 0, f"accepted, then {' '.join(more)} exits {after.code}: {after.err[:300]!r}"


@pytest.mark.parametrize("user, argv", [
    pytest.param(CHARGE, ("patient", "set", "--mrn", "a\nb", "--flag", "npo"), id="--mrn a\\nb"),
    pytest.param(NURSE, ("obs", "add", "--mrn", ORAL, "--rr", "18", "--taken", "x\ry"), id="--taken x\\ry"),
    pytest.param(ADMIN, ("audit", "--from", "25/11\n2026"), id="--from with newline"),
    pytest.param(NURSE, ("lab", "add", "--mrn", "RX1\x08\x08\x08\x07XYZ", "--egfr", "40"),
                 id="--mrn with backspaces"),
    pytest.param(ADMIN, ("user", "add", "ab\n\n", "--role", "nurse"), id="user name \\n\\n"),
    pytest.param(NURSE, ("obs", "add", "--mrn", "RX\u2028100001", "--rr", "18"), id="--mrn with U+2028"),
    pytest.param(NURSE, ("obs", "add", "--mrn", "\x1b[2JRX1", "--rr", "18"), id="--mrn with ESC"),
])
def test_error_message_is_one_clean_line(ward, user, argv):
    """B9: a message that quotes the input shows its control characters as escapes, on one line."""
    result = ward.run(*argv, user=user)
    ward.check(result, argv, codes=TWO, accepted=False)
    line = result.err.rstrip("\n")
    assert "\n" not in line and "\r" not in line, repr(result.err)
    assert not any(unicodedata.category(ch).startswith("C") for ch in line), repr(result.err)


@pytest.mark.parametrize("user, argv, field", [
    pytest.param(NURSE, ("dose", "give", "--mrn", ORAL, "--due", "08:00", "--note", "ok\x1b[2J"), "--note",
                 id="dose give --note ESC"),
    pytest.param(NURSE, ("obs", "add", "--mrn", ORAL, "--rr", "18", "--note", "a\x00b"), "--note",
                 id="obs add --note NUL"),
    pytest.param(PHARMACIST, ("order", "stop", "--mrn", ORAL, "--reason", "serious_adverse_reaction",
                              "--prescriber", "\u202eDr Khan"), "--prescriber",
                 id="order stop --prescriber RLO"),
    pytest.param(CHARGE, ("pump", "set", "--mrn", PUMP, "--model", "\x1b[31mSynchroMed"), "--model",
                 id="pump set --model ESC"),
    pytest.param(CHARGE, ("pump", "set", "--mrn", PUMP, "--serial", "NGP\x00123"), "--serial",
                 id="pump set --serial NUL"),
    pytest.param(NURSE, ("dose", "correct", "--id", "<record>", "--reason", HUGE), "--reason",
                 id="dose correct --reason 10k"),
    pytest.param(NURSE, ("alerts", "ack", "--id", "<alert>", "--note", "seen\u202e"), "--note",
                 id="alerts ack --note RLO"),
    pytest.param(PHARMACIST, ("taper", "apply", "--mrn", ORAL, "--prescriber", "Dr\x07Khan"), "--prescriber",
                 id="taper apply --prescriber BEL"),
    pytest.param(ADMIN, ("user", "add", "new.user", "--role", "nurse", "--full-name", "Rhian\x1b[8m"),
                 "--full-name", id="user add --full-name ESC"),
])
def test_free_text_refuses_control_characters_and_floods(ward, user, argv, field):
    """B14 (with B1): free text with control characters, bidi overrides or 10,000 characters is
    refused with exit 2 naming the field, and nothing is stored."""
    result = ward.run(*argv, user=user)
    ward.check(result, argv, codes=TWO, words=(field,), accepted=False)


@pytest.mark.parametrize("text", [" Taken   with\tfood ", "Zoë Ní Bhriain \u2014 ok", "e\u0301"])
def test_free_text_that_is_plain_is_stored(ward, text):
    """The other side of B14: ordinary unicode text (white space runs made single spaces) is kept."""
    argv = ("dose", "give", "--mrn", ORAL, "--due", "08:00", "--note", text)
    result = ward.run(*argv, user=NURSE)
    ward.check(result, argv, codes=TWO, follow=False, keep=True)
    assert result.code == 0, result.err
    stored = stored_text(ward.path)
    ward.reset()
    assert unicodedata.normalize("NFC", " ".join(text.split())) in stored


def stored_text(path: Path) -> str:
    """Every text value in the database, whole (iterdump's quote() stops at a NUL)."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return "\n".join(str(v) for t in tables for row in conn.execute(f'SELECT * FROM "{t}"')
                         for v in row if isinstance(v, str))
    finally:
        conn.close()


def test_dose_time_in_the_dst_gap(ward):
    """B16: a 01:30 dose falls due at 02:00 on the spring-forward day (28 Mar 2027); 'dose give
    --due 01:30' finds that dose, not the next day's."""
    order = ("order", "add", "--ack-warnings", "--mrn", ORAL, "--route", "oral", "--dose-mg", "10",
             "--times", "01:30", "--start", "2026-11-26T00:00")
    assert ward.run(*order, user=PHARMACIST).code == 0
    ward.digest = database_state(ward.path)
    argv = ["dose", "give", "--mrn", ORAL, "--due", "01:30"]
    result = ward.run(*argv, user=NURSE, now="2027-03-28T03:00")
    ward.check(result, argv, codes=TWO, follow=False, keep=True)
    assert result.code == 0, result.err
    conn = sqlite3.connect(ward.path)
    try:
        due = conn.execute("SELECT due_at FROM administrations ORDER BY id DESC LIMIT 1").fetchone()[0]
    finally:
        conn.close()
    assert due == "2027-03-28T01:00:00+00:00", due  # 02:00 BST, the gap's 01:30


@pytest.mark.parametrize("user, command, target", [
    pytest.param(CHARGE, ("handover", "--out"), "../db/ward.db", id="handover --out the database"),
    pytest.param(CHARGE, ("handover", "--out"), "<abs>", id="handover --out the database, absolute"),
    pytest.param(CHARGE, ("handover", "--out"), "../db/../db/ward.db",
                 id="handover --out the database via .."),
    pytest.param(PHARMACIST, ("taper", "plan", "--mrn", ORAL, "--pdf"), "../db/ward.db",
                 id="taper plan --pdf the database"),
    pytest.param(ADMIN, ("audit", "--csv"), "../db/ward.db", id="audit --csv the database"),
    pytest.param(CHARGE, ("handover", "--out"), "<abs>-wal", id="handover --out the -wal, absolute"),
    pytest.param(CHARGE, ("handover", "--out"), "../db/ward.db-wal", id="handover --out -wal"),
    pytest.param(CHARGE, ("handover", "--out"), "../db/ward.db-shm", id="handover --out -shm"),
    pytest.param(CHARGE, ("handover", "--out"), "../db/ward.db-journal", id="handover --out -journal"),
    pytest.param(ADMIN, ("audit", "--csv"), "../db/ward.db-wal", id="audit --csv -wal"),
])
def test_output_never_replaces_the_ward_database(ward, user, command, target):
    """B7: an output file is never the live ward database or one of its journal files."""
    target = target.replace("<abs>", str(ward.path))
    argv = [*command, target]
    result = ward.run(*argv, user=user)
    ward.check(result, argv, codes=TWO, words=(command[-1],), accepted=False)
    after = ward.run("patient", "list", user=NURSE)  # (a read: it writes its audit row)
    assert after.code == 0, f"{command[0]} exit {result.code}; then patient list: {after.err.strip()}"
    assert sorted(p.name for p in ward.path.parent.iterdir()) == ["ward.db"]


# -- form fields, on the services the windows call -------------------------------------------------

class Forms:
    """A context on a copy of the template, as a window holds one, and the form properties."""

    def __init__(self, template: Template, root: Path, user: str):
        from ward_app.services.context import open_context

        self._open_context = open_context
        self.template, self.user = template, user
        self.path = root / "forms.db"
        _copy(template.path, self.path)
        self.digest = database_state(self.path)
        self.logins_digest = database_state(self.path, but_logins=True)
        self.ctx = open_context(self.path, clock=fixed_clock, user=user)

    def reset(self) -> None:
        self.ctx.close()
        _copy(self.template.path, self.path)
        self.ctx = self._open_context(self.path, clock=fixed_clock, user=self.user)

    def close(self) -> None:
        self.ctx.close()

    def attempt(self, what: str, call: Callable[[Any], object], *, follow: bool = True) -> object:
        """Run one form submission: WardError and nothing written, or success (then undone)."""
        from ward_app.domain.errors import InvalidInput, Refused, WardError

        try:
            call(self.ctx)
        except WardError as exc:
            assert isinstance(exc, InvalidInput | Refused), f"{what}: {type(exc).__name__}: {exc}"
            assert str(exc).strip(), f"{what}: an empty message"
            now = database_state(self.path)
            if (now != self.digest and "password" in str(exc)
                    and database_state(self.path, but_logins=True) == self.logins_digest):
                self.reset()  # a wrong witness password: its failed-login audit row and count only
                return exc
            assert now == self.digest, f"partial write: {what}"
            return exc
        except Exception as exc:
            raise AssertionError(f"{what} raised {type(exc).__name__}: {exc!r}") from exc
        if database_state(self.path) != self.digest:
            if follow:
                from ward_app.services.alerts import ward_alerts
                from ward_app.services.board import ward_board

                try:
                    ward_board(self.ctx)
                    ward_alerts(self.ctx)
                except Exception as exc:
                    raise AssertionError(f"{what} was accepted, then the board raises "
                                         f"{type(exc).__name__}: {exc!r}") from exc
            self.reset()
        return None


@pytest.fixture
def forms(template, tmp_path):
    made: list[Forms] = []

    def open_as(user: str) -> Forms:
        made.append(Forms(template, tmp_path / user, user))
        return made[-1]

    for user in (NURSE, CHARGE, PHARMACIST, ADMIN):
        (tmp_path / user).mkdir()
    yield open_as
    for f in made:
        f.close()


FLOATS = st.one_of(st.none(), st.floats(), st.sampled_from([0.0, -0.0, 1e-320, 1e308, 18.0, 97.0, 36.8]))
FORM_TEXT = st.one_of(st.none(), text_values("ok"))
AWARE = st.one_of(st.none(), st.datetimes(timezones=st.sampled_from([UTC, ZoneInfo("Europe/London")])),
                  st.datetimes(datetime(2026, 11, 24, 9), datetime(2026, 11, 25, 10, 10),
                               timezones=st.just(UTC)),
                  st.sampled_from([datetime(2027, 3, 28, 1, 30, tzinfo=ZoneInfo("Europe/London")),
                                   datetime(2027, 10, 31, 1, 30, fold=1, tzinfo=ZoneInfo("Europe/London"))]))
DATES = st.one_of(st.none(), st.dates(), st.sampled_from([date.min, date.max, date(1900, 2, 28)]))


def test_observation_form(forms):
    from tests.typed import ObsText as NewObservation
    from tests.typed import add_observation

    f = forms(NURSE)

    @fuzz(60)
    @given(new=st.builds(
        NewObservation, mrn=st.one_of(st.just(ORAL), text_values(ORAL)), rr=FLOATS, spo2=FLOATS,
        on_oxygen=st.one_of(st.none(), st.booleans()), sbp=FLOATS, hr=FLOATS,
        acvpu=st.one_of(st.none(), text_values("A", "U")), temp=FLOATS,
        poss=st.one_of(st.none(), text_values("S", "4")), rass=FLOATS,
        mas=st.one_of(st.none(), text_values("1+")), penn=FLOATS,
        signs=st.lists(text_values("pruritus", "seizure"), max_size=3).map(tuple),
        signs_checked=st.booleans(), note=FORM_TEXT, taken_at=AWARE))
    def prop(new: NewObservation) -> None:
        f.attempt(f"add_observation({new!r:.300})", lambda ctx: add_observation(ctx, new))

    prop()


def test_dose_record_form(forms):

    f = forms(NURSE)
    dues = st.one_of(st.sampled_from(["2026-11-25T08:00:00+00:00", "2026-11-25T14:00:00+00:00",
                                      "2026-11-24T22:00:00+00:00"]), moment_values())

    @fuzz(50)
    @given(due=dues, give=st.booleans(), note=FORM_TEXT,
           witness=st.one_of(st.none(), st.just(CHARGE), text_values(CHARGE)),
           reason=text_values("vomiting", "other", "refused"), held=st.booleans())
    def prop(due: str, give: bool, note: str | None, witness: str | None, reason: str, held: bool) -> None:
        if give:
            f.attempt(f"give_dose({due!r}, note={note!r:.200}, witness={witness!r:.100})",
                      lambda ctx: typed.give(ctx, ORAL, due, note=note, witness=witness))
        else:
            f.attempt(f"omit_dose({due!r}, {reason!r:.100}, note={note!r:.200})",
                      lambda ctx: typed.omit(ctx, ORAL, due, reason, note=note, held=held))

    prop()


def test_pump_refill_form(forms):
    from tests.typed import RefillText as NewRefill
    from tests.typed import refill_pump

    f = forms(NURSE)

    @fuzz(50)
    @given(new=st.builds(
        NewRefill, mrn=st.just(PUMP), volume_ml=st.one_of(st.floats(), st.just(20.0)),
        conc_mcg_ml=st.one_of(st.floats(), st.sampled_from([2000.0, 50.0, 2000.0000001])),
        daily_mcg=st.one_of(st.floats(), st.just(400.0)),
        witness=st.one_of(st.none(), st.just(CHARGE), text_values(CHARGE, PHARMACIST)),
        alarm_ml=st.one_of(st.none(), st.floats()),
        witness_password=st.one_of(st.none(), st.just(PASSWORD), text_values(PASSWORD)),
        refilled_at=AWARE, next_refill=DATES, change_order=st.booleans()))
    def prop(new: NewRefill) -> None:
        f.attempt(f"refill_pump({new!r:.400})", lambda ctx: refill_pump(ctx, new))

    prop()


def test_patient_details_form(forms):

    f = forms(CHARGE)
    flags = st.lists(text_values("fall_risk", "pregnancy", "npo"), max_size=2)

    @fuzz(50)
    @given(set_flags=flags, clear_flags=flags, surgery=DATES, bed=FORM_TEXT,
           weight=st.one_of(st.none(), st.floats()), sci=st.one_of(st.none(), text_values("T4")),
           delivery=DATES, form=st.one_of(st.none(), text_values("tablet", "solution")))
    def prop(set_flags: list[str], clear_flags: list[str], surgery: date | None, bed: str | None,
             weight: float | None, sci: str | None, delivery: date | None, form: str | None) -> None:
        f.attempt(f"set_patient(flags={set_flags!r:.100}/{clear_flags!r:.100}, surgery={surgery}, "
                  f"bed={bed!r:.60}, weight={weight}, sci={sci!r:.60}, delivery={delivery}, "
                  f"form={form!r:.60})",
                  lambda ctx: typed.set_patient(ctx, ORAL, set_flags=set_flags, clear_flags=clear_flags,
                                          surgery_date=surgery, bed=bed, weight_kg=weight,
                                          sci_level=sci, delivery_date=delivery, oral_form=form))

    prop()


def test_settings_form(forms):
    """What the settings dialog does: parse_value, set_ward_timezone, set_setting. An accepted
    value keeps the ward working (B11: ranges by unit, the right number of HH:MM times)."""
    from ward_app.domain.rules import SETTINGS
    from ward_app.services import settings as svc

    f = forms(ADMIN)
    keys = st.one_of(st.sampled_from(sorted(SETTINGS)), text_values(*SETTING_KEYS))

    @fuzz(60)
    @given(key=keys, text=st.one_of(number_values("10"), text_values("A4", "08:00, 20:00")),
           tz=st.one_of(st.none(), text_values("Europe/London", "UTC", "Europe/Paris")))
    def prop(key: str, text: str, tz: str | None) -> None:
        if tz is not None:
            f.attempt(f"set_ward_timezone({tz!r:.100})", lambda ctx: svc.set_ward_timezone(ctx, tz))
        f.attempt(f"set_setting({key!r:.100}, {text!r:.100})", lambda ctx: typed.set_setting(ctx, key, text))

    prop()


def test_taper_form(forms):
    f = forms(PHARMACIST)
    steps = st.one_of(st.none(), st.floats(), st.sampled_from([5.0, 2.5, 1.0, 50.0]))

    @fuzz(50)
    @given(params=st.builds(
        typed.TaperText, mrn=st.one_of(st.just(ORAL), text_values(ORAL, TAPERED)), step_mg=steps,
        step_pct=st.one_of(st.none(), st.floats()),
        every_days=st.one_of(st.none(), st.integers(), st.integers(-3, 30)),
        start=DATES, form=st.one_of(st.none(), text_values("tablet", "solution"))),
        prescriber=text_values("Dr Khan"), apply=st.booleans())
    def prop(params: typed.TaperText, prescriber: str, apply: bool) -> None:
        assume(not (params.step_mg is not None and params.step_pct is not None))
        if apply:
            f.attempt(f"apply({params!r:.300}, {prescriber!r:.100})",
                      lambda ctx: typed.taper_apply(ctx, params, prescriber))
        else:
            f.attempt(f"preview({params!r:.300})", lambda ctx: typed.taper_preview(ctx, params))

    prop()


def _form_surrogate_calls() -> list[Any]:
    """(user, call, the field InvalidInput must name) for form fields given '\udcff'."""
    from tests.typed import ObsText as NewObservation
    from tests.typed import add_observation
    from ward_app.services import settings as svc

    bad = "ab\udcff"
    return [
        pytest.param(NURSE, lambda ctx: add_observation(ctx, NewObservation(mrn=ORAL, rr=18, note=bad)),
                     "note", id="observation note"),
        pytest.param(NURSE, lambda ctx: typed.give(ctx, ORAL, "2026-11-25T08:00:00+00:00", note=bad),
                     "note", id="give_dose note"),
        pytest.param(NURSE, lambda ctx: typed.omit(ctx, ORAL, "2026-11-25T14:00:00+00:00", "other",
                                                      note=bad), "note", id="omit_dose note"),
        pytest.param(NURSE, lambda ctx: typed.give(ctx, ORAL, "2026-11-25T08:00:00+00:00",
                                                      witness=bad), "witness", id="give_dose witness"),
        pytest.param(NURSE, lambda ctx: typed.refill_pump(ctx, typed.RefillText(
            mrn=PUMP, volume_ml=20, conc_mcg_ml=2000, daily_mcg=400, witness=bad)), "witness",
                     id="refill witness"),
        pytest.param(ADMIN, lambda ctx: typed.set_setting(ctx, "contact.whom_to_call", bad),
                     "contact.whom_to_call", id="setting text"),
        pytest.param(CHARGE, lambda ctx: typed.set_patient(ctx, ORAL, bed=bad), "bed", id="patient bed"),
        pytest.param(CHARGE, lambda ctx: typed.set_patient(ctx, ORAL, sci_level=bad), "sci-level",
                     id="patient sci level"),
        pytest.param(CHARGE, lambda ctx: typed.set_patient(ctx, ORAL, set_flags=[bad]), "flag",
                     id="patient flag"),
        pytest.param(PHARMACIST, lambda ctx: typed.taper_preview(ctx, typed.TaperText(mrn=ORAL, form=bad)),
                     "form", id="taper form"),
        pytest.param(PHARMACIST, lambda ctx: typed.taper_apply(ctx, typed.TaperText(mrn=ORAL), bad),
                     "prescriber", id="taper prescriber"),
        pytest.param(ADMIN, lambda ctx: svc.set_ward_timezone(ctx, bad), "tz", id="ward time zone"),
    ]


@pytest.mark.parametrize("user, call, field", _form_surrogate_calls())
def test_form_fields_with_lone_surrogates(forms, user, call, field):
    """B1 on the services the windows call: InvalidInput naming the field, nothing written."""
    from ward_app.domain.errors import InvalidInput

    result = forms(user).attempt("a form field holding '\\udcff'", call)
    assert isinstance(result, InvalidInput), f"not refused as bad input: {result!r}"
    assert result.field == field, f"InvalidInput names {result.field!r}, not {field!r}: {result}"
