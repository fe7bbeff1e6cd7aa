"""Free text people type (notes, reasons, names of prescribers, models): one line of printable
text, of a sensible length. Control characters, invalid code points and invisible direction
overrides are refused, not stored: they garble the record, the printouts and the audit trail."""

from __future__ import annotations

import unicodedata

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
