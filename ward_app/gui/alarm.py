"""Making a new urgent or emergency alert impossible to miss: a banner across the top of the window
(flashing for an emergency) until the alert is acknowledged, and a chime each time a new one
appears. The chime can be muted per workstation (remembered in the workstation's settings); the
banner cannot."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QLabel, QPushButton

from ward_app.domain.alerts import Alert, Severity, alert_title
from ward_app.gui.looks import SEVERITY_TEXT
from ward_app.resources import resource_path

MUTE_KEY = "alerts/mute_sound"
FLASH_MS = 600


class AlertSound:
    """Plays the alert chime unless muted. QtMultimedia is loaded on first use only (it needs an
    audio stack; without an audio device the system bell is used instead)."""

    def __init__(self, settings: QSettings | None = None):
        self.settings = settings or QSettings()
        self.played = 0  # how many times a chime was asked for and not muted
        self._effect: Any = None  # QSoundEffect, created on first use

    @property
    def muted(self) -> bool:
        return bool(self.settings.value(MUTE_KEY, False, type=bool))

    def set_muted(self, muted: bool) -> None:
        self.settings.setValue(MUTE_KEY, muted)

    def play(self) -> None:
        if self.muted:
            return
        self.played += 1
        self._emit()

    def _emit(self) -> None:
        try:
            from PySide6.QtMultimedia import QMediaDevices, QSoundEffect
        except ImportError:  # no audio libraries on this workstation
            QApplication.beep()
            return
        if not QMediaDevices.audioOutputs():
            QApplication.beep()
            return
        if self._effect is None:
            self._effect = QSoundEffect()
            self._effect.setSource(QUrl.fromLocalFile(str(resource_path("sounds/alert.wav"))))
            self._effect.setVolume(0.9)
        self._effect.play()


class SilentSound(AlertSound):
    """Counts chimes without touching the audio stack (tests, and `--no-sound` setups)."""

    def _emit(self) -> None:
        pass


class AlarmBanner(QFrame):
    """The most severe unacknowledged urgent or emergency alert, across the window."""

    open_requested = Signal(int)  # patient id
    acknowledge_requested = Signal(str)  # alert key

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("alarmBanner")
        self.setAccessibleName("Urgent alerts not yet acknowledged")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.text = QLabel(self)
        self.text.setObjectName("alarmText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.open_button = QPushButton("Open &patient", self)
        self.open_button.clicked.connect(self._open)
        self.ack_button = QPushButton("Acknowledge…", self)
        self.ack_button.clicked.connect(self._ack)
        layout = QHBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.open_button)
        layout.addWidget(self.ack_button)
        self.current: Alert | None = None
        self.pending: list[Alert] = []
        self._bright = True
        self.flash = QTimer(self)
        self.flash.setInterval(FLASH_MS)
        self.flash.timeout.connect(self._toggle)
        self.hide()

    def show_alerts(self, alerts: list[Alert]) -> None:
        """Show the unacknowledged urgent and emergency alerts (most severe first), or hide."""
        self.pending = [a for a in alerts if a.severity >= Severity.URGENT and not a.acknowledged]
        if not self.pending:
            self.current = None
            self.flash.stop()
            self.hide()
            return
        a = self.current = self.pending[0]
        more = len(self.pending) - 1
        self.text.setText(
            f"<span style='font-size:13pt'><b>⚠ {SEVERITY_TEXT[a.severity]}</b> — bed {a.bed} "
            f"<b>{a.name}</b>: {alert_title(a.rule)}</span><br>{a.message}"
            + (f"<br><i>and {more} more urgent alert{'s' if more != 1 else ''} not yet "
               "acknowledged (Alerts panel, Ctrl+2)</i>" if more else ""))
        self.show()
        if a.severity is Severity.EMERGENCY:
            if not self.flash.isActive():
                self.flash.start()
        else:
            self.flash.stop()
            self._bright = True
        self._paint()

    def _toggle(self) -> None:
        self._bright = not self._bright
        self._paint()

    def _paint(self) -> None:
        emergency = self.current is not None and self.current.severity is Severity.EMERGENCY
        if emergency and self._bright:
            style = "background: #b71c1c; color: white;"
        elif emergency:
            style = "background: #f2a5a5; color: #111111;"
        else:
            style = "background: #f9d0d0; color: #111111;"
        self.setStyleSheet(f"#alarmBanner {{ {style} border: 2px solid #7f0000; }} "
                           f"#alarmText {{ {style} }}")

    def _open(self) -> None:
        if self.current is not None:
            self.open_requested.emit(self.current.patient_id)

    def _ack(self) -> None:
        if self.current is not None:
            self.acknowledge_requested.emit(self.current.key)


def new_alarm_keys(alerts: list[Alert], known: set[str]) -> set[str]:
    """Keys of unacknowledged urgent/emergency alerts not in ``known`` (at their severity)."""
    return {f"{a.key}@{int(a.severity)}" for a in alerts
            if a.severity >= Severity.URGENT and not a.acknowledged} - known
