"""Co-medications that matter with baclofen, recognised by their WHO ATC class (clinical-rules §5,
§10). A typed name ("Frisium 10 mg", "Oxycodone MR 5 mg", "co-codamol 30/500") is looked up word by
word in the ATC table (domain/atc.py), any case, hyphens optional; each code then falls in at most
one interaction class, by its ATC prefix."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ward_app.domain.alerts import Severity
from ward_app.domain.atc import ATC

CNS_EFFECT = "additive sedation and slowed breathing: watch sedation (POSS) and respiratory rate"


@dataclass(frozen=True)
class DrugClass:
    rule: str
    label: str
    severity: Severity
    effect: str
    atc: tuple[str, ...]  # ATC code prefixes of the class

    def holds(self, code: str) -> bool:
        return code.startswith(self.atc)

    @property
    def names(self) -> frozenset[str]:
        """The names in the ATC table that fall in this class (first matching class wins)."""
        return frozenset(n for n, code in ATC.items() if class_of_code(code) is self)


def _cns(kind: str, *atc: str) -> DrugClass:
    return DrugClass("interaction.cns", f"CNS depressant: {kind}", Severity.WARNING, CNS_EFFECT, atc)


#: In order: a code belongs to the first class that holds it (an opioid anaesthetic, N01AH, is an
#: opioid, not a general anaesthetic).
CLASSES: tuple[DrugClass, ...] = (
    _cns("opioid", "N02A", "N01AH", "N07BC", "R05DA03", "R05DA04"),
    _cns("benzodiazepine", "N05BA", "N05CD", "N03AE01"),
    _cns("Z-drug hypnotic", "N05CF"),
    _cns("barbiturate", "N03AA", "N05CA"),
    _cns("gabapentinoid", "N03AX12", "N03AX16"),
    _cns("muscle relaxant", "M03BA", "M03BC", "M03BX02", "M03BX08", "M03CA01"),
    _cns("general anaesthetic", "N01A"),
    _cns("alcohol", "V03AB16"),
    _cns("MAO inhibitor", "N06AF", "N06AG"),
    _cns("sedating antihistamine", "R06AD02", "R06AB04", "N05BB01"),
    _cns("sedating antipsychotic", "N05AH"),
    DrugClass("interaction.antihypertensive", "antihypertensive", Severity.INFO,
              "blood pressure may fall further: check lying and standing BP",
              ("C02", "C03", "C07", "C08", "C09")),
    DrugClass("interaction.levodopa", "levodopa", Severity.INFO,
              "confusion, hallucinations or agitation may occur", ("N04BA",)),
    DrugClass("interaction.tca", "tricyclic antidepressant", Severity.INFO,
              "pronounced loss of muscle tone (hypotonia) may occur", ("N06AA",)),
    DrugClass("interaction.lithium", "lithium", Severity.INFO,
              "hyperkinetic symptoms may occur", ("N05AN01",)),
    DrugClass("interaction.renal", "drug that reduces renal function", Severity.INFO,
              "baclofen is cleared by the kidneys: toxicity risk rises; check renal function",
              ("M01A",)),
)


def _fold(word: str) -> str:
    return word.replace("-", "")


#: The table with hyphens dropped, so 'cocodamol' and 'co-codamol' are the same word.
_FOLDED = {_fold(name): code for name, code in ATC.items()}


def class_of_code(code: str) -> DrugClass | None:
    return next((c for c in CLASSES if c.holds(code)), None)


def atc_codes(drug: str) -> list[str]:
    """The ATC codes of every table name in ``drug``, in the order typed, each once: by any whole
    word (with or without its hyphens; each part of a hyphenated pair such as
    'oxycodone-naloxone' counts too) or two words written together ('MS Contin')."""
    words = re.findall(r"[a-z][a-z\-]*", drug.casefold())
    candidates = [_fold(w) for w in words]
    candidates += [part for w in words if "-" in w for part in w.split("-") if part]
    candidates += [_fold(a + b) for a, b in zip(words, words[1:], strict=False)]
    codes: list[str] = []
    for word in candidates:
        code = _FOLDED.get(word)
        if code is not None and code not in codes:
            codes.append(code)
    return codes


def recognised(drug: str) -> bool:
    """Whether the ATC table knows a name in ``drug`` (else: ask the pharmacist)."""
    return bool(atc_codes(drug))


def classified(drug: str) -> list[tuple[DrugClass, str]]:
    """(class, ATC code) for every interaction class ``drug`` belongs to, in CLASSES order."""
    found: dict[DrugClass, str] = {}
    for code in atc_codes(drug):
        cls = class_of_code(code)
        if cls is not None and cls not in found:
            found[cls] = code
    return sorted(found.items(), key=lambda item: CLASSES.index(item[0]))


def classes_of(drug: str) -> list[DrugClass]:
    """Every interaction class a co-medication belongs to, in CLASSES order (CNS depressants,
    rule ``interaction.cns``, first)."""
    return [cls for cls, _code in classified(drug)]
