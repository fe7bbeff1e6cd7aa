"""Alert rules from observations, labs, flags and co-medications (clinical-rules §3–§5).

NEWS2 triggers, toxicity (sedation, breathing, circulation, temperature, consciousness),
withdrawal signs and rebound spasticity, renal function, safety flags, interactions, surgery,
and overdue observations or withdrawal checks.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from ward_app.domain.alerts import Alert, PatientSnapshot, Severity
from ward_app.domain.clock import age_on
from ward_app.domain.dose_alerts import Watch, in_force, withdrawal_watches
from ward_app.domain.drugs import classes_of
from ward_app.domain.news2 import LABELS, news2, next_obs_interval
from ward_app.domain.observations import (
    EARLY_SIGNS,
    LATE_SIGNS,
    MAS_STEPS,
    SIGN_LABELS,
    Acvpu,
    Observation,
    Poss,
)
from ward_app.domain.orders import OrderAction, Route
from ward_app.domain.patient import Flag, sci_at_or_above
from ward_app.domain.rules import Thresholds

SRC_NEWS2 = "clinical-rules §3: NEWS2, Royal College of Physicians 2017, Charts 1, 2 and 4"
SRC_POSS = "clinical-rules §3: POSS (Pasero 1994): 3 unacceptable, reduce dose; 4 stop and escalate"
SRC_TOX = "clinical-rules §4: toxicity signs (label; Canadian monograph); renal impairment raises severity"
SRC_WD = "clinical-rules §4: withdrawal signs (label boxed warning; Medtronic emergency card)"
SRC_RENAL = "clinical-rules §3: eGFR 30-60 reduce (Beers 2023); <30 or dialysis avoid"
SRC_FLAGS = "clinical-rules §5: safety flags on the patient"
SRC_INTERACT = "clinical-rules §5: interaction flags (UK SmPC, US PI §7)"
SRC_MONITOR = "clinical-rules §3, §4: NEWS2 sets the next observation; withdrawal checks every 4 h"

LATE_MESSAGE = ("Possible baclofen withdrawal — potentially fatal for intrathecal therapy. Urgent "
                "medical review; restore baclofen; oral baclofen/benzodiazepine bridge per "
                "prescriber.")
DYSREFLEXIA_HINT = ("Spinal cord injury at T6 or above: autonomic dysreflexia usually brings HIGH "
                    "blood pressure, withdrawal more often LOW blood pressure.")


def _latest(s: PatientSnapshot, pred) -> Observation | None:  # type: ignore[no-untyped-def]
    return next((o for o in reversed(s.observations) if pred(o)), None)


def _renal_impaired(s: PatientSnapshot, t: Thresholds) -> bool:
    lab = s.lab
    return lab is not None and (lab.dialysis or (
        lab.egfr is not None and lab.egfr < float(t.renal_reduce_below_egfr)))


def _midnight(s: PatientSnapshot, now: datetime) -> datetime:
    """The start of the ward's day (local midnight) containing ``now``."""
    day = now.astimezone(s.zone).date()
    return datetime.combine(day, time(0), tzinfo=s.zone).astimezone(now.tzinfo)


def _on_baclofen(s: PatientSnapshot, now: datetime) -> Route | None:
    order = in_force(s.versions, now)
    return order.route if order is not None else None


def news2_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    obs = _latest(s, lambda o: o.has_vitals)
    if obs is None:
        return []
    score = news2(obs, Flag.HYPERCAPNIC in s.patient.flags)
    values = {"news2": score.total, "complete": score.complete, "scores": score.scores,
              "missing": list(score.missing), "taken_at": obs.taken_at.astimezone(s.zone).isoformat(
                  timespec="minutes")}
    key = str(obs.id)
    if score.total >= 7:
        return [s.alert("news2.emergency", Severity.EMERGENCY,
                        f"{score.text()}: emergency response. Call the critical care / medical "
                        "emergency team now; continuous monitoring; consider level 2/3 care.",
                        obs.taken_at, SRC_NEWS2, key, **values)]
    if score.total >= 5:
        return [s.alert("news2.urgent", Severity.URGENT,
                        f"{score.text()}: urgent review by a clinician competent in acute illness; "
                        "observations at least hourly.", obs.taken_at, SRC_NEWS2, key, **values)]
    if score.single_3:
        worst = [LABELS[k] for k, v in score.scores.items() if v == 3]
        return [s.alert("news2.single_3", Severity.WARNING,
                        f"{score.text()} with a score of 3 in {', '.join(worst)}: inform the "
                        "medical team; observations at least hourly.", obs.taken_at, SRC_NEWS2, key,
                        **values)]
    return []


