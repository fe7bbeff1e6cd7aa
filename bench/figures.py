"""The figures, their targets and the machine they were measured on."""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import measure
from bench.wardgen import (
    ANCHOR_TEXT,
    TZ,
    copy_database,
    default_cache_dir,
    history_counts,
    ward_database,
)


@dataclass(frozen=True)
class Plan:
    """What to build and how many times to measure."""

    beds: int = 40
    short_days: int = 365  # the "1y" database
    long_days: int = 5 * 365  # the "5y" database
    startup_reps: int = 7
    alert_runs: int = 21
    handover_runs: int = 5
    dose_samples: int = 200
    bytecode: bool = True  # start-ups with compiled bytecode (kept in the cache), as installed


FULL = Plan()
QUICK = Plan(startup_reps=3, alert_runs=7, handover_runs=2)
#: For the smoke test: seconds, not minutes; the figures mean nothing.
TINY = Plan(beds=4, short_days=5, long_days=10, startup_reps=1, alert_runs=1, handover_runs=1,
            dose_samples=5, bytecode=False)

#: Upper bounds: a figure meets its target when it is at or below it.
TARGETS: dict[str, float] = {
    "startup_ratio": 1.5,  # issue 9
    "alerts_ms_1y": 50.0,
    "alerts_ms_5y": 50.0,
    "alerts_ratio_5y_1y": 1.5,
    "handover_ms": 1000.0,
    "record_dose_p95_ms": 30.0,
    "rss_mb": 300.0,
}
UNITS = {"startup_ratio": "x bare window", "alerts_ms_1y": "ms", "alerts_ms_5y": "ms",
         "alerts_ratio_5y_1y": "x", "handover_ms": "ms", "record_dose_p95_ms": "ms",
         "rss_mb": "MB"}


def machine() -> dict[str, object]:
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info
                        if line.startswith("model name")), cpu)
    except OSError:
        pass
    memory_gb = None
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            kb = next(int(line.split()[1]) for line in info if line.startswith("MemTotal:"))
            memory_gb = round(kb / 1024 / 1024, 1)
    except (OSError, StopIteration):
        pass
    return {"platform": platform.platform(), "cpu": cpu, "cpu_count": os.cpu_count(),
            "memory_gb": memory_gb, "python": platform.python_version(),
            "pyside6": pyside_version, "qt": qVersion(), "sqlite": sqlite3.sqlite_version}


def compute_figures(plan: Plan = FULL, cache_dir: Path | None = None,
                    log: Callable[[str], None] = print) -> dict[str, object]:
    """Build (or reuse) the ward databases, measure every figure, and say which targets are met.
    The keys of the result: every TARGETS key, plus "targets", "met", "machine", "details"."""
    started = time.perf_counter()
    load_before = os.getloadavg()
    cache = cache_dir or default_cache_dir()
    short = ward_database(cache, plan.beds, plan.short_days, log=log)
    long = ward_database(cache, plan.beds, plan.long_days, extend_from=plan.short_days, log=log)
    details: dict[str, object] = {
        "plan": asdict(plan), "now": f"{ANCHOR_TEXT} {TZ}",
        "databases": {"1y": {"days": plan.short_days, "mb": _mb(short), **history_counts(short)},
                      "5y": {"days": plan.long_days, "mb": _mb(long), **history_counts(long)}}}
    figures: dict[str, float] = {}

    log("alerts...")
    figures["alerts_ms_1y"], details["alerts_1y"] = measure.alerts_ms(short, plan.alert_runs)
    figures["alerts_ms_5y"], details["alerts_5y"] = measure.alerts_ms(long, plan.alert_runs)
    figures["alerts_ratio_5y_1y"] = round(figures["alerts_ms_5y"] / figures["alerts_ms_1y"], 2)
    log("handover...")
    figures["handover_ms"], details["handover"] = measure.handover_ms(long, plan.handover_runs)

    # Start-up and recording write to the database (the daily backup, doses): on a copy.
    scratch = Path(tempfile.mkdtemp(prefix="scratch-", dir=cache))
    try:
        work = copy_database(long, scratch / "ward.db")
        log("start-up and memory (fresh processes, offscreen)...")
        figures["startup_ratio"], figures["rss_mb"], details["startup"] = measure.startup(
            work, plan.startup_reps, cache / "pycache" if plan.bytecode else None, log=log)
        log("recording doses...")
        figures["record_dose_p95_ms"], details["record_dose"] = measure.record_dose_ms(
            work, plan.dose_samples)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    details["seconds"] = round(time.perf_counter() - started, 1)
    # other work on the machine moves every figure: the 1-minute load average before and after
    details["load_average"] = [round(load_before[0], 2), round(os.getloadavg()[0], 2)]
    return {**{key: figures[key] for key in TARGETS}, "targets": dict(TARGETS),
            "met": {key: figures[key] <= target for key, target in TARGETS.items()},
            "machine": machine(), "details": details}


def _mb(path: Path) -> float:
    return round(path.stat().st_size / 1e6, 1)


def table(result: dict) -> str:
    """The figures as a readable table, with the machine under it."""
    rows = [("figure", "value", "target", "met")]
    for key, target in TARGETS.items():
        rows.append((key, f"{result[key]:g} {UNITS[key]}", f"<= {target:g}",
                     "yes" if result["met"][key] else "NO"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    d = result["details"]
    s = d["startup"]
    lines += [
        "",
        f"start-up: ward {s['ward_s']} s, bare {s['bare_s']} s (median of {s['reps']}); first "
        f"start of the ward day {s['first_start_of_day_s']} s; ward marks since process start "
        f"{s['ward_marks_s']}",
        f"handover: build {d['handover']['build_handover_ms']} ms + PDF "
        f"{d['handover']['handover_pdf_ms']} ms, {d['handover']['patients']} patients, "
        f"{d['handover']['pdf_kb']} kB; CPU time {d['handover']['cpu_ms']} ms",
        f"record dose: median {d['record_dose']['median_ms']} ms, max {d['record_dose']['max_ms']} "
        f"ms over {d['record_dose']['samples']} (synchronous={d['record_dose']['synchronous']})",
        f"alerts: {d['alerts_5y']['alerts']} active at {d['now']} (1y and 5y: the same recent weeks); "
        f"CPU time {d['alerts_1y']['cpu_ms']} / {d['alerts_5y']['cpu_ms']} ms",
    ]
    for label, db in d["databases"].items():
        lines.append(f"{label} database: {db['mb']} MB, {db['patients']} patients, "
                     f"{db['administrations']} doses, {db['observations']} observations, "
                     f"{db['pump_refills']} refills, {db['audit']} audit rows")
    m = result["machine"]
    lines.append(f"machine: {m['platform']}; {m['cpu']} x{m['cpu_count']}; {m['memory_gb']} GB; "
                 f"Python {m['python']}, PySide6 {m['pyside6']} (Qt {m['qt']}), "
                 f"SQLite {m['sqlite']}")
    lines.append(f"took {d['seconds']} s; load average (1 min) before {d['load_average'][0]}, after "
                 f"{d['load_average'][1]}")
    return "\n".join(lines)
