"""Benchmarks for ward_app: figures with their targets, measured on a full ward with years of
history (``python -m bench [--quick] [--json]``; see docs/performance.md). They report numbers;
no test asserts on them. ``python -m bench.sync_bench`` measures the ward server sync (issue 19)
against a real PostgreSQL.

Kept light: the start-up benchmark runs ``python -m bench._child`` and must not pay for more than
this package's name.
"""

from __future__ import annotations

from typing import Any


def compute_figures(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """Every figure with its target (see bench.figures.compute_figures)."""
    from bench.figures import compute_figures as compute

    return compute(*args, **kwargs)
