"""Commands about patients: patient add|set|transfer|discharge|list|wristband, lab add, comed add."""

from __future__ import annotations

import json
from datetime import tzinfo
from pathlib import Path

import click

from ward_app.cli import parsing
from ward_app.cli.common import PATH, output_path, say_if_drill, state
from ward_app.domain.clock import parse_date
from ward_app.domain.patient import Patient, check_mrn
from ward_app.services import admissions
from ward_app.services import patients as svc
from ward_app.services.board import ward_board
from ward_app.services.reads import record_read


@click.group()
def patient() -> None:
    """Admit, move and discharge patients, set their flags, list the ward."""


@patient.command("add")
@click.option("--mrn", required=True, help="Medical record number.")
@click.option("--name", required=True, help="Full name as it should print.")
@click.option("--dob", required=True, metavar="YYYY-MM-DD", help="Date of birth.")
@click.option("--bed", required=True, help="Bed, e.g. 12 or 'SR 2'.")
@click.option("--ward", help="Ward name [default: the database's first ward].")
@click.option("--weight-kg", type=float, help="Weight in kg.")
@click.option("--flag", "flags", multiple=True, metavar="FLAG",
              help="Safety flag; repeat for more: dementia pregnancy epilepsy fall_risk "
              "communication_difficulty previous_withdrawal hypercapnic npo cirrhosis "
              "alcohol_use_disorder functional_spasticity.")
@click.option("--sci-level", metavar="LEVEL", help="Spinal cord injury level, e.g. T4.")
def patient_add(mrn: str, name: str, dob: str, bed: str, ward: str | None, weight_kg: float | None,
                flags: tuple[str, ...], sci_level: str | None) -> None:
    """Admit a patient to a bed.

    Example: ward-app patient add --mrn RX123456 --name "Zoë Ní Bhriain" --dob 1998-04-02
    --bed 12 --flag communication_difficulty
    """
    ctx = state().context()
    p = svc.add_patient(ctx, svc.NewPatient(
        mrn=mrn, name=name, dob=parse_date(dob, "dob"), bed=bed, ward=ward, weight_kg=weight_kg,
        flags=parsing.flags(flags), sci_level=sci_level))
    click.echo(f"Admitted {p.name} (MRN {p.mrn}) to bed {p.bed}, {p.ward}.")


@patient.command("set")
@click.option("--mrn", required=True, help="Medical record number.")
@click.option("--flag", "flags", multiple=True, metavar="FLAG", help="Flag to set; repeatable.")
@click.option("--clear-flag", "clear", multiple=True, metavar="FLAG",
              help="Flag to clear; repeatable.")
@click.option("--surgery-date", metavar="YYYY-MM-DD", help="Planned surgery date.")
@click.option("--bed", help="Move to this bed.")
@click.option("--weight-kg", type=float, help="Weight in kg.")
@click.option("--sci-level", metavar="LEVEL", help="Spinal cord injury level, e.g. T4.")
@click.option("--delivery-date", metavar="YYYY-MM-DD", help="Pregnancy: expected delivery date.")
@click.option("--oral-form", type=click.Choice(["tablet", "solution"]),
              help="What the patient takes (tapers round to 5 mg tablets or 1 mg of solution).")
def patient_set(mrn: str, flags: tuple[str, ...], clear: tuple[str, ...], surgery_date: str | None,
                bed: str | None, weight_kg: float | None, sci_level: str | None,
                delivery_date: str | None, oral_form: str | None) -> None:
    """Change a patient's flags, bed, weight, injury level or planned surgery.

    Example: ward-app patient set --mrn RX123456 --flag fall_risk --clear-flag npo
    """
    ctx = state().context()
    p = svc.set_patient(ctx, parsing.patient(ctx, mrn).id, svc.PatientChanges(
        set_flags=parsing.flags(flags), clear_flags=parsing.flags(clear, "clear-flag"),
        surgery_date=parse_date(surgery_date, "surgery-date") if surgery_date else None,
        bed=bed, weight_kg=weight_kg, sci_level=sci_level,
        delivery_date=parse_date(delivery_date, "delivery-date") if delivery_date else None,
        oral_form=parsing.oral_form(oral_form)))
    shown = ", ".join(sorted(f.value for f in p.flags)) or "none"
    click.echo(f"Updated {p.name} (MRN {p.mrn}): bed {p.bed}; flags: {shown}.")


