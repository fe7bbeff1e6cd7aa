"""Alert rules from observations and labs (clinical-rules §3, §4, §10).

NEWS2 triggers, toxicity (sedation, breathing, circulation, temperature, consciousness), withdrawal
signs and rebound spasticity (kept for a withdrawal episode until acknowledged with a note), fever or
a fast pulse on a pump patient, renal function, and overdue observations or withdrawal checks. The
safety flags, interactions and surgery are in domain/safety_alerts.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ward_app.domain.alerts import Alert, PatientSnapshot, Severity
from ward_app.domain.dose_alerts import (
    Watch,
    history_hours,
    in_force,
    stopped_for_sar,
    withdrawal_watches,
)
from ward_app.domain.news2 import LABELS, Response, news2, next_obs_interval
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
SRC_NEWS2_LOW = "clinical-rules §3, §10: NEWS2 1-4, RCP 2017 Chart 4 (every 4-6 h; nurse in charge)"
SRC_POSS = "clinical-rules §3: POSS (Pasero 1994): 3 unacceptable, reduce dose; 4 stop and escalate"
SRC_TOX = "clinical-rules §4: toxicity signs (label; Canadian monograph); renal impairment raises severity"
SRC_WD = "clinical-rules §4: withdrawal signs (label boxed warning; Medtronic emergency card)"
SRC_WD_EPISODE = (f"{SRC_WD}; clinical-rules §10: kept until acknowledged with a note, at most the "
                  "withdrawal episode")
SRC_POSSIBLE = ("clinical-rules §10: fever or a fast pulse on intrathecal therapy (boxed-warning "
                "signs; cautious default thresholds)")
SRC_RENAL = "clinical-rules §3, §9: eGFR 30-60 (both included) reduce (Beers 2023); <30 or dialysis avoid"
SRC_MONITOR = "clinical-rules §3, §4: NEWS2 sets the next observation; withdrawal checks every 4 h"

LATE_MESSAGE = ("Possible baclofen withdrawal — potentially fatal for intrathecal therapy. Urgent "
                "medical review; restore baclofen; oral baclofen/benzodiazepine bridge per "
                "prescriber.")
#: After a stop for a serious adverse reaction: never "restore baclofen" (clinical-rules §10).
LATE_AFTER_SAR = ("Possible baclofen withdrawal — potentially fatal for intrathecal therapy. Urgent "
                  "medical review now. Baclofen was stopped for a serious adverse reaction: do not "
                  "restart without the prescriber.")
DYSREFLEXIA_HINT = ("Spinal cord injury at T6 or above: autonomic dysreflexia usually brings HIGH "
                    "blood pressure, withdrawal more often LOW blood pressure.")
#: What every toxicity alert says for a pump patient (clinical-rules §9: never "do not give the
#: next dose"; label: the reservoir may be emptied).
ITB_TOXICITY = ("emergency medical and ITB-team review; support airway and breathing; the ITB team "
                "may empty the pump reservoir")
#: Withdrawal-sign alerts: they stay after a later clean check until acknowledged with a note.
SIGN_RULES = frozenset({"withdrawal.early", "withdrawal.late", "withdrawal.rebound_spasticity"})
STILL_OPEN = (" A later check found no signs: this stays until a nurse acknowledges it with a "
              "note.")


def observation_hours(t: Thresholds) -> float:
    """How far back the rules need observations: the dose history and a withdrawal episode."""
    return max(history_hours(t), float(t.withdrawal_episode_hours))


def settled(alert: Alert) -> bool:
    """A withdrawal-sign alert acknowledged with a note whose signs were followed by a clean check:
    it leaves the active list (clinical-rules §10)."""
    return (alert.rule in SIGN_RULES and alert.acknowledged and bool(alert.ack_note)
            and alert.values.get("clean_check_at") is not None)


def _cap(text: str) -> str:
    return f"{text[0].upper()}{text[1:]}"


def _latest(s: PatientSnapshot, pred) -> Observation | None:  # type: ignore[no-untyped-def]
    return next((o for o in reversed(s.observations) if pred(o)), None)


def _renal_impaired(s: PatientSnapshot, t: Thresholds) -> bool:
    lab = s.lab
    return lab is not None and (lab.dialysis or (
        lab.egfr is not None and lab.egfr <= float(t.renal_reduce_below_egfr)))


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
    if score.response is Response.LOW:
        due = (obs.taken_at + next_obs_interval(score, t)).astimezone(s.zone)
        when = due.strftime("%H:%M" if due.date() == now.astimezone(s.zone).date() else "%d %b %H:%M")
        return [s.alert("news2.low", Severity.INFO,
                        f"{score.text()}: observations every 4–6 h (next set due by {when}); tell "
                        "the nurse in charge, who decides whether a clinician should review.",
                        obs.taken_at, SRC_NEWS2_LOW, key, **values)]
    return []


def _toxicity_applies(s: PatientSnapshot, now: datetime, t: Thresholds) -> bool:
    """On baclofen now, or stopped within a withdrawal watch (it is still in the body, longer
    with poor kidney function; a stop for a serious adverse reaction may be an overdose)."""
    if _on_baclofen(s, now) is not None:
        return True
    watch = timedelta(hours=float(t.withdrawal_watch_hours))
    return any(v.action is OrderAction.STOP and v.starts_at <= now < v.starts_at + watch
               for v in s.versions)


def _toxicity_signs(s: PatientSnapshot, t: Thresholds, itb: bool
                    ) -> list[tuple[str, Severity, str, dict, Observation]]:
    """(rule, severity, message, values, observation) for each toxicity sign: the latest sedation
    score, and breathing, circulation, temperature and consciousness from the latest vital signs.
    A pump patient's messages name the ITB team, never the next dose (clinical-rules §9)."""
    pump = f"{_cap(ITB_TOXICITY)}."
    found: list[tuple[str, Severity, str, dict, Observation]] = []
    sedated = _latest(s, lambda o: o.poss is not None or o.rass is not None)
    if sedated is not None:
        poss, rass = sedated.poss, sedated.rass
        values = {"poss": poss.value if poss else None, "rass": rass}
        if poss is Poss.SOMNOLENT or (rass is not None and rass <= int(t.toxicity_rass_emergency)):
            found.append(("toxicity.sedation", Severity.EMERGENCY,
                          "Somnolent, minimal or no response (POSS 4 / RASS -4 or lower) on "
                          f"intrathecal baclofen: {ITB_TOXICITY}." if itb else
                          "Somnolent, minimal or no response (POSS 4 / RASS -4 or lower): do not "
                          "give the next baclofen dose; call the medical team now; check "
                          "breathing.", values, sedated))
        elif poss is Poss.FREQUENTLY_DROWSY or (
                rass is not None and rass <= int(t.toxicity_rass_urgent)):
            found.append(("toxicity.sedation", Severity.URGENT,
                          f"Too drowsy (POSS 3 / RASS -3) on intrathecal baclofen: {ITB_TOXICITY}. "
                          "Watch respiratory rate and sedation closely." if itb else
                          "Too drowsy (POSS 3 / RASS -3): ask the prescriber to reduce the dose "
                          "before the next one; watch respiratory rate and sedation closely.",
                          values, sedated))
    obs = _latest(s, lambda o: o.has_vitals)
    if obs is None:
        return found
    review = pump if itb else "Medical review now."
    high_sci = s.patient.sci_level is not None and sci_at_or_above(s.patient.sci_level)
    if obs.rr is not None and obs.rr <= int(t.toxicity_rr_at_or_below):
        found.append(("toxicity.respiratory", Severity.URGENT,
                      f"Respiratory rate {obs.rr}/min: possible respiratory depression. {review} "
                      "Hold sedating medicines.", {"rr": obs.rr}, obs))
    if obs.hr is not None and obs.hr <= int(t.toxicity_hr_at_or_below):
        found.append(("toxicity.bradycardia", Severity.URGENT,
                      f"Pulse {obs.hr}/min (NEWS2 3). {review}", {"hr": obs.hr}, obs))
    if obs.sbp is not None and obs.sbp <= int(t.toxicity_sbp_at_or_below):
        found.append(("toxicity.hypotension", Severity.URGENT,
                      f"Systolic BP {obs.sbp} mmHg (NEWS2 3). {review} On intrathecal therapy low "
                      "BP can also be early withdrawal." + (f" {DYSREFLEXIA_HINT}" if high_sci else ""),
                      {"sbp": obs.sbp}, obs))
    if obs.temp is not None and round(obs.temp, 1) <= float(t.toxicity_temp_at_or_below):
        found.append(("toxicity.hypothermia", Severity.URGENT,
                      f"Temperature {obs.temp:g} °C: hypothermia can be baclofen toxicity. {review} "
                      "Warm the patient.", {"temp": obs.temp}, obs))
    if obs.acvpu is Acvpu.UNRESPONSIVE:
        found.append(("toxicity.coma", Severity.EMERGENCY,
                      "Unresponsive: call the medical emergency team now; protect the airway."
                      + (f" {pump}" if itb else ""), {"acvpu": obs.acvpu.value}, obs))
    elif obs.acvpu in (Acvpu.CONFUSION, Acvpu.VOICE, Acvpu.PAIN):
        why = ("consider baclofen toxicity (and withdrawal if the pump may have run low)" if itb
               else "consider baclofen toxicity (and withdrawal if doses were missed)")
        found.append(("toxicity.consciousness", Severity.URGENT,
                      f"New confusion or reduced consciousness (ACVPU {obs.acvpu.value}): {why}. "
                      f"{review}", {"acvpu": obs.acvpu.value}, obs))
    return found


