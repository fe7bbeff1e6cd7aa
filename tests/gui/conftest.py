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


@pytest.fixture
def window_options() -> dict:
    """Keyword arguments for the ``window`` fixture's MainWindow (a test module overrides it)."""
    return {}


@pytest.fixture
def window(qtbot, demo_ward, window_options):
    """The main window on the demo ward, shown and exposed."""
    from ward_app.gui.main_window import MainWindow

    w = MainWindow(demo_ward, **window_options)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture(autouse=True)
def _pack_scan_skipped(request, monkeypatch):
    """Tests written before scanning record doses and refills as they did: the record and refill
    dialogs open with a skip reason chosen (scanner not at the bedside). Tests of scanning itself
    are marked ``scanning`` and get the dialogs as a nurse does: nothing scanned, no reason."""
    if request.node.get_closest_marker("scanning"):
        return
    from ward_app.gui import pump_dialogs, record_dialog

    for cls in (record_dialog.RecordDoseDialog, pump_dialogs.RefillDialog):
        original = cls.__init__

        def init(self, *args, _original=original, **kwargs):
            _original(self, *args, **kwargs)
            self.skip_scan.setCurrentIndex(self.skip_scan.findData("scanner_unavailable"))

        monkeypatch.setattr(cls, "__init__", init)
