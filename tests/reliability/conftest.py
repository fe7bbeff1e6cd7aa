"""The reliability tests drive the storage path hard: dozens of doses every 30 min, recorded in
bulk long after they were due, by several processes at once. The clinical checks made when a dose
is recorded (clinical-rules §9: catching up, minimum interval...) would refuse most of those on
purpose; they are tested in tests/domain/test_dose_checks.py and through the service, the command
line and the window. Here they are switched off, in this process and in every worker child."""

from __future__ import annotations

import pytest

from tests.reliability.worker import without_recording_checks


@pytest.fixture(autouse=True)
def _no_recording_checks(monkeypatch):
    without_recording_checks(monkeypatch.setattr)
