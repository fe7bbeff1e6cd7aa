"""SQL lives in storage/ only: no other layer executes a statement, opens a connection or holds
a statement in a string. Read from the source (ast), so a new file is checked without a list."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("services", "gui", "cli", "reports", "domain")

#: Methods that run SQL (sqlite3, sqlite-utils) or take the database's transactions.
_RUNS_SQL = {"execute", "executescript", "executemany", "query", "atomic"}
#: What a statement in a string looks like (upper case, as this project writes SQL).
_STATEMENT = re.compile(
    r"\b(SELECT\b.*\bFROM|INSERT\s+INTO|INSERT\s+OR\s+\w+\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM"
    r"|PRAGMA\s+\w+|BEGIN(\s+(IMMEDIATE|EXCLUSIVE|DEFERRED|TRANSACTION))?\s*$|COMMIT\s*$"
    r"|ROLLBACK\b|SAVEPOINT\s+\w+|CREATE\s+(TABLE|INDEX|TRIGGER|VIEW)|DROP\s+(TABLE|INDEX))",
    re.DOTALL,
)


def sql_found(source: str, filename: str = "<source>") -> list[str]:
    """Where ``source`` runs or holds SQL, as 'line: what'."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name = node.func.attr
            target = node.func.value
            if name in _RUNS_SQL:
                found.append(f"{node.lineno}: .{name}(...)")
            elif name == "connect" and isinstance(target, ast.Name) and target.id == "sqlite3":
                found.append(f"{node.lineno}: sqlite3.connect(...)")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _STATEMENT.search(node.value.strip()):
                found.append(f"{node.lineno}: {node.value.strip()[:60]!r}")
    return sorted(found, key=lambda f: int(f.split(":")[0]))


def _modules() -> list[Path]:
    return sorted(p for layer in LAYERS for p in (ROOT / "ward_app" / layer).rglob("*.py"))


def test_the_check_finds_sql_in_every_form_it_takes():
    source = '''
import sqlite3
def f(db, ctx, path, x):
    db.execute("SELECT 1")
    ctx.db.executescript(x)
    db.query(x)
    with db.atomic():
        sqlite3.connect(path)
    q = f"SELECT a FROM {x} WHERE b = ?"
    u = "UPDATE wards SET tz = ? WHERE id = ?"
    p = "PRAGMA integrity_check"
    t = "BEGIN IMMEDIATE"
    d = """DELETE FROM audit"""
'''
    found = sql_found(source)
    assert [int(f.split(":")[0]) for f in found] == list(range(4, 14)), found


def test_the_check_leaves_ordinary_words_alone():
    source = '''
LABEL = "NOT UPDATED"
HELP = "Select a patient from the board, then press Begin."
WORDS = "DELETE key: remove the selected row"
def f(widget):
    widget.setText("Update")
'''
    assert sql_found(source) == []


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT / "ward_app")))
def test_no_sql_outside_storage(path):
    found = sql_found(path.read_text(encoding="utf-8"), str(path))
    assert found == [], f"SQL belongs in ward_app/storage/: {path.relative_to(ROOT)} has {found}"
