"""A realistic, deterministic demo ward: 24 beds of oral and intrathecal baclofen patients.

Each feature adds its own history in one place: a function in ``HISTORY`` that gets the demo ward
and fills ``days`` of records for it. Add the next feature's history there, nowhere else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ward_app.storage.connection import Database

import calendar
import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path

from ward_app.domain.clock import ward_zone
from ward_app.domain.errors import InvalidInput, Refused
from ward_app.domain.orders import Frequency, Indication, OrderAction, Route
from ward_app.domain.patient import Flag
from ward_app.domain.roles import Action
from ward_app.domain.rules import Thresholds, default
from ward_app.domain.scanning import Form, Product
from ward_app.services.admin import add_user, init_ward
from ward_app.services.changes import Kind
from ward_app.services.context import Actor, Context, resolve_actor
from ward_app.services.demo_obs import observation_history
from ward_app.services.demo_ward import DemoWard, HistoryBuilder, Profile
from ward_app.services.entry_time import act_detail, is_drill
from ward_app.services.patients import NewPatient, add_patient
from ward_app.storage import audit, people
from ward_app.storage import medicine_packs as pack_repo
from ward_app.storage import orders as order_repo
from ward_app.storage import patients as patient_repo
from ward_app.storage import pumps as pump_repo
from ward_app.storage.database import build_new, open_database

DEMO_PASSWORD = "ward-demo"

#: (user name, role, full name): who works on the demo ward. All share DEMO_PASSWORD.
DEMO_USERS = (
    ("nurse.jones", "nurse", "Rhian Jones, RN"),
    ("nurse.okafor", "nurse", "Ngozi Okafor, RN"),
    ("charge.silva", "charge_nurse", "Marta Silva, Charge Nurse"),
    ("pharm.chen", "pharmacist", "Wei Chen, Ward Pharmacist"),
)
DEMO_NURSE = "nurse.jones"


def demo_hint() -> str:
    """What the log-in dialog says on the demo ward: every demo user, the administrator too (who
    manages users and settings), and the shared password."""
    users = ", ".join(f"{name} ({role.replace('_', ' ')})" for name, role, _f in DEMO_USERS)
    return (f"Demo ward. Users: {users}, admin (administrator: users and settings); all use the "
            f"password '{DEMO_PASSWORD}'.")


PROFILES: tuple[Profile, ...] = (
    Profile("Łukasz Żółć", 34, "intrathecal", daily_mcg=450, conc=2000, reservoir_ml=40,
            refilled_days_ago=40, sci="T4", weight=78),
    Profile("Zoë Ní Bhriain", 27, "intrathecal", daily_mcg=300, conc=500, reservoir_ml=20,
            refilled_days_ago=21, flags=("communication_difficulty",), weight=61),
    Profile("Margaret Thompson", 71, "oral", 10, "TDS", egfr=48, flags=("fall_risk",),
            comeds=("Amlodipine",), weight=66),
    Profile("José Álvarez", 52, "oral", 20, "QDS", weight=84, comeds=("Oxycodone",)),
    Profile("Nguyễn Thị Hoa", 45, "intrathecal", daily_mcg=620, conc=2000, reservoir_ml=40,
            refilled_days_ago=30, sci="C6", weight=55),
    Profile("Chidi Okonkwo", 39, "oral", 30, "TDS", indication="alcohol_use_disorder",
            override="Alcohol use disorder protocol agreed with addiction medicine (Dr A. Rahman)",
            flags=("alcohol_use_disorder",), comeds=("Thiamine",), weight=90),
    Profile("Siobhán O'Connor", 31, "oral", 5, "TDS", flags=("pregnancy",), weight=68),
    Profile("Oğuz Yılmaz", 58, "intrathecal", daily_mcg=180, conc=500, reservoir_ml=20,
            refilled_days_ago=12, flags=("previous_withdrawal",), weight=92),
    Profile("Dorothy Evans", 84, "oral", 5, "TDS", egfr=24, flags=("dementia", "fall_risk"),
            weight=52),
    Profile("Jürgen Weiß", 63, "oral", 15, "TDS", flags=("epilepsy",),
            comeds=("Levetiracetam", "Diazepam"), weight=80),
    Profile("Priya Raghunathan", 47, "intrathecal", daily_mcg=90, conc=500, reservoir_ml=20,
            refilled_days_ago=3, weight=59),
    Profile("Tomáš Dvořák", 56, "oral", 10, "QDS", egfr=55, comeds=("Gabapentin",), weight=77),
    Profile("Ingrid Søndergård", 68, "enteral", 10, "TDS", flags=("npo",), weight=63),
    Profile("Kwame Mensah", 41, "intrathecal", daily_mcg=760, conc=2000, reservoir_ml=40,
            refilled_days_ago=55, sci="T10", weight=88),
    Profile("Eleni Papadopoulou", 36, "oral", 5, "TDS", weight=58),
    Profile("William Hughes", 79, "oral", 10, "TDS", flags=("fall_risk",), egfr=41,
            comeds=("Morphine sulfate", "Ramipril"), weight=71),
    Profile("Björn Åkesson", 50, "intrathecal", daily_mcg=400, conc=1000, reservoir_ml=20,
            refilled_days_ago=25, weight=83),
    Profile("Gráinne Walsh", 29, "oral", 20, "TDS", weight=64),
    Profile("Sanjay Patel", 60, None, comeds=("Paracetamol",), egfr=72, weight=79),
    Profile("Anna Kowalczyk", 66, "oral", 10, "TDS", dialysis=True, egfr=9, weight=60),
    Profile("Fatima Zahra Benali", 44, "intrathecal", daily_mcg=520, conc=2000, reservoir_ml=40,
            refilled_days_ago=8, flags=("communication_difficulty",), weight=57),
    Profile("Mei Lin Chen", 73, "oral", 5, "QDS", flags=("dementia",), comeds=("Lorazepam",),
            weight=49),
    Profile("Aoife Mac Giolla Bhríde", 22, "oral", 15, "QDS", weight=70),
    Profile("Robert Ashworth", 81, None, flags=("fall_risk",), weight=74),
)


def _order_history(ward: DemoWard) -> None:
    """Orders: each patient's baclofen started before the window; some were titrated in it."""
    db, now = ward.ctx.db, ward.now
    pharmacist = ward.users["pharm.chen"]
    for pid, prof in ward.patients:
        if prof.route is None:
            continue
        route = Route(prof.route)
        started = now - timedelta(days=ward.days + ward.rng.randint(5, 200))
        if route is Route.INTRATHECAL:
            order_repo.insert_order(db, patient_id=pid, action=OrderAction.START, route=route,
                                    daily_mcg=prof.daily_mcg, starts_at=started,
                                    user_id=pharmacist, at=started, entered_at=started)
            continue
        freq = Frequency(prof.freq or "TDS")
        times = tuple(default(f"times.{freq.value}"))
        titrated = prof.dose_mg is not None and prof.dose_mg > 5 and ward.rng.random() < 0.4
        first_dose = (prof.dose_mg or 5) - 5 if titrated else prof.dose_mg
        oid = order_repo.insert_order(
            db, patient_id=pid, action=OrderAction.START, route=route, dose_mg=first_dose,
            times=times, frequency=freq, indication=Indication(prof.indication),
            override_reason=prof.override, starts_at=started, user_id=pharmacist, at=started,
            entered_at=started)
        if titrated:
            changed = now - timedelta(days=ward.rng.randint(2, max(2, ward.days - 1)))
            order_repo.insert_order(
                db, patient_id=pid, action=OrderAction.CHANGE, route=route, dose_mg=prof.dose_mg,
                times=times, frequency=freq, indication=Indication(prof.indication),
                override_reason=prof.override, starts_at=changed, user_id=pharmacist, at=changed,
                entered_at=changed, supersedes_id=oid)


