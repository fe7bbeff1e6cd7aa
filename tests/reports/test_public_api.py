"""The reports use reportlab's public API only (issue 13): its private names change without notice
between versions, and a new reportlab must neither break the sheets nor quietly change them."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import ward_app.reports

SOURCES = sorted(Path(ward_app.reports.__file__).parent.glob("*.py"))
MODULES = [importlib.import_module(f"ward_app.reports.{path.stem}") for path in SOURCES]


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _trees() -> list[tuple[str, ast.Module]]:
    return [(path.name, ast.parse(path.read_text(encoding="utf-8"))) for path in SOURCES]


def _reportlab_classes() -> set[type]:
    """Every reportlab class the package imports or builds on, with its own bases."""
    found: set[type] = set()
    for module in MODULES:
        for _name, value in inspect.getmembers(module, inspect.isclass):
            found.update(c for c in value.__mro__ if c.__module__.startswith("reportlab"))
    return found


def test_the_package_is_found():
    assert {"handover_sheet.py", "taper_sheet.py", "pages.py", "fonts.py"} <= {p.name for p in SOURCES}
    assert len(_reportlab_classes()) >= 5  # Canvas, Paragraph, Table, Flowable, Code128...


def test_no_private_reportlab_module_or_name_is_imported():
    for file, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("reportlab"):
                names = [*str(node.module).split("."), *(alias.name for alias in node.names)]
            elif isinstance(node, ast.Import):
                names = [part for alias in node.names if alias.name.startswith("reportlab")
                         for part in alias.name.split(".")]
            else:
                continue
            assert not [n for n in names if _private(n)], f"{file}:{node.lineno}"


def test_no_object_is_made_behind_its_constructor_or_has_its_state_swapped():
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        for trick in ("object.__new__", "__dict__", "__class__", "setattr(", "vars("):
            assert trick not in text, f"{path.name}: {trick}"


def test_every_private_attribute_read_is_one_the_package_sets_itself():
    """``self._size`` on our own Table subclass is ours; ``canvas._pagesize`` or ``doc._doc`` are
    reportlab's and may change without notice."""
    own: set[str] = set()
    read: list[tuple[str, int, str]] = []
    for file, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                if isinstance(node.ctx, ast.Store):
                    own.add(node.attr)
                else:
                    read.append((file, node.lineno, node.attr))
            elif isinstance(node, ast.FunctionDef | ast.ClassDef):
                own.add(node.name)
    foreign = [(file, line, name) for file, line, name in read if _private(name) and name not in own]
    assert not foreign
    reportlab_names = {name for c in _reportlab_classes() for name in vars(c) if _private(name)}
    assert not own & reportlab_names, "a name of the package's own shadows one of reportlab's"


def test_no_private_reportlab_method_is_overridden():
    """Overriding ``Code128._calculate`` (as the sheet once did for speed) or ``Canvas._startPage``
    ties the sheet to reportlab's insides: only public methods (wrap, draw, split, showPage, save)
    are overridden."""
    reportlab_names = {name for c in _reportlab_classes() for name in dir(c) if _private(name)}
    for file, tree in _trees():
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            for method in (n for n in cls.body if isinstance(n, ast.FunctionDef)):
                assert method.name not in reportlab_names, f"{file}: {cls.name}.{method.name}"
