"""No text outside the command line names a command-line option: services, the domain, storage and
the window speak in values and plain sentences; the command line names the flag itself
(ward_app/cli/fields.py) and the window marks the widget (gui/form_parts.py)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "ward_app"
OPTION = re.compile(r"--[A-Za-z]")


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string nodes that are docstrings (module, class, function)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                found.add(id(body[0].value))
    return found


def _offences(source: str, where: str) -> list[str]:
    tree = ast.parse(source, filename=where)
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skip.update(id(part) for part in node.values)  # checked with their f-string below
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = node.values
            for i, part in enumerate(parts):
                if not (isinstance(part, ast.Constant) and isinstance(part.value, str)):
                    continue
                # '--' then a placeholder (f"--{field}") is an option too
                then_value = part.value.endswith("--") and i + 1 < len(parts) and isinstance(
                    parts[i + 1], ast.FormattedValue)
                if OPTION.search(part.value) or then_value:
                    out.append(f"{where}:{node.lineno}: {part.value!r}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            if OPTION.search(node.value):
                out.append(f"{where}:{node.lineno}: {node.value!r}")
    return sorted(out)


def _sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "cli" not in p.relative_to(PACKAGE).parts)


def test_no_string_outside_the_command_line_names_an_option():
    offences = [o for path in _sources()
                for o in _offences(path.read_text(encoding="utf-8"),
                                   str(path.relative_to(PACKAGE.parent)))]
    assert offences == [], "name the field, not the option:\n" + "\n".join(offences)


def test_the_check_finds_options_in_strings_and_f_strings():
    """The check itself: options in plain and f-strings are found; docstrings are not."""
    found = _offences('"""Docstring naming --db is fine."""\n'
                      'A = "give --note TEXT"\n'
                      'field = "x"\n'
                      'B = f"--{field} is wrong"\n'
                      'C = f"see {field} --mrn"\n'
                      'D = "a -- b"\n'
                      'def f():\n'
                      '    """--user in a docstring"""\n'
                      '    return "--user"\n', "sample.py")
    assert found == ["sample.py:2: 'give --note TEXT'", "sample.py:4: '--'",
                     "sample.py:5: ' --mrn'", "sample.py:9: '--user'"], found