def _lab_and_comed_history(ward: DemoWard) -> None:
    """Renal results within the window, co-medications as admitted."""
    db, now = ward.ctx.db, ward.now
    nurse = ward.users[DEMO_NURSE]
    for pid, prof in ward.patients:
        if prof.egfr is not None or prof.dialysis:
            taken = now - timedelta(days=ward.rng.randint(1, max(1, min(ward.days, 14))), hours=3)
            patient_repo.add_lab(db, patient_id=pid, egfr=prof.egfr, dialysis=prof.dialysis,
                                 taken_at=taken, user_id=nurse, at=taken, entered_at=taken)
        for drug in prof.comeds:
            admitted = now - timedelta(days=ward.days)
            patient_repo.add_comedication(db, patient_id=pid, drug=drug, user_id=nurse,
                                          at=admitted, entered_at=admitted)


#: The intrathecal patient whose pump is past its elective replacement indicator (issue 5).
PAST_ERI = "Kwame Mensah"


def _pump_history(ward: DemoWard) -> None:
    """Pumps and a year of refills each, every refill made before its refill-by date at the same
    concentration and daily dose, the last one setting today's countdown; one pump past ERI."""
    from ward_app.domain.pump import Refill, pump_dates

    db, now, rng = ward.ctx.db, ward.now, ward.rng
    t = Thresholds.defaults()
    nurses = [ward.users[DEMO_NURSE], ward.users["nurse.okafor"], ward.users["charge.silva"]]
    alarm_ml = float(default("pump.alarm_ml"))
    today = now.astimezone(ward.ctx.zone).date()
    for pid, prof in ward.patients:
        if prof.route != "intrathecal":
            continue
        assert prof.refilled_days_ago is not None and prof.reservoir_ml and prof.conc
        implanted = today - timedelta(days=rng.randint(400, 2000))
        eri = end = None
        if prof.name.startswith(PAST_ERI):
            eri = today - timedelta(days=20)
        else:
            end = implanted + timedelta(days=7 * 365)
        pump_id = pump_repo.insert_pump(
            db, patient_id=pid, model=f"SynchroMed II {prof.reservoir_ml:g} mL",
            serial=f"NGP{rng.randint(100000, 999999)}H", reservoir_ml=prof.reservoir_ml,
            implant_date=implanted, eri_date=eri, end_of_service=end, alarm_ml=alarm_ml,
            at=datetime.combine(implanted, time(12), tzinfo=now.tzinfo))
        daily = float(prof.daily_mcg or 0)
        probe = Refill(0, pump_id, now, prof.reservoir_ml, prof.conc, daily, alarm_ml)
        d = pump_dates(probe, t)
        interval = max(7, int(min(d.days_to_alarm - int(t.pump_refill_buffer_days),
                                  int(t.pump_stability_days))) - 3)
        last = datetime.combine(today - timedelta(days=prof.refilled_days_ago), time(10, 30),
                                tzinfo=ward.ctx.zone)
        when = [last]
        while when[-1] - timedelta(days=interval) > now - timedelta(days=365):
            when.append(when[-1] - timedelta(days=interval + rng.randint(-4, 0), minutes=rng.randint(
                -90, 90)))
        for refilled in reversed(when):
            nurse = rng.choice(nurses)
            witness = rng.choice([n for n in nurses if n != nurse])
            rid = pump_repo.insert_refill(
                db, pump_id=pump_id, refilled_at=refilled, volume_ml=prof.reservoir_ml,
                conc_mcg_ml=prof.conc, daily_mcg=daily, alarm_ml=alarm_ml, user_id=nurse,
                witness_id=witness, at=refilled, entered_at=refilled)
            audit.record(db, at=refilled, user_id=nurse, action="pump.refill",
                         entity="pump_refill", entity_id=rid, patient_id=pid,
                         detail={"demo": True, "witness_id": witness})


