"""The layer rules of docs/architecture.md, enforced: only gui/ imports Qt; domain/ is pure."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("lint-imports") is None and not (
    Path(sys.executable).parent / "lint-imports").exists(), reason="import-linter not installed")
def test_import_linter_contracts_hold():
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 7 kept, 0 broken" in result.stdout


def test_everything_but_the_gui_works_where_pyside6_cannot_be_imported():
    """Import every non-GUI module and run the CLI with PySide6 made unimportable."""
    script = textwrap.dedent(
        """
        import importlib, pkgutil, sys

        class NoQt:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {"PySide6", "shiboken6", "pyqtgraph"}:
                    raise ImportError(f"{name} is not importable in this job")
                return None

        sys.meta_path.insert(0, NoQt())
        import ward_app
        for info in pkgutil.walk_packages(ward_app.__path__, "ward_app."):
            if info.name.startswith("ward_app.gui") or info.name == "ward_app.__main__":
                continue
            importlib.import_module(info.name)
        from ward_app.cli import main
        main(["--db", sys.argv[1], "demo", "--patients", "3", "--days", "2"])
        """
    )
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run([sys.executable, "-c", script, str(Path(tmp) / "w.db")],
                                capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "Demo ward: 3 patients" in result.stdout
    assert not any(m.startswith("PySide6") for m in result.stderr.split())


@pytest.mark.skipif(shutil.which("ruff") is None and not (
    Path(sys.executable).parent / "ruff").exists(), reason="ruff not installed")
def test_ruff_lint_is_clean():
    exe = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    targets = [d for d in ("ward_app", "tests", "bench") if (ROOT / d).is_dir()]
    result = subprocess.run([exe, "check", "--no-cache", *targets], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean():
    pytest.importorskip("mypy")
    result = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", os.devnull, "ward_app"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
