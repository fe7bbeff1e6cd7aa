"""View → Legend: what every icon and colour in the window means, in words (issue 16)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ward_app.domain.alerts import Severity
from ward_app.domain.mar import State
from ward_app.domain.rules import Thresholds
from ward_app.gui.looks import SCORE_BACKGROUND, STATE_LOOK, severity_icon, state_icon
from ward_app.gui.screen_fit import fit_to_screen

SEVERITY_MEANING = {
    Severity.INFO: "for information; nothing urgent",
    Severity.WARNING: "amber: act on it this shift",
    Severity.URGENT: "red: act now and tell the nurse in charge",
    Severity.EMERGENCY: "red, flashing banner and chime: act now, call for help",
}
def state_meaning(t: Thresholds) -> dict[State, str]:
    """What each medication-record state means, with the ward's own windows (settings)."""
    window, missed = f"{t.dose_window_min:g} min", f"{float(t.dose_missed_after_min) / 60:g} h"
    return {
        State.DUE: "due now or later: Enter records it",
        State.GIVEN: f"given on time (up to {window} after due)",
        State.GIVEN_LATE: f"given more than {window} after due",
        State.HELD: "not given: held as a clinical decision",
        State.REFUSED: "not given: the patient refused",
        State.NOT_AVAILABLE: "not given: the medicine was not available",
        State.OMITTED: "not given, for the reason shown",
        State.LATE: f"nothing recorded {window} after due",
        State.MISSED: f"nothing recorded {missed} after due, or when the next dose fell due",
        State.ENTERED_IN_ERROR: "a record marked wrong; it stays, struck through",
    }


NEWS2_MEANING = {0: "NEWS2 0", 1: "NEWS2 1–4 (low)", 2: "a 3 in one parameter, or 5–6 (medium)",
                 3: "7 or more (high)"}


def _row(parent: QWidget, picture: QWidget, words: str) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(picture)
    text = QLabel(words, parent)
    text.setWordWrap(True)
    row.addWidget(text, 1)
    return row


class LegendDialog(QDialog):
    def __init__(self, parent=None, t: Thresholds | None = None):
        super().__init__(parent)
        self.setWindowTitle("Legend — what the icons and colours mean")
        self.setAccessibleName("Legend")
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.addWidget(QLabel("<b>Alerts</b> (ward board, alerts list, banner)", body))
        for severity, meaning in SEVERITY_MEANING.items():
            pic = QLabel(body)
            pic.setPixmap(severity_icon(severity).pixmap(18, 18))
            layout.addLayout(_row(body, pic, f"<b>{severity.label.upper()}</b>: {meaning}"))
        layout.addWidget(QLabel("<b>Medication record</b> (each cell also says it in words)", body))
        for state, meaning in state_meaning(t or Thresholds()).items():
            pic = QLabel(body)
            pic.setPixmap(state_icon(state).pixmap(18, 18))
            pic.setStyleSheet(f"background: {STATE_LOOK[state][2]};")
            layout.addLayout(_row(body, pic, f"<b>{STATE_LOOK[state][1]}</b>: {meaning}"))
        flag = QLabel("⚑", body)
        layout.addLayout(_row(body, flag, "<b>⚑ flag</b>: given despite a recording check "
                                          "(early, too soon after the last dose, or during a "
                                          "sedation hold); the reason is in the tooltip"))
        layout.addWidget(QLabel("<b>NEWS2 colours</b> (board and observation form, as on the "
                                "RCP chart)", body))
        for level, meaning in NEWS2_MEANING.items():
            swatch = QLabel("    ", body)
            swatch.setStyleSheet(f"background: {SCORE_BACKGROUND[level]}; border: 1px solid #999;")
            layout.addLayout(_row(body, swatch, meaning))
        layout.addWidget(QLabel("<b>Flags</b> in bold on the board: intrathecal high-risk patient "
                                "(alerts raised one step).", body))
        layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        outer = QVBoxLayout(self)
        outer.addWidget(scroll, 1)
        outer.addWidget(buttons)
        fit_to_screen(self, 560, 620)