#: The oral patient whose last two doses were missed (two missed doses today, issue 3).
MISSED_TWO = "Eleni Papadopoulou"
_OMIT_REASONS = (("refused", None), ("asleep", None), ("vomiting", None), ("away", "In X-ray"),
                 ("nil_by_mouth", "Nil by mouth for swallow assessment"), ("unavailable", None))


def _administration_history(ward: DemoWard) -> None:
    """The MAR: mostly on time, a few late, a few not given with reasons, one mistake corrected,
    and one patient with two missed doses today (nothing recorded)."""
    from ward_app.domain.mar import Outcome, Reason, given_outcome, outcome_for_reason
    from ward_app.domain.schedule import due_doses
    from ward_app.storage import administrations

    db, now, rng = ward.ctx.db, ward.now, ward.rng
    scans = random.Random(f"scans {ward.days}")  # its own: the rest of the demo stays as it was
    window = float(default("dose.window_min"))
    nurses = [ward.users[DEMO_NURSE], ward.users["nurse.okafor"], ward.users["charge.silva"]]
    start = now - timedelta(days=ward.days)
    versions = order_repo.versions_since(db, start)
    corrected_one = False
    for pid, prof in ward.patients:
        doses = [d for d in due_doses(versions.get(pid, []), start, now, ward.ctx.zone)]
        skip: set[datetime] = set()
        if prof.name.startswith(MISSED_TWO):
            past = [d for d in doses if d.due <= now - timedelta(hours=2)]
            skip = {d.due for d in past[-2:]}
        for dose in doses:
            if dose.due in skip or (dose.due > now - timedelta(hours=1) and rng.random() < 0.5):
                continue
            nurse = rng.choice(nurses)
            roll = rng.random()
            if roll < 0.04:
                code, note = rng.choice(_OMIT_REASONS)
                at = dose.due + timedelta(minutes=rng.randint(0, 40))
                rid = administrations.insert(
                    db, patient_id=pid, order_id=dose.order_id, due=dose.due,
                    outcome=outcome_for_reason(Reason(code)), administered_at=min(at, now),
                    user_id=nurse, at=min(at, now), entered_at=min(at, now), reason=code,
                    note=note)
            else:
                late = roll < 0.08
                at = dose.due + timedelta(minutes=rng.randint(35, 110) if late
                                          else rng.randint(-20, 25))
                at = min(at, now)
                outcome = given_outcome(dose.due, at, window)
                scan, skipped = _demo_scan(scans, dose.dose_mg, at.date())
                rid = administrations.insert(
                    db, patient_id=pid, order_id=dose.order_id, due=dose.due, outcome=outcome,
                    administered_at=at, user_id=nurse, at=at, entered_at=at,
                    dose_mg=dose.dose_mg, scan=scan, scan_skipped=skipped)
                if not corrected_one and dose.due < now - timedelta(days=3) and rng.random() < 0.02:
                    corrected_one = True
                    fix_at = at + timedelta(minutes=15)
                    administrations.insert(
                        db, patient_id=pid, order_id=dose.order_id, due=dose.due,
                        outcome=Outcome.ENTERED_IN_ERROR, administered_at=fix_at, user_id=nurse,
                        at=fix_at, entered_at=fix_at,
                        note="Recorded on the wrong chart; dose given by night staff",
                        corrects_id=rid)
                    rid = administrations.insert(
                        db, patient_id=pid, order_id=dose.order_id, due=dose.due, outcome=outcome,
                        administered_at=at, user_id=nurses[1], at=fix_at, entered_at=fix_at,
                        dose_mg=dose.dose_mg, scan=scan, scan_skipped=skipped)
            audit.record(db, at=min(dose.due, now), user_id=nurse, action="dose.demo",
                         entity="administration", entity_id=rid, patient_id=pid)


