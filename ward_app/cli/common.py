"""Small helpers every command module shares."""

from __future__ import annotations

import os
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


class PathText(click.ParamType):
    """A file path taken as typed. click.Path stats the value while converting it, so a NUL byte
    or a character that is not valid UTF-8 would escape as a traceback before the command can
    say what is wrong; the commands check paths themselves (``output_path``, ``--db``)."""

    name = "path"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> Path:
        if isinstance(value, Path):
            return value
        if not str(value).strip():  # Path("") would be the current folder
            self.fail("it is empty: give a path.", param, ctx)
        return Path(str(value))


PATH = PathText()

#: the longest file name an output may have: the name plus ".part" (written first) must fit in
#: the 255 bytes file systems allow
_LONGEST_NAME = 255 - len(".part")


def _real(path: Path) -> str:
    return os.path.normcase(os.path.realpath(path))


def given_path(path: Path, option: str, *, folder: bool = False) -> Path:
    """``path`` made absolute (``~`` expanded), or InvalidInput (exit 2) naming ``--option`` when
    it is empty, holds a NUL or text that is not valid UTF-8, names an unknown ``~user`` or has a
    name longer than file systems allow. With ``folder`` an existing file is refused too."""
    from ward_app.domain.errors import InvalidInput

    text = str(path)
    if not text.strip() or "\x00" in text:
        raise InvalidInput(option, f"--{option} is empty or contains a NUL character: give a "
                           f"{'folder' if folder else 'file'} name.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(option, f"--{option} has characters that are not valid UTF-8 in its "
                           "name: use a plain-text name.") from None
    try:
        target = Path(os.path.abspath(path.expanduser()))
    except (RuntimeError, ValueError):
        raise InvalidInput(option, f"--{option} '{text}' cannot be used: check the path "
                           "(~user?).") from None
    if any(len(part.encode("utf-8")) > 255 for part in target.parts):
        raise InvalidInput(option, f"--{option} has a file or folder name longer than 255 bytes.")
    if folder and target.exists() and not target.is_dir():
        raise InvalidInput(option, f"--{option} {target} is a file: give a folder.")
    return target


def output_path(path: Path, option: str) -> Path:
    """A file the command will write (a PDF, a CSV): refused with exit 2 unless it is a new or
    ordinary file in an existing folder, and never the ward database or its journal files."""
    from ward_app.domain.errors import InvalidInput

    target = given_path(path, option)
    try:
        parent = target.parent
        if len(target.name.encode("utf-8")) > _LONGEST_NAME:
            raise InvalidInput(option, f"--{option} has a name longer than {_LONGEST_NAME} "
                               "bytes: choose a shorter file name.")
        if not parent.is_dir():
            raise InvalidInput(option, f"--{option}: the folder {parent} does not exist; choose "
                               "an existing folder.")
        if target.is_symlink() or (target.exists() and not target.is_file()):
            raise InvalidInput(option, f"--{option} {target} is not an ordinary file: choose a "
                               "file name.")
        db = _real(state().db_path.absolute())
        real = _real(target)
        for guarded in (db, f"{db}-wal", f"{db}-shm", f"{db}-journal"):
            if real == guarded or (target.exists() and os.path.exists(guarded)
                                   and os.path.samefile(target, guarded)):
                raise InvalidInput(option, f"--{option} is the ward database itself: choose "
                                   "another file name.")
    except OSError as exc:
        raise InvalidInput(option, f"--{option} cannot be used ({exc.strerror or exc}).") from None
    return target


#: The first line of human output on a drill (training) ward (never in --json output).
DRILL_LINE = "DRILL — training ward: these are not real patients' records."


def say_if_drill(ctx: object) -> None:
    """Print DRILL_LINE first when the ward is a drill ward."""
    from ward_app.services.entry_time import is_drill

    if is_drill(ctx):  # type: ignore[arg-type]
        click.echo(DRILL_LINE)
