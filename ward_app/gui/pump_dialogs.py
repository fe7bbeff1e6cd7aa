"""Pump dialogs: a witnessed refill (the witness types their own password in the same dialog), an
alarm heard, and the pump's details. Each shows a refusal in the dialog and loses nothing typed."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
)

from ward_app.domain import dose_checks
from ward_app.domain.dose_alerts import in_force
from ward_app.domain.dose_checks import Finding, Stop
from ward_app.domain.errors import InvalidInput, Refused, WardError
from ward_app.domain.orders import Route
from ward_app.domain.patient import Patient
from ward_app.domain.pump import ALARM_LABELS, AlarmKind, Pump, Refill, pump_dates, reconcile
from ward_app.domain.roles import Action, can
from ward_app.domain.scanning import GS, Pack, Wristband
from ward_app.gui.form_parts import accept_cancel, problem_label, show_error, show_problem
from ward_app.gui.form_state import set_widget_values, widget_values
from ward_app.gui.ops import Ops, runner
from ward_app.gui.pack_parts import (
    pack_code_box,
    pack_status_label,
    show_pack_check,
    skip_reason_box,
)
from ward_app.gui.scanner import SHOWN_GS
from ward_app.services import order_history as order_repo
from ward_app.services import people, scanning
from ward_app.services import pumps as svc
from ward_app.services.context import Context
from ward_app.services.requests import new_request_id

#: the field a refusal about the witness's password names (the password box shows it)
WITNESS_PASSWORD = "witness-password"


class _NamedField(Exception):
    """A refusal shown as is, naming the field whose widget shows it."""

    def __init__(self, error: Exception, field: str):
        super().__init__(str(error))
        self.field = field


def about_witness_password(error: Exception) -> Exception:
    """``error``, naming the witness password box when it is about the witness's password (a wrong
    password, or a witness locked out after too many): ``show_error`` then marks that box."""
    rule = str(getattr(error, "rule", "") or "")
    field = str(getattr(error, "field", "") or "")
    if field in {WITNESS_PASSWORD, "witness_password", "password"} or (
            rule.startswith("witness.") and ("password" in rule or "lock" in rule)):
        return _NamedField(error, WITNESS_PASSWORD)
    return error


def _spin(parent, low: float, high: float, decimals: int, suffix: str, name: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox(parent)
    spin.setRange(low, high)
    spin.setDecimals(decimals)
    spin.setSuffix(suffix)
    spin.setAccessibleName(name)
    return spin


class RefillDialog(QDialog):
    """Record a refill: the volume drawn out, volume, concentration, daily dose, alarm volume, and
    the witness with their password. The residual the last refill should have left (clinical-rules
    §10) and the countdown the refill will give are shown as you type."""

    def __init__(self, ctx: Context, patient: Patient, pump: Pump, parent=None, *,
                 last: Refill | None = None, ops: Ops | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.ops = runner(ctx, ops, self)
        self.patient = patient
        self.pump = pump
        self.last = last
        self.recorded: svc.RefillDone | None = None
        self.request_id = new_request_id()  # one per form: every retry of it is the same refill
        self.setWindowTitle(f"Pump refill — {patient.name}")
        self.setAccessibleName("Pump refill")
        t = ctx.thresholds()
        versions = tuple(order_repo.versions_since(ctx.db, ctx.now(), patient.id).get(patient.id, []))
        order = in_force(versions, ctx.now())
        self.ordered = order.daily_mcg if order is not None and order.route is Route.INTRATHECAL \
            else None
        heading = QLabel(f"<b>Bed {patient.bed} · {patient.name}</b> (MRN {patient.mrn})<br>"
                         f"{pump.model or 'Pump'} · reservoir {pump.reservoir_ml or '?'} mL · "
                         f"ordered dose: <b>{f'{self.ordered:g} mcg/day' if self.ordered else 'none'}"
                         "</b>", self)
        self.withdrawn_known = QCheckBox("Volume drawn ou&t of the reservoir:", self)
        # not ticked until the nurse measures it: a 0 nobody typed would read as a discrepancy
        self.withdrawn_known.setEnabled(last is not None)
        self.withdrawn = _spin(self, 0, pump.reservoir_ml or 100, 2, " mL", "Volume drawn out")
        self.withdrawn.setEnabled(False)
        self.withdrawn_known.toggled.connect(self.withdrawn.setEnabled)
        self.reconciliation = QLabel(self)
        self.reconciliation.setObjectName("refillReconciliation")
        self.reconciliation.setWordWrap(True)
        self.volume = _spin(self, 0, pump.reservoir_ml or 100, 1, " mL", "Volume after refill")
        self.volume.setValue(pump.reservoir_ml or 0)
        self.conc = QComboBox(self)
        self.conc.setAccessibleName("Concentration")
        for c in t.pump_concentrations_mcg_ml:
            self.conc.addItem(f"{float(c):g} mcg/mL", float(c))
        # the concentration last put in (a change of concentration is a deliberate choice)
        same = self.conc.findData(last.conc_mcg_ml) if last is not None else -1
        self.conc.setCurrentIndex(same if same >= 0 else self.conc.count() - 1)
        self.daily = _spin(self, 0, 5000, 1, " mcg/day", "Programmed daily dose")
        self.daily.setValue(self.ordered or 0)
        self.alarm = _spin(self, 0, 10, 1, " mL", "Low-reservoir alarm volume")
        self.alarm.setValue(pump.alarm_ml)
        self.change_order = QCheckBox("The dose differs from the order: &change the order too "
                                      "(witnessed)", self)
        self.next_refill = QDateEdit(self)
        self.next_refill.setCalendarPopup(True)
        self.next_refill.setDisplayFormat("dd MMM yyyy")
        self.next_refill.setAccessibleName("Next refill booked")
        self.book = QCheckBox("Next refill &booked for", self)
        self.witness = QComboBox(self)
        self.witness.setAccessibleName("Witness")
        self.witness.addItem("— choose the witness —", None)
        actor = ctx.actor
        for user in people.users(ctx.db):
            if user.active and (actor is None or user.id != actor.id) and can(user.role,
                                                                               Action.WITNESS):
                self.witness.addItem(user.full_name or user.name, user.id)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Witness password")
        self.password.setPlaceholderText("The witness types their own password")
        self.preview = QLabel(self)
        self.preview.setObjectName("refillPreview")
        self.preview.setWordWrap(True)
        self.error = problem_label(self, "dialogError")
        # the ampoule (clinical-rules §13): scanned and checked against the concentration, or why
        # it was not scanned
        self.pack: Pack | None = None
        self.pack_findings: list[Finding] = []
        self.wrong_patient: str | None = None  # the MRN of another patient's wristband scanned
        self.pack_code = pack_code_box(self, "ampouleCode", "Ampoule code", "ampoule",
                                       self.handle_scan, self._pack_edited)
        self.pack_status = pack_status_label(self, "ampouleStatus", "Ampoule check")
        self.skip_scan = skip_reason_box(self, "Why the ampoule was not scanned")
        self.pack_reason = QLineEdit(self)
        self.pack_reason.setAccessibleName("Why this ampoule is used anyway")
        self.pack_reason.setPlaceholderText("Why this ampoule is used anyway (checked by eye)")

        form = QFormLayout()
        form.addRow(self.withdrawn_known, self.withdrawn)
        form.addRow(self.reconciliation)
        form.addRow("&Volume in reservoir after refill:", self.volume)
        form.addRow("C&oncentration:", self.conc)
        form.addRow("A&mpoule:", self.pack_code)
        form.addRow(self.pack_status)
        form.addRow("Not scanned beca&use:", self.skip_scan)
        form.addRow("Ampoule reason:", self.pack_reason)
        self._pack_form = form
        form.addRow("Programmed &daily dose:", self.daily)
        form.addRow(self.change_order)
        form.addRow("Low-reservoir &alarm at:", self.alarm)
        form.addRow(self.book, self.next_refill)
        form.addRow("&Witness:", self.witness)
        form.addRow("Witness &password:", self.password)
        buttons, self.save_button = accept_cancel(self, "&Record refill", self.submit)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.preview)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        for widget in (self.volume, self.daily, self.alarm, self.withdrawn):
            widget.valueChanged.connect(self.update_preview)
        self.withdrawn_known.toggled.connect(self.update_preview)
        self.conc.currentIndexChanged.connect(self.update_preview)
        self.conc.currentIndexChanged.connect(self._check_pack)
        self.skip_scan.currentIndexChanged.connect(self._show_pack)
        today = ctx.now().astimezone(ctx.zone).date()
        self.next_refill.setDate(QDate(today.year, today.month, today.day).addDays(28))
        self.update_preview()
        self._show_pack()
        self.volume.setFocus()

    # -- the ampoule (clinical-rules §13) ---------------------------------------------------------

    def handle_scan(self, text: str) -> bool:
        """A code scanned while this dialog is open: an ampoule is checked against the
        concentration chosen; a wristband against this patient."""
        text = text.replace(SHOWN_GS, GS)
        if not text.strip():
            return True
        try:
            found = scanning.read_scan(self.ctx, text)
        except WardError as exc:
            show_error(self.error, exc, {"scan": self.pack_code})
            return True
        code = found.code
        if isinstance(code, Wristband):
            self.wrong_patient = code.mrn if code.mrn != self.patient.mrn else None
            if self.wrong_patient is not None:
                who = found.patient.name if found.patient is not None else "no patient here"
                show_problem(self.error, f"Wrong patient: the wristband scanned is MRN {code.mrn} "
                             f"({who}), not {self.patient.name}'s. Stop: check whose pump this "
                             "is; scan the right wristband to go on.")
            else:
                self.error.hide()
            self._show_pack()
            return True
        self.pack_code.setText(text.replace(GS, SHOWN_GS))
        if isinstance(code, Pack):
            self.error.hide()
            self.pack = code
            self.skip_scan.setCurrentIndex(0)
            self._check_pack()
        else:
            self.pack, self.pack_findings = None, []
            self._show_pack()
            show_problem(self.error, str(found.problem))
        return True

    def _check_pack(self) -> None:
        if self.pack is not None:
            try:
                self.pack_findings = svc.refill_pack_findings(self.ctx, self.pack,
                                                              self.conc.currentData())
            except WardError as exc:  # never a green tick for a check that did not run
                self.pack_findings = [Finding("pack.unchecked", Stop.HARD, "The ampoule could not "
                                              f"be checked: {exc} Scan it again.")]
        self._show_pack()

    def _pack_edited(self, _text: str) -> None:
        """Typed over or cleared: the box no longer shows the ampoule checked, so none is kept."""
        if self.pack is not None:
            self.pack, self.pack_findings = None, []
            self._show_pack()

    def _show_pack(self) -> None:
        pack = self.pack
        hard = dose_checks.hard(self.pack_findings)
        unknown = pack is not None and not hard and bool(self.pack_findings)
        self.skip_scan.setEnabled(pack is None)
        other = pack is None and self.skip_scan.currentData() == "other"  # say why, as for doses
        self._pack_form.setRowVisible(self.pack_reason, unknown or other)
        self.save_button.setEnabled(not hard and self.wrong_patient is None)
        show_pack_check(
            self.pack_status, pack, scanning.product_for(self.ctx, pack) if pack else None,
            self.pack_findings,
            waiting="Scan the ampoule before filling, or choose why it was not scanned.",
            stop="Do not fill from this ampoule", check="Check the ampoule",
            checked="✔ Ampoule checked: {line} — the concentration to be filled.",
            soft_tail=" Say why below.")
        self._fit()

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802 - Qt's name
        super().showEvent(event)
        QTimer.singleShot(0, self._fit)  # laid out at its real width: the wrapped labels' heights

    def _fit(self) -> None:
        """A longer ampoule check or a row shown: grow to fit, never squeeze (the labels wrap at
        the dialog's width)."""
        if not self.isVisible():
            return
        for label in (self.pack_status, self.reconciliation):
            label.setMinimumHeight(label.heightForWidth(max(label.width(), 1)))
        layout = self.layout()
        if layout is not None:
            layout.activate()
        self.resize(self.width(), max(self.height(), self.sizeHint().height(),
                                      self.minimumSizeHint().height()))

    # -- put away and opened again (gui/form_state.py) ------------------------------------------

    form_kind = "refill"

    def _state_widgets(self) -> dict:
        return {"withdrawn_known": self.withdrawn_known, "withdrawn": self.withdrawn,
                "volume": self.volume, "conc": self.conc, "daily": self.daily,
                "alarm": self.alarm, "change_order": self.change_order, "book": self.book,
                "next_refill": self.next_refill, "witness": self.witness}

    def form_state(self) -> dict:
        """The refill as typed; never the witness's password (typed again)."""
        return {"fields": widget_values(self._state_widgets()), "request_id": self.request_id}

    def restore_state(self, state: dict) -> None:
        set_widget_values(self._state_widgets(), dict(state.get("fields", {})))
        if isinstance(state.get("request_id"), str):
            self.request_id = state["request_id"]
        self.update_preview()

    def withdrawn_ml(self) -> float | None:
        return self.withdrawn.value() if self.withdrawn_known.isChecked() else None

    def update_reconciliation(self) -> None:
        """What the last refill should have left, and (once typed) the volume drawn out against
        it (clinical-rules §10)."""
        if self.last is None:
            self.reconciliation.setText("No earlier refill: nothing to reconcile.")
            return
        t = self.ctx.thresholds()
        zone = self.ctx.zone
        withdrawn = self.withdrawn_ml()
        r = reconcile(self.last, withdrawn or 0.0, self.ctx.now(), t)
        text = (f"<b>Expected left: {r.expected_ml:.1f} mL</b> ({self.last.volume_ml:g} mL put in "
                f"{self.last.refilled_at.astimezone(zone):%d %b}, {r.delivered_ml:.1f} mL due since "
                f"at {self.last.daily_mcg:g} mcg/day of {self.last.conc_mcg_ml:g} mcg/mL).")
        if withdrawn is None:
            text += " Tick the box and enter what you drew out, as measured."
        elif r.discrepant:
            text += (f"<br><span style='color:#9b1c1c'><b>⚠ Drawn out {withdrawn:g} mL: "
                     f"difference {r.difference_ml:+.1f} mL, beyond ±{r.limit_ml:.2f} mL.</b> "
                     f"{r.suggests.capitalize()}. Saving raises an URGENT alert: check the pump "
                     "with the ITB team.</span>")
        else:
            text += (f" Drawn out {withdrawn:g} mL: difference {r.difference_ml:+.1f} mL, within "
                     f"±{r.limit_ml:.2f} mL.")
        self.reconciliation.setText(text)
        # a longer text (the discrepancy and what it suggests) makes the form taller, not cut off
        label = self.reconciliation
        if self.isVisible():  # laid out at its real width (before, the layout sizes it)
            label.setMinimumHeight(label.heightForWidth(label.width()))
            self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    def update_preview(self) -> None:
        self.update_reconciliation()
        volume, daily, alarm = self.volume.value(), self.daily.value(), self.alarm.value()
        if volume <= alarm or daily <= 0:
            self.preview.setText("Countdown: enter a volume above the alarm volume and a daily dose.")
            return
        t = self.ctx.thresholds()
        probe = Refill(0, self.pump.id, self.ctx.now(), volume, self.conc.currentData(), daily, alarm)
        d = pump_dates(probe, t, self.ctx.zone, self.pump.eri_and_end(t)[1])
        zone = self.ctx.zone
        mismatch = ""
        if self.ordered is not None and abs(daily - self.ordered) > 1e-9:
            mismatch = (f"<br><span style='color:#9b1c1c'><b>{daily:g} mcg/day differs from the "
                        f"order ({self.ordered:g}).</b> Tick 'change the order too' only if the "
                        "prescriber changed it.</span>")
        self.preview.setText(
            f"<b>Calculated from this refill</b> (not read from the pump): "
            f"{d.days_to_alarm:.1f} days to the alarm "
            f"({d.alarm_at.astimezone(zone):%a %d %b %Y}); empty "
            f"{d.empty_at.astimezone(zone):%a %d %b %Y}; <b>refill by "
            f"{d.refill_by:%a %d %b %Y}</b> ({d.refill_by_reason}).{mismatch}"
            f"<br>After saving: sedation, respiratory rate and NEWS2 every "
            f"{float(t.pump_post_refill_every_hours):g} h for {float(t.pump_post_refill_hours):g} h "
            "(in Due now).")

    def show_problem(self, message: str) -> None:
        show_problem(self.error, message)

    def submit(self) -> None:
        next_refill: date | None = self.next_refill.date().toPython() if self.book.isChecked() \
            else None  # type: ignore[assignment]
        try:
            skipped = self.skip_scan.currentData()
            if self.pack is None and skipped is None:
                raise InvalidInput("scan", "Scan the ampoule, or choose why it was not scanned.")
            new = svc.NewRefill(
                patient_id=self.patient.id, volume_ml=self.volume.value(),
                conc_mcg_ml=self.conc.currentData(), daily_mcg=self.daily.value(),
                alarm_ml=self.alarm.value(), witness_id=self.witness.currentData(),
                witness_password=self.password.text(), next_refill=next_refill,
                change_order=self.change_order.isChecked(), client_id=self.request_id,
                withdrawn_ml=self.withdrawn_ml(), pack=self.pack,
                scan_skipped=skipped if self.pack is None else None,
                pack_reason=self.pack_reason.text() if self.pack_reason.isVisible() else None)
            self.recorded = self.ops.run(lambda: svc.refill_pump(self.ctx, new))
        except WardError as exc:
            self.password.clear()  # never keep a password around after a refusal
            if getattr(exc, "rule", None) == "pump.dose_mismatch":
                exc = Refused("pump.dose_mismatch", f"{exc} If the prescriber changed it, tick "
                              "'change the order too'.")
            show_error(self.error, about_witness_password(exc), {
                "volume-ml": self.volume, "conc-mcg-ml": self.conc, "daily-mcg": self.daily,
                "alarm-ml": self.alarm, "witness": self.witness, "next-refill": self.next_refill,
                "withdrawn-ml": self.withdrawn, "scan": self.pack_code,
                "skip-scan": self.skip_scan, "pack-reason": self.pack_reason,
                WITNESS_PASSWORD: self.password})
            return
        self.password.clear()
        self.accept()


class AlarmDialog(QDialog):
    """Record a pump alarm heard."""

    def __init__(self, ctx: Context, patient: Patient, parent=None, *, ops: Ops | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.ops = runner(ctx, ops, self)
        self.patient = patient
        self.request_id = new_request_id()  # one per form: every retry of it is the same alarm
        self.setWindowTitle(f"Pump alarm heard — {patient.name}")
        self.setAccessibleName("Pump alarm heard")
        self.kinds: dict[AlarmKind, QRadioButton] = {}
        group = QButtonGroup(self)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>Bed {patient.bed} · {patient.name}</b>: which alarm?", self))
        for kind, label in ALARM_LABELS.items():
            button = QRadioButton(label, self)
            group.addButton(button)
            self.kinds[kind] = button
            layout.addWidget(button)
        self.kinds[AlarmKind.LOW_RESERVOIR].setChecked(True)
        self.note = QLineEdit(self)
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("What you heard and did")
        layout.addWidget(self.note)
        self.error = problem_label(self, "dialogError")
        layout.addWidget(self.error)
        buttons, _ok = accept_cancel(self, "&Record alarm", self.submit)
        layout.addWidget(buttons)

    form_kind = "pump_alarm"

    def form_state(self) -> dict:
        return {"fields": {"alarm": self.kind().value, "note": self.note.text()},
                "request_id": self.request_id}

    def restore_state(self, state: dict) -> None:
        fields = state.get("fields", {})
        for kind, button in self.kinds.items():
            if kind.value == fields.get("alarm"):
                button.setChecked(True)
        if isinstance(fields.get("note"), str):
            self.note.setText(fields["note"])
        if isinstance(state.get("request_id"), str):
            self.request_id = state["request_id"]

    def kind(self) -> AlarmKind:
        return next(k for k, b in self.kinds.items() if b.isChecked())

    def submit(self) -> None:
        try:
            kind, note = self.kind(), self.note.text()
            self.ops.run(lambda: svc.record_alarm(self.ctx, self.patient.id, kind, note,
                                                  client_id=self.request_id))
        except WardError as exc:
            show_error(self.error, exc, {"note": self.note})
            return
        self.accept()


class PumpDetailsDialog(QDialog):
    """The pump record: model, serial, reservoir, implant date, ERI or end of service, alarm."""

    def __init__(self, ctx: Context, patient: Patient, pump: Pump | None, parent=None, *,
                 ops: Ops | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.ops = runner(ctx, ops, self)
        self.patient = patient
        self.setWindowTitle(f"Pump details — {patient.name}")
        self.setAccessibleName("Pump details")
        self.model = QLineEdit(pump.model if pump and pump.model else "", self)
        self.model.setAccessibleName("Model")
        self.serial = QLineEdit(pump.serial if pump and pump.serial else "", self)
        self.serial.setAccessibleName("Serial number")
        self.reservoir = _spin(self, 0, 100, 0, " mL", "Reservoir capacity")
        self.reservoir.setSpecialValueText("— not recorded —")
        self.reservoir.setValue(pump.reservoir_ml if pump and pump.reservoir_ml else 0)
        self.alarm = _spin(self, 0, 10, 1, " mL", "Low-reservoir alarm volume")
        self.alarm.setValue(pump.alarm_ml if pump else float(ctx.thresholds().pump_alarm_ml))
        self.dates: dict[str, tuple[QCheckBox, QDateEdit]] = {}
        form = QFormLayout()
        form.addRow("&Model:", self.model)
        form.addRow("&Serial:", self.serial)
        form.addRow("&Reservoir capacity:", self.reservoir)
        form.addRow("Low-reservoir &alarm at:", self.alarm)
        known = {"implant_date": pump.implant_date if pump else None,
                 "eri_date": pump.eri_date if pump else None,
                 "end_of_service": pump.end_of_service if pump else None}
        for key, label in (("implant_date", "Implanted on"), ("eri_date", "ERI date"),
                           ("end_of_service", "Expected end of service")):
            box = QCheckBox(label, self)
            edit = QDateEdit(self)
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd MMM yyyy")
            edit.setAccessibleName(label)
            value = known[key] or self.ctx.now().astimezone(ctx.zone).date()
            edit.setDate(QDate(value.year, value.month, value.day))
            box.setChecked(known[key] is not None)
            self.dates[key] = (box, edit)
            form.addRow(box, edit)
        self.error = problem_label(self, "dialogError")
        buttons, _ok = accept_cancel(self, "&Save", self.submit)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>Bed {patient.bed} · {patient.name}</b>", self))
        layout.addLayout(form)
        note = QLabel("Give the ERI date or the expected end of service (the other is worked out: "
                      "the pump stops about 90 days after ERI).", self)
        note.setWordWrap(True)
        note.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    form_kind = "pump_details"

    def _state_widgets(self) -> dict:
        widgets: dict = {"model": self.model, "serial": self.serial, "reservoir": self.reservoir,
                         "alarm": self.alarm}
        for key, (box, edit) in self.dates.items():
            widgets[f"{key}.known"], widgets[key] = box, edit
        return widgets

    def form_state(self) -> dict:
        return {"fields": widget_values(self._state_widgets())}

    def restore_state(self, state: dict) -> None:
        set_widget_values(self._state_widgets(), dict(state.get("fields", {})))

    def _date(self, key: str) -> date | None:
        box, edit = self.dates[key]
        return edit.date().toPython() if box.isChecked() else None  # type: ignore[return-value]

    def submit(self) -> None:
        try:
            model, serial, reservoir = self.model.text(), self.serial.text(), self.reservoir.value()
            implant, eri = self._date("implant_date"), self._date("eri_date")
            end, alarm = self._date("end_of_service"), self.alarm.value()
            self.ops.run(lambda: svc.set_pump(
                self.ctx, self.patient.id, model=model, serial=serial,
                reservoir_ml=reservoir or None, implant_date=implant, eri_date=eri,
                end_of_service=end, alarm_ml=alarm))
        except WardError as exc:
            show_error(self.error, exc, {
                "model": self.model, "serial": self.serial, "reservoir-ml": self.reservoir,
                "alarm-ml": self.alarm, "implant-date": self.dates["implant_date"][1],
                "eri-date": self.dates["eri_date"][1],
                "end-of-service": self.dates["end_of_service"][1]})
            return
        self.accept()
