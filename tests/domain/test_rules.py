"""The settings in force are a typed, frozen value: one attribute per stored setting key."""

from __future__ import annotations

import dataclasses

import pytest

from ward_app.domain.rules import SETTINGS, Thresholds, attribute


def test_one_typed_attribute_per_setting_with_its_shipped_default():
    t = Thresholds.defaults()
    assert {f.name for f in dataclasses.fields(t)} == {attribute(k) for k in SETTINGS}
    for key, setting in SETTINGS.items():
        assert t.value(key) == setting.default, key
    assert t.dose_window_min == 30 and t.times_for("TDS") == ("08:00", "14:00", "22:00")


def test_overrides_by_stored_key_make_a_new_value_and_ignore_unknown_keys():
    t = Thresholds.defaults()
    changed = t.with_overrides({"dose.window_min": 45, "pump.concentrations_mcg_ml": [500, 2000],
                                "no.such_setting": 1})
    assert changed.dose_window_min == 45 and changed.pump_concentrations_mcg_ml == (500, 2000)
    assert changed.value("pump.concentrations_mcg_ml") == [500, 2000]
    assert t.dose_window_min == 30  # the defaults are untouched
    with pytest.raises(dataclasses.FrozenInstanceError):
        changed.dose_window_min = 10  # type: ignore[misc]
    with pytest.raises(KeyError):
        t.value("no.such_setting")
