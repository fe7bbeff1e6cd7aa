"""What a scanned barcode is, and the checks a scanned medicine pack meets (clinical-rules §13).

A USB scanner types what it reads, then Enter. Two kinds of code matter at the bedside:

- a **wristband**: the patient's MRN (Code 128 or QR), nothing else;
- a **medicine pack**: a GS1 DataMatrix with the GTIN (AI 01), the expiry (17, YYMMDD, day 00 =
  the end of that month), the batch (10) and the serial number (21). Batch and serial have no
  fixed length, so a *group separator* (ASCII 29) ends them; a keyboard-wedge scanner may send it
  as a printable character instead (the setting ``scan.gs_substitute``).

GS1 element strings are parsed by `biip` (the GS1 General Specifications' table of application
identifiers, check digits, the end-of-month rule), not by code of our own.

The pack checks are findings like the recording checks (domain/dose_checks.py): a **hard stop**
(an expired pack, a pack that is not baclofen, a pack for the other route, an intrathecal ampoule
of another concentration than the pump's refill) refuses; a **soft stop** (a GTIN the pharmacy's
table does not know, tablets that do not make up the dose) is recorded anyway only with a reason,
and the record carries its flag.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from ward_app.domain.dose_checks import Finding, Stop, hard_first
from ward_app.domain.errors import InvalidInput
from ward_app.domain.orders import Route
from ward_app.domain.patient import check_mrn

SOURCE = "clinical-rules §13: scanning at the bedside"

#: ASCII 29, the GS1 group separator (FNC1 inside a DataMatrix, as a scanner transmits it).
GS = "\x1d"

#: Symbology identifiers a scanner may put in front (ISO/IEC 15424): DataMatrix, GS1-128, QR,
#: Code 128 and GS1 QR.
_SYMBOLOGY = re.compile(r"^\][A-Za-z][0-9A-Za-z]")


#: Why a nurse may record a dose without scanning (the ward sees each, and how often).
SKIP_REASONS = {
    "scanner_unavailable": "scanner not working or not at the bedside",
    "barcode_unreadable": "barcode damaged or will not scan",
    "no_barcode": "pack has no barcode",
    "emergency": "emergency: no time to scan",
    "other": "other (say in the note)",
}


class Form(StrEnum):
    """How a pack holds baclofen: what its strength is measured in."""

    TABLET = "tablet"  # mg per tablet
    ORAL_LIQUID = "oral_liquid"  # mg per mL
    INTRATHECAL = "intrathecal"  # mcg per mL (an ampoule for the pump)

    @property
    def unit(self) -> str:
        return {"tablet": "mg", "oral_liquid": "mg/mL", "intrathecal": "mcg/mL"}[self.value]

    @property
    def label(self) -> str:
        return {"tablet": "tablets", "oral_liquid": "oral liquid",
                "intrathecal": "intrathecal ampoule"}[self.value]


@dataclass(frozen=True)
class Product:
    """One row of the pharmacy's table: what a GTIN is."""

    gtin: str
    product: str  # as on the pack, e.g. "Baclofen 10 mg tablets (28)"
    ingredient: str  # "baclofen", or what else it is
    form: Form
    strength: float  # in form.unit
    demo: bool = False
    active: bool = True
    id: int | None = None

    @property
    def strength_text(self) -> str:
        return f"{self.strength:g} {self.form.unit}"

    @property
    def is_baclofen(self) -> bool:
        return self.ingredient.strip().lower() == "baclofen"


@dataclass(frozen=True)
class Wristband:
    mrn: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": "wristband", "mrn": self.mrn}


@dataclass(frozen=True)
class Pack:
    """A medicine pack as scanned."""

    gtin: str
    expiry: date | None = None
    batch: str | None = None
    serial: str | None = None
    other: tuple[tuple[str, str], ...] = ()  # application identifiers we do not use: (ai, value)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": "medicine", "gtin": self.gtin,
                               "expiry": self.expiry.isoformat() if self.expiry else None,
                               "batch": self.batch, "serial": self.serial}
        if self.other:
            out["other"] = {ai: value for ai, value in self.other}
        return out

    def stored(self, product: Product | None) -> dict[str, Any]:
        """What a dose record keeps of the pack it was given from."""
        out = {k: v for k, v in self.to_json().items() if k not in ("kind", "other") and v}
        if product is not None:
            out["product"] = product.product
        return out