def toxicity_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    """Signs of too much baclofen (each from its own latest, so a sedation-only entry never hides
    a slow breathing rate). Renal impairment raises them one step."""
    if not _toxicity_applies(s, now, t):
        return []
    itb = (_on_baclofen(s, now) or _last_route(s, now)) is Route.INTRATHECAL
    renal = _renal_impaired(s, t)
    out = []
    for rule, severity, message, values, source_obs in _toxicity_signs(s, t, itb):
        if renal:
            severity = severity.raised()
            message += " Renal impairment: toxicity builds up; haemodialysis can reverse it."
        out.append(s.alert(rule, severity, message, source_obs.taken_at, SRC_TOX if rule != (
            "toxicity.sedation") else SRC_POSS, str(source_obs.id), renal_impairment=renal,
            **values))
    return out


def _after(later: Observation, earlier: Observation) -> bool:
    return (later.taken_at, later.id) > (earlier.taken_at, earlier.id)


def _clean_values(s: PatientSnapshot, clean: Observation | None) -> dict[str, str | None]:
    when = clean.taken_at.astimezone(s.zone).isoformat(timespec="minutes") if clean else None
    return {"clean_check_at": when}


def withdrawal_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    """Withdrawal signs ticked on a checklist, and spasticity risen from the baseline, within the
    withdrawal episode (clinical-rules §4, §10): the latest late-sign checklist, the latest
    early-sign one after it, and the latest risen spasticity. Each stays after a later clean check
    (values: clean_check_at) until acknowledged with a note (see ``settled``)."""
    route = _on_baclofen(s, now) or _last_route(s, now)
    if route is None:
        return []  # never on baclofen here: these signs are not baclofen withdrawal
    episode = now - timedelta(hours=float(t.withdrawal_episode_hours))
    recent = [o for o in s.observations if o.taken_at > episode]
    return [*_sign_alerts(s, recent, route, now), *_rebound_alerts(s, recent, route)]


