"""Wards and the people who work on them, as the front ends list them (the witness choices, the
ward's name): read from storage here, so gui/ and cli/ never import storage/."""

from __future__ import annotations

from ward_app.storage.people import UserRow, WardRow, users, wards

__all__ = ["UserRow", "WardRow", "users", "wards"]
