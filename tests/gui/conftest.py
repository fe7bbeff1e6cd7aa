"""GUI test set-up: workstation settings in a temporary folder, and no real audio (the chime is
counted, not played: the audio stack logs warnings on machines without a sound device)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _workstation(tmp_path_factory, monkeypatch):
    from PySide6.QtCore import QSettings

    folder = str(tmp_path_factory.mktemp("qsettings"))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, folder)
    monkeypatch.setattr("ward_app.gui.alarm.AlertSound._emit", lambda self: None)