def _sign_alerts(s: PatientSnapshot, recent: list[Observation], route: Route,
                 now: datetime) -> list[Alert]:
    checks = [o for o in recent if o.signs or o.signs_checked]
    late = next((o for o in reversed(checks) if o.signs & LATE_SIGNS), None)
    early = next((o for o in reversed(checks) if o.signs and not o.signs & LATE_SIGNS), None)
    if early is not None and late is not None and _after(late, early):
        early = None  # the later late-sign check supersedes it
    high_sci = s.patient.sci_level is not None and sci_at_or_above(s.patient.sci_level)
    hint = f" {DYSREFLEXIA_HINT}" if high_sci else ""
    itb = route is Route.INTRATHECAL
    out = []
    for found in (late, early):
        if found is None:
            continue
        clean = next((c for c in checks if _after(c, found) and c.signs_checked and not c.signs),
                     None)
        labels = ", ".join(SIGN_LABELS[x] for x in sorted(found.signs, key=lambda x: x.value))
        values = {"signs": sorted(x.value for x in found.signs & LATE_SIGNS)
                  + sorted(x.value for x in found.signs & EARLY_SIGNS),
                  "sbp": found.sbp, "route": route.value, **_clean_values(s, clean)}
        still = STILL_OPEN if clean else ""
        if found is late:
            what = LATE_AFTER_SAR if stopped_for_sar(s.versions, now) else LATE_MESSAGE
            out.append(s.alert("withdrawal.late", Severity.EMERGENCY,
                               f"{what} Signs: {labels}.{hint}{still}", found.taken_at,
                               SRC_WD_EPISODE, str(found.id), **values))
        else:
            out.append(s.alert(
                "withdrawal.early", Severity.URGENT if itb else Severity.WARNING,
                f"Early withdrawal signs: {labels}. Check the last doses"
                f"{', the pump reservoir, alarms and catheter' if itb else ''}; ask for a medical "
                f"review.{hint}{still}", found.taken_at, SRC_WD_EPISODE, str(found.id), **values))
    return out


