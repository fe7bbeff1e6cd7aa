"""Order entry on a patient's chart, for the pharmacist: prescribe, change (a new version from a
chosen time, never an edit) and stop (only for a serious adverse reaction).

Before saving, the form shows every caution that applies (clinical-rules §9) and the prescriber
ticks that they acknowledge them; an intrathecal order needs a second user who types their own
password (§2). A refusal is shown as one sentence in the dialog; what was typed stays (passwords
are cleared)."""

from __future__ import annotations

from datetime import datetime, time

from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ward_app.domain.errors import InvalidInput, WardError
from ward_app.domain.orders import Frequency, Indication, Order, OrderAction, Route, parse_times
from ward_app.domain.patient import Patient
from ward_app.domain.roles import Action, can
from ward_app.gui.form_parts import accept_cancel, clear_marks, problem_label, show_error
from ward_app.gui.ops import Ops, runner
from ward_app.gui.pump_dialogs import WITNESS_PASSWORD, about_witness_password
from ward_app.services import orders as svc
from ward_app.services import people
from ward_app.services.context import Context

ACK = "ack-cautions"
ROUTE_TEXT = {Route.ORAL: "Oral (tablets or solution, mg)",
              Route.ENTERAL: "Enteral (liquid via NG/PEG tube, mg)",
              Route.INTRATHECAL: "Intrathecal (pump, mcg/day)"}
INDICATION_TEXT = {Indication.SPASTICITY: "Spasticity",
                   Indication.ALCOHOL_USE_DISORDER: "Alcohol use disorder",
                   Indication.OTHER: "Other"}


class _Named(Exception):
    """A refusal shown as is, naming the field whose widget shows it."""

    def __init__(self, error: Exception | str, field: str):
        super().__init__(str(error))
        self.field = field


def _witness_box(ctx: Context, parent: QWidget) -> QComboBox:
    """Another active user who may witness (never the one prescribing)."""
    box = QComboBox(parent)
    box.setAccessibleName("Witness")
    box.setObjectName("orderWitness")
    box.addItem("(choose the second user)", None)
    actor = ctx.actor
    for user in people.users(ctx.db):
        if user.active and (actor is None or user.id != actor.id) and can(user.role, Action.WITNESS):
            box.addItem(f"{user.full_name} ({user.name})" if user.full_name else user.name,
                        user.id)
    return box


def _scrolling(parent: QWidget, inner: QWidget) -> QScrollArea:
    """``inner`` in a frameless scroll area: a long form scrolls, the buttons stay in sight."""
    area = QScrollArea(parent)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setWidget(inner)
    return area


