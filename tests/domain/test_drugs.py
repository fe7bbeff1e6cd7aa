"""Co-medication matching: generic and brand names, any case, whole words only (clinical-rules §5)."""

from __future__ import annotations

import pytest

from ward_app.domain.alerts import Severity
from ward_app.domain.drugs import CLASSES, classes_of


def rules(drug: str) -> list[str]:
    return [c.rule for c in classes_of(drug)]


@pytest.mark.parametrize("drug", [
    # opioids, generic and brand, as a nurse might type them
    "OxyContin", "oxycodone MR", "Oxycodone 5 mg capsules", "OXYNORM", "morphine sulfate",
    "Oramorph", "MST Continus", "Zomorph", "Co-codamol 30/500", "cocodamol", "codeine phosphate",
    "Tramadol", "fentanyl patch", "Butrans", "methadone", "oxycodone/naloxone",
    "oxycodone-naloxone",
    # benzodiazepines and z-drugs
    "Diazepam", "Valium", "lorazepam", "Midazolam (Buccolam)", "zopiclone",
    # gabapentinoids
    "Lyrica", "pregabalin", "Gabapentin", "Neurontin",
    # other muscle relaxants, alcohol, anaesthetics, MAOIs (clinical-rules §5)
    "tizanidine", "Zanaflex", "alcohol", "Propofol", "sevoflurane", "isoflurane", "desflurane",
    "thiopental", "phenelzine", "moclobemide",
])
def test_cns_depressants(drug):
    assert rules(drug) == ["interaction.cns"]


@pytest.mark.parametrize("drug, rule", [
    ("Amlodipine 5 mg", "interaction.antihypertensive"), ("Ramipril", "interaction.antihypertensive"),
    ("bisoprolol", "interaction.antihypertensive"), ("Furosemide", "interaction.antihypertensive"),
    ("Co-careldopa", "interaction.levodopa"), ("Sinemet CR", "interaction.levodopa"),
    ("Madopar", "interaction.levodopa"), ("amitriptyline 10 mg nocte", "interaction.tca"),
    ("Nortriptyline", "interaction.tca"), ("Lithium carbonate", "interaction.lithium"),
    ("Priadel", "interaction.lithium"), ("Ibuprofen", "interaction.renal"),
    ("Naproxen", "interaction.renal"), ("Voltarol gel", "interaction.renal"),
])
def test_other_interacting_classes(drug, rule):
    assert rules(drug) == [rule]


@pytest.mark.parametrize("drug", ["Paracetamol", "Omeprazole", "Senna", "Enoxaparin", "", "   ",
                                  "123", "Metformin", "Oxybutynin", "Codeinex", "Morphinan",
                                  "co-"])
def test_non_interacting_names_match_nothing(drug):
    assert classes_of(drug) == []


def test_matching_ignores_case():
    for drug in ("OXYCONTIN", "oxycontin", "OxyContin", "oXyCoNtIn"):
        assert rules(drug) == ["interaction.cns"]


def test_whole_words_only():
    assert classes_of("Mstx") == []  # 'mst' is a brand only as a word of its own
    assert rules("MST 10 mg") == ["interaction.cns"]


def test_hyphens_are_optional_and_separate_words():
    assert rules("cocodamol") == rules("co-codamol") == rules("Co-Codamol") == ["interaction.cns"]
    assert rules("cocareldopa") == ["interaction.levodopa"]
    assert rules("oxycodone-naloxone") == ["interaction.cns"]


def test_a_combination_belongs_to_every_class_it_contains():
    assert rules("amitriptyline and tramadol") == ["interaction.cns", "interaction.tca"]
    assert rules("Co-careldopa + amlodipine") == ["interaction.antihypertensive",
                                                  "interaction.levodopa"]


def test_severities_follow_the_rules():
    severity = {c.rule: c.severity for c in CLASSES}
    assert severity.pop("interaction.cns") is Severity.WARNING
    assert set(severity.values()) == {Severity.INFO}
    assert set(severity) == {"interaction.antihypertensive", "interaction.levodopa",
                             "interaction.tca", "interaction.lithium", "interaction.renal"}


def test_every_listed_name_matches_its_own_class_in_any_case():
    for cls in CLASSES:
        assert cls.effect and cls.label
        for name in cls.names:
            assert name == name.casefold()
            assert cls in classes_of(name.upper()), name
            assert cls in classes_of(f"{name.title()} 10 mg tablets"), name


def test_no_name_is_in_two_classes():
    seen: dict[str, str] = {}
    for cls in CLASSES:
        for name in cls.names:
            assert name not in seen, f"{name} is in {seen[name]} and {cls.rule}"
            seen[name] = cls.rule
