"""A PDF shown inside the app (QtPdf's QPdfView), printed through the system print dialog
(QPrinter) or saved as a file. Used by the taper sheet and the handover sheet."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize, Qt
from PySide6.QtGui import QKeySequence, QPainter, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QStackedLayout,
    QWidget,
)

PRINT_DPI = 300


class PdfPreview(QWidget):
    """Shows PDF bytes; ``pdf`` keeps the bytes for printing and saving."""

    def __init__(self, parent=None, *, empty_text: str = "Nothing to show yet."):
        super().__init__(parent)
        self.pdf: bytes = b""
        self.document = QPdfDocument(self)
        self._buffer: QBuffer | None = None
        self.view = QPdfView(self)
        self.view.setObjectName("pdfView")
        self.view.setAccessibleName("Print preview")
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setDocument(self.document)
        self.empty = QLabel(empty_text, self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.stack = QStackedLayout(self)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.view)

    def set_pdf(self, data: bytes) -> None:
        self.pdf = data
        self.document.close()
        if not data:
            self.stack.setCurrentWidget(self.empty)
            return
        buffer = QBuffer(self)
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        old, self._buffer = self._buffer, buffer  # the document reads from it: keep it alive
        self.document.load(buffer)
        if old is not None:
            old.close()
            old.deleteLater()
        self.stack.setCurrentWidget(self.view)

    def page_count(self) -> int:
        return self.document.pageCount()

    def print_to(self, printer: QPrinter) -> int:
        """Render every page onto ``printer``, scaled to fit; the number of pages printed."""
        pages = self.document.pageCount()
        if pages == 0:
            return 0
        painter = QPainter()
        if not painter.begin(printer):
            raise OSError("The printer could not be started.")
        try:
            for page in range(pages):
                if page:
                    printer.newPage()
                target = printer.pageLayout().paintRectPixels(printer.resolution())
                points = self.document.pagePointSize(page)
                scale = printer.resolution() / 72
                size = QSize(int(points.width() * scale), int(points.height() * scale))
                image = self.document.render(page, size)
                fitted = size.scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
                painter.drawImage(QRect(0, 0, fitted.width(), fitted.height()), image)
        finally:
            painter.end()
        return pages

    def print_with_dialog(self, parent: QWidget | None = None) -> bool:
        """The system print dialog; True when the sheet was sent to the printer."""
        if not self.pdf:
            return False
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setResolution(PRINT_DPI)
        dialog = QPrintDialog(printer, parent or self)
        dialog.setWindowTitle("Print")
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return False
        try:
            self.print_to(printer)
        except OSError as exc:
            QMessageBox.warning(parent or self, "Not printed", str(exc))
            return False
        return True

    def save_with_dialog(self, parent: QWidget | None, suggested: str) -> Path | None:
        """Ask where to save the PDF; the path written, or None when cancelled."""
        if not self.pdf:
            return None
        name, _filter = QFileDialog.getSaveFileName(parent or self, "Save as PDF", suggested,
                                                    "PDF files (*.pdf)")
        if not name:
            return None
        path = Path(name if name.lower().endswith(".pdf") else f"{name}.pdf")
        try:
            from ward_app.services.backups import write_private

            write_private(path, self.pdf)  # 0600
        except OSError as exc:
            QMessageBox.warning(parent or self, "Not saved",
                                f"The PDF could not be saved to {path}: {exc.strerror or exc}. "
                                "Choose another folder.")
            return None
        return path


class SheetButtons:
    """The row under every sheet preview: *Print…* (also Ctrl+P), *Save as PDF…*, what the
    dialog adds (e.g. *Apply taper*) and *Close* — one way, so the sheets behave alike."""

    def __init__(self, dialog: QDialog, on_print: Callable[[], None],
                 on_save: Callable[[], None], *extra: QPushButton) -> None:
        self.print_button = QPushButton("&Print…", dialog)
        self.print_button.clicked.connect(on_print)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Print), dialog, on_print)
        self.save_button = QPushButton("Save as P&DF…", dialog)
        self.save_button.clicked.connect(on_save)
        close = QPushButton("Close", dialog)
        close.clicked.connect(dialog.reject)
        self.row = QHBoxLayout()
        self.row.addWidget(self.print_button)
        self.row.addWidget(self.save_button)
        self.row.addStretch(1)
        for button in extra:
            self.row.addWidget(button)
        self.row.addWidget(close)
