"""The observation form, built for speed: Tab goes down the vital signs in NEWS2 chart order, each
field shows its NEWS2 score as you type (number, words and colour), the total and the response it
calls for update live, and the withdrawal checklist sits beside them. Enter (or Ctrl+Enter) saves.

Values outside what is physiologically possible are flagged as you type and refused on save with
the field named; nothing typed is lost when something is refused.
"""

from __future__ import annotations

from PySide6.QtCore import QDateTime, QRegularExpression, Qt, QTimeZone
from PySide6.QtGui import QKeySequence, QRegularExpressionValidator, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ward_app.domain.errors import InvalidInput, WardError
from ward_app.domain.news2 import LABELS, Response, news2
from ward_app.domain.observations import (
    EARLY_SIGNS,
    LATE_SIGNS,
    MAS_STEPS,
    POSS_LABELS,
    RANGES,
    SIGN_LABELS,
    Acvpu,
    Observation,
    Poss,
    Sign,
)
from ward_app.domain.patient import Flag, Patient
from ward_app.gui.form_parts import accept_cancel, problem_label, show_error, show_problem
from ward_app.gui.form_state import set_widget_values, widget_values
from ward_app.gui.looks import INK, SCORE_BACKGROUND
from ward_app.gui.ops import Ops, runner
from ward_app.services import observations as obs_svc
from ward_app.services.context import Context
from ward_app.services.requests import new_request_id

ACVPU_LABELS = {Acvpu.ALERT: "A: alert", Acvpu.CONFUSION: "C: new confusion",
                Acvpu.VOICE: "V: responds to voice", Acvpu.PAIN: "P: responds to pain",
                Acvpu.UNRESPONSIVE: "U: unresponsive"}
RESPONSE_TEXT = {
    Response.LOW_12H: "Low: observations every 12 h",
    Response.LOW: "Low: observations every 4–6 h; nurse to assess",
    Response.LOW_MEDIUM: "Low–medium (3 in one parameter): hourly; inform the medical team",
    Response.MEDIUM: "MEDIUM: urgent review by a clinician; observations hourly",
    Response.HIGH: "HIGH: EMERGENCY response; continuous monitoring",
}
_INT = QRegularExpression(r"^\d{0,3}$")
_DECIMAL = QRegularExpression(r"^\d{0,2}([.,]\d?)?$")
_SIGNED = QRegularExpression(r"^[-+]?\d?$")


def _number(text: str) -> float | None:
    text = text.strip().replace(",", ".")
    if not text or text in "+-.":
        return None
    return float(text)