@patient.command("transfer")
@click.option("--mrn", required=True, help="Medical record number.")
@click.option("--bed", required=True, help="The bed the patient moves to, e.g. 12 or 'SR 2'.")
def patient_transfer(mrn: str, bed: str) -> None:
    """Move a patient to another bed on the ward (charge nurse; audited with both beds). A bed
    with an admitted patient in it is refused.

    Example: ward-app patient transfer --mrn RX123456 --bed 'SR 2'
    """
    ctx = state().context()
    before = parsing.patient(ctx, mrn)
    p = admissions.transfer(ctx, before.id, bed)
    click.echo(f"Moved {p.name} (MRN {p.mrn}) from bed {before.bed} to bed {p.bed}.")


@patient.command("discharge")
@click.option("--mrn", required=True, help="Medical record number.")
@click.option("--to", "to", metavar="TEXT", help="Where the patient goes, e.g. home, 'Ward 7', "
              "'St Mary's rehab unit'.")
def patient_discharge(mrn: str, to: str | None) -> None:
    """Discharge a patient at --now (charge nurse; audited). They leave the board, the alerts,
    Due now and the handover; no dose falls due afterwards; their record stays, read-only.

    Example: ward-app patient discharge --mrn RX123456 --to home
    """
    ctx = state().context()
    before = parsing.patient(ctx, mrn)
    check = admissions.discharge_check(ctx, before.id)
    p = admissions.discharge(ctx, before.id, to)
    click.echo(f"{p.discharge_text(ctx.zone)}: {p.name} (MRN {p.mrn}), bed {before.bed} is free.")
    for note in check.notes():
        click.echo(f"Note: {note}")


@patient.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option("--all", "everyone", is_flag=True,
              help="Discharged patients too (after those on the ward, most recent first).")
def patient_list(as_json: bool, everyone: bool) -> None:
    """List the patients on the ward, by bed (discharged patients only with --all).

    Example: ward-app patient list --json
    """
    ctx = state().context()
    rows = ward_board(ctx)
    flags_by_id = {p.id: sorted(f.value for f in p.flags) for p in svc.list_patients(ctx)}
    gone = admissions.discharged_patients(ctx) if everyone else []
    record_read(ctx, "patients", detail={"patients": len(rows), "discharged": len(gone)}
                if everyone else {"patients": len(rows)})
    if as_json:
        listed: list[dict[str, object]] = [
            {"mrn": r.mrn, "name": r.name, "bed": r.bed, "ward": r.ward, "route": r.route or None,
             "flags": flags_by_id[r.patient_id], "age": r.age, "dose": r.dose,
             "pump": None if r.refill_by is None else {
                 "refill_by": r.refill_by.isoformat(),
                 "alert": r.refill_severity.label if r.refill_severity is not None else None}}
            for r in rows
        ]
        if everyone:
            for item in listed:
                item["discharged"] = None
            listed += [_discharged_json(p, ctx.zone) for p in gone]
        click.echo(json.dumps(listed, ensure_ascii=False, indent=2))
        return
    say_if_drill(ctx)
    if not rows:
        click.echo("No patients on this ward yet. Admit one with 'ward-app patient add'.")
    else:
        _print_table(rows)
    if gone:
        click.echo("Discharged, most recent first:")
    for p in gone:
        click.echo(f"  {p.discharge_text(ctx.zone)}: {p.name} (MRN {p.mrn}), was in bed {p.bed}")


@patient.command("wristband")
@click.option("--mrn", required=True, help="Medical record number.")
@click.option("--pdf", "pdf", required=True, type=PATH, metavar="FILE",
              help="Write the wristband label to this PDF file.")
