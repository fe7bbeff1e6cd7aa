"""The benchmarks still run: every figure is produced on a tiny ward (4 beds, 10 days). Nothing here
looks at how long anything took (benchmarks report numbers; tests never assert on time)."""

from __future__ import annotations

import json

import pytest

import bench
from bench.figures import TARGETS, TINY, table


@pytest.mark.gui  # the start-up figure starts the window in fresh processes (offscreen)
def test_every_figure_is_produced_on_a_tiny_ward(tmp_path):
    result = bench.compute_figures(TINY, cache_dir=tmp_path, log=lambda _message: None)

    figures = {"startup_ratio", "alerts_ms_1y", "alerts_ms_5y", "handover_ms",
               "record_dose_p95_ms", "rss_mb"}
    assert figures <= set(result) and figures <= set(TARGETS)
    assert {"targets", "machine", "met"} <= set(result)
    assert set(result["met"]) == set(result["targets"]) == set(TARGETS)
    assert all(isinstance(result[key], float | int) and result[key] > 0 for key in TARGETS)
    assert {"platform", "cpu_count", "python", "qt", "sqlite"} <= set(result["machine"])
    assert result["details"]["record_dose"]["synchronous"] == "FULL"
    json.dumps(result)  # what --json prints
    assert "startup_ratio" in table(result)


def test_a_built_ward_is_reused(tmp_path):
    from bench.wardgen import ward_database

    first = ward_database(tmp_path, 2, 3, log=lambda _message: None)
    made = first.stat().st_mtime_ns
    again = ward_database(tmp_path, 2, 3, log=lambda _message: None)
    assert again == first and again.stat().st_mtime_ns == made


def test_the_sync_figures_are_produced_on_a_tiny_ward(pg_url):
    """bench/sync_bench.py against the test server: four beds, a handful of records."""
    from bench import sync_bench

    result = sync_bench.run(url=pg_url, beds=4, records=4, gap=0.02, samples=3, rounds=1,
                            log=lambda _message: None)

    assert set(result["met"]) == set(result["targets"]) == set(sync_bench.TARGETS)
    assert all(isinstance(result[key], float | int) and result[key] > 0 for key in sync_bench.TARGETS)
    d = result["details"]
    assert d["propagation"]["seen"] == 4 and d["propagation"]["not_seen"] == 0
    assert d["catch_up"]["received_by_b"] == d["catch_up"]["sent_by_a"] > 0
    assert d["catch_up"]["waiting_at_b"] == 0
    assert d["recording"]["triggers_dropped"] > 0
    json.dumps(result)  # what --json prints
    assert "propagation" in sync_bench.table(result)
