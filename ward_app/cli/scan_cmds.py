"""`ward-app scan TEXT`: what a scanned code is (a wristband or a medicine pack), for testing a
scanner and for integration. A wristband that names a patient is an audited read."""

from __future__ import annotations

import json

import click

from ward_app.cli.common import state
from ward_app.domain.scanning import Pack, Wristband, expiry_text
from ward_app.services import scanning


@click.command()
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def scan(text: str, as_json: bool) -> None:
    """Say what a scanned code is: a wristband (the patient's MRN) or a medicine pack (a GS1
    code: GTIN, expiry, batch, serial), and what the ward knows of it. The group separator may
    be ASCII 29 or the ward's substitute (setting scan.gs_substitute). Exit 0 for a wristband of
    a patient on the ward or a pack in the ward's medicine table; 1 otherwise.

    Example: ward-app scan '0105000000000012172812311012345' --json
    """
    ctx = state().context()
    found = scanning.read_scan(ctx, text)
    if as_json:
        click.echo(json.dumps(found.to_json(ctx.zone), ensure_ascii=False, indent=2))
    else:
        click.echo(_sentence(found))
    if found.problem:
        raise SystemExit(1)


def _sentence(found: scanning.ScanResult) -> str:
    code = found.code
    if isinstance(code, Wristband):
        p = found.patient
        if p is None:
            return f"Wristband MRN {code.mrn}. {found.problem}"
        where = "discharged" if p.discharged_at is not None else f"bed {p.bed}"
        return f"Wristband MRN {code.mrn}: {p.name}, {where}."
    if isinstance(code, Pack):
        parts = [f"Medicine pack GTIN {code.gtin}", f"expiry {expiry_text(code.expiry)}"]
        if code.batch:
            parts.append(f"batch {code.batch}")
        if code.serial:
            parts.append(f"serial {code.serial}")
        line = ", ".join(parts) + "."
        product = found.product
        if product is None:
            return f"{line} {found.problem}"
        demo = " (a demo ward's made-up GTIN)" if product.demo else ""
        gone = " It is no longer in use in the ward's table." if not product.active else ""
        return f"{line} {product.product}: {product.ingredient}, {product.form.label}, " \
               f"{product.strength_text}{demo}.{gone}"
    return str(found.problem)


COMMANDS = [scan]
