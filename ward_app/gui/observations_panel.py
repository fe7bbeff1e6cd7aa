"""A patient's observations: the history table (newest first, each NEWS2 score in words, number and
colour, sets entered in error struck through) and the buttons to record or correct one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo

from PySide6.QtGui import QColor

from ward_app.domain.news2 import Response
from ward_app.domain.observations import SIGN_LABELS, Sign
from ward_app.gui.looks import INK, SCORE_BACKGROUND
from ward_app.gui.rows_model import Column, RowsModel, for_all, struck_out
from ward_app.services.observations import ObservationRow

OBS_COLUMNS = ("Taken", "NEWS2", "RR", "SpO2", "Air/O2", "BP", "Pulse", "ACVPU", "Temp", "POSS",
               "MAS", "Penn", "Withdrawal signs", "By", "Note")
_BAND_LEVEL = {Response.HIGH: 3, Response.MEDIUM: 2, Response.LOW_MEDIUM: 2, Response.LOW: 1,
               Response.LOW_12H: 0}
#: column -> the NEWS2 parameter whose score colours that cell
_SCORED = {2: "rr", 3: "spo2", 4: "oxygen", 5: "sbp", 6: "hr", 7: "acvpu", 8: "temp"}


def signs_text(row: ObservationRow) -> str:
    o = row.observation
    if o.signs:
        order = list(Sign)
        return ", ".join(SIGN_LABELS[s] for s in sorted(o.signs, key=order.index))
    return "checked: none" if o.signs_checked else ""


def _show(v: object) -> str:
    return "" if v is None else str(v)


def _score_background(col: int) -> Callable[[ObservationRow], QColor | None]:
    """Column ``col`` coloured by its NEWS2 parameter's score (the NEWS2 column by the band)."""
    key = _SCORED.get(col)

    def background(r: ObservationRow) -> QColor | None:
        if r.entered_in_error:
            return None
        if r.score:
            if col == 1 and r.score.response is not None:
                return QColor(SCORE_BACKGROUND[_BAND_LEVEL[r.score.response]])
            if key is not None and key in r.score.scores:
                return QColor(SCORE_BACKGROUND[r.score.scores[key]])
        if col == 12 and r.observation.signs:
            return QColor(SCORE_BACKGROUND[3])
        return None

    return background


def _news2(r: ObservationRow) -> str:
    if r.score is None:
        return ""
    return str(r.score.total) if r.score.complete else f"≥{r.score.total} (incomplete)"


def _tooltip(r: ObservationRow) -> str | None:
    if r.entered_in_error:
        return f"Entered in error: {r.correction_reason}"
    if r.score is not None:
        parts = ", ".join(f"{k} {v}" for k, v in r.score.scores.items())
        return f"{r.score.text()} ({parts})"
    return None


def observation_columns(zone: tzinfo) -> list[Column[ObservationRow]]:
    texts: list[Callable[[ObservationRow], str]] = [
        lambda r: r.observation.taken_at.astimezone(zone).strftime("%a %d %b %H:%M") + (
            f" (entered late {r.observation.entered_at.astimezone(zone):%H:%M})"
            if r.entered_late and r.observation.entered_at else ""),
        _news2,
        lambda r: _show(r.observation.rr),
        lambda r: _show(r.observation.spo2),
        lambda r: {True: "O2", False: "Air", None: ""}[r.observation.on_oxygen],
        lambda r: _show(r.observation.sbp),
        lambda r: _show(r.observation.hr),
        lambda r: r.observation.acvpu.value if r.observation.acvpu else "",
        lambda r: f"{r.observation.temp:.1f}" if r.observation.temp is not None else "",
        lambda r: r.observation.poss.value if r.observation.poss else "",
        lambda r: _show(r.observation.mas),
        lambda r: _show(r.observation.penn),
        signs_text,
        lambda r: r.observation.by,
        lambda r: ((f"ENTERED IN ERROR: {r.correction_reason}. " if r.entered_in_error else "")
                   + (r.observation.note or "")),
    ]
    columns = [Column(title, text, background=_score_background(col) if col in (1, 12, *_SCORED)
                      else None)
               for col, (title, text) in enumerate(zip(OBS_COLUMNS, texts, strict=True))]
    return for_all(columns, font=lambda r: struck_out() if r.entered_in_error else None,
                   foreground=lambda r: QColor("#777777") if r.entered_in_error else INK,
                   tooltip=_tooltip)


class ObservationHistoryModel(RowsModel[ObservationRow]):
    """Newest first, each NEWS2 score in words, number and colour, sets entered in error struck
    through."""

    def __init__(self, zone: tzinfo, parent=None):
        super().__init__(observation_columns(zone), (), parent, key=lambda r: r.observation.id)
