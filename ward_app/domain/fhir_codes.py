"""The codes the FHIR R4 export uses (docs/fhir-export.md): plain values, no FHIR library.

Only codes taken from the published code systems are given as codings; what has no standard code
here (POSS, RASS, the Modified Ashworth score, the Penn scale, the withdrawal signs, most reasons a
dose was not given, the pump refill) goes out as ``code.text`` alone: no code is ever made up.
Each concept is a plain JSON-shaped dict (``{"coding": [...], "text": ...}``), as FHIR writes it.
"""

from __future__ import annotations

from typing import Any

from ward_app.domain.mar import REASON_LABELS, Outcome, Reason
from ward_app.domain.observations import POSS_LABELS, SIGN_LABELS, Poss, Sign
from ward_app.domain.patient import FLAG_LABELS, Flag

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ATC = "http://www.whocc.no/atc"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
PERFORMER_FUNCTION = "http://terminology.hl7.org/CodeSystem/med-admin-perform-function"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
#: An identifier whose value is a URI (the ``urn:uuid:`` of a resource in an earlier export).
URI_SYSTEM = "urn:ietf:rfc:3986"

Concept = dict[str, Any]


def coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def concept(text: str, *codings: dict[str, str]) -> Concept:
    """A CodeableConcept: the codings (none: text only) and the text."""
    return {"coding": list(codings), "text": text} if codings else {"text": text}


def quantity(value: float, unit: str, code: str) -> dict[str, Any]:
    """A UCUM quantity (``unit``: how it reads; ``code``: the UCUM code)."""
    return {"value": value, "unit": unit, "system": UCUM, "code": code}


# --- The medicine and its routes ------------------------------------------------------------------

BACLOFEN = concept("Baclofen", coding(SNOMED, "387342009", "Baclofen"),
                   coding(ATC, "M03BX01", "baclofen"))

_ROUTES: dict[str, Concept] = {
    "oral": concept("Oral", coding(SNOMED, "26643006", "Oral route")),
    "intrathecal": concept("Intrathecal", coding(SNOMED, "72607000", "Intrathecal route")),
    "enteral": concept("Enteral (feeding tube)"),  # no code: the tube (NG, PEG...) is not recorded
}


def route(name: str) -> Concept:
    return _ROUTES.get(name, concept(name))


MG = ("mg", "mg")
MCG = ("mcg", "ug")
ML = ("mL", "mL")
PER_DAY = ("day", "d")

# --- Observations ----------------------------------------------------------------------------------

VITAL_SIGNS = concept("Vital Signs", coding(OBSERVATION_CATEGORY, "vital-signs", "Vital Signs"))
SURVEY = concept("Survey", coding(OBSERVATION_CATEGORY, "survey", "Survey"))
EXAM = concept("Exam", coding(OBSERVATION_CATEGORY, "exam", "Exam"))

RESPIRATORY_RATE = concept("Respiratory rate", coding(LOINC, "9279-1", "Respiratory rate"))
HEART_RATE = concept("Heart rate", coding(LOINC, "8867-4", "Heart rate"))
SPO2 = concept("Oxygen saturation (SpO2)",
               coding(LOINC, "2708-6", "Oxygen saturation in Arterial blood"),
               coding(LOINC, "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"))
BODY_TEMPERATURE = concept("Body temperature", coding(LOINC, "8310-5", "Body temperature"))
BLOOD_PRESSURE = concept("Blood pressure",
                         coding(LOINC, "85354-9", "Blood pressure panel with all children optional"))
SYSTOLIC = concept("Systolic blood pressure", coding(LOINC, "8480-6", "Systolic blood pressure"))
DIASTOLIC = concept("Diastolic blood pressure", coding(LOINC, "8462-4", "Diastolic blood pressure"))
#: The ward records the systolic pressure only (NEWS2 scores nothing else).
NOT_PERFORMED = concept("Not performed", coding(DATA_ABSENT, "not-performed", "Not Performed"))
#: UCUM: per minute, percent, degrees Celsius, millimetres of mercury.
PER_MIN = ("/min", "/min")
PERCENT = ("%", "%")
CELSIUS = ("Cel", "Cel")
MM_HG = ("mmHg", "mm[Hg]")

NEWS2_TOTAL = concept("NEWS2 total score", coding(SNOMED, "1104051000000101"))
ACVPU = concept("Level of consciousness (ACVPU)")
ON_OXYGEN = concept("Supplemental oxygen (NEWS2: air or oxygen)")
POSS = concept("Pasero Opioid-induced Sedation Scale (POSS)")
RASS = concept("Richmond Agitation-Sedation Scale (RASS)")
MAS = concept("Modified Ashworth Scale score")
PENN = concept("Penn Spasm Frequency Scale score")
WITHDRAWAL_SIGNS = concept("Baclofen withdrawal signs checklist")

