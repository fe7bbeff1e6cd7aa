"""The repository's own rule book (docs/clinical-rules.md) covers what the code does: every alert rule
id the code raises and every setting with its shipped default; and nothing cites a rule book outside
the repository."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from ward_app.domain.rules import SETTINGS
from ward_app.services.settings import format_value

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "clinical-rules.md"
RULE_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _first_str(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def raised_rule_ids() -> set[str]:
    """Alert rule ids written in the code: the first argument of ``snapshot.alert(...)``, of
    ``DrugClass(...)`` and of the recording checks' ``Finding(...)`` (the pack checks'
    ``_finding(...)``) and prescribing
    ``Caution(...)``, a ``rule=`` keyword, and (in domain/) the first item of a tuple literal,
    which is how the toxicity and flag rules hand an id to ``alert``. Setting keys are left out."""
    found: set[str] = set()
    for path in sorted((ROOT / "ward_app").rglob("*.py")):
        in_domain = path.parent.name == "domain"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            candidates: list[str | None] = []
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                if name in ("alert", "DrugClass", "Finding", "_finding", "Caution") and node.args:
                    candidates.append(_first_str(node.args[0]))
                candidates.extend(_first_str(k.value) for k in node.keywords if k.arg == "rule")
            elif in_domain and isinstance(node, ast.Tuple) and node.elts:
                candidates.append(_first_str(node.elts[0]))
            found.update(c for c in candidates if c and RULE_ID.match(c) and c not in SETTINGS)
    return found


def test_the_collector_finds_the_alert_rules() -> None:
    ids = raised_rule_ids()
    # a collector that silently finds nothing would make the next test pass for nothing
    assert {"dose.missed", "dose.late", "pump.refill_due", "pump.empty", "news2.emergency",
            "toxicity.sedation", "toxicity.coma", "withdrawal.late", "flag.dementia",
            "interaction.cns", "route.npo", "monitoring.overdue", "pack.expired"} <= ids
    assert len(ids) >= 35


def test_every_alert_rule_id_is_in_the_rule_book() -> None:
    doc = _doc()
    missing = sorted(i for i in raised_rule_ids() if f"`{i}`" not in doc)
    assert not missing, f"alert rule ids missing from docs/clinical-rules.md: {missing}"


def _settings_rows(doc: str) -> dict[str, list[list[str]]]:
    """Table rows whose first cell is a backticked key: key -> the rows' cells."""
    rows: dict[str, list[list[str]]] = {}
    for line in doc.splitlines():
        m = re.match(r"^\|\s*`([^`]+)`\s*\|", line)
        if m:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows.setdefault(m.group(1), []).append(cells)
    return rows


@pytest.mark.parametrize("key", sorted(SETTINGS))
def test_every_setting_is_in_the_rule_book_with_its_default(key: str) -> None:
    rows = _settings_rows(_doc())
    assert key in rows, f"setting {key} has no row in a settings table of docs/clinical-rules.md"
    want = format_value(SETTINGS[key].default)
    for cells in rows[key]:
        assert cells[1] == want, f"{key}: the rule book says {cells[1]!r}, the code ships {want!r}"


def test_the_rule_book_lists_no_setting_the_code_does_not_have() -> None:
    rows = _settings_rows(_doc())
    settings_rows = {k for k, v in rows.items() if any(len(c) == 5 for c in v)}
    rule_rows = set(rows) - settings_rows
    assert settings_rows <= set(SETTINGS), sorted(settings_rows - set(SETTINGS))
    # the alert tables' first cells are rule ids the code raises
    assert rule_rows <= raised_rule_ids(), sorted(rule_rows - raised_rule_ids())


def test_the_rule_book_has_sections_1_to_13() -> None:
    headings = re.findall(r"^## §(\d+)\. ", _doc(), flags=re.MULTILINE)
    # §12: records from other workstations; §13: scanning at the bedside
    assert headings == [str(n) for n in range(1, 14)]


# Spelled in pieces so that this file does not match itself.
OUTSIDE = ("shared" + "/", "RULES" + ".md", "RULES" + " §", "SOURCES" + " §", "SOURCES" + ".md")


def _text_files() -> list[Path]:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for top in ("ward_app", "tests", "bench"):
        files.extend(p for p in sorted((ROOT / top).rglob("*"))
                     if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    return files


def test_nothing_cites_a_rule_book_outside_the_repository() -> None:
    offenders = []
    for path in _text_files():
        data = path.read_bytes()
        for word in OUTSIDE:
            if word.encode() in data:
                offenders.append(f"{path.relative_to(ROOT)}: {word}")
    assert not offenders, "cite docs/clinical-rules.md (clinical-rules §N) instead: " + ", ".join(
        offenders)