class ObservationDialog(QDialog):
    """Record one set of observations for a patient."""

    def __init__(self, ctx: Context, patient: Patient, parent=None, *, ops: Ops | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.ops = runner(ctx, ops, self)
        self.patient = patient
        self.recorded: obs_svc.Recorded | None = None
        self.request_id = new_request_id()  # one per form: every retry of it is the same set
        self.hypercapnic = Flag.HYPERCAPNIC in patient.flags
        self.setWindowTitle(f"Observations — {patient.name}")
        self.setAccessibleName("Record observations")
        heading = QLabel(f"<b>Bed {patient.bed} · {patient.name}</b> (MRN {patient.mrn})", self)

        self.fields: dict[str, QLineEdit] = {}
        self.score_labels: dict[str, QLabel] = {}
        vitals = QGroupBox("Vital signs (NEWS2)", self)
        grid = QGridLayout(vitals)
        scale = " (Scale 2)" if self.hypercapnic else ""
        rows = [("rr", "&Respiration rate", "/min", _INT), ("spo2", f"Sp&O2{scale}", "%", _INT),
                ("oxygen", "Air or o&xygen", "", None), ("sbp", "Systolic &BP", "mmHg", _INT),
                ("hr", "&Pulse", "/min", _INT), ("acvpu", "&Consciousness", "", None),
                ("temp", "&Temperature", "°C", _DECIMAL)]
        for row, (key, label, unit, pattern) in enumerate(rows):
            if key == "oxygen":
                widget = self._oxygen_widget(vitals)
            elif key == "acvpu":
                self.acvpu = QComboBox(vitals)
                self.acvpu.setAccessibleName("Consciousness (ACVPU)")
                self.acvpu.addItem("— not assessed —", None)
                for level, text in ACVPU_LABELS.items():
                    self.acvpu.addItem(text, level.value)
                self.acvpu.currentIndexChanged.connect(self.update_scores)
                widget = self.acvpu
            else:
                edit = QLineEdit(vitals)
                assert pattern is not None
                edit.setValidator(QRegularExpressionValidator(pattern, edit))
                edit.setInputMethodHints(Qt.InputMethodHint.ImhFormattedNumbersOnly)
                low, high, _unit = RANGES[key]
                edit.setPlaceholderText(f"{low:g}–{high:g}")
                edit.setAccessibleName(LABELS[key])
                edit.setMaximumWidth(90)
                edit.textChanged.connect(self.update_scores)
                self.fields[key] = edit
                widget = edit
            caption = QLabel(label, vitals)
            caption.setBuddy(widget)
            grid.addWidget(caption, row, 0)
            grid.addWidget(widget, row, 1)
            grid.addWidget(QLabel(unit, vitals), row, 2)
            score = QLabel(vitals)
            score.setObjectName(f"score_{key}")
            score.setAccessibleName(f"{LABELS[key]} score")
            score.setMinimumWidth(150)
            score.setWordWrap(True)
            self.score_labels[key] = score
            grid.addWidget(score, row, 3)
        self.total = QLabel(vitals)
        self.total.setObjectName("news2Total")
        self.total.setAccessibleName("NEWS2 total")
        self.total.setWordWrap(True)
        self.total.setMinimumHeight(44)
        grid.addWidget(self.total, len(rows), 0, 1, 4)

        other = QGroupBox("Sedation and spasticity", self)
        form = QFormLayout(other)
        self.poss = QComboBox(other)
        self.poss.setAccessibleName("Sedation (POSS)")
        self.poss.addItem("— not assessed —", None)
        for poss, poss_text in POSS_LABELS.items():
            self.poss.addItem(poss_text, poss.value)
        self.rass = QLineEdit(other)
        self.rass.setValidator(QRegularExpressionValidator(_SIGNED, self.rass))
        self.rass.setPlaceholderText("−5 to +4 (optional)")
        self.rass.setAccessibleName("RASS")
        self.mas = QComboBox(other)
        self.mas.setAccessibleName("Modified Ashworth score")
        self.mas.addItem("— not assessed —", None)
        for step in MAS_STEPS:
            self.mas.addItem(step, step)
        self.penn = QComboBox(other)
        self.penn.setAccessibleName("Penn spasm frequency")
        self.penn.addItem("— not assessed —", None)
        for value, text in enumerate(("0: no spasms", "1: only on stimulation", "2: under 1 an hour",
                                      "3: 1–10 an hour", "4: over 10 an hour")):
            self.penn.addItem(text, value)
        form.addRow("Sedat&ion (POSS):", self.poss)
        form.addRow("RASS:", self.rass)
        form.addRow("&Modified Ashworth:", self.mas)
        form.addRow("Penn spasm &frequency:", self.penn)

        checklist = QGroupBox("Withdrawal signs", self)
        box = QVBoxLayout(checklist)
        self.checked = QCheckBox("Checklist &done (tick any sign seen; none ticked = no signs)",
                                 checklist)
        self.checked.setAccessibleName("Withdrawal checklist done")
        box.addWidget(self.checked)
        self.signs: dict[Sign, QCheckBox] = {}
        for title, group in (("Early", EARLY_SIGNS), ("Late — emergency", LATE_SIGNS)):
            box.addWidget(QLabel(f"<b>{title}</b>", checklist))
            for sign in sorted(group, key=lambda s: list(Sign).index(s)):
                check = QCheckBox(SIGN_LABELS[sign], checklist)
                check.setAccessibleName(f"Withdrawal sign: {SIGN_LABELS[sign]}")
                check.toggled.connect(self._sign_toggled)
                self.signs[sign] = check
                box.addWidget(check)

        self.taken = QDateTimeEdit(self)
        self.taken.setAccessibleName("Time taken")
        self.taken.setDisplayFormat("dd MMM yyyy HH:mm")
        self.taken.setTimeZone(QTimeZone(str(ctx.zone).encode()))
        now = ctx.now()
        self.taken.setDateTime(QDateTime.fromSecsSinceEpoch(int(now.timestamp()),
                                                            QTimeZone(str(ctx.zone).encode())))
        self.note = QLineEdit(self)
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("Anything the next nurse should know")
        bottom = QFormLayout()
        bottom.addRow("Taken &at:", self.taken)
        bottom.addRow("&Note:", self.note)

        self.error = problem_label(self, "obsError")

        self.buttons, self.save_button = accept_cancel(self, "&Save", self.submit)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.submit)

        left = QVBoxLayout()
        left.addWidget(vitals)
        left.addWidget(other)
        left.addStretch(1)
        columns = QHBoxLayout()
        columns.addLayout(left, 3)
        columns.addWidget(checklist, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(columns)
        layout.addLayout(bottom)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.update_scores()
        self.fields["rr"].setFocus()

    # -- put away and opened again (gui/form_state.py) ------------------------------------------

    form_kind = "observations"

    def _state_widgets(self) -> dict[str, QWidget]:
        return {**self.fields, "acvpu": self.acvpu, "oxygen": self.oxygen, "poss": self.poss,
                "rass": self.rass, "mas": self.mas, "penn": self.penn, "checked": self.checked,
                **{f"sign.{sign.value}": box for sign, box in self.signs.items()},
                "taken": self.taken, "note": self.note}

    def form_state(self) -> dict:
        """The form as typed (``restore_state`` types it back in); the request id too, so a
        set saved before the lock is not stored twice."""
        return {"fields": widget_values(self._state_widgets()), "request_id": self.request_id}

    def restore_state(self, state: dict) -> None:
        values = dict(state.get("fields", {}))
        oxygen = values.pop("oxygen", None)
        set_widget_values(self._state_widgets(), values)
        if isinstance(oxygen, bool):
            (self.oxygen if oxygen else self.air).setChecked(True)
        if isinstance(state.get("request_id"), str):
            self.request_id = state["request_id"]
        self.update_scores()

    def _oxygen_widget(self, parent: QWidget) -> QWidget:
        holder = QWidget(parent)
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        self.air = QRadioButton("Air", holder)
        self.oxygen = QRadioButton("Oxygen", holder)
        self.air.setChecked(True)
        self.air.setAccessibleName("On air")
        self.oxygen.setAccessibleName("On oxygen")
        group = QButtonGroup(holder)
        group.addButton(self.air)
        group.addButton(self.oxygen)
        self.air.toggled.connect(self.update_scores)
        row.addWidget(self.air)
        row.addWidget(self.oxygen)
        row.addStretch(1)
        holder.setFocusProxy(self.air)
        return holder

    def _sign_toggled(self, on: bool) -> None:
        if on:
            self.checked.setChecked(True)

    # -- live scoring ---------------------------------------------------------------------------

    def _vital(self, key: str) -> tuple[float | None, str | None]:
        """The value typed in a field, and a problem with it (out of range) if any."""
        try:
            value = _number(self.fields[key].text())
        except ValueError:
            return None, "not a number"
        if value is None:
            return None, None
        low, high, unit = RANGES[key]
        if not low <= value <= high:
            return None, f"out of range: {low:g}–{high:g}"
        return value, None

    def _draft(self) -> tuple[Observation, dict[str, str]]:
        values: dict[str, float | None] = {}
        problems: dict[str, str] = {}
        for key in self.fields:
            value, problem = self._vital(key)
            values[key] = value
            if problem:
                problems[key] = problem
        acvpu = self.acvpu.currentData()
        draft = Observation(
            id=0, patient_id=self.patient.id, taken_at=self.ctx.now(),
            rr=_int(values["rr"]), spo2=_int(values["spo2"]), sbp=_int(values["sbp"]),
            hr=_int(values["hr"]), temp=values["temp"],
            acvpu=Acvpu(acvpu) if acvpu else None, on_oxygen=self.oxygen.isChecked())
        return draft, problems

    def update_scores(self) -> None:
        draft, problems = self._draft()
        score = news2(draft, self.hypercapnic)
        for key, label in self.score_labels.items():
            if key in problems:
                self._paint(label, f"⚠ {problems[key]}", None, problem=True)
            elif key in score.scores:
                points = score.scores[key]
                self._paint(label, f"scores {points}", points)
            else:
                self._paint(label, "—", None)
        band = score.response
        if problems:
            text = "Check the values marked ⚠ before saving."
        elif not draft.has_vitals:
            text = "NEWS2: no vital signs entered (sedation, spasticity or signs can be saved alone)."
        else:
            text = f"<b>{score.text()}</b>"
            if band is not None:
                text += f" — {RESPONSE_TEXT[band]}"
            elif not score.complete:
                text += " — not a score yet: complete the set"
        self.total.setText(text)
        level = {Response.HIGH: 3, Response.MEDIUM: 2, Response.LOW_MEDIUM: 2,
                 Response.LOW: 1}.get(band, 0) if band else None
        self._paint(self.total, self.total.text(), level)

    @staticmethod
    def _paint(label: QLabel, text: str, points: int | None, *, problem: bool = False) -> None:
        label.setText(text)
        if problem:
            label.setStyleSheet("color: #9b1c1c; font-weight: bold;")
        elif points is None:
            label.setStyleSheet("")
        else:
            label.setStyleSheet(f"background: {SCORE_BACKGROUND[points]}; color: {INK.name()}; "
                                f"padding: 2px 6px; border-radius: 3px;"
                                f"{' font-weight: bold;' if points >= 2 else ''}")

    # -- saving ---------------------------------------------------------------------------------

    def new_observation(self) -> obs_svc.NewObservation:
        """What is in the form, as the service takes it (ranges are checked by the service)."""
        values: dict[str, float | None] = {}
        for key, edit in self.fields.items():
            try:
                values[key] = _number(edit.text())
            except ValueError:
                raise InvalidInput(key, f"{LABELS[key]} '{edit.text()}' is not a number.") from None
        try:
            rass = _number(self.rass.text())
        except ValueError:
            raise InvalidInput("rass", "RASS must be a whole number from -5 to +4.") from None
        vitals = any(v is not None for v in values.values()) or self.acvpu.currentData()
        taken = self.taken.dateTime().toSecsSinceEpoch()
        from datetime import UTC, datetime

        acvpu, poss = self.acvpu.currentData(), self.poss.currentData()
        return obs_svc.NewObservation(
            patient_id=self.patient.id, rr=values["rr"], spo2=values["spo2"],
            on_oxygen=self.oxygen.isChecked() if vitals else None, sbp=values["sbp"],
            hr=values["hr"], acvpu=Acvpu(acvpu) if acvpu else None, temp=values["temp"],
            poss=Poss(poss) if poss else None, rass=rass, mas=self.mas.currentData(),
            penn=self.penn.currentData(),
            signs=frozenset(s for s, c in self.signs.items() if c.isChecked()),
            signs_checked=self.checked.isChecked(), note=self.note.text().strip() or None,
            taken_at=datetime.fromtimestamp(taken, UTC), client_id=self.request_id)

    def show_problem(self, message: str) -> None:
        show_problem(self.error, message)

    def submit(self) -> None:
        try:
            new = self.new_observation()
            self.recorded = self.ops.run(lambda: obs_svc.add_observation(self.ctx, new))
        except WardError as exc:
            show_error(self.error, exc, {
                **self.fields, "acvpu": self.acvpu, "poss": self.poss, "rass": self.rass,
                "mas": self.mas, "penn": self.penn, "note": self.note, "taken": self.taken})
            return
        self.accept()


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)


__all__ = ["ObservationDialog", "Poss"]
