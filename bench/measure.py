"""The measurements: each returns its figure and the details behind it. Nothing here asserts."""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from bench.wardgen import ANCHOR, ANCHOR_TEXT

REPO = Path(__file__).resolve().parent.parent
NURSE, CHARGE_NURSE = "nurse.jones", "charge.silva"


def open_ward_context(path: Path, user: str, clock: Callable[[], datetime] = lambda: ANCHOR):
    """A services Context on ``path`` as ``user``, its clock at the bench moment. The integrity
    check is skipped: opening is not what these figures time (the start-up figure includes it)."""
    from ward_app.services.context import Context, resolve_actor
    from ward_app.storage.database import open_database

    db, _ = open_database(path, check_integrity=False)
    ctx = Context(db=db, path=path, clock=clock)
    ctx.actor = resolve_actor(ctx, user)
    return ctx


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def p95(samples: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def alerts_ms(path: Path, runs: int) -> tuple[float, dict]:
    """services.alerts.ward_alerts over the whole ward: median of ``runs`` after a warm-up."""
    from ward_app.services.alerts import ward_alerts

    ctx = open_ward_context(path, NURSE)
    try:
        found = ward_alerts(ctx, ANCHOR)  # warm-up: caches, first page reads
        times, cpu = [], []
        for _ in range(runs):
            t0, c0 = time.perf_counter(), time.process_time()
            ward_alerts(ctx, ANCHOR)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    finally:
        ctx.close()
    return _ms(statistics.median(times)), {
        "runs": runs, "alerts": len(found), "min_ms": _ms(min(times)), "max_ms": _ms(max(times)),
        "cpu_ms": _ms(statistics.median(cpu))}


def handover_ms(path: Path, runs: int) -> tuple[float, dict]:
    """build_handover + handover_pdf for the whole ward, as the charge nurse: median of ``runs``
    after a warm-up (fonts registered, modules loaded)."""
    from ward_app.reports.handover_sheet import handover_pdf
    from ward_app.services.handover import build_handover

    ctx = open_ward_context(path, CHARGE_NURSE)
    try:
        sheet = build_handover(ctx)
        pdf = handover_pdf(sheet)
        builds, renders, cpu = [], [], []
        for _ in range(runs):
            t0, c0 = time.perf_counter(), time.process_time()
            sheet = build_handover(ctx)
            t1 = time.perf_counter()
            pdf = handover_pdf(sheet)
            builds.append(t1 - t0)
            renders.append(time.perf_counter() - t1)
            cpu.append(time.process_time() - c0)
    finally:
        ctx.close()
    totals = [b + r for b, r in zip(builds, renders, strict=True)]
    return _ms(statistics.median(totals)), {
        "runs": runs, "patients": len(sheet.patients), "pdf_kb": len(pdf) // 1024,
        "cpu_ms": _ms(statistics.median(cpu)),
        "build_handover_ms": _ms(statistics.median(builds)),
        "handover_pdf_ms": _ms(statistics.median(renders))}


def record_dose_ms(path: Path, samples: int) -> tuple[float, dict]:
    """services.mar.give_dose, as the window calls it (patient id and due time), on a copy of a
    ward database: the next ``samples`` due oral doses after the bench moment, each given 5 min
    after it is due (the context's clock stepped to that moment). synchronous=FULL, as in the app."""
    from ward_app.services.mar import give_dose, schedule_between
    from ward_app.storage import patients as patient_repo

    moment = [ANCHOR]
    ctx = open_ward_context(path, NURSE, clock=lambda: moment[0])
    try:
        synchronous = ctx.db.execute("PRAGMA synchronous").fetchone()[0]
        doses = []
        days = 1
        while len(doses) < samples and days < 60:
            doses = sorted(
                ((d.due, p.id) for p in patient_repo.patients(ctx.db)
                 for d in schedule_between(ctx, p, ANCHOR + timedelta(minutes=1),
                                           ANCHOR + timedelta(days=days))),
                key=lambda x: x[0])
            days *= 2
        doses = doses[:samples]
        times = []
        for due, patient_id in doses:
            moment[0] = due + timedelta(minutes=5)
            t0 = time.perf_counter()
            give_dose(ctx, patient_id, due)
            times.append(time.perf_counter() - t0)
    finally:
        ctx.close()
    return _ms(p95(times)), {"samples": len(times), "median_ms": _ms(statistics.median(times)),
                             "max_ms": _ms(max(times)),
                             "synchronous": {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(
                                 synchronous, str(synchronous))}


def _start(args: list[str], pycache: Path | None) -> dict:
    """Run bench._child once; its report with ``seconds``: process start to first paint.
    With ``pycache``, bytecode is written to and read from there, as an installed app has it (even
    where PYTHONDONTWRITEBYTECODE is set, as it is in some sandboxes)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    if pycache is not None:
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    t0 = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "bench._child", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"start-up run {args[0]} failed (exit {done.returncode}): "
                           f"{(done.stderr or done.stdout).strip()[-2000:]}")
    report = json.loads(lines[-1])
    report["seconds"] = report["painted"] - t0
    report["marks"] = {k: round(v - t0, 3) for k, v in report.get("marks", {}).items()}
    return report


def startup(path: Path, reps: int, pycache: Path | None,
            log: Callable[[str], None] = print) -> tuple[float, float, dict]:
    """Start-up to a painted ward board on ``path`` against a bare window, side by side (one of
    each in turn, each in a fresh process), after one unmeasured start of each. Returns the ratio
    of the medians, the ward window's median resident memory in MB, and the details."""
    ward_args = ["ward", str(path), ANCHOR_TEXT, NURSE]
    if pycache is not None:
        _start(["imports"], pycache)  # compiled once, as at installation
    first = _start(ward_args, pycache)  # the first start of the ward day (e.g. its daily backup)
    _start(["bare"], pycache)
    bare, ward = [], []
    for i in range(reps):
        bare.append(_start(["bare"], pycache))
        ward.append(_start(ward_args, pycache))
        log(f"  start-up {i + 1}/{reps}: bare {bare[-1]['seconds']:.2f} s, "
            f"ward {ward[-1]['seconds']:.2f} s")
    bare_s = statistics.median(r["seconds"] for r in bare)
    ward_s = statistics.median(r["seconds"] for r in ward)
    rss_mb = statistics.median(r["VmRSS"] for r in ward) / 1024
    middle = sorted(ward, key=lambda r: r["seconds"])[len(ward) // 2]
    return round(ward_s / bare_s, 2), round(rss_mb, 1), {
        "reps": reps, "bare_s": round(bare_s, 3), "ward_s": round(ward_s, 3),
        "first_start_of_day_s": round(first["seconds"], 3),
        "ward_marks_s": middle["marks"],  # since process start: imported, opened, window, shown
        "bare_rss_mb": round(statistics.median(r["VmRSS"] for r in bare) / 1024, 1),
        "ward_peak_rss_mb": round(max(r["VmHWM"] for r in ward) / 1024, 1)}