def _toxicity_applies(s: PatientSnapshot, now: datetime, t: Thresholds) -> bool:
    """On baclofen now, or stopped within a withdrawal watch (it is still in the body, longer
    with poor kidney function; a stop for a serious adverse reaction may be an overdose)."""
    if _on_baclofen(s, now) is not None:
        return True
    watch = timedelta(hours=float(t.withdrawal_watch_hours))
    return any(v.action is OrderAction.STOP and v.starts_at <= now < v.starts_at + watch
               for v in s.versions)


def toxicity_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    """Signs of too much baclofen: sedation from the latest sedation score, breathing,
    circulation, temperature and consciousness from the latest vital signs (each its own
    latest, so a sedation-only entry never hides a slow breathing rate). Renal impairment raises
    them one step."""
    if not _toxicity_applies(s, now, t):
        return []
    found: list[tuple[str, Severity, str, dict, Observation]] = []
    sedated = _latest(s, lambda o: o.poss is not None or o.rass is not None)
    if sedated is not None:
        poss, rass = sedated.poss, sedated.rass
        values = {"poss": poss.value if poss else None, "rass": rass}
        if poss is Poss.SOMNOLENT or (rass is not None and rass <= int(t.toxicity_rass_emergency)):
            found.append(("toxicity.sedation", Severity.EMERGENCY,
                          "Somnolent, minimal or no response (POSS 4 / RASS -4 or lower): do not "
                          "give the next baclofen dose; call the medical team now; check "
                          "breathing.", values, sedated))
        elif poss is Poss.FREQUENTLY_DROWSY or (
                rass is not None and rass <= int(t.toxicity_rass_urgent)):
            found.append(("toxicity.sedation", Severity.URGENT,
                          "Too drowsy (POSS 3 / RASS -3): ask the prescriber to reduce the dose "
                          "before the next one; watch respiratory rate and sedation closely.",
                          values, sedated))
    obs = _latest(s, lambda o: o.has_vitals)
    high_sci = s.patient.sci_level is not None and sci_at_or_above(s.patient.sci_level)
    if obs is not None:
        if obs.rr is not None and obs.rr <= int(t.toxicity_rr_at_or_below):
            found.append(("toxicity.respiratory", Severity.URGENT,
                          f"Respiratory rate {obs.rr}/min: possible respiratory depression. Medical "
                          "review now; hold sedating medicines.", {"rr": obs.rr}, obs))
        if obs.hr is not None and obs.hr <= int(t.toxicity_hr_at_or_below):
            found.append(("toxicity.bradycardia", Severity.URGENT,
                          f"Pulse {obs.hr}/min (NEWS2 3): medical review now.", {"hr": obs.hr}, obs))
        if obs.sbp is not None and obs.sbp <= int(t.toxicity_sbp_at_or_below):
            found.append(("toxicity.hypotension", Severity.URGENT,
                          f"Systolic BP {obs.sbp} mmHg (NEWS2 3): medical review now. On "
                          "intrathecal therapy low BP can also be early withdrawal."
                          + (f" {DYSREFLEXIA_HINT}" if high_sci else ""), {"sbp": obs.sbp}, obs))
        if obs.temp is not None and round(obs.temp, 1) <= float(t.toxicity_temp_at_or_below):
            found.append(("toxicity.hypothermia", Severity.URGENT,
                          f"Temperature {obs.temp:g} °C: hypothermia can be baclofen toxicity. "
                          "Medical review; warm the patient.", {"temp": obs.temp}, obs))
        if obs.acvpu is Acvpu.UNRESPONSIVE:
            found.append(("toxicity.coma", Severity.EMERGENCY,
                          "Unresponsive: call the medical emergency team now; protect the airway.",
                          {"acvpu": obs.acvpu.value}, obs))
        elif obs.acvpu in (Acvpu.CONFUSION, Acvpu.VOICE, Acvpu.PAIN):
            found.append(("toxicity.consciousness", Severity.URGENT,
                          f"New confusion or reduced consciousness (ACVPU {obs.acvpu.value}): "
                          "medical review now; consider baclofen toxicity (and withdrawal if doses "
                          "were missed).", {"acvpu": obs.acvpu.value}, obs))
    renal = _renal_impaired(s, t)
    out = []
    for rule, severity, message, values, source_obs in found:
        if renal:
            severity = severity.raised()
            message += " Renal impairment: toxicity builds up; haemodialysis can reverse it."
        out.append(s.alert(rule, severity, message, source_obs.taken_at, SRC_TOX if rule != (
            "toxicity.sedation") else SRC_POSS, str(source_obs.id), renal_impairment=renal,
            **values))
    return out