#: How often the demo's nurses skip the scan, and why (issue 20: skips are made visible): about
#: one dose in eight, as a ward learning to scan might.
_DEMO_SKIPS = (("scanner_unavailable", 5), ("barcode_unreadable", 3), ("no_barcode", 1),
               ("emergency", 1))


def _demo_scan(rng: random.Random, dose_mg: float | None, day: date
               ) -> tuple[dict | None, str | None]:
    """The pack a demo dose was given from (one of the demo's made-up packs that makes up the
    dose), or why it was not scanned."""
    if rng.random() < 0.12:
        reasons = [r for r, _w in _DEMO_SKIPS]
        return None, rng.choices(reasons, weights=[w for _r, w in _DEMO_SKIPS])[0]
    dose = dose_mg or 0
    gtin, product, *_rest = DEMO_PACKS[0] if dose and dose % 10 == 0 else \
        DEMO_PACKS[2] if dose and dose % 25 == 0 else DEMO_PACKS[1]
    year, month = day.year + 1 + rng.randint(0, 1), rng.randint(1, 12)
    expiry = date(year, month, calendar.monthrange(year, month)[1])  # a GS1 day 00: month end
    return {"gtin": gtin, "expiry": expiry.isoformat(), "batch": f"DEMO{rng.randint(100, 999)}",
            "product": product}, None


