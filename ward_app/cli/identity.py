"""Who is acting on the command line, and the passwords that prove it (README.md, "Command line").

Every command except ``--help``, ``--version``, ``check``, ``gui`` (whose window asks), ``init``
(which makes the first admin) and ``demo`` on a new file acts as a named user (``--user`` or
WARD_APP_USER) who types their password. On a terminal it is asked for with a hidden prompt (on
stderr); otherwise it is read from standard input, one password a line, in this order: the acting
user's; then each witness's, for the witness options the command was given (``WITNESS_OPTIONS``,
in that order); then whatever the command itself reads (``user add --password-stdin``). The
passwords are read before the command does anything, and the acting user's is checked as soon as
the database is open: a missing or wrong one exits 1, writing nothing but a failed-login audit row
(and counting toward the account's lockout).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import click

from ward_app.domain.errors import InvalidInput, Refused
from ward_app.domain.roles import Action
from ward_app.domain.text import lookup_text

#: Options that name a witness, in the order their passwords are read (after the acting user's).
#: A command may declare others with ``witness_options(...)``.
WITNESS_OPTIONS = ("witness", "override_witness")

#: Commands that run without anyone acting (``demo`` only on a new file, ``restore`` only over a
#: damaged or missing database, which cannot say who is who: see ``needs_user``).
NO_USER = frozenset({"check", "gui", "init"})

#: Commands the service account (a scheduled backup, the sync service) may run, and what the
#: user must be allowed to do to run them; ``check`` needs no user at all.
SERVICE_COMMANDS = {"backup": Action.BACKUP, "sync": Action.SYNC}


@dataclass
class Credentials:
    """What was read for this command: the acting user's password, and each witness's by option."""

    password: str | None = None
    witnesses: dict[str, str | None] = field(default_factory=dict)


def is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):  # a closed standard input
        return False


def read_line(what: str) -> str | None:
    """One line of standard input without its line ending; None when there is none."""
    if sys.stdin is None:
        return None
    try:
        line = sys.stdin.readline()
    except UnicodeDecodeError:
        raise InvalidInput("password", f"The {what} on standard input is not valid UTF-8 "
                           "text.") from None
    except (ValueError, OSError):
        return None
    return line.rstrip("\r\n") if line else None


def secret(what: str) -> str | None:
    """A password: a hidden prompt on a terminal, else the next line of standard input."""
    if is_terminal():
        return click.prompt(what[:1].upper() + what[1:], hide_input=True, err=True,
                            default="", show_default=False)
    return read_line(what)


def new_password(whose: str, *, from_stdin: bool, option: str = "password-stdin") -> str:
    """A password the command sets for ``whose`` (e.g. 'nurse.jones'): the next line of standard
    input with ``from_stdin``, else typed twice at a hidden prompt."""
    what = f"password for {whose}"
    if from_stdin:
        line = read_line(what)
        if line is None:
            raise InvalidInput("password", f"No password on standard input for {whose}: pipe "
                               "one line in (after the acting user's password, when there is "
                               "one).")
        return line
    if not is_terminal():
        raise InvalidInput(option.removesuffix("-stdin"), f"Give --{option} and pipe the {what} "
                           "in, or run this at a terminal to type it.")
    return click.prompt(what[:1].upper() + what[1:], hide_input=True, err=True,
                        confirmation_prompt=True)


def witness_options(*names: str) -> Callable[[click.Command], click.Command]:
    """Declare which options of a command name witnesses (besides ``WITNESS_OPTIONS``)."""
    def mark(command: click.Command) -> click.Command:
        command.witness_options = names  # type: ignore[attr-defined]
        return command
    return mark


def _witness_params(command: click.Command, params: dict[str, Any]) -> list[tuple[str, str]]:
    declared = tuple(getattr(command, "witness_options", ()))
    names = [n for n in WITNESS_OPTIONS if n not in declared] + list(declared)
    known = {p.name for p in command.params}
    return [(n, str(params[n])) for n in names if n in known and params.get(n)]


def needs_user(top: str | None) -> bool:
    """Whether the command ``top`` (the first word after the global options) acts as a user."""
    if top is None or top in NO_USER:
        return False
    if top == "join":  # a new workstation's empty database has no one to be yet
        from ward_app.cli.common import state

        path = state().db_path
        if not path.exists() or path.stat().st_size == 0:
            return False
        from ward_app.services.sync import has_users

        return has_users(path)
    if top in ("demo", "restore"):
        from ward_app.cli.common import state

        path = state().db_path
        if top == "restore":  # an administrator, unless the database is damaged or missing
            from ward_app.services.backups import damaged_or_missing

            return not damaged_or_missing(path)
        return path.exists() and path.stat().st_size > 0
    return True


def gather(click_ctx: click.Context) -> None:
    """Before a command runs: make sure someone is named, read their password and the witnesses'
    (in that order), and prove who is acting."""
    from ward_app.cli.common import state

    st = state()
    top = click_ctx.find_root().invoked_subcommand
    if not needs_user(top) or st.credentials is not None:
        return
    if not st.user:
        raise Refused("user.missing", "Name who is acting: give --user NAME (or set "
                      "WARD_APP_USER) and type that user's password.")
    st.user = lookup_text(st.user, "user", label="The --user name")
    creds = Credentials(password=secret(f"password for {st.user}"))
    for option, name in _witness_params(click_ctx.command, click_ctx.params):
        creds.witnesses[option] = secret(f"password for the witness {name}")
    st.credentials = creds
    st.command = top
    st.context()  # proves who is acting now, before the command reads or writes anything


def witness_password(option: str = "witness") -> str | None:
    """The password read for the witness named by ``option`` (None when none was named)."""
    from ward_app.cli.common import state

    creds = state().credentials
    return creds.witnesses.get(option) if creds is not None else None


def log_in(ctx: Any, name: str, command: str | None) -> None:
    """Prove ``name`` with the password read for this command (exit 1 when missing or wrong)."""
    from ward_app.cli.common import state
    from ward_app.services.auth import login

    creds = state().credentials
    needs = SERVICE_COMMANDS.get(command or "", Action.READ)
    try:
        login(ctx, name, creds.password if creds is not None else None, needs=needs,
              audit_success=False)
    except Refused as exc:
        if exc.rule != "login.failed":
            raise
        raise Refused(exc.rule, "The --user name or the password is not right: check them "
                      "(caps lock?) and try again. Nothing was saved.") from None


def identified(command: click.Command) -> click.Command:
    """Wrap a command (and a group's commands) so ``gather`` runs before it does."""
    group = isinstance(command, click.Group)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            identified(sub)
        if not command.invoke_without_command:  # its callback only hands over to a subcommand
            return command
    inner = command.callback
    if inner is None or getattr(inner, "_identified", False):
        return command

    @functools.wraps(inner)
    def run(*args: Any, **kwargs: Any) -> Any:
        here = click.get_current_context()
        if not group or here.invoked_subcommand is None:  # e.g. `alerts` itself lists alerts
            gather(here)
        return inner(*args, **kwargs)

    run._identified = True  # type: ignore[attr-defined]
    command.callback = run
    return command