def withdrawal_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    route = _on_baclofen(s, now) or _last_route(s, now)
    if route is None:
        return []  # never on baclofen here: these signs are not baclofen withdrawal
    out: list[Alert] = []
    high_sci = s.patient.sci_level is not None and sci_at_or_above(s.patient.sci_level)
    checked = _latest(s, lambda o: bool(o.signs))
    if checked is not None:
        late = sorted(x.value for x in checked.signs & LATE_SIGNS)
        early = sorted(x.value for x in checked.signs & EARLY_SIGNS)
        hint = f" {DYSREFLEXIA_HINT}" if high_sci else ""
        labels = ", ".join(SIGN_LABELS[x] for x in sorted(checked.signs, key=lambda x: x.value))
        values = {"signs": late + early, "sbp": checked.sbp, "route": route.value if route else None}
        if late:
            out.append(s.alert("withdrawal.late", Severity.EMERGENCY,
                               f"{LATE_MESSAGE} Signs: {labels}.{hint}", checked.taken_at, SRC_WD,
                               str(checked.id), **values))
        elif early:
            itb = route is Route.INTRATHECAL
            out.append(s.alert(
                "withdrawal.early", Severity.URGENT if itb else Severity.WARNING,
                f"Early withdrawal signs: {labels}. Check the last doses"
                f"{', the pump reservoir, alarms and catheter' if itb else ''}; ask for a medical "
                f"review.{hint}", checked.taken_at, SRC_WD, str(checked.id), **values))
    baseline = s.baseline_mas
    latest_mas = _latest(s, lambda o: o.mas is not None)
    if baseline is not None and latest_mas is not None and latest_mas.mas is not None:
        rise = MAS_STEPS.index(latest_mas.mas) - MAS_STEPS.index(baseline)
        if rise >= 2:
            itb = route is Route.INTRATHECAL
            out.append(s.alert(
                "withdrawal.rebound_spasticity", Severity.URGENT if itb else Severity.WARNING,
                f"Spasticity has risen from the patient's baseline (Modified Ashworth {baseline} "
                f"to {latest_mas.mas}): a sign of withdrawal. Check the last doses"
                f"{' and the pump' if itb else ''}; ask for a medical review.",
                latest_mas.taken_at, SRC_WD, str(latest_mas.id), baseline=baseline,
                mas=latest_mas.mas, steps=rise))
    return out


def _last_route(s: PatientSnapshot, now: datetime) -> Route | None:
    """The route of the last order that had started by ``now`` (an order yet to start does not
    make today's signs baclofen withdrawal)."""
    started = sorted((v for v in s.versions if v.action.value != "stop" and v.starts_at <= now),
                     key=lambda v: (v.starts_at, v.id))
    return started[-1].route if started else None


def renal_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    lab = s.lab
    if lab is None or _on_baclofen(s, now) is None:
        return []
    avoid, reduce = float(t.renal_avoid_below_egfr), float(t.renal_reduce_below_egfr)
    values = {"egfr": lab.egfr, "dialysis": lab.dialysis,
              "taken_at": lab.taken_at.astimezone(s.zone).date().isoformat()}
    if lab.dialysis or (lab.egfr is not None and lab.egfr < avoid):
        what = "on dialysis" if lab.dialysis else f"eGFR {lab.egfr:g}"
        return [s.alert("renal.avoid", Severity.URGENT,
                        f"Severe renal impairment ({what}): baclofen should be avoided or the dose "
                        "greatly reduced. Ask the prescriber to review today; watch for drowsiness, "
                        "confusion and slow breathing.", lab.taken_at, SRC_RENAL, str(lab.id),
                        **values)]
    if lab.egfr is not None and lab.egfr < reduce:
        return [s.alert("renal.reduce", Severity.WARNING,
                        f"Reduced renal function (eGFR {lab.egfr:g}): the dose should be reduced; "
                        "in older adults avoid if possible (Beers). Ask the prescriber to review.",
                        lab.taken_at, SRC_RENAL, str(lab.id), **values)]
    return []


