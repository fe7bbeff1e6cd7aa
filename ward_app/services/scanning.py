"""Bedside scanning (clinical-rules §13, docs/scanning.md): what a scanned code is, the pharmacy's
medicine pack table, the checks a scanned pack meets against the order, and the share of doses
scanned.

The checks are findings like the recording checks: the record dialog shows them before anything
is saved, and ``mar.give_dose`` makes them again when it saves (a pack scanned a minute ago may
have expired at midnight; the table may have changed at another workstation).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from ward_app.domain import scanning as sc
from ward_app.domain.dose_checks import Finding
from ward_app.domain.errors import InvalidInput
from ward_app.domain.orders import Route
from ward_app.domain.patient import Patient
from ward_app.domain.roles import Action
from ward_app.domain.scanning import Form, Pack, Product, Scan, Unknown, Wristband
from ward_app.domain.text import clean_text
from ward_app.services.changes import Kind
from ward_app.services.context import Context
from ward_app.storage import administrations as admin_repo
from ward_app.storage import audit
from ward_app.storage import medicine_packs as repo
from ward_app.storage import patients as patient_repo
from ward_app.storage.errors import actionable_errors


def gs_substitute(ctx: Context) -> str:
    """The printable character this ward's scanners send for the group separator ('' none)."""
    return ctx.thresholds().scan_gs_substitute


@dataclass(frozen=True)
class ScanResult:
    """A scanned code, and what the ward knows of it."""

    code: Scan
    patient: Patient | None = None  # a wristband's patient (None: no patient with that MRN)
    product: Product | None = None  # a pack's row in the pharmacy's table (None: not in it)
    problem: str | None = None  # one sentence when the code is not usable as it is

    @property
    def kind(self) -> str:
        return {Wristband: "wristband", Pack: "medicine"}.get(type(self.code), "unknown")

    def to_json(self, zone) -> dict:  # type: ignore[no-untyped-def]
        out = self.code.to_json()
        if isinstance(self.code, Wristband):
            p = self.patient
            out["patient"] = None if p is None else {
                "name": p.name, "bed": p.bed, "discharged": p.discharged_at is not None}
        if isinstance(self.code, Pack):
            out["product"] = None if self.product is None else {
                "name": self.product.product, "ingredient": self.product.ingredient,
                "form": self.product.form.value, "strength": self.product.strength,
                "unit": self.product.form.unit, "demo": self.product.demo,
                "active": self.product.active}
        if self.problem:
            out["problem"] = self.problem
        return out


def read_scan(ctx: Context, text: str) -> ScanResult:
    """What ``text`` (as the scanner typed it) is, looked up on this ward. A wristband that names
    a patient is a read of their record (audited); anyone who may read the ward may scan."""
    actor = ctx.require(Action.READ)
    code = sc.read_code(text, gs_substitute=gs_substitute(ctx))
    if isinstance(code, Unknown):
        return ScanResult(code, problem=code.why)
    if isinstance(code, Wristband):
        with actionable_errors():
            patient = patient_repo.patient_by_mrn(ctx.db, code.mrn)
        if patient is None:
            return ScanResult(code, problem=f"No patient on this ward has MRN {code.mrn}: check "
                              "the wristband against the patient, and ask them their name and "
                              "date of birth.")
        with ctx.write(Kind.AUDIT, patient.id) as db:
            audit.record(db, at=ctx.entered(), user_id=actor.id, action="read.scan",
                         entity="patient", entity_id=patient.id, patient_id=patient.id,
                         detail={"wristband": code.mrn})
        return ScanResult(code, patient=patient)
    with actionable_errors():
        product = repo.by_gtin(ctx.db, code.gtin)
    problem = None
    if product is None:
        problem = f"GTIN {code.gtin} is not in the ward's medicine table."
    return ScanResult(code, product=product, problem=problem)


# --- the pharmacy's table ----------------------------------------------------------------------


def packs(ctx: Context) -> list[Product]:
    ctx.require(Action.READ)
    with actionable_errors():
        return repo.all_packs(ctx.db)


def _gtin(text: str) -> str:
    """A GTIN as typed or scanned (8, 12, 13 or 14 digits, check digit right), as 14 digits."""
    from biip import ParseError
    from biip.gtin import Gtin

    digits = text.strip()
    if not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        raise InvalidInput("gtin", f"GTIN '{text.strip()}' is not valid: use the 8, 12, 13 or 14 "
                           "digits under the pack's barcode.")
    try:
        Gtin.parse(digits)
    except ParseError as exc:
        raise InvalidInput("gtin", f"GTIN {digits} is not valid ({exc}): check the digits.") \
            from exc
    return digits.zfill(14)


