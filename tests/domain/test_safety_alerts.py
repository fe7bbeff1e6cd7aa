"""The safety-flag, interaction, surgery and alcohol-use-disorder rules (clinical-rules §5, §10) on
plain snapshots: each fires, says what to do, and stays quiet."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.domain.test_clinical_alerts import (
    NOW,
    START,
    TDS,
    T,
    day,
    itb,
    oral,
    patient,
    snap,
    summary,
)
from ward_app.domain.alerts import Severity
from ward_app.domain.orders import Frequency, Indication, Order, OrderAction, Route
from ward_app.domain.patient import FLAG_LABELS, Flag, Patient, parse_flag
from ward_app.domain.safety_alerts import (
    RULES,
    aud_alerts,
    flag_alerts,
    interaction_alerts,
    periop_alerts,
)

# --- Safety flags (clinical-rules §5) -------------------------------------------------------------


def flags_of(who: Patient, now: datetime = NOW, **kw) -> list[tuple[str, str]]:
    return summary(flag_alerts(snap(who=who, **kw), now, T))


def test_dementia_pregnancy_and_epilepsy_flags():
    since = {Flag.DEMENTIA: day(7, d=21)}
    alerts = flag_alerts(snap(who=patient(Flag.DEMENTIA, Flag.PREGNANCY, Flag.EPILEPSY),
                              flag_since=since), NOW, T)
    assert summary(alerts) == [("flag.dementia", "warning"), ("flag.pregnancy", "warning"),
                               ("flag.epilepsy", "info")]
    dementia, pregnancy, epilepsy = alerts
    assert "avoid baclofen entirely in dementia; prefer alternatives" in dementia.message
    assert dementia.since == day(7, d=21)
    assert "taper and stop before delivery" in pregnancy.message
    assert "neonatal withdrawal (increased muscle tone, tremor, jitteriness, seizures)" in (
        pregnancy.message)
    assert "seizure control" in epilepsy.message


def test_no_flags_no_alerts():
    assert flags_of(patient()) == []
    assert flags_of(patient(Flag.COMMUNICATION_DIFFICULTY, Flag.CIRRHOSIS, Flag.HYPERCAPNIC)) == []


def test_falls_flag_by_fall_risk():
    (alert,) = flag_alerts(snap(who=patient(Flag.FALL_RISK)), NOW, T)
    assert (alert.rule, alert.severity) == ("flag.falls", Severity.INFO)
    assert "fall risk" in alert.message and "check gait" in alert.message
    assert "nystagmus" in alert.message and "ataxia" in alert.message


def test_falls_flag_from_the_65th_birthday():
    who = patient(dob=date(1961, 11, 25))
    assert flags_of(who, day(23, 59, d=24)) == []  # 64
    (alert,) = flag_alerts(snap(who=who), day(0, 1), T)
    assert alert.rule == "flag.falls" and alert.values["age"] == 65 and "age 65" in alert.message


def test_falls_age_is_counted_on_the_ward_date():
    who = patient(dob=date(1961, 6, 15))
    late_evening_utc = datetime(2026, 6, 14, 23, 30, tzinfo=UTC)  # 00:30 on 15 June in London
    june = (oral(start=datetime(2026, 6, 1, tzinfo=UTC)),)
    assert flags_of(who, late_evening_utc, versions=june) == [("flag.falls", "info")]
    assert flags_of(who, late_evening_utc - timedelta(hours=1), versions=june) == []


def test_falls_since_is_a_stable_time_of_day():
    ticking = day(12).replace(microsecond=123456)
    (alert,) = flag_alerts(snap(who=patient(dob=date(1940, 1, 1))), ticking, T)
    assert alert.since == day(0)


def test_no_flag_alerts_when_not_on_baclofen():
    assert flags_of(patient(Flag.DEMENTIA, Flag.FALL_RISK), versions=()) == []


# --- Interactions (clinical-rules §5) -------------------------------------------------------------


@pytest.mark.parametrize("drug, label, atc", [
    ("OxyContin", "opioid", "N02AA05"), ("oxycodone MR", "opioid", "N02AA05"),
    ("Oxycodone MR 5 mg", "opioid", "N02AA05"), ("Lyrica", "gabapentinoid", "N03AX16"),
    ("PREGABALIN 75 mg", "gabapentinoid", "N03AX16"), ("Co-codamol 30/500", "opioid", "N02AJ06"),
    ("diazepam", "benzodiazepine", "N05BA01"), ("Frisium 10 mg", "benzodiazepine", "N05BA09"),
    ("clobazam 10mg tablets", "benzodiazepine", "N05BA09"),
    ("Zopiclone", "Z-drug hypnotic", "N05CF01"), ("tizanidine", "muscle relaxant", "M03BX02"),
    ("Alcohol", "alcohol", "V03AB16"), ("Propofol", "general anaesthetic", "N01AX10"),
    ("Oramorph oral solution", "opioid", "N02AA01"),
    ("phenobarbitone 30 mg", "barbiturate", "N03AA02"),
])
def test_cns_depressants_are_a_warning_naming_the_atc_class(drug, label, atc):
    (alert,) = interaction_alerts(snap(comeds=(drug,)), NOW, T)
    assert (alert.rule, alert.severity) == ("interaction.cns", Severity.WARNING)
    assert alert.message.startswith(f"{drug} (CNS depressant: {label}; ATC {atc}) with baclofen")
    assert "sedation" in alert.message and "respiratory rate" in alert.message
    assert alert.values == {"drug": drug, "drug_class": f"CNS depressant: {label}", "atc": atc}
    assert alert.key == f"interaction.cns:1:{drug.casefold()}"
    assert alert.since == day(0)


def test_one_name_with_two_cns_classes_is_one_alert_naming_both():
    (alert,) = interaction_alerts(snap(comeds=("tramadol + diazepam",)), NOW, T)
    assert alert.values["drug_class"] == "CNS depressant: opioid, CNS depressant: benzodiazepine"
    assert alert.message.startswith("tramadol + diazepam (CNS depressant: opioid; ATC N02AX02; "
                                    "CNS depressant: benzodiazepine; ATC N05BA01) with baclofen")
    assert alert.values["atc"] == "N02AX02, N05BA01"


@pytest.mark.parametrize("drug", ["Vitamin D", "Levetiracetam 500 mg", "Xyzzyl", "Oxybutynin"])
def test_a_comedication_not_recognised_asks_for_the_pharmacist(drug):
    (alert,) = interaction_alerts(snap(comeds=(drug,)), NOW, T)
    assert (alert.rule, alert.severity) == ("interaction.unknown", Severity.INFO)
    assert alert.message == f"{drug}: not recognised: check interactions with the pharmacist."
    assert alert.values == {"drug": drug} and alert.key == f"interaction.unknown:1:{drug.casefold()}"


@pytest.mark.parametrize("drug, rule, words", [
    ("Amlodipine", "interaction.antihypertensive", "blood pressure"),
    ("Sinemet", "interaction.levodopa", "confusion"),
    ("amitriptyline", "interaction.tca", "hypotonia"),
    ("Priadel", "interaction.lithium", "hyperkinetic"),
    ("Ibuprofen", "interaction.renal", "renal function"),
])
def test_other_interactions_are_information(drug, rule, words):
    (alert,) = interaction_alerts(snap(comeds=(drug,)), NOW, T)
    assert (alert.rule, alert.severity) == (rule, Severity.INFO)
    assert words in alert.message


def test_recognised_drugs_without_an_interaction_raise_nothing():
    assert interaction_alerts(snap(comeds=("Paracetamol", "Omeprazole 20 mg", "Senna")), NOW,
                              T) == []
    assert interaction_alerts(snap(), NOW, T) == []


def test_each_comedication_alerts_on_its_own():
    alerts = interaction_alerts(snap(comeds=("Morphine", "Paracetamol", "Ramipril")), NOW, T)
    assert [(a.rule, a.values["drug"]) for a in alerts] == [
        ("interaction.cns", "Morphine"), ("interaction.antihypertensive", "Ramipril")]


def test_no_interaction_alerts_when_not_on_baclofen():
    assert interaction_alerts(snap(comeds=("OxyContin", "Xyzzyl"), versions=()), NOW, T) == []


# --- Surgery (clinical-rules §5) ------------------------------------------------------------------


@pytest.mark.parametrize("surgery", [date(2026, 11, 25), date(2026, 11, 26), date(2026, 12, 20)])
def test_surgery_today_or_later_continue_baclofen(surgery):
    (alert,) = periop_alerts(snap(who=patient(surgery=surgery)), NOW, T)
    assert (alert.rule, alert.severity) == ("periop.continue", Severity.INFO)
    assert "continue baclofen, including on the day of the operation" in alert.message
    assert "anaesthetist" in alert.message and "ITB" not in alert.message
    assert alert.values == {"surgery": surgery.isoformat()}


def test_surgery_on_intrathecal_therapy_involves_the_specialist_team():
    (alert,) = periop_alerts(snap(who=patient(surgery=date(2026, 11, 26)), versions=(itb(),)), NOW, T)
    assert "ITB specialist team" in alert.message


def test_no_periop_alert_after_surgery_or_without_it():
    assert periop_alerts(snap(who=patient(surgery=date(2026, 11, 24))), NOW, T) == []
    assert periop_alerts(snap(), NOW, T) == []
    assert periop_alerts(snap(who=patient(surgery=date(2026, 11, 26)), versions=()), NOW, T) == []


def test_surgery_day_is_the_ward_date():
    after_midnight = datetime(2026, 6, 14, 23, 30, tzinfo=UTC)  # 15 June 00:30 in London
    june = (oral(start=datetime(2026, 6, 1, tzinfo=UTC)),)
    yesterday = snap(who=patient(surgery=date(2026, 6, 14)), versions=june)
    assert periop_alerts(yesterday, after_midnight, T) == []
    (alert,) = periop_alerts(snap(who=patient(surgery=date(2026, 6, 15)), versions=june),
                             after_midnight, T)
    assert "15 Jun" in alert.message


# --- Spasticity that maintains function (clinical-rules §5) ---------------------------------------


def test_functional_spasticity_flag_reads_on_the_board_and_advises_assessing_function():
    assert parse_flag("functional_spasticity") is Flag.FUNCTIONAL_SPASTICITY
    assert FLAG_LABELS[Flag.FUNCTIONAL_SPASTICITY] == "Spasticity maintains posture/function"
    assert set(FLAG_LABELS) == set(Flag)
    (alert,) = flag_alerts(snap(who=patient(Flag.FUNCTIONAL_SPASTICITY)), NOW, T)
    assert (alert.rule, alert.severity) == ("flag.functional_spasticity", Severity.INFO)
    for words in ("posture, standing or transfers", "before and after every dose change"):
        assert words in alert.message


def test_the_old_flags_still_parse():
    for text in ("dementia", "pregnancy", "epilepsy", "fall_risk", "communication_difficulty",
                 "previous_withdrawal", "hypercapnic", "npo", "cirrhosis", "alcohol_use_disorder"):
        assert parse_flag(text).value == text


# --- Alcohol use disorder at a high dose (clinical-rules §5) --------------------------------------


def aud(dose: float, indication: Indication | None = Indication.ALCOHOL_USE_DISORDER,
        route: Route = Route.ORAL) -> Order:
    return Order(1, 1, OrderAction.START, route, START, dose_mg=dose, times=TDS,
                 frequency=Frequency.TDS, indication=indication, override_reason="AUD protocol")


@pytest.mark.parametrize("dose, fires", [(26, False), (80 / 3, False), (27, True), (40, True)])
def test_alcohol_use_disorder_above_the_usual_maximum_watches_neuropsychiatric_effects(dose, fires):
    alerts = aud_alerts(snap(versions=(aud(dose),)), NOW, T)
    assert bool(alerts) is fires
    if fires:
        (alert,) = alerts
        assert (alert.rule, alert.severity) == ("aud.high_dose", Severity.WARNING)
        for words in ("confusion", "mood change", "hallucinations", "neuropsychiatric"):
            assert words in alert.message
        assert alert.values == {"daily_mg": dose * 3, "limit_mg": 80,
                                "indication": "alcohol_use_disorder"}
        assert "seed" in alert.source


def test_high_dose_alert_only_for_the_alcohol_use_disorder_indication():
    assert aud_alerts(snap(versions=(aud(40, Indication.SPASTICITY),)), NOW, T) == []
    assert aud_alerts(snap(versions=(aud(40, None),)), NOW, T) == []
    assert aud_alerts(snap(versions=(aud(40, route=Route.ENTERAL),)), NOW, T)
    assert aud_alerts(snap(versions=(aud(40), Order(2, 1, OrderAction.STOP, Route.ORAL, day(9),
                                                     stop_reason="x"))), NOW, T) == []


def test_every_rule_is_registered():
    assert RULES == [flag_alerts, interaction_alerts, periop_alerts, aud_alerts]