#: One builder per feature, in the order they run. Later features append theirs here.
#: The demo ward's medicine packs: made-up GTINs in GS1's restricted-circulation range (prefix
#: 20-29, never on a real product), marked demo in the table so nobody mistakes them for real
#: ones. A real ward's table ships empty; the pharmacy fills it (docs/scanning.md).
DEMO_PACKS: tuple[tuple[str, str, str, str, float], ...] = (
    ("02000000000114", "Baclofen 10 mg tablets (84)", "baclofen", "tablet", 10),
    ("02000000000220", "Baclofen 5 mg/5 mL oral solution (300 mL)", "baclofen", "oral_liquid", 1),
    ("02000000000336", "Baclofen 25 mg tablets (28)", "baclofen", "tablet", 25),
    ("02000000000442", "Baclofen intrathecal 500 mcg/mL, 20 mL ampoule", "baclofen",
     "intrathecal", 500),
    ("02000000000558", "Baclofen intrathecal 2000 mcg/mL, 20 mL ampoule", "baclofen",
     "intrathecal", 2000),
    ("02000000000664", "Baclofen intrathecal 1000 mcg/mL, 20 mL ampoule", "baclofen",
     "intrathecal", 1000),
    ("02000000000770", "Tizanidine 4 mg tablets (30)", "tizanidine", "tablet", 4),
)


def _medicine_packs(ward: DemoWard) -> None:
    """The pharmacy's table of packs, with the demo's made-up GTINs (marked demo)."""
    pharmacist = ward.users["pharm.chen"]
    started = ward.now - timedelta(days=ward.days)
    for gtin, product, ingredient, form, strength in DEMO_PACKS:
        pack_repo.save(ward.ctx.db, Product(gtin=gtin, product=product, ingredient=ingredient,
                                            form=Form(form), strength=strength, demo=True),
                       user_id=pharmacist, at=started)


HISTORY: list[HistoryBuilder] = [_medicine_packs, _order_history, _lab_and_comed_history,
                                 _pump_history, _administration_history, observation_history]


def built_at(db: Database) -> datetime | None:
    """The moment the demo ward in this database was made for (its act time: ``--now``, else when
    it was made); None if it is not a demo."""
    entered = audit.latest_at(db, "demo")
    if entered is None:
        return None
    detail = audit.latest_detail(db, "demo") or {}
    return datetime.fromisoformat(detail["act_at"]) if "act_at" in detail else entered


def _profiles(count: int) -> list[Profile]:
    return [PROFILES[i % len(PROFILES)] for i in range(count)]


