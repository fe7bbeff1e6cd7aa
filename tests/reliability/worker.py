"""A ward workstation in a child process, driven by the reliability tests.

Run as ``python -m tests.reliability.worker CONFIG.json`` (repo root on PYTHONPATH). It records
doses through the services, exactly as the window does, and appends one JSON line per event to
the report file named in the config, flushed (and fsynced once a record is committed) so that the
parent can read what happened even after it SIGKILLs this process.

Modes (``config["mode"]``):

``crash``
    Record every due dose between ``start`` and ``now`` that has no record yet (read from the
    database, so a restarted child carries on where the killed one stopped), round-robin over the
    patients, alternately given and not given. Events: ``ready``; per dose ``try`` (before the
    service call), ``begin`` (inside the service's write transaction), ``done`` (after the commit
    returned, fsynced); ``finished`` at the end.

    A child that is to be killed must never end on its own (else the kill would miss it), so the
    parent gives it ``limit``: after that many records it reports ``idle`` and waits to be killed.
    ``hold`` (``{"at": N, "where": "begin" | "commit"}``) makes it stop inside its Nth write
    transaction, right after taking the write lock or after the service wrote its rows but before
    the commit, and report ``held``: a kill there lands inside the transaction for certain.

``retry``
    Save ``jobs`` in order (observations, pump refills, pump alarms), each with the request id
    (client id) the parent gave it, as the window's forms do: a restarted child saves them all
    again with the same ids, so the ones a killed child saved are recognised, not stored twice.
    Events: ``try``, ``begin`` (a write transaction: only a save not stored yet opens one),
    ``done`` (with the stored row's id). ``hold`` as for ``crash``, plus ``"where": "committed"``:
    stop right after the Nth transaction committed, before ``done`` is reported (the case a
    retry exists for: saved, but the caller never heard so).

``jobs``
    Wait at a start barrier (files in ``barrier``), then run ``jobs`` in order, each a give or an
    omit of one due dose, reporting how each ended: ``ok``, ``invalid`` / ``refused`` /
    ``storage`` (the app's own errors), ``raw_sqlite`` (an sqlite3 error that escaped the app) or
    ``bug`` (anything else). With ``sync_each`` every job waits for the peers to reach it too.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from tests import typed
from ward_app.domain.errors import InvalidInput, Refused, WardError
from ward_app.domain.mar import effective_records
from ward_app.services import mar
from ward_app.services.context import Context, open_context
from ward_app.services.patients import list_patients
from ward_app.storage.errors import StorageProblem

OMIT_REASONS = ("refused", "asleep", "vomiting", "away")


class Report:
    """Append-only JSON lines; every line is flushed, ``sync=True`` lines are also fsynced."""

    def __init__(self, path: str, run: int = 0) -> None:
        self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
        self._run = run

    def write(self, event: str, *, sync: bool = False, **fields: Any) -> None:
        self._file.write(json.dumps({"ev": event, "run": self._run, **fields}) + "\n")
        self._file.flush()
        if sync:
            os.fsync(self._file.fileno())


def read_report(path: Path) -> list[dict[str, Any]]:
    """The events a worker wrote (a line cut short by a kill is ignored)."""
    if not path.exists():
        return []
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return events


def _context(config: dict[str, Any]) -> Context:
    moment = datetime.fromisoformat(config["now"])
    return open_context(Path(config["db"]), user=config["user"], clock=lambda: moment)


def _wait_to_be_killed(report: Report, event: str) -> None:
    """Report ``event`` and block until the parent SIGKILLs this process."""
    report.write(event, sync=True)
    while True:
        time.sleep(3600)


def _mark_transactions(ctx: Context, report: Report, hold: dict[str, Any] | None = None) -> None:
    """Report ``begin`` once the service's write transaction holds the write lock; with ``hold``,
    stop inside the Nth transaction (test hook only: the service code runs unchanged)."""
    original = ctx.write
    count = 0

    @contextlib.contextmanager
    def write(*what: Any, **kw: Any) -> Iterator[Any]:
        nonlocal count
        with original(*what, **kw) as db:
            count += 1
            held_here = hold is not None and count == hold["at"]
            report.write("begin")
            if held_here and hold["where"] == "begin":  # the lock taken, nothing written yet
                _wait_to_be_killed(report, "held")
            yield db
            if held_here and hold["where"] == "commit":  # the rows written, not yet committed
                _wait_to_be_killed(report, "held")
        if held_here and hold["where"] == "committed":  # saved; the caller not told yet
            _wait_to_be_killed(report, "held")

    ctx.write = write  # type: ignore[method-assign]


def _record(ctx: Context, job: dict[str, Any]) -> mar.Recorded:
    if job["kind"] == "give":
        return typed.give(ctx, job["mrn"], job["due"])
    return typed.omit(ctx, job["mrn"], job["due"], job["reason"])


def run_crash(config: dict[str, Any]) -> int:
    report = Report(config["report"], config.get("run", 0))
    ctx = _context(config)
    _mark_transactions(ctx, report, config.get("hold"))
    report.write("ready")
    start = datetime.fromisoformat(config["start"])
    end = ctx.now()
    queues = []
    for p_index, patient in enumerate(sorted(list_patients(ctx), key=lambda p: p.mrn)):
        doses = mar.schedule_between(ctx, patient, start, end)
        in_force, _ = effective_records(mar.records_between(ctx, patient, start, end))
        queue = []
        for d_index, dose in enumerate(doses):
            if dose.due in in_force:
                continue
            give = (p_index + d_index) % 3 != 0
            queue.append({"mrn": patient.mrn, "due": dose.due.isoformat(),
                          "kind": "give" if give else "omit",
                          "reason": OMIT_REASONS[d_index % len(OMIT_REASONS)]})
        queues.append(queue)
    jobs = [q[i] for i in range(max(map(len, queues), default=0)) for q in queues if i < len(q)]
    report.write("plan", outstanding=len(jobs))
    limit = config.get("limit")
    for job in jobs[:limit]:
        report.write("try", mrn=job["mrn"], due=job["due"])
        try:
            done = _record(ctx, job)
        except WardError as exc:  # reported, so the parent fails the test with the sentence
            report.write("error", sync=True, mrn=job["mrn"], due=job["due"],
                         type=type(exc).__name__, message=str(exc))
            continue
        report.write("done", sync=True, id=done.record_id, mrn=job["mrn"], due=job["due"],
                     outcome=done.outcome.value)
    if limit is not None:
        _wait_to_be_killed(report, "idle")
    report.write("finished", sync=True)
    ctx.close()
    return 0


def _save(ctx: Context, job: dict[str, Any]) -> int:
    """One retried-save job through the services, with its request id; the stored row's id."""
    from ward_app.domain.pump import AlarmKind
    from ward_app.services import observations, pumps
    from ward_app.services.patients import find_by_mrn
    from ward_app.services.people import find_user

    patient_id = find_by_mrn(ctx, job["mrn"]).id
    if job["kind"] == "obs":
        return observations.add_observation(ctx, observations.NewObservation(
            patient_id=patient_id, rr=job["rr"], hr=job["hr"],
            client_id=job["request_id"])).observation.id
    if job["kind"] == "refill":
        return pumps.refill_pump(ctx, pumps.NewRefill(
            patient_id=patient_id, volume_ml=job["volume_ml"], conc_mcg_ml=job["conc_mcg_ml"],
            daily_mcg=job["daily_mcg"], witness_id=find_user(ctx, job["witness"], "witness").id,
            witness_password=job["witness_password"], refilled_at=datetime.fromisoformat(job["at"]),
            client_id=job["request_id"])).refill.id
    return pumps.record_alarm(ctx, patient_id, AlarmKind(job["alarm"]), job.get("note"),
                              datetime.fromisoformat(job["at"]), client_id=job["request_id"]).id


