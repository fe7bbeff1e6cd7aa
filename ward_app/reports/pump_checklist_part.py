"""The pump failure checklist in a patient's handover block (clinical-rules §6): each step done with
who and when, each step not done in bold red words ('NOT DONE'), so it reads without colour."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph

TITLE = "Pump failure checklist"
_RED, _HEAD = "#B42318", "#2D4A66"


def checklist_flowables(lines: Sequence[str], style: ParagraphStyle) -> list[Flowable]:
    """The checklist's lines under a heading, in ``style`` (the block's item style); [] when the
    patient has no checklist open."""
    if not lines:
        return []
    shown = [f"<font color='{_RED}'><b>{escape(line)}</b></font>" if line.startswith("☐")
             else escape(line) for line in lines]
    return [Paragraph(f"<font color='{_HEAD}'><b>{TITLE}</b></font> (no dose is suggested: the "
                      "prescriber orders it)<br/>" + "<br/>".join(shown), style)]