def patient_wristband(mrn: str, pdf: Path) -> None:
    """Write a patient's wristband label (nurse or charge nurse; audited): the name, MRN, date of
    birth, bed and ward, with the MRN as a Code 128 and a QR code that a scanner reads back. One
    strip-shaped page, 280 mm x 25 mm: print it at actual size on wristband media.

    Example: ward-app patient wristband --mrn RX123456 --pdf band.pdf
    """
    from ward_app.services.backups import write_private
    from ward_app.services.wristbands import wristband_label

    out = output_path(pdf, "pdf")  # checked before anything is made or audited
    ctx = state().context()
    data = wristband_label(ctx, mrn)
    write_private(out, data)  # 0600, via a .part file: never half a label under the real name
    say_if_drill(ctx)
    click.echo(f"Wrote the wristband label for MRN {check_mrn(mrn)} to {out}.")


def _print_table(rows) -> None:  # type: ignore[no-untyped-def]
    header = ("Bed", "MRN", "Name", "Age", "Route", "Dose", "Refill by", "Flags")
    table = [header] + [
        (r.bed, r.mrn, r.name, str(r.age), r.route or "-", r.dose, _refill_text(r),
         ", ".join(r.flags) or "-")
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    for row in table:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1])


def _discharged_json(p: Patient, zone: tzinfo) -> dict[str, object]:
    """A discharged patient in ``patient list --all --json``: the shape of the others, with no
    route or dose (nothing is in force) and where and when they went."""
    assert p.discharged_at is not None
    return {"mrn": p.mrn, "name": p.name, "bed": p.bed, "ward": p.ward, "route": None,
            "flags": sorted(f.value for f in p.flags), "discharged": {
                "at": p.discharged_at.astimezone(zone).isoformat(timespec="seconds"),
                "to": p.discharged_to, "by": p.discharged_by}}


def _refill_text(r) -> str:  # type: ignore[no-untyped-def]
    if r.refill_by is None:
        return "-"
    due = f" ({r.refill_severity.label.upper()})" if r.refill_severity is not None else ""
    return f"{r.refill_by:%d %b}{due}"


@click.group()
def lab() -> None:
    """Lab results that change what is safe (eGFR, dialysis)."""


@lab.command("add")
@click.option("--mrn", required=True, help="Medical record number.")
@click.option("--egfr", type=float, help="eGFR in mL/min/1.73m2.")
@click.option("--dialysis", is_flag=True, help="The patient is on dialysis.")
def lab_add(mrn: str, egfr: float | None, dialysis: bool) -> None:
    """Record a renal result, dated by --now.

    Example: ward-app lab add --mrn RX123456 --egfr 42
    """
    ctx = state().context()
    svc.add_lab(ctx, parsing.patient(ctx, mrn).id, egfr=egfr, dialysis=dialysis)
    what = f"eGFR {egfr:g}" if egfr is not None else "result"
    click.echo(f"Recorded {what}{' (on dialysis)' if dialysis else ''} for MRN {mrn.upper()}.")


@click.group()
def comed() -> None:
    """Other medicines the patient takes (for interaction flags)."""


@comed.command("add")
@click.option("--mrn", required=True, help="Medical record number.")
@click.option("--drug", required=True, help="Generic or brand name, e.g. Oxycodone.")
def comed_add(mrn: str, drug: str) -> None:
    """Record a co-medication.

    Example: ward-app comed add --mrn RX123456 --drug Lorazepam
    """
    ctx = state().context()
    svc.add_comedication(ctx, parsing.patient(ctx, mrn).id, drug)
    click.echo(f"Recorded {svc.check_drug_name(drug)} for MRN {mrn.upper()}.")


@comed.command("stop")
@click.option("--mrn", required=True, help="Medical record number.")
@click.option("--drug", required=True, help="The co-medication as recorded.")
def comed_stop(mrn: str, drug: str) -> None:
    """Record that a co-medication was stopped.

    Example: ward-app comed stop --mrn RX123456 --drug Lorazepam
    """
    ctx = state().context()
    svc.stop_comedication(ctx, parsing.patient(ctx, mrn).id, drug)
    click.echo(f"Stopped {svc.check_drug_name(drug)} for MRN {mrn.upper()}.")


COMMANDS = [patient, lab, comed]