class OrderDialog(QDialog):
    """Prescribe (``current`` None) or change the order in force (``current``): the new version
    starts at the chosen time (default now). ``made`` is the saved version after Accept."""

    def __init__(self, ctx: Context, patient: Patient, current: Order | None = None, parent=None,
                 *, ops: Ops | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.ops = runner(ctx, ops, self)
        self.patient = patient
        self.current = current
        self.made: Order | None = None
        self._shown_cautions: tuple[str, ...] = ()
        changing = current is not None
        self.setWindowTitle(f"{'Change order' if changing else 'Prescribe baclofen'} — "
                            f"{patient.name}")
        self.setAccessibleName("Change order" if changing else "Prescribe baclofen")
        self.setObjectName("orderDialog")

        body = QWidget(self)
        self.route = QComboBox(body)
        self.route.setAccessibleName("Route")
        for route in Route:
            self.route.addItem(ROUTE_TEXT.get(route, route.value), route.value)
        self.dose = QDoubleSpinBox(body)
        self.dose.setAccessibleName("Dose per dose, mg")
        self.dose.setRange(0, 1000)
        self.dose.setDecimals(1)
        self.dose.setSuffix(" mg")
        self.dose.setSpecialValueText("— (type the dose)")
        self.freq = QComboBox(body)
        self.freq.setAccessibleName("How often")
        t = ctx.thresholds()
        for f in (Frequency.OD, Frequency.BD, Frequency.TDS, Frequency.QDS):
            self.freq.addItem(f"{f.value} ({', '.join(t.times_for(f.value))})", f.value)
        self.freq.addItem("Other clock times", Frequency.CUSTOM.value)
        self.times = QLineEdit(body)
        self.times.setAccessibleName("Dose times")
        self.times.setPlaceholderText("HH:MM,HH:MM — leave empty for the ward's times above")
        self.indication = QComboBox(body)
        self.indication.setAccessibleName("Indication")
        for ind, text in INDICATION_TEXT.items():
            self.indication.addItem(text, ind.value)
        self.override = QLineEdit(body)
        self.override.setAccessibleName("Override reason")
        self.override.setPlaceholderText("Only above the daily maximum: the prescriber's reason")
        self.daily_mcg = QDoubleSpinBox(body)
        self.daily_mcg.setAccessibleName("Daily dose, mcg/day")
        self.daily_mcg.setRange(0, 5000)
        self.daily_mcg.setDecimals(1)
        self.daily_mcg.setSuffix(" mcg/day")
        self.daily_mcg.setSpecialValueText("— (type the daily dose)")
        self.start = QDateTimeEdit(body)
        self.start.setAccessibleName("Starts")
        self.start.setDisplayFormat("ddd dd MMM yyyy HH:mm")
        self.start.setCalendarPopup(True)
        now = ctx.now().astimezone(ctx.zone).replace(second=0, microsecond=0, tzinfo=None)
        self.start.setDateTime(QDateTime(QDate(now.year, now.month, now.day),
                                         QTime(now.hour, now.minute)))
        self.witness = _witness_box(ctx, body)
        self.password = QLineEdit(body)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Witness password")
        self.password.setObjectName("orderWitnessPassword")
        self.password.setPlaceholderText("The witness types their own password")

        self.cautions = QLabel(body)
        self.cautions.setObjectName("orderCautions")
        self.cautions.setWordWrap(True)
        self.cautions.setTextFormat(Qt.TextFormat.PlainText)
        self.cautions.setAccessibleName("Cautions for this order")
        self.ack = QCheckBox("I have read these cautions and prescribe despite them (stored "
                             "with the order)", body)
        self.ack.setObjectName("orderAck")
        self.error = problem_label(self, "orderError")

        form = QFormLayout()
        form.addRow("&Route:", self.route)
        self._oral_rows = [("&Dose:", self.dose), ("How &often:", self.freq),
                           ("Dose &times:", self.times), ("&Indication:", self.indication),
                           ("O&verride reason:", self.override)]
        self._itb_rows = [("&Daily dose:", self.daily_mcg), ("&Witness:", self.witness),
                          ("Witness p&assword:", self.password)]
        for label, widget in self._oral_rows + self._itb_rows:
            form.addRow(label, widget)
        form.addRow("Starts &from:", self.start)
        self.form = form
        layout = QVBoxLayout(body)
        what = (f"Now: <b>{current.describe()}</b>. The change is a new version from the time "
                "below; the current one stays in the history." if current is not None else
                "No baclofen order is in force: this starts one.")
        intro = QLabel(f"<b>Bed {patient.bed} · {patient.name}</b> (MRN {patient.mrn})<br>{what}",
                       body)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(QLabel("<b>Cautions</b>", body))
        layout.addWidget(self.cautions)
        layout.addWidget(self.ack)
        layout.addStretch(1)

        self.buttons, self.save_button = accept_cancel(
            self, "&Save change" if changing else "&Prescribe", self.submit)
        outer = QVBoxLayout(self)
        outer.addWidget(_scrolling(self, body), 1)
        outer.addWidget(self.error)
        outer.addWidget(self.buttons)

        if current is not None:
            self._fill(current)
        self.route.currentIndexChanged.connect(self._sync)
        for spin in (self.dose, self.daily_mcg):
            spin.valueChanged.connect(self._update_cautions)
        self.freq.currentIndexChanged.connect(self._update_cautions)
        self.times.editingFinished.connect(self._update_cautions)
        self.start.dateTimeChanged.connect(self._update_cautions)
        self._sync()
        self.resize(620, 640)

    def _fill(self, order: Order) -> None:
        self.route.setCurrentIndex(max(0, self.route.findData(order.route.value)))
        if order.route is Route.INTRATHECAL:
            self.daily_mcg.setValue(order.daily_mcg or 0)
            return
        self.dose.setValue(order.dose_mg or 0)
        freq = order.frequency.value if order.frequency else Frequency.CUSTOM.value
        self.freq.setCurrentIndex(max(0, self.freq.findData(freq)))
        defaults = (tuple(self.ctx.thresholds().times_for(freq))
                    if freq != Frequency.CUSTOM.value else ())
        if tuple(order.times) != defaults:
            self.times.setText(",".join(order.times))
        if order.indication:
            self.indication.setCurrentIndex(max(0, self.indication.findData(order.indication.value)))
        self.override.setText(order.override_reason or "")

    def _set_row_visible(self, widget: QWidget, visible: bool) -> None:
        self.form.setRowVisible(widget, visible)

    def _itb(self) -> bool:
        return self.route.currentData() == Route.INTRATHECAL.value

    def _sync(self) -> None:
        itb = self._itb()
        for _label, widget in self._oral_rows:
            self._set_row_visible(widget, not itb)
        for _label, widget in self._itb_rows:
            self._set_row_visible(widget, itb)
        self._update_cautions()

    def fields(self) -> dict[str, QWidget]:
        """Which widget shows each field a refusal can name."""
        return {"route": self.route, "route-dose": self.dose if not self._itb() else self.daily_mcg,
                "dose-mg": self.dose, "daily-mcg": self.daily_mcg, "freq": self.freq,
                "times": self.times, "indication": self.indication,
                "override-reason": self.override, "start": self.start, "witness": self.witness,
                WITNESS_PASSWORD: self.password, ACK: self.ack}

    def _start(self) -> datetime:
        local: datetime = self.start.dateTime().toPython()  # type: ignore[assignment]
        return local.replace(tzinfo=self.ctx.zone)

    def new_order(self) -> svc.NewOrder:
        """The form as the order the service takes (InvalidInput for a badly typed time)."""
        route = Route(self.route.currentData())
        start = self._start()
        if route is Route.INTRATHECAL:
            return svc.NewOrder(patient_id=self.patient.id, route=route,
                                daily_mcg=self.daily_mcg.value() or None, start=start,
                                witness_id=self.witness.currentData(),
                                ack_cautions=self.ack.isChecked())
        text = self.times.text().strip()
        times = tuple(time.fromisoformat(t) for t in parse_times(text)) if text else None
        freq = Frequency(self.freq.currentData())
        return svc.NewOrder(
            patient_id=self.patient.id, route=route, dose_mg=self.dose.value() or None,
            freq=None if freq is Frequency.CUSTOM and times else freq, times=times,
            indication=Indication(self.indication.currentData()),
            override_reason=self.override.text().strip() or None, start=start,
            ack_cautions=self.ack.isChecked())

    def _update_cautions(self) -> None:
        try:
            found = svc.cautions_for(self.ctx, self.new_order())
        except WardError:
            return  # the form is half typed: the cautions are worked out again on Save
        self._show_cautions(found)

    def _show_cautions(self, found) -> None:  # type: ignore[no-untyped-def]
        messages = tuple(c.message for c in found)
        if messages != self._shown_cautions:
            self.ack.setChecked(False)  # the prescriber acknowledges what is shown now
        self._shown_cautions = messages
        if messages:
            self.cautions.setText("\n".join(f"⚠ {m}" for m in messages))
        else:
            self.cautions.setText("None apply to this order.")
        self.ack.setVisible(bool(messages))

    def submit(self) -> None:
        clear_marks(self.fields())
        try:
            new = self.new_order()
            password = None
            if new.route is Route.INTRATHECAL:
                password = self.password.text()
                if new.witness_id is not None and not password:
                    raise InvalidInput(WITNESS_PASSWORD, "The witness types their own password.")
            made = self.ops.run(lambda: svc.add_order(self.ctx, new, witness_password=password))
        except svc.CautionsToAcknowledge as exc:
            self.password.clear()
            self._show_cautions(exc.cautions)
            show_error(self.error, _Named("Read the cautions above, then tick that the "
                                          "prescriber acknowledges them.", ACK), self.fields())
            return
        except WardError as exc:
            self.password.clear()
            error: Exception = about_witness_password(exc)
            rule = str(getattr(exc, "rule", ""))
            if rule == "dose.max_daily":
                error = _Named(exc, "override-reason")
            elif rule.startswith("witness."):
                error = _Named(exc, "witness")
            show_error(self.error, error, self.fields())
            return
        self.password.clear()
        self.made = made
        self.accept()


class StopOrderDialog(QDialog):
    """Stop baclofen at once: only for a serious adverse reaction, naming the prescriber
    (clinical-rules §7). Any other stop is a taper (oral) or the ITB team's plan (intrathecal)."""

    def __init__(self, ctx: Context, patient: Patient, current: Order, parent=None, *,
                 ops: Ops | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.ops = runner(ctx, ops, self)
        self.patient = patient
        self.current = current
        self.made: Order | None = None
        self.setWindowTitle(f"Stop baclofen — {patient.name}")
        self.setAccessibleName("Stop baclofen")
        self.setObjectName("stopOrderDialog")
        other = ("To stop for any other reason, plan a taper (Taper plan)."
                 if current.route is not Route.INTRATHECAL else
                 "Intrathecal reductions for any other reason are the ITB team's decision: record "
                 "them as order changes.")
        self.intro = intro = QLabel(
            f"<b>Bed {patient.bed} · {patient.name}</b> (MRN {patient.mrn})<br>Now: "
            f"<b>{current.describe()}</b><br><br>Stopping baclofen abruptly can cause withdrawal "
            "(hallucinations, seizures; life-threatening with intrathecal therapy). An immediate "
            f"stop is only for a <b>serious adverse reaction</b>. {other}", self)
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        self.sar = QCheckBox("This stop is for a serious adverse reaction", self)
        self.sar.setObjectName("stopSar")
        self.prescriber = QLineEdit(self)
        self.prescriber.setAccessibleName("Prescriber")
        self.prescriber.setPlaceholderText("Who decided to stop it")
        self.error = problem_label(self, "stopError")
        form = QFormLayout()
        form.addRow(self.sar)
        form.addRow("&Prescriber:", self.prescriber)
        self.buttons, self.stop_button = accept_cancel(self, "&Stop baclofen now", self.submit)
        self.stop_button.setEnabled(False)
        self.sar.toggled.connect(self.stop_button.setEnabled)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.resize(560, 360)

    def fields(self) -> dict[str, QWidget]:
        return {"reason": self.sar, "prescriber": self.prescriber}

    def submit(self) -> None:
        if not self.sar.isChecked():
            show_error(self.error, _Named("Only a serious adverse reaction allows an immediate "
                                          "stop: otherwise reduce it gradually.", "reason"),
                       self.fields())
            return
        t = self.ctx.thresholds()
        answer = QMessageBox.question(
            self, "Stop baclofen",
            f"Stop baclofen for {self.patient.name} now? A withdrawal watch starts: check for "
            f"withdrawal signs every {t.withdrawal_check_every_hours:g} h for "
            f"{t.withdrawal_watch_hours:g} h; do not restart without the prescriber.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            prescriber = self.prescriber.text()
            made = self.ops.run(lambda: svc.stop_order(self.ctx, self.patient.id, svc.STOP_SAR,
                                                       prescriber))
        except WardError as exc:
            show_error(self.error, exc, self.fields())
            return
        assert made.action is OrderAction.STOP
        self.made = made
        self.accept()
