"""Idempotent writes: a form submission carries a client-generated id (a UUID), made once when
the form opens (the window) or given by the caller (the command line), and reused for every retry
of that submission. A service that finds a row already stored under the id returns that record and
writes nothing, so a save retried after a crash is recognised, not stored twice."""

from __future__ import annotations

import uuid

from ward_app.domain.errors import InvalidInput


def new_request_id() -> str:
    """A fresh id for one form submission (kept for every retry of that form)."""
    return str(uuid.uuid4())


def request_id(value: str | None) -> str | None:
    """``value`` in the one stored spelling (lower case, hyphenated), None for None; InvalidInput
    when it is not a UUID."""
    if value is None:
        return None
    try:
        return str(uuid.UUID(str(value).strip()))
    except ValueError:
        raise InvalidInput("request-id", f"'{value}' is not a request id: give a UUID such as "
                           "1b4e28ba-2fa1-11d2-883f-0016d3cca427 (the same one for every retry "
                           "of the same record).") from None


def reused(what: str) -> InvalidInput:
    """The id was already used for a different record: a caller's mistake, never a retry."""
    return InvalidInput("request-id", f"This request id was already used for {what}: give a new "
                        "id for a new record, and the same id only to retry the same one.")


__all__ = ["new_request_id", "request_id", "reused"]