_FLAG_RULES = {
    Flag.DEMENTIA: ("flag.dementia", Severity.WARNING,
                    "Dementia: avoid baclofen where possible; prefer alternatives; watch for "
                    "confusion."),
    Flag.PREGNANCY: ("flag.pregnancy", Severity.WARNING,
                     "Pregnancy: use only if the benefit justifies the risk; plan to taper and stop "
                     "before delivery if feasible; warn about neonatal withdrawal."),
    Flag.EPILEPSY: ("flag.epilepsy", Severity.INFO,
                    "Epilepsy: baclofen may worsen seizure control; monitor."),
}


def flag_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    if _on_baclofen(s, now) is None:
        return []
    out = []
    for flag, (rule, severity, message) in _FLAG_RULES.items():
        if flag in s.patient.flags:
            out.append(s.alert(rule, severity, message, s.flag_since.get(flag, now), SRC_FLAGS))
    age = age_on(s.patient.dob, now.astimezone(s.zone).date())
    if Flag.FALL_RISK in s.patient.flags or age >= int(t.falls_age):
        why = "fall risk" if Flag.FALL_RISK in s.patient.flags else f"age {age}"
        out.append(s.alert("flag.falls", Severity.INFO,
                           f"Falls ({why}): baclofen causes sedation and dizziness; check gait, "
                           "call bell in reach, assist when walking.",
                           s.flag_since.get(Flag.FALL_RISK, _midnight(s, now)),
                           SRC_FLAGS, age=age))
    return out


def interaction_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    if _on_baclofen(s, now) is None:
        return []
    out = []
    for drug in s.comeds:
        for cls in classes_of(drug):
            out.append(s.alert(cls.rule, cls.severity,
                               f"{drug} ({cls.label}) with baclofen: {cls.effect}.",
                               _midnight(s, now), SRC_INTERACT,
                               drug.casefold(), drug=drug, drug_class=cls.label))
    return out


def periop_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    surgery = s.patient.surgery_date
    route = _on_baclofen(s, now)
    if surgery is None or route is None or surgery < now.astimezone(s.zone).date():
        return []
    extra = " Intrathecal therapy: involve the ITB specialist team." if route is Route.INTRATHECAL else ""
    return [s.alert("periop.continue", Severity.INFO,
                    f"Surgery planned {surgery:%d %b}: continue baclofen, including on the day of the "
                    f"operation; tell the anaesthetist (added sedation).{extra}",
                    _midnight(s, now), "clinical-rules §5: surgery",
                    surgery.isoformat(), surgery=surgery.isoformat())]


def monitoring_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    """Observations overdue on the schedule the last NEWS2 sets; withdrawal checks overdue."""
    out = []
    last = _latest(s, lambda o: o.has_vitals)
    if last is not None and _on_baclofen(s, now) is not None:
        score = news2(last, Flag.HYPERCAPNIC in s.patient.flags)
        due = last.taken_at + next_obs_interval(score, t)
        if now > due:
            out.append(s.alert(
                "monitoring.overdue", Severity.WARNING,
                f"Observations overdue since {due.astimezone(s.zone):%d %b %H:%M} (last "
                f"{score.text()}): take a full set now.", due, SRC_MONITOR, f"obs{last.id}",
                due=due.astimezone(s.zone).isoformat(timespec="minutes"), last_news2=score.total))
    for watch in withdrawal_watches(s, now, t):
        every = watch.check_every(t)
        began = _watch_began(s, watch, t)
        # a withdrawal check is the signs checklist with vital signs (clinical-rules §4)
        checks = [o.taken_at for o in s.observations
                  if o.signs_checked and o.has_vitals and o.taken_at >= began]
        due = (max(checks) if checks else began) + every
        if now > due:
            out.append(s.alert(
                "monitoring.overdue", Severity.WARNING,
                f"Withdrawal check overdue since {due.astimezone(s.zone):%d %b %H:%M} (watch: "
                f"{watch.reason}): check the withdrawal signs and vital signs now.", due,
                SRC_MONITOR, f"watch{watch.key}", due=due.astimezone(s.zone).isoformat(
                    timespec="minutes")))
    return out


def _watch_began(s: PatientSnapshot, watch: Watch, t: Thresholds) -> datetime:
    """When a watch after doses not given began: a further dose not given extends the watch in
    force, it does not restart the clock of its withdrawal checks."""
    began = watch.started
    if watch.kind != "doses":
        return began
    while True:
        earlier = [w.started for w in withdrawal_watches(s, began - timedelta(microseconds=1), t)
                   if w.kind == "doses" and w.started < began]
        if not earlier:
            return began
        began = min(earlier)


RULES = [news2_alerts, toxicity_alerts, withdrawal_alerts, renal_alerts, flag_alerts,
         interaction_alerts, periop_alerts, monitoring_alerts]
