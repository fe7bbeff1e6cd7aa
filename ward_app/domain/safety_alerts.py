"""Alert rules from what is known about the patient (clinical-rules §5, §10): safety flags,
co-medications by WHO ATC class (and those the app cannot classify), planned surgery, and a high
dose for alcohol use disorder. Each applies while the patient is on baclofen."""

from __future__ import annotations

from datetime import datetime, time

from ward_app.domain.alerts import Alert, PatientSnapshot, Severity
from ward_app.domain.clock import age_on
from ward_app.domain.dose_alerts import in_force
from ward_app.domain.drugs import DrugClass, classified, recognised
from ward_app.domain.orders import Indication, Route
from ward_app.domain.patient import Flag
from ward_app.domain.rules import Thresholds

SRC_FLAGS = "clinical-rules §5: safety flags on the patient (labels; seed article)"
SRC_INTERACT = ("clinical-rules §5, §10: interactions by WHO ATC class (UK SmPC, US PI §7; codes: "
                "WHO ATC/DDD Index)")
SRC_UNKNOWN = "clinical-rules §10: a co-medicine the app cannot classify: ask the pharmacist"
SRC_AUD = ("clinical-rules §5: alcohol use disorder above the usual maximum (seed article: higher "
           "doses increase neuropsychiatric adverse effects)")

_FLAG_RULES = {
    Flag.DEMENTIA: ("flag.dementia", Severity.WARNING,
                    "Dementia: avoid baclofen entirely in dementia; prefer alternatives (seed "
                    "article). Ask the prescriber to review; watch for confusion."),
    Flag.PREGNANCY: ("flag.pregnancy", Severity.WARNING,
                     "Pregnancy: use only if the benefit justifies the risk; plan to taper and stop "
                     "before delivery if feasible; warn about neonatal withdrawal (increased muscle "
                     "tone, tremor, jitteriness, seizures)."),
    Flag.EPILEPSY: ("flag.epilepsy", Severity.INFO,
                    "Epilepsy: baclofen may worsen seizure control; monitor."),
    Flag.FUNCTIONAL_SPASTICITY: (
        "flag.functional_spasticity", Severity.INFO,
        "Spasticity maintains this patient's posture or function: reducing spasticity may cost "
        "the patient posture, standing or transfers. Assess function (posture, standing, "
        "transfers) before and after every dose change; tell the prescriber of any loss."),
}


def _midnight(s: PatientSnapshot, now: datetime) -> datetime:
    """The start of the ward's day (local midnight) containing ``now``."""
    day = now.astimezone(s.zone).date()
    return datetime.combine(day, time(0), tzinfo=s.zone).astimezone(now.tzinfo)


def flag_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    if in_force(s.versions, now) is None:
        return []
    out = []
    for flag, (rule, severity, message) in _FLAG_RULES.items():
        if flag in s.patient.flags:
            out.append(s.alert(rule, severity, message, s.flag_since.get(flag, now), SRC_FLAGS))
    age = age_on(s.patient.dob, now.astimezone(s.zone).date())
    if Flag.FALL_RISK in s.patient.flags or age >= int(t.falls_age):
        why = "fall risk" if Flag.FALL_RISK in s.patient.flags else f"age {age}"
        out.append(s.alert("flag.falls", Severity.INFO,
                           f"Falls ({why}): baclofen causes sedation, dizziness, unsteadiness "
                           "(ataxia) and nystagmus; check gait and balance and look for nystagmus "
                           "and ataxia, above all after a dose increase; call bell in reach, "
                           "assist when walking.",
                           s.flag_since.get(Flag.FALL_RISK, _midnight(s, now)),
                           SRC_FLAGS, age=age))
    return out


def interaction_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    """One alert per co-medication and rule (its classes and ATC codes named), and
    interaction.unknown for a co-medication the ATC table does not know."""
    if in_force(s.versions, now) is None:
        return []
    out = []
    for drug in s.comeds:
        if not recognised(drug):
            out.append(s.alert("interaction.unknown", Severity.INFO,
                               f"{drug}: not recognised: check interactions with the pharmacist.",
                               _midnight(s, now), SRC_UNKNOWN, drug.casefold(), drug=drug))
            continue
        by_rule: dict[str, list[tuple[DrugClass, str]]] = {}
        for cls, code in classified(drug):
            by_rule.setdefault(cls.rule, []).append((cls, code))
        for rule, found in by_rule.items():
            first = found[0][0]
            named = "; ".join(f"{cls.label}; ATC {code}" for cls, code in found)
            out.append(s.alert(rule, first.severity,
                               f"{drug} ({named}) with baclofen: {first.effect}.",
                               _midnight(s, now), SRC_INTERACT, drug.casefold(), drug=drug,
                               drug_class=", ".join(cls.label for cls, _ in found),
                               atc=", ".join(code for _, code in found)))
    return out


def periop_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    surgery = s.patient.surgery_date
    order = in_force(s.versions, now)
    if surgery is None or order is None or surgery < now.astimezone(s.zone).date():
        return []
    extra = (" Intrathecal therapy: involve the ITB specialist team."
             if order.route is Route.INTRATHECAL else "")
    return [s.alert("periop.continue", Severity.INFO,
                    f"Surgery planned {surgery:%d %b}: continue baclofen, including on the day of the "
                    f"operation; tell the anaesthetist (added sedation).{extra}",
                    _midnight(s, now), "clinical-rules §5: surgery",
                    surgery.isoformat(), surgery=surgery.isoformat())]


def aud_alerts(s: PatientSnapshot, now: datetime, t: Thresholds) -> list[Alert]:
    """aud.high_dose: baclofen for alcohol use disorder (the order's indication) at a daily dose
    above the usual maximum (``oral.max_daily_warning_mg``): watch for neuropsychiatric effects."""
    order = in_force(s.versions, now)
    if order is None or order.indication is not Indication.ALCOHOL_USE_DISORDER:
        return []
    daily, limit = order.daily_mg, float(t.oral_max_daily_warning_mg)
    if daily is None or daily <= limit:
        return []
    return [s.alert("aud.high_dose", Severity.WARNING,
                    f"Baclofen for alcohol use disorder at {daily:g} mg/day (above {limit:g} "
                    "mg/day): higher doses bring more neuropsychiatric effects. Watch for "
                    "confusion, mood change and hallucinations at every check; tell the "
                    "prescriber if they appear.", order.starts_at, SRC_AUD, str(order.id),
                    daily_mg=daily, limit_mg=limit, indication=order.indication.value)]


RULES = [flag_alerts, interaction_alerts, periop_alerts, aud_alerts]
