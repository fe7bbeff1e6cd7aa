"""How the command line names what a refusal is about. Services and the domain say which field
was wrong ('note', 'dose-mg') in plain sentences; the command line puts the flag the user typed
it with in front (``--note: The note is needed ...``), so every error still says which option to
fix. The window does the same with its widgets (gui/form_parts.py)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ward_app.domain.errors import InvalidInput, Refused, WardError
from ward_app.services.errors import StorageProblem

#: fields that are not spelled like the option that gives them
ALIASES: dict[str, tuple[str, ...]] = {
    "setting.key": ("key",),
    "setting.value": ("value",),
    "key": ("key",),
    "value": ("value",),
    "by": ("user", "by"),
    "reservoir": ("reservoir-ml",),
    "user": ("user", "by"),
}


#: fields about several options at once ("nothing to record"): every one the command has is named
GROUPS: dict[str, tuple[str, ...]] = {
    "obs": ("rr", "spo2", "sbp", "hr", "acvpu", "temp", "poss", "rass", "mas", "penn", "sign",
            "no-signs"),
    "pump": ("model", "serial", "reservoir-ml", "implant-date", "eri-date", "end-of-service",
             "alarm-ml"),
    # the dose's unit does not fit the route: either may be the mistake
    "route-dose": ("route", "dose-mg", "daily-mcg"),
    "patient": ("flag", "clear-flag", "bed", "weight-kg", "sci-level", "surgery-date",
                "delivery-date", "oral-form"),
}


def _options(click_ctx: click.Context | None) -> dict[str, str]:
    """Every long option of the running command and the groups around it, by name."""
    found: dict[str, str] = {}
    ctx = click_ctx
    while ctx is not None:
        for param in ctx.command.params:
            if isinstance(param, click.Option):
                for opt in param.opts:
                    if opt.startswith("--"):
                        found.setdefault(opt[2:], opt)
        ctx = ctx.parent
    return found


def _names(field: str) -> list[str]:
    plain = field.replace("_", "-")
    names = [field, plain, plain.rsplit(".", 1)[-1]]
    names.extend(ALIASES.get(field, ()))
    return list(dict.fromkeys(names))


def flag_for(field: str, click_ctx: click.Context | None) -> str | None:
    """The option (``--note``) or argument (``NAME``) of the running command, or of the groups
    around it (``--db``, ``--now``, ``--user``), that gives ``field``; None when there is none."""
    if field in GROUPS:
        options = _options(click_ctx)
        named = [options[name] for name in GROUPS[field] if name in options]
        if named:
            return ", ".join(named)
    for name in _names(field):
        ctx = click_ctx
        while ctx is not None:
            for param in ctx.command.params:
                if isinstance(param, click.Option):
                    for opt in param.opts:
                        if opt.startswith("--") and opt[2:] == name:
                            return opt
                elif isinstance(param, click.Argument) and param.name and (
                        param.name.replace("_", "-") == name):
                    return param.human_readable_name
            ctx = ctx.parent
    return None


def name_flag(exc: InvalidInput, click_ctx: click.Context | None) -> InvalidInput:
    """``exc`` with the flag of its field in front of its message (unless it already says it)."""
    flag = flag_for(exc.field, click_ctx)
    message = str(exc)
    if flag is None or re.search(rf"(^|[\s'(]){re.escape(flag)}\b", message):
        return exc
    return InvalidInput(exc.field, f"{flag}: {message}")


#: what the command line adds to a refusal by its rule: how to do it here
RULE_HINTS: dict[str, str] = {
    "user.required": "Give --user NAME (or set WARD_APP_USER).",
    "init.exists": "Give another file with --db.",
}


def _db_path(click_ctx: click.Context | None) -> Path | None:
    from ward_app.cli import CliState

    found = click_ctx.find_object(CliState) if click_ctx is not None else None
    return found.db_path if found is not None else None


def with_hint(exc: WardError, click_ctx: click.Context | None) -> WardError:
    """``exc`` with what to do on the command line added, when the words it has are the window's
    (a missing or damaged database, a rule with a command-line way out); else ``exc``."""
    from ward_app.services.backups import latest_backup
    from ward_app.services.errors import NoDatabase

    db = _db_path(click_ctx)
    if isinstance(exc, NoDatabase):
        return NoDatabase(f"{exc} On the command line: give the right file with --db, or create "
                          "one with 'ward-app init --ward NAME --tz ZONE'.")
    if isinstance(exc, StorageProblem) and exc.damaged and db is not None:
        latest = latest_backup(db)
        if latest is None:
            return exc
        return StorageProblem(f"{exc} On the command line: ward-app --db {db} restore --from "
                              f"{latest.path} --yes", damaged=True)
    if isinstance(exc, StorageProblem) and not exc.transient and db is not None and (
            str(db) in str(exc)) and "--db" not in str(exc):
        return StorageProblem(f"{exc} (--db)", damaged=exc.damaged)
    if isinstance(exc, Refused) and exc.rule in RULE_HINTS:
        return Refused(exc.rule, f"{exc} {RULE_HINTS[exc.rule]}")
    return exc


def naming_flags(callback: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a command's callback so a bad value it reports names the flag it came from, and a
    refusal in the window's words gets the command line's way out."""

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        click_ctx = click.get_current_context(silent=True)
        try:
            return callback(*args, **kwargs)
        except InvalidInput as exc:
            named = name_flag(exc, click_ctx)
            if named is exc:
                raise
            raise named from exc
        except WardError as exc:
            hinted = with_hint(exc, click_ctx)
            if hinted is exc:
                raise
            raise hinted from exc

    return run


def name_flags_in(command: click.Command) -> None:
    """Every command under ``command`` names its flags in its errors."""
    if command.callback is not None:
        command.callback = naming_flags(command.callback)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            name_flags_in(sub)