@dataclass(frozen=True)
class Unknown:
    text: str
    why: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": "unknown", "text": self.text}


Scan = Wristband | Pack | Unknown


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else f"<{ord(c)}>" for c in text)


def clean_substitute(value: str) -> str:
    """The printable character a ward's scanners send for the group separator ('' for none)."""
    value = value.strip()
    if value and (len(value) != 1 or value.isalnum() or not value.isprintable()):
        raise InvalidInput("scan.gs_substitute", "scan.gs_substitute: use one printable "
                           "character that is not a letter or digit (e.g. |), or leave it empty.")
    return value


def read_code(text: str, *, gs_substitute: str = "") -> Scan:
    """What ``text`` (as a scanner typed it, without the final Enter) is. Never raises."""
    raw = text.strip("\r\n")
    body = raw.strip()
    if not body:
        return Unknown(raw, "Nothing was scanned.")
    marked = _SYMBOLOGY.match(body)
    symbology = marked.group(0) if marked else ""
    if symbology:
        body = body[len(symbology):]
    separators = (GS, gs_substitute) if gs_substitute else (GS,)
    looks_gs1 = any(sep in body for sep in separators) or symbology in ("]d2", "]C1", "]Q3", "]e0") or (
        body[:2] == "01" and len(body) >= 16 and body[2:16].isdigit())
    if looks_gs1:
        return _pack(raw, body.strip("".join(separators)), separators)
    try:
        return Wristband(check_mrn(body))
    except InvalidInput:
        pass
    return Unknown(raw, f"'{_printable(raw)[:40]}' is neither a wristband (an MRN) nor a medicine "
                   "pack (a GS1 code with a GTIN).")


def _pack(raw: str, body: str, separators: tuple[str, ...]) -> Pack | Unknown:
    from biip import ParseConfig, ParseError
    from biip.gs1_messages import GS1Message

    try:
        message = GS1Message.parse(body, config=ParseConfig(separator_chars=separators))
    except ParseError as exc:
        return Unknown(raw, f"The pack's code could not be read as GS1 ({exc}); scan it again or "
                       "type what is printed on the pack.")
    gtin = expiry = batch = serial = None
    other: list[tuple[str, str]] = []
    for element in message.element_strings:
        ai = element.ai.ai
        if ai == "01":
            if element.gtin is None:  # e.g. a wrong check digit: a misread, never a guess
                return Unknown(raw, f"The pack's GTIN {element.value} is not valid "
                               f"({element.gtin_error}); scan it again.")
            gtin = element.value
        elif ai == "17":
            expiry = element.date
        elif ai == "10":
            batch = element.value
        elif ai == "21":
            serial = element.value
        else:
            other.append((ai, element.value))
    if gtin is None:
        return Unknown(raw, "This GS1 code has no GTIN (01): it does not say which medicine it is.")
    return Pack(gtin=gtin, expiry=expiry, batch=batch, serial=serial, other=tuple(other))


def _finding(rule: str, stop: Stop, message: str, flag: str | None = None,
             **values: Any) -> Finding:
    return Finding(rule=rule, stop=stop, message=message, flag=flag, values=values)


#: What a record given despite a soft pack check carries (mar --json "flags").
PACK_FLAGS = {
    "pack_unknown": "pack not in the ward's table",
    "pack_strength": "pack strength does not make up the dose",
}
PACK_FLAGS_SHORT = {"pack_unknown": "pack unknown", "pack_strength": "pack strength"}


def units_for(product: Product, dose_mg: float) -> float:
    """How many tablets (or mL) of ``product`` make ``dose_mg``."""
    return dose_mg / product.strength


def how_much(product: Product, dose_mg: float) -> str:
    """'2 tablets' / '½ tablet' / '5 mL' for an oral dose from this pack ('' if not oral)."""
    if product.form is Form.ORAL_LIQUID:
        return f"{units_for(product, dose_mg):.3g} mL"
    if product.form is Form.TABLET:
        n = units_for(product, dose_mg)
        whole = round(n)
        if math.isclose(n, whole, abs_tol=1e-9):
            return f"{whole} tablet{'s' if whole != 1 else ''}"
        return f"{n:.3g} tablets"
    return ""


