"""How severities and dose states look: always an icon and words, colour only as a third signal."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QColor, QIcon

from ward_app.domain.alerts import Severity
from ward_app.domain.mar import State
from ward_app.resources import resource_path


@cache
def icon(name: str) -> QIcon:
    """An icon from resources/icons by name (raises for an unknown name)."""
    return QIcon(str(resource_path(f"icons/{name}.svg")))


SEVERITY_TEXT = {
    Severity.INFO: "Info",
    Severity.WARNING: "Warning",
    Severity.URGENT: "URGENT",
    Severity.EMERGENCY: "EMERGENCY",
}
SEVERITY_BACKGROUND = {
    Severity.INFO: QColor("#e6f0fa"),
    Severity.WARNING: QColor("#fdf0c8"),
    Severity.URGENT: QColor("#f9d0d0"),
    Severity.EMERGENCY: QColor("#f2a5a5"),
}


def severity_icon(severity: Severity) -> QIcon:
    return icon(f"severity-{severity.label}")


#: state -> (icon name, words shown in the cell, background)
STATE_LOOK: dict[State, tuple[str, str, str]] = {
    State.DUE: ("state-due", "Due", "#ffffff"),
    State.GIVEN: ("state-given", "Given", "#dcefe3"),
    State.GIVEN_LATE: ("state-given-late", "Given late", "#e9f2d6"),
    State.HELD: ("state-not-given", "Held", "#e2e5ea"),
    State.REFUSED: ("state-not-given", "Refused", "#e2e5ea"),
    State.NOT_AVAILABLE: ("state-not-given", "Not available", "#e2e5ea"),
    State.OMITTED: ("state-not-given", "Omitted", "#e2e5ea"),
    State.LATE: ("state-late", "LATE", "#fdf0c8"),
    State.MISSED: ("state-missed", "MISSED", "#f9d0d0"),
    State.ENTERED_IN_ERROR: ("state-error", "Entered in error", "#eeeeee"),
}


def state_icon(state: State) -> QIcon:
    return icon(STATE_LOOK[state][0])


def state_text(state: State) -> str:
    return STATE_LOOK[state][1]


def state_background(state: State) -> QColor:
    return QColor(STATE_LOOK[state][2])


#: Text on the light backgrounds above: dark whatever the system palette says.
INK = QColor("#111111")


#: NEWS2 parameter score (0-3) -> background, after the RCP chart's colour bands.
SCORE_BACKGROUND = {0: "#ffffff", 1: "#fff3b0", 2: "#fdc98a", 3: "#f59a9a"}