def save_pack(ctx: Context, *, gtin: str, product: str, ingredient: str, form: Form | str,
              strength: float, active: bool = True, demo: bool = False) -> Product:
    """Add a pack to the table, or change the row with its GTIN (pharmacist). Audited."""
    actor = ctx.require(Action.PACKS)
    key = _gtin(gtin)
    name = clean_text(product, "product", longest=120, label="The product name", required=True)
    what = clean_text(ingredient, "ingredient", longest=60, label="The ingredient",
                      required=True)
    try:
        kind = Form(form)
    except ValueError:
        raise InvalidInput("form", f"'{form}' is not a form: use tablet, oral_liquid or "
                           "intrathecal.") from None
    if not isinstance(strength, (int, float)) or not math.isfinite(strength) or \
            not 0 < strength <= 100_000:
        raise InvalidInput("strength", f"The strength must be a positive number of "
                           f"{kind.unit}.")
    assert name is not None and what is not None
    row = Product(gtin=key, product=name, ingredient=what.lower(), form=kind,
                  strength=float(strength), demo=demo, active=active)
    with ctx.write(Kind.AUDIT) as db:  # nothing on the board or a chart shows the table
        before = repo.by_gtin(db, key)
        pid = repo.save(db, row, user_id=actor.id, at=ctx.entered())
        audit.record(db, at=ctx.entered(), user_id=actor.id,
                     action="medicine_pack." + ("add" if before is None else "change"),
                     entity="medicine_pack", entity_id=pid,
                     detail={"gtin": key, "product": name, "ingredient": row.ingredient,
                             "form": kind.value, "strength": row.strength, "active": active,
                             **({"before": {"product": before.product,
                                            "strength": before.strength,
                                            "active": before.active}} if before else {})})
    return Product(**{**row.__dict__, "id": pid})


# --- the checks -------------------------------------------------------------------------------


def pack_findings(ctx: Context, pack: Pack, *, route: Route, dose_mg: float | None = None,
                  refill_conc_mcg_ml: float | None = None) -> list[Finding]:
    """The checks the scanned ``pack`` meets for a dose by ``route`` (hard stops first)."""
    with actionable_errors():
        product = repo.by_gtin(ctx.db, pack.gtin)
    today = ctx.now().astimezone(ctx.zone).date()
    return sc.check_pack(pack, product, today=today, route=route, dose_mg=dose_mg,
                         refill_conc_mcg_ml=refill_conc_mcg_ml)


def pack_for_text(ctx: Context, text: str) -> Pack:
    """The pack a scanned (or typed) code names, or InvalidInput('scan') saying what it is."""
    code = sc.read_code(text, gs_substitute=gs_substitute(ctx))
    if isinstance(code, Pack):
        return code
    if isinstance(code, Wristband):
        raise InvalidInput("scan", f"That is a wristband (MRN {code.mrn}), not a medicine pack: "
                           "scan the pack's 2D code.")
    raise InvalidInput("scan", code.why)


def product_for(ctx: Context, pack: Pack) -> Product | None:
    with actionable_errors():
        return repo.by_gtin(ctx.db, pack.gtin)


def skip_reason(code: str | None) -> str | None:
    """A skip reason's code checked (InvalidInput('skip-scan') naming the choices)."""
    if code is None:
        return None
    if code not in sc.SKIP_REASONS:
        raise InvalidInput("skip-scan", f"'{code}' is not a reason for not scanning: use one of "
                           f"{', '.join(sc.SKIP_REASONS)}.")
    return code


# --- how many doses were scanned -------------------------------------------------------------


@dataclass(frozen=True)
class ScanShare:
    """Doses given in a period: how many were scanned, skipped (and why), or neither."""

    given: int = 0
    scanned: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    @property
    def unscanned(self) -> int:
        """Given with neither a scan nor a reason (e.g. recorded from the command line)."""
        return self.given - self.scanned - self.skipped_total

    @property
    def percent(self) -> int | None:
        return None if not self.given else round(100 * self.scanned / self.given)

    def sentence(self) -> str:
        if not self.given:
            return "No doses given."
        parts = [f"{self.scanned} of {self.given} doses given were scanned ({self.percent} %)"]
        if self.skipped:
            why = ", ".join(f"{sc.SKIP_REASONS.get(k, k)} ×{n}" for k, n in
                            sorted(self.skipped.items(), key=lambda kv: -kv[1]))
            parts.append(f"{self.skipped_total} skipped ({why})")
        if self.unscanned:
            parts.append(f"{self.unscanned} without a scan or a reason")
        return "; ".join(parts) + "."


def scan_share(ctx: Context, start: datetime, end: datetime) -> ScanShare:
    """The share of doses given in [start, end) that were scanned (the ward sees skips)."""
    ctx.require(Action.READ)
    with actionable_errors():
        rows = admin_repo.scan_counts(ctx.db, start, end)
    skipped = Counter(reason for _pid, scan, reason in rows if scan is None and reason)
    return ScanShare(given=len(rows), scanned=sum(1 for _p, scan, _r in rows if scan),
                     skipped=dict(skipped))


__all__ = ["ScanResult", "ScanShare", "pack_findings", "pack_for_text", "packs",
           "product_for", "read_scan", "save_pack", "scan_share",
           "skip_reason"]
