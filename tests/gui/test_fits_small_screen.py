"""Every window and dialog fits a 1280×800 screen: its buttons and the status bar are on the
screen, not under its edge (issue 16: Save, Print and Apply were off-screen). Run in a process
of its own, on an offscreen screen of that size."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import NOW

SCREEN = {"screens": [{"name": "ward", "x": 0, "y": 0, "width": 1280, "height": 800,
                       "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}


def test_every_dialog_keeps_its_buttons_on_a_1280x800_screen(tmp_path: Path,
                                                              _demo_template: Path) -> None:
    db = tmp_path / "ward.db"
    shutil.copyfile(_demo_template, db)
    config = tmp_path / "screen.json"
    config.write_text(json.dumps(SCREEN), encoding="utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}",
               WARD_APP_DATA=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    done = subprocess.run([sys.executable, "-m", "tests.gui.fit_probe", str(db), NOW.isoformat()],
                          capture_output=True, text=True, env=env, timeout=300,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["screen"] == [1280, 800]
    assert len(result["outside"]) >= 24  # every window was opened
    off = {name: found for name, found in result["outside"].items() if found}
    assert not off, f"off a 1280×800 screen: {off}"
