"""Co-medications that matter with baclofen, matched by generic and common brand names
(clinical-rules §5). Matching is case-insensitive on whole words, so 'Oxycodone MR' and 'OxyContin'
match."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ward_app.domain.alerts import Severity


@dataclass(frozen=True)
class DrugClass:
    rule: str
    label: str
    severity: Severity
    effect: str
    names: frozenset[str]


_CNS = frozenset({
    # opioids
    "morphine", "oramorph", "mst", "zomorph", "oxycodone", "oxycontin", "oxynorm", "codeine",
    "co-codamol", "dihydrocodeine", "tramadol", "zydol", "tapentadol", "palexia", "fentanyl",
    "durogesic", "buprenorphine", "butrans", "methadone", "physeptone", "hydromorphone",
    "diamorphine", "pethidine", "remifentanil", "alfentanil",
    # benzodiazepines and z-drugs
    "diazepam", "valium", "lorazepam", "ativan", "clonazepam", "rivotril", "midazolam", "buccolam",
    "temazepam", "nitrazepam", "chlordiazepoxide", "librium", "alprazolam", "xanax", "oxazepam",
    "zopiclone", "zimovane", "zolpidem", "stilnoct",
    # gabapentinoids
    "gabapentin", "neurontin", "pregabalin", "lyrica",
    # other muscle relaxants and sedatives
    "tizanidine", "zanaflex", "dantrolene", "methocarbamol", "cyclobenzaprine", "promethazine",
    "phenergan", "hydroxyzine", "chlorphenamine", "piriton", "quetiapine", "olanzapine",
    # alcohol and anaesthetics
    "alcohol", "ethanol", "propofol", "ketamine", "sevoflurane", "isoflurane", "desflurane",
    "thiopental", "etomidate",
    # MAOIs
    "phenelzine", "tranylcypromine", "isocarboxazid", "moclobemide",
})
_ANTIHYPERTENSIVES = frozenset({
    "amlodipine", "istin", "nifedipine", "adalat", "felodipine", "lercanidipine", "ramipril",
    "tritace", "lisinopril", "zestril", "enalapril", "perindopril", "losartan", "cozaar",
    "candesartan", "amias", "valsartan", "irbesartan", "bisoprolol", "cardicor", "atenolol",
    "metoprolol", "propranolol", "carvedilol", "labetalol", "doxazosin", "cardura", "indapamide",
    "bendroflumethiazide", "furosemide", "frusemide", "clonidine", "hydralazine", "methyldopa",
})
_LEVODOPA = frozenset({"levodopa", "co-careldopa", "sinemet", "co-beneldopa", "madopar",
                       "stalevo", "carbidopa"})
_TCAS = frozenset({"amitriptyline", "nortriptyline", "imipramine", "clomipramine", "dosulepin",
                   "lofepramine", "doxepin", "trimipramine"})
_LITHIUM = frozenset({"lithium", "priadel", "camcolit", "liskonum"})
_RENAL = frozenset({"ibuprofen", "brufen", "nurofen", "naproxen", "naprosyn", "diclofenac",
                    "voltarol", "celecoxib", "celebrex", "etoricoxib", "arcoxia", "ketorolac",
                    "indometacin", "mefenamic"})

CLASSES: tuple[DrugClass, ...] = (
    DrugClass("interaction.cns", "CNS depressant", Severity.WARNING,
              "additive sedation and slowed breathing: watch sedation (POSS) and respiratory rate",
              _CNS),
    DrugClass("interaction.antihypertensive", "antihypertensive", Severity.INFO,
              "blood pressure may fall further: check lying and standing BP", _ANTIHYPERTENSIVES),
    DrugClass("interaction.levodopa", "levodopa", Severity.INFO,
              "confusion, hallucinations or agitation may occur", _LEVODOPA),
    DrugClass("interaction.tca", "tricyclic antidepressant", Severity.INFO,
              "pronounced loss of muscle tone (hypotonia) may occur", _TCAS),
    DrugClass("interaction.lithium", "lithium", Severity.INFO,
              "hyperkinetic symptoms may occur", _LITHIUM),
    DrugClass("interaction.renal", "drug that reduces renal function", Severity.INFO,
              "baclofen is cleared by the kidneys: toxicity risk rises; check renal function",
              _RENAL),
)


def _fold(word: str) -> str:
    return word.replace("-", "")


#: Each class's names with hyphens dropped, so 'cocodamol' and 'co-codamol' are the same word.
_FOLDED = {c.rule: frozenset(_fold(n) for n in c.names) for c in CLASSES}


def classes_of(drug: str) -> list[DrugClass]:
    """Every class a co-medication belongs to, by any whole word of its name (with or without its
    hyphens; each part of a hyphenated pair such as 'oxycodone-naloxone' counts too)."""
    words = re.findall(r"[a-z][a-z\-]*", drug.casefold())
    folded = {_fold(w) for w in words} | {part for w in words for part in w.split("-") if part}
    return [c for c in CLASSES if folded & _FOLDED[c.rule]]
