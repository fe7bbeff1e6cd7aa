"""Every setting is in force the moment it is saved: the services read the settings when they use
them (``Context.thresholds()``), never a copy taken at start-up; what the window keeps is taken
again by MainWindow.apply_settings (tests/gui/test_settings_take_effect_gui.py)."""

from __future__ import annotations

from typing import Any

from tests.conftest import fixed_clock
from ward_app.domain.rules import SETTINGS, Setting
from ward_app.services.context import open_context
from ward_app.services.settings import BOUNDS, set_setting


def another_value(setting: Setting) -> Any:
    """A valid value that is not the shipped default."""
    default = setting.default
    if isinstance(default, bool):
        return not default
    if setting.key.startswith("times."):
        return [f"{(int(t[:2]) + 1) % 24:02d}{t[2:]}" for t in default]
    if setting.key == "print.paper":
        return "Letter"
    if setting.key == "scan.gs_substitute":
        return "|"
    if isinstance(default, str):
        return "the ward sister, bleep 1234"
    if isinstance(default, list):
        return [*default, max(default) + 1]
    low, high = BOUNDS.get(setting.unit, (0, 10_000))
    step = 1 if isinstance(default, int) else 0.5
    return default + step if default + step <= high else default - step


def test_every_saved_setting_is_in_force_at_once_here_and_on_another_connection(ward):
    other = open_context(ward.path, clock=fixed_clock)  # another workstation, already open
    try:
        for key in sorted(SETTINGS):
            new = another_value(SETTINGS[key])
            before = other.thresholds().value(key)
            set_setting(ward, key, new)
            assert ward.thresholds().value(key) == new != before, key
            assert other.thresholds().value(key) == new, key  # no restart, no reopening
    finally:
        other.close()
