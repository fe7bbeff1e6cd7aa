"""Files shipped under resources/ (icons, fonts, styles), found by name; an unknown name is an error."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent
# Installed wheel: ward_app/resources; source checkout: resources/ beside the package.
_ROOTS = (_HERE / "resources", _HERE.parent / "resources")


def resource_path(name: str) -> Path:
    """The file ``resources/<name>``, e.g. ``icons/ward-app.svg``; raises if it is not shipped."""
    if Path(name).is_absolute() or ".." in Path(name).parts:
        raise ValueError(f"resource names are relative paths inside resources/: {name!r}")
    for root in _ROOTS:
        candidate = root / name
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"no resource named {name!r} in {', '.join(map(str, _ROOTS))}")
