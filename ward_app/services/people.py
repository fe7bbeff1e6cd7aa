"""Looking up the people a person names (a witness, a user to filter by): the front ends call
these to turn a typed name into the id the services take."""

from __future__ import annotations

from ward_app.domain.errors import InvalidInput
from ward_app.domain.text import lookup_text
from ward_app.services.context import Context
from ward_app.storage import people
from ward_app.storage.errors import actionable_errors
from ward_app.storage.people import UserRow, WardRow, users, wards


def find_user(ctx: Context, name: str, field: str = "user", *, active: bool = True) -> UserRow:
    """The user called ``name`` (as typed; spaces around it and capitals do not matter), or
    InvalidInput naming ``field``. With ``active`` a user who was deactivated is refused too."""
    key = lookup_text(name, field, label=f"The {'user' if field == 'by' else field} name")
    with actionable_errors():
        row = people.user_by_name(ctx.db, key)
    if row is None or (active and not row.active):
        what = " to witness" if field == "witness" else ""
        raise InvalidInput(field, f"There is no user '{key}'{what}: give the name of an existing "
                           "user.")
    return row


def user_by_id(ctx: Context, user_id: int, field: str = "user") -> UserRow:
    with actionable_errors():
        row = people.user_by_id(ctx.db, user_id)
    if row is None:
        raise InvalidInput(field, f"There is no user {user_id}: choose an existing user.")
    return row


__all__ = ["UserRow", "WardRow", "find_user", "user_by_id", "users", "wards"]
