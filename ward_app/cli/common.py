"""Small helpers every command module shares."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from ward_app.cli import CliState


def state() -> CliState:
    from ward_app.cli import CliState

    found = click.get_current_context().find_object(CliState)
    assert found is not None, "commands run inside the ward-app group"
    return found


def output_path(path: Path, option: str) -> Path:
    """A file the command will write (a PDF, a CSV): refused with exit 2 unless it is a new or
    ordinary file in an existing folder, and never the ward database or its journal files."""
    from ward_app.domain.errors import InvalidInput

    text = str(path)
    if not text.strip() or "\x00" in text:
        raise InvalidInput(option, f"--{option} is empty or contains a NUL character: give a file "
                           "name.")
    try:
        target = path.expanduser().absolute()
        parent = target.parent
        if any(len(p.encode("utf-8", "surrogateescape")) > 255 for p in target.parts):
            raise InvalidInput(option, f"--{option} has a name longer than 255 bytes.")
        if not parent.is_dir():
            raise InvalidInput(option, f"--{option}: the folder {parent} does not exist; choose "
                               "an existing folder.")
        if target.is_symlink() or (target.exists() and not target.is_file()):
            raise InvalidInput(option, f"--{option} {target} is not an ordinary file: choose a "
                               "file name.")
        db = state().db_path.absolute()
        for guarded in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), Path(f"{db}-journal")):
            if target == guarded or (target.exists() and guarded.exists()
                                     and target.samefile(guarded)):
                raise InvalidInput(option, f"--{option} is the ward database itself: choose "
                                   "another file name.")
    except OSError as exc:
        raise InvalidInput(option, f"--{option} cannot be used ({exc.strerror or exc}).") from None
    return target
