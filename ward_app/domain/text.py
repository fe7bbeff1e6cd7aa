"""Free text people type (notes, reasons, names of prescribers, models): one line of printable
text, of a sensible length. Control characters, invalid code points and invisible direction
overrides are refused, not stored: they garble the record, the printouts and the audit trail."""

from __future__ import annotations

import unicodedata
from datetime import datetime, tzinfo

from ward_app.domain.errors import InvalidInput

#: Invisible characters that reorder or hide text (Unicode bidi controls).
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean_text(value: str | None, field: str, *, longest: int, label: str | None = None,
               required: bool = False) -> str | None:
    """``value`` with runs of white space made single spaces; None when empty (unless
    ``required``). InvalidInput names ``field`` for anything that cannot be kept; the message
    says ``label`` (default: 'The <field>') and each front end names the field its own way."""
    name = label or f"The {field.replace('-', ' ')}"
    if value is None or not value.strip():
        if required:
            raise InvalidInput(field, f"{name} is empty: type it in.")
        return None
    text = " ".join(value.split())
    for ch in text:
        kind = unicodedata.category(ch)
        if kind == "Cs":
            raise InvalidInput(field, f"{name} contains characters that are not valid text (check "
                               "the keyboard or the file's encoding).")
        if kind.startswith("C") and kind != "Cf" or ch in _BIDI:
            raise InvalidInput(field, f"{name} contains control characters: type it as plain "
                               "text.")
    text = unicodedata.normalize("NFC", text)
    if len(text) > longest:
        raise InvalidInput(field, f"{name} is too long: keep it under {longest} characters.")
    return text


def lookup_text(value: str, field: str, *, label: str | None = None) -> str:
    """A name or number typed to look something up (a user, an MRN): refused like free text when
    it holds characters that cannot be kept, so the message names the field."""
    return clean_text(value, field, longest=200, label=label, required=True) or ""


#: Letters NFKD does not take apart, written as a reader types them without the accent.
_PLAIN = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "æ": "ae",
                        "Æ": "AE", "œ": "oe", "Œ": "OE", "ı": "i", "þ": "th", "ð": "d"})


def folded(text: str) -> str:
    """``text`` for finding: case and accents left out (NFKD, combining marks dropped), so
    'zoe' finds Zoë, 'nguyen' finds Nguyễn and 'lukasz' finds Łukasz."""
    plain = unicodedata.normalize("NFKD", text.translate(_PLAIN))
    return "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()


def moment_text(text: str, zone: tzinfo) -> str | None:
    """An ISO date or date-time as the ward reads it ('01 Jun 10:00' in ward time, '01 Jun 2026'
    for a date); None when ``text`` is not one."""
    if not (len(text) >= 10 and text[4] == "-" and text[7] == "-" and text[:4].isdigit()):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if len(text) == 10:
        return moment.strftime("%d %b %Y")
    if moment.tzinfo is not None:
        moment = moment.astimezone(zone)
    return moment.strftime("%d %b %H:%M")


def readable(value: object, zone: tzinfo) -> str:
    """A stored value in words: yes/no, times in ward time, lists and pairs joined, no
    underscores."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{str(k).replace('_', ' ')} {readable(v, zone)}"
                         for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(readable(v, zone) for v in value)
    if isinstance(value, str):
        return moment_text(value, zone) or value.replace("_", " ")
    return str(value)
