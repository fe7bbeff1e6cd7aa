"""Every version of each patient's baclofen orders since a moment, for the front ends (the refill
dialog shows the dose in force): read from storage here, so gui/ never imports storage/."""

from __future__ import annotations

from ward_app.storage.orders import versions_since

__all__ = ["versions_since"]
