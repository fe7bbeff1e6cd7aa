"""The ward's medicine pack table (File → Medicine packs…): what each scanned GTIN is — product,
ingredient, form and strength — kept by the pharmacy in the window. Everyone who reads the ward
sees it; a pharmacist adds a pack (scan it, or type the digits under its barcode), changes one or
takes it out of use (never deleted: a dose record's GTIN always stays readable). The demo ward's
made-up GTINs are marked demo. Every change is audited (services/scanning.py)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from ward_app.domain.errors import InvalidInput, WardError
from ward_app.domain.roles import Action
from ward_app.domain.scanning import Form, Pack, Product
from ward_app.gui.form_parts import clear_marks, problem_label, show_error
from ward_app.gui.ops import Ops, runner
from ward_app.gui.rows_model import Column, RowsModel
from ward_app.gui.tables import table_view
from ward_app.services import scanning
from ward_app.services.context import Context

FORM_WORDS = {Form.TABLET: "tablets (mg per tablet)", Form.ORAL_LIQUID: "oral liquid (mg/mL)",
              Form.INTRATHECAL: "intrathecal ampoule (mcg/mL)"}


def pack_columns() -> list[Column[Product]]:
    return [
        Column("GTIN", lambda p: p.gtin),
        Column("Product", lambda p: p.product),
        Column("Ingredient", lambda p: p.ingredient),
        Column("Form", lambda p: p.form.label),
        Column("Strength", lambda p: p.strength_text),
        Column("In use", lambda p: "yes" if p.active else "no (taken out of use)"),
        Column("Demo", lambda p: "demo (made up)" if p.demo else "",
               tooltip=lambda p: "A made-up GTIN of the demo ward: never on a real pack."
               if p.demo else None),
    ]


class MedicinePacksDialog(QDialog):
    def __init__(self, ctx: Context, parent=None, *, ops: Ops | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ops = runner(ctx, ops, self)
        self.setWindowTitle("Medicine packs")
        self.setAccessibleName("Medicine packs")
        self.setObjectName("medicinePacksDialog")
        may = ctx.can(Action.PACKS)
        note = QLabel(
            "What each scanned pack is. A GTIN not in this table is a soft stop when a dose is "
            "recorded (the nurse checks the pack by eye and gives a reason). "
            + ("Scan a pack (or type the digits under its barcode) to add it or change it; a pack "
               "no longer stocked is taken out of use, never deleted." if may else
               (ctx.why_not(Action.PACKS) or "")), self)
        note.setWordWrap(True)
        self.model: RowsModel[Product] = RowsModel(pack_columns(), [], self, key=lambda p: p.gtin)
        self.table = table_view(self, self.model, name="packsTable",
                                accessible_name="Medicine packs")
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._pick())

        editing = QGroupBox("Add or change a pack", self)
        self.gtin = QLineEdit(editing)
        self.gtin.setObjectName("packGtin")
        self.gtin.setAccessibleName("GTIN")
        self.gtin.setPlaceholderText("Scan the pack, or type the 8–14 digits under the barcode")
        self.product = QLineEdit(editing)
        self.product.setAccessibleName("Product")
        self.product.setPlaceholderText("as on the pack, e.g. Baclofen 10 mg tablets (84)")
        self.ingredient = QLineEdit("baclofen", editing)
        self.ingredient.setAccessibleName("Ingredient")
        self.form = QComboBox(editing)
        self.form.setAccessibleName("Form")
        for form, words in FORM_WORDS.items():
            self.form.addItem(words, form.value)
        self.strength = QDoubleSpinBox(editing)
        self.strength.setAccessibleName("Strength")
        self.strength.setDecimals(2)
        self.strength.setRange(0, 100_000)
        self.strength.setValue(10)
        self.active = QCheckBox("In &use (untick to take it out of use)", editing)
        self.active.setChecked(True)
        self.save_button = QPushButton("&Save pack", editing)
        self.save_button.clicked.connect(self.save)
        rows = QFormLayout(editing)
        rows.addRow("&GTIN:", self.gtin)
        rows.addRow("&Product:", self.product)
        rows.addRow("&Ingredient:", self.ingredient)
        rows.addRow("&Form:", self.form)
        rows.addRow("S&trength:", self.strength)
        rows.addRow("", self.active)
        rows.addRow("", self.save_button)
        self.form.currentIndexChanged.connect(self._unit)
        self._unit()
        editing.setEnabled(may)
        self.editing = editing

        self.error = problem_label(self, "packsError")
        self.status = QLabel(self)
        self.status.setObjectName("packsStatus")
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addWidget(editing)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.fields = {"gtin": self.gtin, "product": self.product, "ingredient": self.ingredient,
                       "form": self.form, "strength": self.strength}
        self.resize(960, 620)
        self.load()

    def _unit(self) -> None:
        self.strength.setSuffix(" " + Form(self.form.currentData()).unit)

    def load(self, select: str | None = None) -> None:
        try:
            rows = scanning.packs(self.ctx)
        except WardError as exc:
            show_error(self.error, exc, {})
            return
        self.model.set_rows(rows)
        self.table.resizeColumnsToContents()
        gtins = [p.gtin for p in rows]
        if select in gtins:
            self.table.selectRow(gtins.index(select))

    def _pick(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self.fill(self.model.row_at(index.row()))

    def fill(self, p: Product) -> None:
        self.gtin.setText(p.gtin)
        self.product.setText(p.product)
        self.ingredient.setText(p.ingredient)
        self.form.setCurrentIndex(self.form.findData(p.form.value))
        self.strength.setValue(p.strength)
        self.active.setChecked(p.active)

    def handle_scan(self, text: str) -> bool:
        """A pack scanned while the table is open: its GTIN goes in the box, and a pack already
        in the table is shown to change."""
        if not self.editing.isEnabled():
            return False
        try:
            pack = scanning.pack_for_text(self.ctx, text)
        except InvalidInput as exc:
            show_error(self.error, exc, {"scan": self.gtin})
            return True
        self.error.hide()
        self._scanned(pack)
        return True

    def _scanned(self, pack: Pack) -> None:
        known = next((p for p in self.model.rows if p.gtin == pack.gtin), None)
        if known is not None:
            self.load(known.gtin)
            self.fill(known)
            self.status.setText(f"Scanned: {known.product} is in the table; change it below.")
        else:
            self.gtin.setText(pack.gtin)
            self.product.clear()
            self.strength.setValue(0)  # never the last pack's strength by accident: say it
            self.active.setChecked(True)
            self.status.setText(f"Scanned GTIN {pack.gtin}: not in the table yet; say what it "
                                "is and save.")
            self.product.setFocus()

    def save(self) -> None:
        gtin, form = self.gtin.text(), str(self.form.currentData())
        try:
            saved = self.ops.run(lambda: scanning.save_pack(
                self.ctx, gtin=gtin, product=self.product.text(),
                ingredient=self.ingredient.text(), form=form, strength=self.strength.value(),
                active=self.active.isChecked()))
        except WardError as exc:
            self.status.clear()
            show_error(self.error, exc, self.fields)
            return
        self.error.hide()
        clear_marks(self.fields)
        self.status.setText(f"Saved: {saved.gtin} {saved.product}, {saved.strength_text}"
                            + ("" if saved.active else " (out of use)") + ".")
        self.load(saved.gtin)