def run_retry(config: dict[str, Any]) -> int:
    report = Report(config["report"], config.get("run", 0))
    ctx = _context(config)
    _mark_transactions(ctx, report, config.get("hold"))
    report.write("ready")
    for job in config["jobs"]:
        report.write("try", request_id=job["request_id"])
        try:
            row_id = _save(ctx, job)
        except WardError as exc:
            report.write("error", sync=True, request_id=job["request_id"],
                         type=type(exc).__name__, message=str(exc))
            continue
        report.write("done", sync=True, request_id=job["request_id"], kind=job["kind"], id=row_id)
    report.write("finished", sync=True)
    ctx.close()
    return 0


def _wait_for(paths: list[Path], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not all(p.exists() for p in paths):
        if time.monotonic() > deadline:
            raise TimeoutError(f"barrier: waited {timeout:g} s for {[str(p) for p in paths]}")
        time.sleep(0.0005)


def run_jobs(config: dict[str, Any]) -> int:
    report = Report(config["report"], config.get("run", 0))
    ctx = _context(config)
    barrier = Path(config["barrier"])
    name = config["name"]
    peers = config.get("peers", [])
    (barrier / f"{name}.ready").touch()
    _wait_for([barrier / "go"])
    report.write("started", at=time.time())
    for index, job in enumerate(config["jobs"]):
        if config.get("sync_each"):
            (barrier / f"{name}.{index}").touch()
            _wait_for([barrier / f"{peer}.{index}" for peer in peers])
        began = time.monotonic()
        result: dict[str, Any] = {}
        try:
            done = _record(ctx, job)
            result = {"result": "ok", "id": done.record_id}
        except StorageProblem as exc:
            result = {"result": "storage", "message": str(exc)}
        except InvalidInput as exc:
            result = {"result": "invalid", "field": exc.field, "message": str(exc)}
        except Refused as exc:
            result = {"result": "refused", "message": str(exc)}
        except WardError as exc:
            result = {"result": "ward_error", "type": type(exc).__name__, "message": str(exc)}
        except sqlite3.Error as exc:
            result = {"result": "raw_sqlite", "type": type(exc).__name__, "message": str(exc)}
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which fails the test
            result = {"result": "bug", "type": type(exc).__name__, "message": str(exc)}
        report.write("job", index=index, mrn=job["mrn"], due=job["due"], kind=job["kind"],
                     at=time.time(), seconds=round(time.monotonic() - began, 4), **result)
    report.write("finished", sync=True)
    ctx.close()
    return 0


# --- used by the tests (parent process) ----------------------------------------------------------

EVERY_30_MIN = ",".join(f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 30))


