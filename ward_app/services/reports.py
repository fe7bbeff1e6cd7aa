"""Printed sheets: gather the snapshot a report needs (patient, plan, who prints, when) and hand it
to the pure PDF functions in ``reports/``."""

from __future__ import annotations

from dataclasses import dataclass

from ward_app.reports.handover_sheet import handover_pdf
from ward_app.reports.pdfinfo import page_count
from ward_app.reports.taper_sheet import TaperSheet, taper_sheet_pdf
from ward_app.services.context import Context
from ward_app.services.entry_time import is_drill
from ward_app.services.tapers import TaperPreview, printed_by_name


@dataclass(frozen=True)
class Printing:
    """Who prints and whom the sheet says to call: read once from the database."""

    printed_by: str
    contact: str
    drill: bool = False  # a drill (training) ward: every page says DRILL
    phone: str = ""  # the ward's telephone number (contact.phone); "" = not set


def printing(ctx: Context) -> Printing:
    t = ctx.thresholds()
    return Printing(printed_by_name(ctx), str(t.contact_whom_to_call), is_drill(ctx),
                    str(t.contact_phone or ""))


def taper_sheet(ctx: Context, p: TaperPreview, prescriber: str,
                who: Printing | None = None) -> TaperSheet:
    """The snapshot for the taper sheet. With ``who`` given it reads nothing from the database."""
    who = who or printing(ctx)
    return TaperSheet(
        patient_name=p.patient.name, mrn=p.patient.mrn, dob=p.patient.dob, ward=p.patient.ward,
        bed=p.patient.bed, plan=p.plan, order_text=p.order.describe(), prescriber=prescriber,
        printed_by=who.printed_by, printed_at=ctx.now().astimezone(ctx.zone),
        contact=who.contact, zone_name=str(ctx.zone), drill=who.drill, phone=who.phone)


def taper_sheet_bytes(ctx: Context, p: TaperPreview, prescriber: str) -> bytes:
    """The taper sheet as PDF bytes (no file is written here)."""
    return taper_sheet_pdf(taper_sheet(ctx, p, prescriber))


# The handover sheet is built by services.handover; the front ends print it with these.
__all__ = ["Printing", "handover_pdf", "page_count", "printing", "taper_sheet", "taper_sheet_bytes"]
