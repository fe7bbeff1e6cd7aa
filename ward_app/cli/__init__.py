"""The ``ward-app`` command line (reference: ``ward-app --help``): the same services the window uses.

Exit codes: 0 success; 1 refused by a clinical or safety rule; 2 bad input; 3 the database cannot be
used right now (busy, full, read-only, damaged, newer version); 70 an internal error (a bug).
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path

import click
from platformdirs import user_data_dir

from ward_app import __version__
from ward_app.cli.common import PATH, given_path
from ward_app.cli.identity import Credentials, gather, identified, log_in
from ward_app.domain.clock import parse_moment
from ward_app.domain.errors import InvalidInput, WardError
from ward_app.services.context import Context, open_context, system_clock
from ward_app.services.entry_time import check_act_time
from ward_app.services.errors import translate

EXIT_BUG = 70


def data_dir() -> Path:
    """Where the ward database and its backups live by default (per user, per OS)."""
    return Path(os.environ.get("WARD_APP_DATA") or user_data_dir("ward-app", appauthor=False))


def default_db() -> Path:
    return data_dir() / "ward.db"


def demo_db() -> Path:
    return data_dir() / "demo-ward.db"


@dataclass
class CliState:
    """What the global options said; the database is opened only when a command needs it."""

    db_path: Path
    now_text: str | None
    user: str | None
    db_given: bool
    credentials: Credentials | None = field(default=None, repr=False)  # read by identity.gather
    command: str | None = None  # the command run (its first word)
    _ctx: Context | None = field(default=None, repr=False)

    def clock_for(self, ctx: Context) -> Callable[[], datetime]:
        if self.now_text is None:
            return system_clock
        fixed = parse_moment(self.now_text, ctx.zone, field="now")
        check_act_time(ctx, fixed, "now")  # a live ward is not run ahead of the clock
        return lambda: fixed

    def context(self, *, create: bool = False) -> Context:
        if self._ctx is None and self.credentials is None:
            here = click.get_current_context(silent=True)
            if here is not None:  # whatever the path here, who is acting is proven first
                gather(here)
        if self._ctx is None:
            # quick_check on every command (seconds faster than the full check on years of data);
            # `ward-app check` runs the full integrity check
            ctx = open_context(self.db_path, create=create, check_integrity="quick")
            try:
                ctx.clock = self.clock_for(ctx)
                if self.user and self.credentials is not None:
                    log_in(ctx, self.user, self.command)  # exit 1 unless the password is right
            except BaseException:
                ctx.close()
                raise
            self._ctx = ctx
        return self._ctx

    def fixed_now(self, zone: tzinfo) -> datetime:
        return parse_moment(self.now_text, zone, "now") if self.now_text else system_clock()

    def close(self) -> None:
        if self._ctx is not None:
            self._ctx.close()
            self._ctx = None


pass_state = click.make_pass_decorator(CliState)


@click.group(
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Example: ward-app --db ward.db patient list --json",
)
@click.option("--db", "db_path", type=PATH, envvar="WARD_APP_DB",
              default=None, help="The ward database file [default: ward.db in the data folder; "
              "env WARD_APP_DB].")
@click.option("--now", "now_text", metavar="ISO-8601",
              help="Act as if it were this moment; without an offset it is ward time.")
@click.option("--user", envvar="WARD_APP_USER", metavar="NAME",
              help="Who is acting (required, except for check, init and gui); their password is "
              "asked for, or read from the first line of standard input [env WARD_APP_USER].")
@click.version_option(__version__, prog_name="ward-app")
@click.pass_context
def cli(click_ctx: click.Context, db_path: Path | None, now_text: str | None, user: str | None) -> None:
    """Ward medication record, observations and alerts for patients on baclofen.

    With no command, opens the window.
    """
    state = CliState(db_path=_db_path(db_path), now_text=now_text, user=_user(user),
                     db_given=db_path is not None)
    click_ctx.obj = state
    click_ctx.call_on_close(state.close)
    if click_ctx.invoked_subcommand is None:
        click_ctx.invoke(gui, demo=False)


def _db_path(given: Path | None) -> Path:
    """The database path, or InvalidInput (exit 2) saying what is wrong with --db."""
    if given is None:
        return default_db()
    path = given_path(given, "db")
    if path.is_dir():
        raise InvalidInput("db", f"--db {path} is a folder: give the database file.")
    return path


def _user(name: str | None) -> str | None:
    if name is not None and not name.strip():
        raise InvalidInput("user", "--user is empty: give the name of the user who is acting.")
    return name


@cli.command()
@click.option("--demo", is_flag=True, help="Open the demo ward (created on first use) as its demo nurse.")
@pass_state
def gui(state: CliState, demo: bool) -> None:
    """Open the ward window.

    Example: ward-app gui --demo
    """
    from ward_app.gui.app import run_gui

    hint = None
    if demo:
        from ward_app.services.demo import demo_hint, ensure_demo_database

        path = state.db_path if state.db_given else demo_db()
        user = ensure_demo_database(path, state.fixed_now)
        state.user = state.user or user
        state.db_path = path
        hint = demo_hint()
    sys.exit(run_gui(state.db_path, user=state.user, now_text=state.now_text, demo_hint=hint))


def _register() -> None:
    from ward_app.cli import (
        admin_cmds,
        export_cmds,
        handover_cmds,
        mar_cmds,
        obs_cmds,
        patient_cmds,
        pump_cmds,
        scan_cmds,
        setup_cmds,
        sync_cmds,
        taper_cmds,
    )
    from ward_app.cli.fields import name_flags_in

    for module in (setup_cmds, patient_cmds, mar_cmds, obs_cmds, pump_cmds, taper_cmds,
                   handover_cmds, admin_cmds, sync_cmds, scan_cmds, export_cmds):
        for command in module.COMMANDS:
            name_flags_in(identified(command))  # who is acting is proven inside the flag naming
            cli.add_command(command)


_register()


def _say_error(message: str) -> None:
    """One line on stderr, whatever the message quotes back (control characters are shown as
    escapes, text that cannot be encoded is replaced)."""
    shown = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" if ord(ch) < 0x100
                    else f"\\u{ord(ch):04x}" for ch in message)
    click.echo(f"ward-app: {shown}", err=True)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: one plain sentence on stderr and a contract exit code, never a traceback."""
    os.umask(0o077)  # a belt: whatever the app writes is its user's alone (files are 0600 anyway)
    try:
        code = cli.main(args=list(argv) if argv is not None else None, prog_name="ward-app",
                        standalone_mode=False)
    except click.exceptions.Abort:
        _say_error("cancelled; nothing was saved.")
        code = 1
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "ward-app"
        _say_error(f"{exc.format_message()} See '{where} --help'.")
        code = 2
    except click.ClickException as exc:
        _say_error(exc.format_message())
        code = exc.exit_code
    except WardError as exc:
        _say_error(str(exc))
        code = exc.exit_code
    except (UnicodeError, OverflowError) as exc:
        # a last line of defence: inputs are checked where they are parsed; this keeps any that
        # slipped through from becoming a traceback
        what = "text that is not valid UTF-8" if isinstance(exc, UnicodeError) else \
            "a number or date out of range"
        _say_error(f"The input contains {what}: check the values given. Nothing was saved.")
        code = 2
    except sqlite3.Error as exc:
        problem = translate(exc)
        if problem is None:
            _report_bug(exc)
            code = EXIT_BUG
        else:
            _say_error(str(problem))
            code = problem.exit_code
    except OSError as exc:
        _say_error(f"{exc.strerror or exc} ({exc.filename}). Nothing was saved." if exc.filename
                   else f"{exc}. Nothing was saved.")
        code = 3
    except Exception as exc:  # noqa: BLE001 - the last line of defence: report, don't crash
        _report_bug(exc)
        code = EXIT_BUG
    sys.exit(code if isinstance(code, int) else 0)


def _report_bug(exc: BaseException) -> None:
    _say_error(
        f"internal error ({type(exc).__name__}); this is a bug, please report it to IT with the "
        "command you ran. Nothing was saved."
    )
    if os.environ.get("WARD_APP_DEBUG"):
        import traceback

        traceback.print_exception(exc)