def populate(ctx: Context, patients: int = 6, times: str = EVERY_30_MIN) -> list[str]:
    """Admit ``patients`` (as the charge nurse) with an oral 1 mg order at ``times`` (as the
    pharmacist), starting at the context's clock; the MRNs, in order."""
    from datetime import date

    from tests.conftest import acting
    from tests.typed import OrderText as NewOrder
    from tests.typed import add_order
    from ward_app.services.patients import NewPatient, add_patient

    mrns = [f"RX{100 + i}" for i in range(patients)]
    with acting(ctx, "charge.test"):
        for i, mrn in enumerate(mrns):
            add_patient(ctx, NewPatient(mrn=mrn, name=f"Patient {i + 1}", dob=date(1960 + i, 1, 1),
                                        bed=str(i + 1)))
    with acting(ctx, "pharm.test"):
        for mrn in mrns:
            add_order(ctx, NewOrder(mrn=mrn, route="oral", dose_mg=1, times=times))
    return mrns


def child_env() -> dict[str, str]:
    """The environment for a child: the repo root on PYTHONPATH so ``tests`` and ``ward_app``
    import from this work tree."""
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    env.pop("WARD_APP_DB", None)
    env.pop("WARD_APP_USER", None)
    return env


def spawn(config: dict[str, Any], config_path: Path) -> subprocess.Popen[bytes]:
    """Start a worker process on ``config`` (written to ``config_path``)."""
    config_path.write_text(json.dumps(config), encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.worker", str(config_path)],
        cwd=Path(__file__).resolve().parents[2], env=child_env(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def ward_app_cli(*args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    """Run the real ``ward-app`` command line (``python -m ward_app``) in a child process; the
    passwords of who acts are typed on its standard input (tests.conftest.identity_passwords)."""
    from tests.conftest import identity_passwords

    return subprocess.run(
        [sys.executable, "-m", "ward_app", *args], cwd=Path(__file__).resolve().parents[2],
        env=child_env(), capture_output=True, text=True, timeout=timeout, check=False,
        input=identity_passwords(args),
    )


def without_recording_checks(patch: Callable[[object, str, object], object] = setattr) -> None:
    """Record doses without the clinical checks (see tests/reliability/conftest.py)."""
    from ward_app.domain import dose_checks

    patch(dose_checks, "check_give", lambda situation, t: [])


def main(argv: list[str]) -> int:
    without_recording_checks()
    config = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    if config["mode"] == "crash":
        return run_crash(config)
    if config["mode"] == "jobs":
        return run_jobs(config)
    if config["mode"] == "retry":
        return run_retry(config)
    raise SystemExit(f"unknown mode {config['mode']!r}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
