"""The pharmacy's table of medicine packs by GTIN (domain/scanning.py Product). A row that changes
is a new version for the ward server (storage/sync/tables.py VERSIONED); rows are never deleted,
only taken out of use (``active`` = 0), so a dose record's GTIN can always be looked up."""

from __future__ import annotations

from datetime import datetime

from ward_app.domain.clock import to_utc_text
from ward_app.domain.scanning import Form, Product
from ward_app.storage.connection import Database

_SELECT = ("SELECT id, gtin, product, ingredient, form, strength, demo, active FROM "
           "medicine_packs")


def _product(row: tuple) -> Product:
    return Product(id=int(row[0]), gtin=row[1], product=row[2], ingredient=row[3],
                   form=Form(row[4]), strength=float(row[5]), demo=bool(row[6]),
                   active=bool(row[7]))


def all_packs(db: Database) -> list[Product]:
    """Every pack, in use first, then by product name."""
    return [_product(r) for r in db.execute(
        _SELECT + " ORDER BY active DESC, product COLLATE NOCASE, gtin").fetchall()]


def by_gtin(db: Database, gtin: str) -> Product | None:
    row = db.execute(_SELECT + " WHERE gtin = ?", [gtin]).fetchone()
    return _product(row) if row else None


def save(db: Database, product: Product, *, user_id: int | None, at: datetime) -> int:
    """Add the pack, or change the row with its GTIN; its id."""
    db.execute(
        "INSERT INTO medicine_packs (gtin, product, ingredient, form, strength, demo, active, "
        "changed_by, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(gtin) DO UPDATE "
        "SET product = excluded.product, ingredient = excluded.ingredient, form = excluded.form, "
        "strength = excluded.strength, demo = excluded.demo, active = excluded.active, "
        "changed_by = excluded.changed_by, changed_at = excluded.changed_at",
        [product.gtin, product.product, product.ingredient, product.form.value, product.strength,
         int(product.demo), int(product.active), user_id, to_utc_text(at)])
    row = db.execute("SELECT id FROM medicine_packs WHERE gtin = ?", [product.gtin]).fetchone()
    return int(row[0])
