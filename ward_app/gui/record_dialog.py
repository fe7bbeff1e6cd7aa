"""Recording a due dose (given / not given with reason) and marking a record entered in error.

Keyboard only: Alt+G given, Alt+N not given, Tab through reason, note and witness, Enter records.
The recording checks (clinical-rules §9) are shown before anything is saved, the safe choice
first. A refusal is shown in the dialog; nothing typed is lost (passwords are cleared).
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
)

from ward_app.domain import dose_checks
from ward_app.domain.dose_checks import Finding, Safe, Stop
from ward_app.domain.errors import InvalidInput, Refused, WardError
from ward_app.domain.mar import REASON_LABELS, Reason
from ward_app.domain.patient import Patient
from ward_app.domain.roles import Action, can
from ward_app.domain.scanning import GS, Pack, Product, Unknown, Wristband, how_much
from ward_app.gui.form_parts import accept_cancel, clear_marks, problem_label, show_error, show_problem
from ward_app.gui.form_state import set_widget_values, widget_values
from ward_app.gui.ops import Ops, runner
from ward_app.gui.pack_parts import (
    CHECKED_STYLE,
    HARD_STYLE,
    pack_code_box,
    pack_status_label,
    show_pack_check,
    skip_reason_box,
)
from ward_app.gui.pump_dialogs import WITNESS_PASSWORD, about_witness_password
from ward_app.gui.scanner import SHOWN_GS
from ward_app.services import mar as mar_svc
from ward_app.services import people, scanning
from ward_app.services.context import Context
from ward_app.services.mar import MarEntry, Recorded


def _witness_box(ctx: Context, parent, name: str, none_text: str, users) -> QComboBox:
    """Another active user who may witness (never the one recording)."""
    box = QComboBox(parent)
    box.setAccessibleName(name)
    box.addItem(none_text, None)
    actor = ctx.actor
    for user in users:
        if user.active and (actor is None or user.id != actor.id) and can(user.role, Action.WITNESS):
            box.addItem(user.full_name or user.name, user.id)
    return box


def _password_box(parent, name: str, object_name: str) -> QLineEdit:
    box = QLineEdit(parent)
    box.setEchoMode(QLineEdit.EchoMode.Password)
    box.setAccessibleName(name)
    box.setObjectName(object_name)
    box.setPlaceholderText("They type their own password")
    return box


#: The note a safe choice starts with, by the check that offers it (the nurse can change it).
SAFE_NOTES = {
    "dose.sedation_hold": "Held: over-sedated (see the recording check)",
    "dose.sedation_stop": "Held: somnolent (see the recording check); medical team called",
    "dose.catch_up": "Not given: missed, and the next dose is too close to catch up (no doubling "
                     "up); next dose on time",
    "dose.daily_total": "Not given: it would exceed the order's daily total; prescriber asked to "
                        "review",
}


class RecordDoseDialog(QDialog):
    """Given now / not given, after the recording checks (clinical-rules §9): the finding is shown
    before anything is saved, the safe choice comes first, a hard stop disables 'Given now', and a
    soft stop recorded anyway needs a reason (and a second nurse's password where asked)."""

    def __init__(self, ctx: Context, patient: Patient, entry: MarEntry, parent=None, *,
                 ops: Ops | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.ops = runner(ctx, ops, self)
        self.patient = patient
        self.entry = entry
        self.result_record: Recorded | None = None
        due = entry.due.astimezone(ctx.zone).strftime("%a %d %b %H:%M")
        self.setWindowTitle(f"Record dose — {patient.name}")
        self.setAccessibleName("Record dose")

        heading = QLabel(f"<b>Bed {patient.bed} · {patient.name}</b> (MRN {patient.mrn})<br>"
                         f"Baclofen {entry.dose_mg:g} mg due {due}", self)
        heading.setTextFormat(Qt.TextFormat.RichText)

        self.findings: list[Finding] = self._check()
        self.finding = QLabel(self)
        self.finding.setObjectName("recordFinding")
        self.finding.setAccessibleName("Recording check")
        self.finding.setWordWrap(True)
        self.finding.setTextFormat(Qt.TextFormat.RichText)
        self.finding.setStyleSheet("background: #fdf2d0; color: #3d2b00; padding: 6px; "
                                   "border: 2px solid #b7791f;")
        self.finding.setText(self._finding_text())
        self.finding.setVisible(bool(self.findings))

        self.given = QRadioButton("&Given now", self)
        self.not_given = QRadioButton("&Not given", self)
        group = QButtonGroup(self)
        group.addButton(self.given)
        group.addButton(self.not_given)

        self.reason = QComboBox(self)
        self.reason.setAccessibleName("Reason not given")
        for code, label in REASON_LABELS.items():
            self.reason.addItem(label, code.value)
        self.held = QCheckBox("&Held as a clinical decision (e.g. too drowsy)", self)
        self.bridging = QLabel(self)
        self.bridging.setObjectName("bridgingPrompt")
        self.bridging.setWordWrap(True)
        self.bridging.setAccessibleName("Bridging prompt")
        self.note = QLineEdit(self)
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("Anything the next nurse should know")
        users = people.users(ctx.db)
        self.witness = _witness_box(ctx, self, "Witness", "(no witness)", users)
        self.password = _password_box(self, "Witness password", "witnessPassword")
        self.password.setPlaceholderText("The witness types their own password")
        self.override_reason = QLineEdit(self)
        self.override_reason.setObjectName("overrideReason")
        self.override_reason.setAccessibleName("Reason for giving despite the check")
        self.override_reason.setPlaceholderText("Why it is given anyway (recorded and flagged)")
        self.second = _witness_box(ctx, self, "Second nurse confirming",
                                   "(choose the second nurse)", users)
        self.second.setObjectName("overrideWitness")
        self.second_password = _password_box(self, "Second nurse's password",
                                             "overrideWitnessPassword")

        # the medicine pack (clinical-rules §13): scanned and checked, or why it was not
        self.pack: Pack | None = None
        self.pack_findings: list[Finding] = []
        self.wrong_patient: str | None = None  # a wristband scanned here that is not this patient
        self.pack_code = pack_code_box(self, "packCode", "Medicine pack code", "pack",
                                       self.handle_scan, self._pack_edited)
        self.pack_status = pack_status_label(self, "packStatus", "Medicine pack check")
        self.skip_scan = skip_reason_box(self, "Why the pack was not scanned")
        self.skip_scan.setObjectName("skipScan")
        self.patient_check = QLabel(self)
        self.patient_check.setObjectName("wristbandCheck")
        self.patient_check.setAccessibleName("Wristband check")
        self.patient_check.setWordWrap(True)
        self.patient_check.setTextFormat(Qt.TextFormat.RichText)
        self.patient_check.setVisible(False)

        self.error = problem_label(self, "recordError")

        form = QFormLayout()
        form.addRow(self.given)
        form.addRow(self.not_given)
        form.addRow("Medicine pac&k:", self.pack_code)
        form.addRow(self.pack_status)
        form.addRow("Not scanned &because:", self.skip_scan)
        form.addRow("Rea&son:", self.reason)
        form.addRow(self.held)
        form.addRow(self.bridging)
        form.addRow("N&ote:", self.note)
        form.addRow("&Witness:", self.witness)
        form.addRow("Witness &password:", self.password)
        form.addRow("Why give an&yway:", self.override_reason)
        form.addRow("Second n&urse:", self.second)
        form.addRow("Second nurse's passwor&d:", self.second_password)
        self.form = form

        self.buttons, self.record_button = accept_cancel(self, "&Record", self.submit)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.patient_check)
        layout.addWidget(self.finding)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._offer_safe_choice()
        self.given.toggled.connect(self._sync)
        self.witness.currentIndexChanged.connect(self._sync)
        self.reason.currentIndexChanged.connect(self._sync)
        self.skip_scan.currentIndexChanged.connect(self._sync)
        self._show_pack()
        self._sync()

    # -- the medicine pack and the wristband (clinical-rules §13) -------------------------------

    def handle_scan(self, text: str) -> bool:
        """A code scanned while this dialog is open (or typed into the pack box): a medicine pack
        is checked against this dose; a wristband is checked against this patient."""
        try:
            text = text.replace(SHOWN_GS, GS)
            code = scanning.read_scan(self.ctx, text) if text.strip() else None
        except WardError as exc:
            show_error(self.error, exc, {"scan": self.pack_code})
            return True
        if code is None:
            return True
        if not isinstance(code.code, Unknown):
            self.error.hide()  # an earlier unreadable scan's problem no longer applies
            clear_marks({"scan": self.pack_code})
        if isinstance(code.code, Wristband):
            self._check_wristband(code)
        elif isinstance(code.code, Pack):
            self.pack = code.code
            self.pack_code.setText(text.replace(GS, SHOWN_GS))
            self.pack_findings = self._check_pack(code.code)
            self.skip_scan.setCurrentIndex(0)
            self._show_pack(code.product)
        else:
            self.pack = None
            self.pack_findings = []
            self.pack_code.setText(text.replace(GS, SHOWN_GS))  # what was read, to compare
            self._show_pack()
            show_problem(self.error, str(code.problem))
        self._sync()
        return True

    def _pack_edited(self, _text: str) -> None:
        """Typed over or cleared: the box no longer shows the pack checked, so none is kept
        (Enter checks what is typed now)."""
        if self.pack is not None:
            self.pack, self.pack_findings = None, []
            self._show_pack()
            self._sync()

    def _check_wristband(self, found: scanning.ScanResult) -> None:
        mrn = found.code.mrn  # type: ignore[union-attr]
        if mrn == self.patient.mrn:
            self.wrong_patient = None
            self.patient_check.setText(f"✔ Wristband scanned: MRN {mrn}, "
                                       f"{html.escape(self.patient.name)} — the right patient.")
            self.patient_check.setStyleSheet(CHECKED_STYLE)
        else:
            who = found.patient.name if found.patient is not None else "no patient on this ward"
            self.wrong_patient = mrn
            self.patient_check.setText(
                f"✖ <b>Wrong patient</b>: the wristband scanned is MRN {html.escape(mrn)} "
                f"({html.escape(who)}), not {html.escape(self.patient.name)} (MRN "
                f"{html.escape(self.patient.mrn)}). Stop: check who you are giving to.")
            self.patient_check.setStyleSheet(HARD_STYLE)
        self.patient_check.setVisible(True)

    def _check_pack(self, pack: Pack) -> list[Finding]:
        try:
            return [f for f in mar_svc.check_dose(self.ctx, self.patient.id, self.entry.due,
                                                  pack=pack) if f.rule.startswith("pack.")]
        except WardError as exc:  # never a green tick for a check that did not run
            return [Finding("pack.unchecked", Stop.HARD, f"The pack could not be checked: {exc} "
                            "Scan it again.")]

    def _show_pack(self, product: Product | None = None) -> None:
        amount = how_much(product, self.entry.dose_mg) if product is not None else ""
        show_pack_check(
            self.pack_status, self.pack, product, self.pack_findings,
            waiting="Scan the medicine pack before giving, or choose why it was not scanned.",
            stop="Do not give from this pack", check="Check the pack",
            checked="✔ Pack checked: {line}" + (f" — give <b>{amount}</b>" if amount else "") + ".")

    # -- put away and opened again (gui/form_state.py) ------------------------------------------

    form_kind = "dose"

    def _state_widgets(self) -> dict:
        return {"given": self.given, "not_given": self.not_given, "reason": self.reason,
                "held": self.held, "note": self.note, "witness": self.witness,
                "override_reason": self.override_reason, "second": self.second,
                "skip_scan": self.skip_scan}

    def form_state(self) -> dict:
        """The choices and words as typed, and which dose (``due``, UTC); never a password."""
        return {"fields": widget_values(self._state_widgets()), "due": self.entry.due.isoformat()}

    def restore_state(self, state: dict) -> None:
        """Typed back in; the recording checks stay as they are now (worked out on opening)."""
        set_widget_values(self._state_widgets(), dict(state.get("fields", {})))
        self._sync()

    def _check(self) -> list[Finding]:
        """The recording checks for this dose now (none when they cannot be worked out: saving
        makes them again and refuses with the reason)."""
        try:
            return mar_svc.check_dose(self.ctx, self.patient.id, self.entry.due)
        except WardError:
            return []

    def _finding_text(self) -> str:
        parts = []
        shown = dose_checks.hard(self.findings) or self.findings  # a hard stop says it all
        for f in shown:
            kind = ("<b>Cannot be recorded as given</b>" if f.hard else
                    "<b>Check before giving</b>" + (" (a second nurse confirms)"
                                                    if f.second_user else ""))
            parts.append(f"⚠ {kind}: {html.escape(f.message)}")
        return "<br>".join(parts)

    def _offer_safe_choice(self) -> None:
        """The safe choice first: 'Not given' (held, or omitted) when a check offers it or when
        giving is not allowed; otherwise 'Given now'."""
        hard = dose_checks.hard(self.findings)
        blocked = bool(hard)
        safe = dose_checks.safe_choice(hard or self.findings)
        self.given.setEnabled(not blocked)
        if blocked:
            self.given.setText("&Given now — not allowed (see above)")
        self._safe_note = ""
        if safe in (Safe.HOLD, Safe.OMIT):
            self.not_given.setChecked(True)
            self.held.setChecked(safe is Safe.HOLD)
            self.reason.setCurrentIndex(self.reason.findData(Reason.OTHER.value))
            offering = next(f for f in (hard or self.findings) if f.safe is safe)
            self._safe_note = SAFE_NOTES.get(offering.rule, "Not given: see the recording check")
            self.note.setText(self._safe_note)
        elif blocked:  # e.g. not due yet: nothing to record now, so Enter cancels
            self.not_given.setChecked(True)
            self.record_button.setDefault(False)
            self.record_button.setAutoDefault(False)
            cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
            cancel.setDefault(True)
        else:
            self.given.setChecked(True)

    @property
    def soft_findings(self) -> list[Finding]:
        return dose_checks.soft(self.findings + self.pack_findings)

    def _sync(self) -> None:
        giving = self.given.isChecked()
        if giving and self._safe_note and self.note.text() == self._safe_note:
            self.note.clear()  # the safe choice's note does not belong on a dose given
            self._safe_note = ""
        self.reason.setEnabled(not giving)
        self.held.setEnabled(not giving)
        for widget in (self.pack_code, self.pack_status, self.skip_scan):
            widget.setVisible(giving)
            label = self.form.labelForField(widget)
            if label is not None:
                label.setVisible(giving)
        self.skip_scan.setEnabled(self.pack is None)
        blocked = self.wrong_patient is not None or (
            giving and bool(dose_checks.hard(self.pack_findings)))
        self.record_button.setEnabled(not blocked)
        self.password.setEnabled(giving and self.witness.currentData() is not None)
        anyway = giving and bool(self.soft_findings)
        second = anyway and any(f.second_user for f in self.soft_findings)
        for widget, shown in ((self.override_reason, anyway), (self.second, second),
                              (self.second_password, second)):
            widget.setVisible(shown)
            label = self.form.labelForField(widget)
            if label is not None:
                label.setVisible(shown)
        self.record_button.setText("Record &anyway" if anyway else "&Record")
        nil_by_mouth = not giving and self.reason.currentData() == Reason.NIL_BY_MOUTH.value
        text = self._bridging_text() if nil_by_mouth else ""
        self.bridging.setText(text)
        self.bridging.setVisible(bool(text))
        self._fit()

        #: which widget shows each field a refusal can name
        self.fields = {"scan": self.pack_code, "skip-scan": self.skip_scan,
                       "note": self.note, "reason": self.override_reason if giving else self.reason,
                       "witness": self.witness, WITNESS_PASSWORD: self.password,
                       "override-witness": self.second,
                       "override-witness-password": self.second_password}

    def _bridging_text(self) -> str:
        try:
            return mar_svc.bridging_for(self.ctx, self.patient.id, self.entry.due)
        except WardError:
            return ""

    def _fit(self) -> None:
        """Rows shown or hidden, or a problem line: grow (or shrink) to fit them, never squeeze."""
        layout = self.layout()
        if layout is not None:
            layout.activate()
            self.resize(self.width(), max(self.sizeHint().height(), self.minimumSizeHint().height()))

    def show_problem(self, message: str) -> None:
        show_problem(self.error, message)

    def _override(self) -> mar_svc.Override | None:
        if not self.soft_findings:
            return None
        second = self.second.currentData() if any(f.second_user for f in self.soft_findings) \
            else None
        if second is not None and not self.second_password.text():
            raise InvalidInput("override-witness-password", "The second nurse types their own "
                               "password.")
        return mar_svc.Override(reason=self.override_reason.text().strip() or None,
                                witness_id=second,
                                witness_password=self.second_password.text() if second else None)

    def submit(self) -> None:
        due = self.entry.due
        note = self.note.text().strip() or None
        try:
            if self.given.isChecked():
                witness_id = self.witness.currentData()
                password = self.password.text() if witness_id is not None else None
                if witness_id is not None and not password:
                    raise InvalidInput(WITNESS_PASSWORD, "The witness types their own password "
                                       "(or choose no witness).")
                pack, skipped = self.pack, self.skip_scan.currentData()
                if pack is None and skipped is None:
                    raise InvalidInput("scan", "Scan the medicine pack, or choose why it was not "
                                       "scanned.")
                override = self._override()
                self.result_record = self.ops.run(lambda: mar_svc.give_dose(
                    self.ctx, self.patient.id, due, dose_mg=self.entry.dose_mg, note=note,
                    witness_id=witness_id, witness_password=password, override=override,
                    pack=pack, scan_skipped=None if pack is not None else skipped))
            else:
                reason = Reason(self.reason.currentData())
                self.result_record = self.ops.run(lambda: mar_svc.omit_dose(
                    self.ctx, self.patient.id, due, reason, note=note,
                    held=self.held.isChecked()))
        except mar_svc.NeedsOverride as exc:
            self._clear_passwords()
            self._refresh_findings()  # the checks above say why
            who = " and the second nurse's password" if exc.second_user else ""
            show_error(self.error, InvalidInput("reason", f"To give it anyway, type why{who}; "
                                                "or choose Not given."), self.fields)
            self._fit()
            return
        except WardError as exc:
            self._clear_passwords()
            if isinstance(exc, Refused) and not str(exc.rule).startswith("witness."):
                self._refresh_findings()
            show_error(self.error, self._about_password(exc), self.fields)
            self._fit()
            return
        self._clear_passwords()
        self.accept()

    def _about_password(self, exc: WardError) -> Exception:
        """A refused password names the box it was typed in: the second nurse's when the refusal
        is about them (no dose witness chosen, or their name is the one refused)."""
        named = about_witness_password(exc)
        second = self.second.currentData()
        if getattr(named, "field", None) != WITNESS_PASSWORD or second is None:
            return named
        dose_witness = self.witness.currentData()
        if dose_witness is None or self.second.currentText() in str(exc):
            return InvalidInput("override-witness-password", str(exc))
        return named

    def _clear_passwords(self) -> None:
        self.password.clear()  # never keep a password around after a refusal
        self.second_password.clear()

    def _refresh_findings(self) -> None:
        """A refusal may come from something recorded meanwhile (another workstation): show the
        checks as they are now."""
        self.findings = self._check()
        if self.pack is not None:  # a pack that expired meanwhile, or a table changed elsewhere
            self.pack_findings = self._check_pack(self.pack)
            self._show_pack(scanning.product_for(self.ctx, self.pack))
        self.finding.setText(self._finding_text())
        self.finding.setVisible(bool(self.findings))
        if dose_checks.hard(self.findings):
            self._offer_safe_choice()
        self._sync()


class CorrectRecordDialog(QDialog):
    """Mark a record entered in error, with the reason; the original stays in the history."""

    def __init__(self, ctx: Context, entry: MarEntry, parent=None, *, ops: Ops | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.ops = runner(ctx, ops, self)
        self.entry = entry
        self.result_record: Recorded | None = None
        due = entry.due.astimezone(ctx.zone).strftime("%d %b %H:%M")
        self.setWindowTitle("Mark entered in error")
        info = QLabel(f"Record {entry.id}: dose due {due} recorded as "
                      f"<b>{entry.state.value.replace('_', ' ')}</b> by {entry.by}.<br>It stays in "
                      "the history, struck through; the dose opens again for recording.", self)
        info.setWordWrap(True)
        self.reason = QLineEdit(self)
        self.reason.setAccessibleName("Why the record is wrong")
        self.reason.setPlaceholderText("e.g. recorded against the wrong patient")
        self.error = problem_label(self, "correctError")
        buttons, _ok = accept_cancel(self, "&Mark entered in error", self.submit)
        form = QFormLayout()
        form.addRow("&Reason:", self.reason)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def submit(self) -> None:
        try:
            assert self.entry.id is not None
            record_id = self.entry.id
            self.result_record = self.ops.run(
                lambda: mar_svc.correct_record(self.ctx, record_id, self.reason.text()))
        except WardError as exc:
            show_error(self.error, exc, {"reason": self.reason})
            return
        self.accept()
