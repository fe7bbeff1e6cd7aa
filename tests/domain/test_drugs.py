"""Co-medication matching by WHO ATC class: generic and brand names, any case, whole words only,
with strengths and forms typed around them (clinical-rules §5, §10)."""

from __future__ import annotations

import pytest

from ward_app.domain.alerts import Severity
from ward_app.domain.atc import ATC
from ward_app.domain.drugs import CLASSES, atc_codes, classes_of, classified, recognised


def rules(drug: str) -> list[str]:
    return [c.rule for c in classes_of(drug)]


@pytest.mark.parametrize("drug", [
    # opioids, generic and brand, as a nurse might type them
    "OxyContin", "oxycodone MR", "Oxycodone 5 mg capsules", "OXYNORM", "morphine sulfate",
    "Oramorph", "MST Continus", "Zomorph", "Co-codamol 30/500", "cocodamol", "codeine phosphate",
    "Tramadol", "fentanyl patch", "Butrans", "methadone", "oxycodone/naloxone",
    "oxycodone-naloxone",
    # benzodiazepines (N05BA, N05CD, clonazepam N03AE01) and z-drugs (N05CF)
    "Diazepam", "Valium", "lorazepam", "Midazolam (Buccolam)", "zopiclone", "Frisium 10 mg",
    "clobazam 10mg tablets", "lormetazepam 1 mg", "loprazolam", "Clonazepam", "temazepam",
    "Stilnoct", "zolpidem",
    # barbiturates (N03AA)
    "phenobarbital", "Phenobarbitone 30 mg", "primidone 250 mg tablets", "Mysoline",
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


@pytest.mark.parametrize("drug, code", [
    ("Frisium 10 mg", "N05BA09"), ("clobazam 10mg tablets", "N05BA09"),
    ("Oxycodone MR 5 mg", "N02AA05"), ("co-codamol 30/500", "N02AJ06"),
    ("lormetazepam", "N05CD06"), ("loprazolam 1 mg", "N05CD11"), ("Phenobarbitone", "N03AA02"),
    ("primidone", "N03AA03"), ("gabapentin 300 mg capsules", "N03AX12"), ("Lyrica", "N03AX16"),
    ("Zanaflex", "M03BX02"), ("sevoflurane", "N01AB08"), ("MS Contin 10 mg", "N02AA01"),
    ("Co Codamol", "N02AJ06"), ("alcohol", "V03AB16"), ("Paracetamol 1 g", "N02BE01"),
])
def test_names_typed_with_brand_strength_or_form_find_their_atc_code(drug, code):
    assert atc_codes(drug) == [code]
    assert recognised(drug)


@pytest.mark.parametrize("drug", ["", "   ", "10 mg", "Xyzzyl 5 mg", "vitamin", "Codeinex",
                                  "co-", "Mstx"])
def test_names_not_in_the_table_are_not_recognised(drug):
    assert not recognised(drug) and atc_codes(drug) == []


def test_the_cns_classes_are_the_who_atc_classes_of_the_rule_book():
    cns = {prefix for c in CLASSES if c.rule == "interaction.cns" for prefix in c.atc}
    assert {"N02A", "N05BA", "N05CD", "N05CF", "N03AA", "N03AX12", "N03AX16", "M03BX02", "N01A",
            "V03AB16"} <= cns
    assert all(c.effect and c.label for c in CLASSES)


def test_every_table_entry_is_a_well_formed_atc_code_and_one_lower_case_word():
    for name, code in ATC.items():
        assert name == name.casefold() and " " not in name, name
        assert len(code) == 7 and code[0].isalpha() and code[1:3].isdigit(), (name, code)
        assert code[3:5].isalpha() and code[5:].isdigit(), (name, code)


def test_baclofen_itself_is_not_an_interacting_muscle_relaxant():
    assert classes_of("baclofen") == [] and not recognised("Lioresal")


def test_classified_gives_the_code_that_put_the_drug_in_each_class():
    assert [(c.label, code) for c, code in classified("amitriptyline and tramadol")] == [
        ("CNS depressant: opioid", "N02AX02"), ("tricyclic antidepressant", "N06AA09")]
