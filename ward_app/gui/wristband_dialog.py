"""The patient's wristband label (the chart's *Wristband…*): the MRN as a Code 128 and a QR code
a USB scanner reads back, shown, printed and saved like every sheet. Making it is audited as a
printed sheet (services/wristbands.py)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QLabel, QMessageBox, QVBoxLayout, QWidget

from ward_app.domain.errors import WardError
from ward_app.domain.patient import Patient
from ward_app.gui.pdf_preview import PdfPreview, SheetButtons
from ward_app.gui.screen_fit import fit_to_screen
from ward_app.services import wristbands
from ward_app.services.context import Context


class WristbandDialog(QDialog):
    def __init__(self, ctx: Context, patient: Patient, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.patient = patient
        self.setWindowTitle(f"Wristband — {patient.name}")
        self.setAccessibleName("Wristband label")
        self.setObjectName("wristbandDialog")
        self.pdf = PdfPreview(self, empty_text="The label could not be made.")
        buttons = SheetButtons(self, self.print_pdf, self.save_pdf)
        self.print_button, self.save_button = buttons.print_button, buttons.save_button
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(
            f"<b>Bed {patient.bed} · {patient.name}</b> (MRN {patient.mrn}): the wristband label "
            "(280 × 25 mm). Print it at actual size on the ward's wristband printer; scan the "
            "printed band once to check that it opens this chart.", self))
        layout.addWidget(self.pdf, 1)
        layout.addLayout(buttons.row)
        fit_to_screen(self, 1000, 360)
        self.problem: str | None = None
        try:
            self.pdf.set_pdf(wristbands.wristband_label(ctx, patient.mrn))
        except WardError as exc:
            self.problem = str(exc)
            self.pdf.empty.setText(f"⚠ {exc}")
        self.print_button.setEnabled(bool(self.pdf.pdf))
        self.save_button.setEnabled(bool(self.pdf.pdf))

    def print_pdf(self) -> None:
        self.pdf.print_with_dialog(self)

    def save_pdf(self) -> None:
        saved = self.pdf.save_with_dialog(self, f"wristband-{self.patient.mrn}.pdf")
        if saved is not None:
            QMessageBox.information(self, "Saved", f"The wristband label was saved to {saved}.")