def _dob(rng: random.Random, age: int, today: date) -> date:
    return today - timedelta(days=age * 365 + age // 4 + rng.randint(1, 360))


def build_demo(ctx: Context, *, patients: int = 24, days: int = 30, seed: int = 1) -> DemoWard:
    """Fill an initialised, empty ward database with the demo ward. All or nothing."""
    if not 1 <= patients <= 60:
        raise InvalidInput("patients", f"{patients} patients is out of range: use 1 to 60.")
    if not 1 <= days <= 3650:
        raise InvalidInput("days", f"{days} days of history is out of range: use 1 to 3650.")
    actor = ctx.require(Action.ADMIN)
    if not people.wards(ctx.db):
        raise InvalidInput("db", "This database has no ward yet: run 'ward-app init' first.")
    if not is_drill(ctx):
        raise Refused(
            "demo.live_ward",
            "This is a live ward, not a drill ward: the demo ward is only made in a new database "
            "file or an empty drill ward. Nothing was changed; use a new database file.",
        )
    if patient_repo.patients(ctx.db):
        raise Refused(
            "demo.not_empty",
            "This ward already has patients: the demo ward is only added to an empty database. "
            "Nothing was changed; use a new database file.",
        )
    rng = random.Random(seed)
    now = ctx.now()
    today = now.astimezone(ctx.zone).date()
    with ctx.write(*Kind, ward=True) as db:
        users: dict[str, int] = {}
        for name, role, full in DEMO_USERS:
            existing = people.user_by_name(db, name)
            users[name] = existing.id if existing else add_user(
                ctx, name, role, DEMO_PASSWORD, full_name=full)
        ward = DemoWard(ctx=ctx, rng=rng, days=days, now=now, users=users)
        # patients are admitted by the demo charge nurse (an administrator may not admit)
        ctx.actor = Actor(users["charge.silva"], "charge.silva", "charge_nurse")
        try:
            used_mrns: set[str] = set()
            for bed, prof in enumerate(_profiles(patients), start=1):
                mrn = f"RX{rng.randint(100000, 999999)}"
                while mrn in used_mrns:
                    mrn = f"RX{rng.randint(100000, 999999)}"
                used_mrns.add(mrn)
                name = prof.name if bed <= len(PROFILES) else f"{prof.name} ({bed})"
                patient = add_patient(ctx, NewPatient(
                    mrn=mrn, name=name, dob=_dob(rng, prof.age, today), bed=str(bed),
                    weight_kg=prof.weight, flags=tuple(Flag(f) for f in prof.flags),
                    sci_level=prof.sci))
                ward.patients.append((patient.id, prof))
        finally:
            ctx.actor = actor
        for builder in HISTORY:
            builder(ward)
        audit.record(db, at=ctx.entered(), user_id=actor.id, action="demo", entity="ward",
                     detail=act_detail(ctx, now, {"patients": patients, "days": days,
                                                  "seed": seed}))
    return ward


#: The name and time zone of a demo ward made without being asked for one (``gui --demo``).
DEMO_WARD, DEMO_TZ = "Demo Ward", "Europe/London"


def _remove_database(path: Path) -> None:
    for extra in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        extra.unlink(missing_ok=True)


def create_demo_database(
    path: Path, *, clock: Callable[[], datetime], ward: str = DEMO_WARD, tz: str = DEMO_TZ,
    user: str | None = None, patients: int = 24, days: int = 30, seed: int = 1,
) -> DemoWard:
    """A new ward database at ``path`` holding the demo ward, built by ``user`` (default: its
    admin, whose password is DEMO_PASSWORD too); when building fails, nothing is left behind."""
    with build_new(path) as building:  # renamed to path once complete (storage.database)
        ctx = init_ward(building, ward=ward, tz=tz, admin_password=DEMO_PASSWORD, clock=clock,
                        drill=True)
        try:
            if user is not None:
                ctx.actor = resolve_actor(ctx, user)
            made = build_demo(ctx, patients=patients, days=days, seed=seed)
        finally:
            ctx.close()
    return made


def ensure_demo_database(path: Path, now_in: Callable[[tzinfo], datetime], *, patients: int = 24,
                         days: int = 30, seed: int = 1) -> str:
    """Make the demo ward at ``path`` on first use, and again when it was made on an earlier day
    (its history ends when it was made, so an old demo would show only missed doses).
    ``now_in(zone)`` is the present moment (a moment typed without an offset is read in
    ``zone``, the ward's). Returns the demo nurse's user name."""
    if path.exists() and path.stat().st_size > 0:
        db, _ = open_database(path)
        try:
            made = built_at(db)
            wards = people.wards(db)
            zone = ward_zone(wards[0].tz) if wards else ward_zone("UTC")
        finally:
            db.close()
        today = now_in(zone).astimezone(zone).date()
        if made is not None and made.astimezone(zone).date() == today:
            return DEMO_NURSE
        if made is None:
            raise Refused("demo.not_demo", f"{path} is not a demo ward database; nothing was "
                          "changed. Open it as a ward, or choose another file for the demo.")
        _remove_database(path)
    create_demo_database(path, clock=lambda: now_in(ward_zone(DEMO_TZ)), patients=patients, days=days,
                         seed=seed)
    return DEMO_NURSE
