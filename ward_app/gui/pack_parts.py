"""The parts a form that takes a scanned medicine pack shares (the record dialog's pack, the refill
dialog's ampoule; clinical-rules §13): the code box, the check's status line, the box for why it
was not scanned, and how a check is shown — red for a hard stop, amber for a soft one, green for
a pack that was checked."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from ward_app.domain import dose_checks
from ward_app.domain.dose_checks import Finding
from ward_app.domain.scanning import SKIP_REASONS, Pack, Product, expiry_text

HARD_STYLE = "background: #fde2e1; color: #5c0a06; padding: 6px; border: 2px solid #b3261e;"
SOFT_STYLE = "background: #fdf2d0; color: #3d2b00; padding: 6px; border: 2px solid #b7791f;"
CHECKED_STYLE = "background: #e3f4e6; color: #0b3d17; padding: 6px;"
WAITING_STYLE = "color: #3b3b3b;"


def pack_code_box(parent: QWidget, name: str, accessible: str, what: str,
                  scanned: Callable[[str], object], edited: Callable[[str], None]) -> QLineEdit:
    """The box a scan (or typing, then Enter) puts the code of ``what`` ("pack", "ampoule") in;
    Enter checks it, and typing over it drops the pack checked before (``edited``)."""
    box = QLineEdit(parent)
    box.setObjectName(name)
    box.setAccessibleName(accessible)
    box.setPlaceholderText(f"Scan the {what}'s 2D code (or type it, then Enter)")
    box.returnPressed.connect(lambda: scanned(box.text()))
    box.textEdited.connect(edited)
    return box


def pack_status_label(parent: QWidget, name: str, accessible: str) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setAccessibleName(accessible)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    return label


def skip_reason_box(parent: QWidget, accessible: str) -> QComboBox:
    """Why the pack was not scanned: nothing chosen first (scanned), then the reasons."""
    box = QComboBox(parent)
    box.setAccessibleName(accessible)
    box.addItem("(scanned — or choose why not)", None)
    for skip, label in SKIP_REASONS.items():
        box.addItem(label, skip)
    return box


def show_pack_check(label: QLabel, pack: Pack | None, product: Product | None,
                    findings: Sequence[Finding], *, waiting: str, stop: str, check: str,
                    checked: str, soft_tail: str = "") -> None:
    """``label`` says what the check of ``pack`` found: ``waiting`` with no pack; else the pack
    (product, batch, expiry) with ✖ ``stop`` and the hard stops, ⚠ ``check`` and the soft ones
    (then ``soft_tail``), or ✔ ``checked`` — each HTML, the findings' words escaped here."""
    if pack is None:
        label.setText(waiting)
        label.setStyleSheet(WAITING_STYLE)
        return
    what = html.escape(product.product) if product is not None else f"GTIN {pack.gtin}"
    line = ", ".join([what, *([f"batch {html.escape(pack.batch)}"] if pack.batch else []),
                      f"expires {expiry_text(pack.expiry)}"])
    hard = dose_checks.hard(findings)
    if hard:
        text = f"✖ <b>{stop}</b> ({line}): " + " ".join(html.escape(f.message) for f in hard)
        style = HARD_STYLE
    elif findings:
        text = f"⚠ <b>{check}</b> ({line}): " + " ".join(
            html.escape(f.message) for f in findings) + soft_tail
        style = SOFT_STYLE
    else:
        text = checked.format(line=line)
        style = CHECKED_STYLE
    label.setText(text)
    label.setStyleSheet(style)


__all__ = ["pack_code_box", "pack_status_label", "show_pack_check", "skip_reason_box"]