def _rebound_alerts(s: PatientSnapshot, recent: list[Observation], route: Route) -> list[Alert]:
    baseline = s.baseline_mas
    if baseline is None:
        return []
    readings = [(o, MAS_STEPS.index(o.mas) - MAS_STEPS.index(baseline))
                for o in recent if o.mas is not None]
    risen = next(((o, rise) for o, rise in reversed(readings) if rise >= 2), None)
    if risen is None:
        return []
    obs, rise = risen
    clean = next((o for o, r in readings if _after(o, obs) and r < 2), None)
    itb = route is Route.INTRATHECAL
    return [s.alert(
        "withdrawal.rebound_spasticity", Severity.URGENT if itb else Severity.WARNING,
        f"Spasticity has risen from the patient's baseline (Modified Ashworth {baseline} to "
        f"{obs.mas}): a sign of withdrawal. Check the last doses{' and the pump' if itb else ''}; "
        f"ask for a medical review.{STILL_OPEN if clean else ''}", obs.taken_at, SRC_WD_EPISODE,
        str(obs.id), baseline=baseline, mas=obs.mas, steps=rise, **_clean_values(s, clean))]


def withdrawal_possible_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    """withdrawal.possible: on intrathecal baclofen, the latest vital signs with a temperature at
    or above the setting or a pulse above it, with or without a checklist (clinical-rules §10)."""
    if _on_baclofen(s, now) is not Route.INTRATHECAL:
        return []
    obs = _latest(s, lambda o: o.has_vitals)
    if obs is None:
        return []
    fever = obs.temp is not None and round(obs.temp, 1) >= float(t.withdrawal_possible_temp_c)
    fast = obs.hr is not None and obs.hr > int(t.withdrawal_possible_hr_above)
    if not (fever or fast):
        return []
    found = " and ".join(x for x in (f"Temperature {obs.temp:g} °C" if fever else "",
                                     f"pulse {obs.hr}/min" if fast else "") if x)
    return [s.alert("withdrawal.possible", Severity.URGENT,
                    f"{_cap(found)} on intrathecal baclofen: possible withdrawal. Check "
                    "the withdrawal signs and the pump now (reservoir, alarms, refill date, "
                    "catheter site); ask for a medical review.", obs.taken_at, SRC_POSSIBLE,
                    str(obs.id), temp=obs.temp, hr=obs.hr)]


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
    if lab.egfr is not None and lab.egfr <= reduce:  # 30-60, both included (clinical-rules §9)
        return [s.alert("renal.reduce", Severity.WARNING,
                        f"Reduced renal function (eGFR {lab.egfr:g}): the dose should be reduced; "
                        "in older adults avoid if possible (Beers). Ask the prescriber to review.",
                        lab.taken_at, SRC_RENAL, str(lab.id), **values)]
    return []


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


RULES = [news2_alerts, toxicity_alerts, withdrawal_alerts, withdrawal_possible_alerts, renal_alerts,
         monitoring_alerts]
