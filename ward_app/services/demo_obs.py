"""The demo ward's observations: 30 days of vital signs, sedation, spasticity and withdrawal checks,
each patient following the schedule their NEWS2 sets, with two stories for today:

- an intrathecal patient (``EARLY_WITHDRAWAL``) with itching without a rash, returning spasticity,
  a lower blood pressure and a faster pulse: early withdrawal (a catheter problem, perhaps);
- an oral patient with eGFR under 30 (``OVER_SEDATED``) who is frequently drowsy with slow breathing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ward_app.domain.news2 import news2, next_obs_interval
from ward_app.domain.observations import MAS_STEPS, Acvpu, Observation, Poss, Sign
from ward_app.domain.rules import Thresholds
from ward_app.services.demo_ward import DemoWard, Profile
from ward_app.storage import audit
from ward_app.storage import observations as obs_repo
from ward_app.storage.administrations import not_given_due

EARLY_WITHDRAWAL = "Björn Åkesson"
OVER_SEDATED = "Dorothy Evans"


@dataclass(frozen=True)
class Baseline:
    """A patient's usual readings, around which their observations vary."""

    rr: int
    spo2: int
    sbp: int
    hr: int
    temp: float
    mas: str | None  # usual Modified Ashworth score (None: not a spasticity patient)
    on_oxygen: bool = False


def _baseline(ward: DemoWard, prof: Profile) -> Baseline:
    rng = ward.rng
    old = prof.age >= 65
    mas = None
    if prof.route is not None and prof.indication == "spasticity":
        mas = rng.choice(("1", "1+", "2")) if prof.route != "intrathecal" else rng.choice(("1", "1+"))
    if prof.name.startswith(EARLY_WITHDRAWAL):
        mas = "1"
    return Baseline(rr=rng.randint(14, 18), spo2=rng.randint(95, 98) if old else rng.randint(96, 99),
                    sbp=rng.randint(125, 150) if old else rng.randint(112, 135),
                    hr=rng.randint(62, 84), temp=round(rng.uniform(36.4, 37.0), 1), mas=mas,
                    on_oxygen=prof.route is None and old)


def _vitals(ward: DemoWard, b: Baseline, night: bool) -> dict:
    rng = ward.rng
    return {"rr": max(10, b.rr + rng.randint(-2, 2)), "spo2": min(100, b.spo2 + rng.randint(-1, 1)),
            "on_oxygen": b.on_oxygen, "sbp": b.sbp + rng.randint(-10, 10),
            "hr": b.hr + rng.randint(-6, 8) - (6 if night else 0),
            "acvpu": Acvpu.ALERT, "temp": round(b.temp + rng.uniform(-0.3, 0.3), 1)}


def _mas_today(ward: DemoWard, b: Baseline) -> str | None:
    if b.mas is None:
        return None
    i = MAS_STEPS.index(b.mas) + ward.rng.choice((-1, 0, 0, 0, 1))  # never 2 steps above baseline
    return MAS_STEPS[max(0, min(i, len(MAS_STEPS) - 1))]


def _story(prof: Profile, taken: datetime, now: datetime, fields: dict) -> dict:
    """Today's turn for the two story patients (their last few hours)."""
    hours_ago = (now - taken).total_seconds() / 3600
    if prof.name.startswith(EARLY_WITHDRAWAL) and hours_ago <= 6:
        fields.update(sbp=101 if hours_ago > 2 else 97, hr=98 if hours_ago > 2 else 106,
                      signs=frozenset({Sign.PRURITUS, Sign.BASELINE_SPASTICITY}), signs_checked=True,
                      mas="2", penn=2, note="Itching on arms and back, no rash. Says his legs are "
                      "'tightening up again'. Pump site clean, no swelling.")
    if prof.name.startswith(OVER_SEDATED) and hours_ago <= 8:
        fields.update(rr=10 if hours_ago > 2 else 9, spo2=94, poss=Poss.FREQUENTLY_DROWSY,
                      hr=58, note="Drifting off mid-sentence; rousable to voice.")
    return fields


def observation_history(ward: DemoWard) -> None:
    """Every patient's observations for the demo window, on the schedule their NEWS2 sets."""
    db, now, rng = ward.ctx.db, ward.now, ward.rng
    t = Thresholds.defaults()
    nurses = [ward.users["nurse.jones"], ward.users["nurse.okafor"], ward.users["charge.silva"]]
    zone = ward.ctx.zone
    not_given = not_given_due(db)
    for pid, prof in ward.patients:
        b = _baseline(ward, prof)
        taken = now - timedelta(days=ward.days) + timedelta(minutes=rng.randint(0, 240))
        first = True
        last_check_day = None
        while taken <= now:
            local = taken.astimezone(zone)
            night = local.hour >= 23 or local.hour < 6
            fields: dict = _vitals(ward, b, night)
            day = local.date()
            morning = last_check_day != day and local.hour >= 6
            if morning or first:
                fields["mas"] = b.mas if first else _mas_today(ward, b)
                fields["penn"] = rng.choice((0, 1, 1)) if b.mas is not None else None
            if prof.route is not None:
                fields["poss"] = Poss.ASLEEP if night else rng.choice(
                    (Poss.AWAKE, Poss.AWAKE, Poss.AWAKE, Poss.SLIGHTLY_DROWSY))
            if prof.route == "intrathecal" and (morning or first) or any(
                    taken - timedelta(hours=48) <= due <= taken for due in not_given.get(pid, ())):
                # the daily checklist on intrathecal therapy; every set for 48 h after a dose was
                # not given (the withdrawal watch)
                fields["signs_checked"] = True
            if morning:
                last_check_day = day
            fields = _story(prof, taken, now, fields)
            obs = Observation(id=0, patient_id=pid, taken_at=taken, **fields)
            nurse = rng.choice(nurses)
            entered = taken + timedelta(minutes=rng.randint(1, 9))
            oid = obs_repo.insert(db, obs, user_id=nurse, at=entered, entered_at=entered)
            audit.record(db, at=taken, user_id=nurse, action="obs.demo", entity="observation",
                         entity_id=oid, patient_id=pid)
            first = False
            step = next_obs_interval(news2(obs), t)
            # Nurses take routine sets a little early; the 12-hourly ones on the 4-hourly round.
            step = min(step, timedelta(hours=float(t.news2_low_every_hours))) \
                if prof.route is not None else step
            taken += step - timedelta(minutes=rng.randint(5, 40))


__all__ = ["EARLY_WITHDRAWAL", "OVER_SEDATED", "observation_history"]