def check_pack(pack: Pack, product: Product | None, *, today: date, route: Route | None,
               dose_mg: float | None = None, refill_conc_mcg_ml: float | None = None
               ) -> list[Finding]:
    """The findings for giving from ``pack`` (``product``: the pharmacy's row for its GTIN, None
    when unknown) a dose of ``dose_mg`` by ``route`` (for an intrathecal refill,
    ``refill_conc_mcg_ml``), hard stops first. ``today`` is the ward's date."""
    out: list[Finding] = []
    if pack.expiry is not None and pack.expiry < today:
        out.append(_finding("pack.expired", Stop.HARD,
                            f"This pack expired on {pack.expiry:%d %b %Y}: do not use it; take "
                            "another pack and return this one to pharmacy.",
                            expiry=pack.expiry.isoformat()))
    if product is None or not product.active:
        gone = product is not None
        out.append(_finding(
            "pack.unknown", Stop.SOFT,
            f"GTIN {pack.gtin} is " + ("no longer in use in the ward's medicine table" if gone
                                       else "not in the ward's medicine table") +
            ": check by eye that the pack is baclofen of the right strength, and tell the "
            "pharmacy.", "pack_unknown", gtin=pack.gtin))
        return hard_first(out)
    if not product.is_baclofen:
        out.append(_finding("pack.wrong_medicine", Stop.HARD,
                            f"This pack is {product.product} ({product.ingredient}), not "
                            "baclofen: do not give it.", gtin=pack.gtin))
        return hard_first(out)
    intrathecal_pack = product.form is Form.INTRATHECAL
    if route is not None and intrathecal_pack != (route is Route.INTRATHECAL):
        out.append(_finding(
            "pack.wrong_route", Stop.HARD,
            f"This pack is {product.product}, for " +
            ("intrathecal use (the pump)" if intrathecal_pack else "oral or enteral use") +
            f"; this patient's order is {route.value}: do not give it.", gtin=pack.gtin))
    elif intrathecal_pack and refill_conc_mcg_ml is not None and \
            not math.isclose(product.strength, refill_conc_mcg_ml, rel_tol=1e-9):
        out.append(_finding(
            "pack.concentration", Stop.HARD,
            f"This ampoule is {product.strength:g} mcg/mL; the pump is to be filled at "
            f"{refill_conc_mcg_ml:g} mcg/mL. A different concentration changes the dose the pump "
            "delivers: do not use it; ask the ITB team and pharmacy.",
            pack=product.strength, refill=refill_conc_mcg_ml))
    elif product.form is Form.TABLET and dose_mg is not None:
        n = units_for(product, dose_mg)
        if not math.isclose(n, round(n), abs_tol=1e-9) or round(n) < 1:
            out.append(_finding(
                "pack.strength", Stop.SOFT,
                f"The dose is {dose_mg:g} mg; this pack's tablets are {product.strength:g} mg "
                f"({n:.3g} tablets): check the order and the pack before giving.", "pack_strength",
                dose_mg=dose_mg, strength=product.strength))
    return hard_first(out)


def scan_summary(scan: dict[str, Any] | None, skipped: str | None) -> str:
    """What a record keeps of its pack, in words: 'Baclofen 10 mg tablets (84), batch LOT42,
    exp 31 Dec 2028' / 'not scanned: barcode damaged or will not scan' / '' (neither)."""
    if scan:
        parts = [str(scan.get("product") or f"GTIN {scan.get('gtin')}")]
        if scan.get("batch"):
            parts.append(f"batch {scan['batch']}")
        if scan.get("expiry"):
            parts.append(f"exp {date.fromisoformat(scan['expiry']):%d %b %Y}")
        if scan.get("unknown_reason"):
            parts.append(f"not in the table: {scan['unknown_reason']}")
        return ", ".join(parts)
    if skipped:
        return f"not scanned: {SKIP_REASONS.get(skipped, skipped)}"
    return ""


def expiry_text(expiry: date | None) -> str:
    return f"{expiry:%d %b %Y}" if expiry else "no expiry in the code"


__all__ = ["GS", "PACK_FLAGS", "SKIP_REASONS", "scan_summary", "Form", "Pack", "Product", "Scan", "Unknown",
           "Wristband", "check_pack", "clean_substitute", "expiry_text", "how_much", "read_code"]
