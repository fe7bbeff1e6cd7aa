"""The storage problems the front ends catch and say (busy, full, read-only, damaged), re-exported
so gui/ and cli/ never import storage/: ``translate`` tells one a nurse can act on from a bug."""

from __future__ import annotations

from ward_app.storage.database import NoDatabase
from ward_app.storage.errors import StorageProblem, translate

__all__ = ["NoDatabase", "StorageProblem", "translate"]
