"""Facts about a PDF the app made, without a PDF library at run time."""

from __future__ import annotations

import re

_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def page_count(pdf: bytes) -> int:
    """Pages in a reportlab PDF (each page object says /Type /Page)."""
    return len(_PAGE.findall(pdf))