ACVPU_LABELS = {"A": "A: alert", "C": "C: new confusion", "V": "V: responds to voice",
                "P": "P: responds to pain", "U": "U: unresponsive"}


def poss_value(poss: Poss) -> Concept:
    return concept(POSS_LABELS[poss])


def sign_concept(sign: Sign, late: bool) -> Concept:
    return concept(f"{SIGN_LABELS[sign]} ({'late' if late else 'early'} withdrawal sign)")


# --- Medication administrations ----------------------------------------------------------------

PERFORMER = concept("Recorded by", coding(PERFORMER_FUNCTION, "performer", "Performer"))
#: The second nurse of an intrathecal dose checks it and shares the accountability: HL7's
#: 'verifier' (its 'witness' is someone who watches without doing anything).
WITNESS = concept("Witness (second check)", coding(PERFORMER_FUNCTION, "verifier", "Verifier"))
OVERRIDE_CONFIRMED = concept("Confirmed the override of a recording check",
                             coding(PERFORMER_FUNCTION, "verifier", "Verifier"))

#: The two reasons the SNOMED CT value set FHIR R4 gives for statusReason has codes for.
_REASON_CODES: dict[Reason, dict[str, str]] = {
    Reason.REFUSED: coding(SNOMED, "182895007", "Drug declined by patient"),
    Reason.UNAVAILABLE: coding(SNOMED, "242990004", "Drug not available for administration"),
}
_OUTCOME_WORDS = {Outcome.HELD: "Held", Outcome.REFUSED: "Refused",
                  Outcome.NOT_AVAILABLE: "Not available", Outcome.OMITTED: "Omitted"}
GIVEN = frozenset({Outcome.GIVEN, Outcome.GIVEN_LATE})
NOT_DONE = frozenset(_OUTCOME_WORDS)


def not_given_reason(outcome: Outcome, reason: str | None) -> Concept:
    """A dose's statusReason: the outcome and the reason in words, coded where SNOMED CT has it."""
    try:
        known: Reason | None = Reason(reason) if reason else None
    except ValueError:
        known = None
    words = _OUTCOME_WORDS.get(outcome, outcome.value)
    if known is not None:
        words = f"{words}: {REASON_LABELS[known]}"
    elif reason:
        words = f"{words}: {reason}"
    code = _REASON_CODES.get(known) if known is not None else None
    if code is None and outcome is Outcome.REFUSED:
        code = _REASON_CODES[Reason.REFUSED]
    if code is None and outcome is Outcome.NOT_AVAILABLE:
        code = _REASON_CODES[Reason.UNAVAILABLE]
    return concept(words, code) if code else concept(words)


# --- Pumps and flags ---------------------------------------------------------------------------

PUMP_TYPE = concept("Implanted intrathecal drug infusion pump")
PUMP_REFILL = concept("Refill of an implanted intrathecal baclofen pump")
REFILLED = concept("Reservoir refilled and pump programmed")
REFILL_PERFORMER = concept("Refilled the pump")
REFILL_WITNESS = concept("Witness (second check)")

_FLAG_CATEGORIES = {Flag.NPO: ("diet", "Diet"), Flag.FALL_RISK: ("safety", "Safety"),
                    Flag.PREVIOUS_WITHDRAWAL: ("drug", "Drug")}


def flag_category(flag: Flag) -> Concept:
    code, display = _FLAG_CATEGORIES.get(flag, ("clinical", "Clinical"))
    return concept(display, coding(FLAG_CATEGORY, code, display))


def flag_code(flag: Flag) -> Concept:
    return concept(FLAG_LABELS[flag])


MRN_TYPE = concept("Medical record number", coding(IDENTIFIER_TYPE, "MR", "Medical record number"))


__all__ = ["ACVPU", "ACVPU_LABELS", "BACLOFEN", "BLOOD_PRESSURE", "BODY_TEMPERATURE", "CELSIUS",
           "DIASTOLIC", "EXAM", "GIVEN", "HEART_RATE", "LOINC", "MAS", "MCG", "MG", "ML", "MM_HG",
           "MRN_TYPE", "NEWS2_TOTAL", "NOT_DONE", "NOT_PERFORMED", "ON_OXYGEN", "OVERRIDE_CONFIRMED",
           "PENN", "PERCENT", "PERFORMER", "PER_DAY", "PER_MIN", "POSS", "PUMP_REFILL", "PUMP_TYPE",
           "RASS", "REFILLED", "REFILL_PERFORMER", "REFILL_WITNESS", "RESPIRATORY_RATE", "SNOMED",
           "SPO2", "SURVEY", "SYSTOLIC", "URI_SYSTEM", "VITAL_SIGNS", "WITHDRAWAL_SIGNS", "WITNESS",
           "coding", "concept", "flag_category", "flag_code", "not_given_reason", "poss_value",
           "quantity", "route", "sign_concept"]
