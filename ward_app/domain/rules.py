"""Every clinical number the app uses, as a default setting with its source (docs/clinical-rules.md).

A hospital changes these in settings, not in code. Sources: [L] label/SmPC, [G] guidance,
[S] secondary or local, [D] derived or a cautious local default chosen by this app (say so).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class Setting:
    key: str
    default: Any
    unit: str
    meaning: str
    source: str


_SETTINGS: tuple[Setting, ...] = (
    # Orders (clinical-rules §1)
    Setting("oral.max_daily_warning_mg", 80, "mg/day",
            "oral daily dose above this raises dose.max_daily (warning)",
            "[L] US label maximum 80 mg/day (clinical-rules §1)"),
    Setting("oral.max_daily_urgent_mg", 100, "mg/day",
            "oral daily dose above this raises dose.max_daily (urgent)",
            "[G] BNF maximum 100 mg daily (clinical-rules §1)"),
    Setting("times.OD", ["08:00"], "HH:MM", "default clock times for once daily",
            "[S] local policy (clinical-rules §1)"),
    Setting("times.BD", ["08:00", "20:00"], "HH:MM", "default clock times for twice daily",
            "[S] local policy (clinical-rules §1)"),
    Setting("times.TDS", ["08:00", "14:00", "22:00"], "HH:MM",
            "default clock times for three times daily", "[S] local policy (clinical-rules §1)"),
    Setting("times.QDS", ["08:00", "12:00", "16:00", "22:00"], "HH:MM",
            "default clock times for four times daily", "[S] local policy (clinical-rules §1)"),
    Setting("itb.range_low_mcg", 22, "mcg/day", "ITB daily dose below this raises itb.dose_range",
            "[L] label range 22-1400 mcg/day (clinical-rules §1)"),
    Setting("itb.range_high_mcg", 1400, "mcg/day", "ITB daily dose above this raises itb.dose_range",
            "[L] label range 22-1400 mcg/day (clinical-rules §1)"),
    Setting("itb.step_up_pct", 40, "%", "ITB increase above this at once raises itb.dose_step",
            "[L] refill adjustments +10-40 % spinal (clinical-rules §1)"),
    Setting("itb.step_down_pct", 20, "%", "ITB decrease above this at once raises itb.dose_step",
            "[L] refill adjustments -10-20 % spinal (clinical-rules §1)"),
    # Administration (clinical-rules §2)
    Setting("dose.window_min", 30, "min", "a dose is on time within this many minutes of due",
            "[G] ISMP 2011 time-critical +/-30 min (clinical-rules §2)"),
    Setting("dose.missed_after_min", 120, "min",
            "no record this long after due (or the next dose due) = dose.missed",
            "[S] UK trust: delay = >2 h (clinical-rules §2)"),
    Setting("dose.alert_lookback_hours", 24, "h",
            "doses due this far back that still have no record keep alerting",
            "[D] cautious local default: matches the handover's 24-hour look-back (clinical-rules §8)"),
    Setting("dose.give_early_limit_min", 120, "min",
            "a dose may be recorded as given at most this long before it is due",
            "[D] cautious local default: the same 2 h as dose.missed_after_min (clinical-rules §2)"),
    # At the moment of recording (clinical-rules §9)
    Setting("dose.min_interval_hours", 4, "h",
            "two given oral/enteral doses closer than this need a reason and a second user",
            "[S] seed: half-life 5-6 h; TDS/QDS clock times keep >= 4 h (clinical-rules §9)"),
    Setting("dose.sedation_hold_hours", 4, "h",
            "POSS 3, RASS -3 or RR <= 8 within this before a dose: soft stop offering 'held'",
            "[S] clinical-rules §9: over-sedation hold"),
    Setting("record.late_entry_minutes", 15, "min",
            "a record entered more than this after its act time is marked entered late",
            "[D] cautious local default: records are contemporaneous (NMC Code 10.1) (clinical-rules §2)"),
    # Monitoring (clinical-rules §3, §4)
    Setting("news2.continuous_check_min", 15, "min",
            "NEWS2 7+ means continuous monitoring: a full set is overdue after this",
            "[D] cautious local default; RCP Chart 4 says 'continuous' (clinical-rules §3)"),
    Setting("news2.incomplete_recheck_min", 60, "min",
            "a set with parameters missing is repeated within this",
            "[D] cautious local default: the hourly frequency of RCP Chart 4 (clinical-rules §3)"),
    Setting("news2.low_every_hours", 4, "h",
            "NEWS2 1-4: next set due after this (RCP: every 4-6 h; the cautious end)",
            "[G] RCP NEWS2 Chart 4 (clinical-rules §3)"),
    Setting("itb.monitor_after_change_hours", 24, "h",
            "after an intrathecal dose change or refill, observations are due for this long",
            "[D] cautious local default: label says supervise refills and titration (clinical-rules §6)"),
    Setting("renal.reduce_below_egfr", 60, "mL/min/1.73m2",
            "eGFR at or below this raises renal.reduce (the key keeps its old name)",
            "[G] AGS Beers 2023; seed: 30-60 with both ends included (clinical-rules §3, §9)"),
    Setting("renal.avoid_below_egfr", 30, "mL/min/1.73m2", "eGFR below this raises renal.avoid",
            "[S] seed: below 30 or on dialysis (clinical-rules §3, §9)"),
    Setting("withdrawal.watch_hours", 48, "h", "length of a withdrawal watch",
            "[S] local policy (clinical-rules §4)"),
    Setting("withdrawal.check_every_hours", 4, "h", "withdrawal check interval during a watch",
            "[S] local policy (clinical-rules §4)"),
    Setting("toxicity.rr_at_or_below", 8, "breaths/min",
            "respiration rate at or below this raises toxicity.respiratory",
            "[L] clinical-rules §4: RR <= 8 (NEWS2 RR score 3)"),
    Setting("toxicity.hr_at_or_below", 40, "beats/min",
            "pulse at or below this raises toxicity.bradycardia",
            "[D] clinical-rules §4 bradycardia; the NEWS2 pulse score-3 edge (RCP Chart 1)"),
    Setting("toxicity.sbp_at_or_below", 90, "mmHg",
            "systolic BP at or below this raises toxicity.hypotension",
            "[D] clinical-rules §4 hypotension; the NEWS2 systolic score-3 edge (RCP Chart 1)"),
    Setting("toxicity.temp_at_or_below", 35.0, "°C",
            "temperature at or below this raises toxicity.hypothermia",
            "[D] clinical-rules §4 hypothermia; the NEWS2 temperature score-3 edge (RCP Chart 1)"),
    Setting("toxicity.rass_urgent", -3, "RASS",
            "RASS at or below this raises toxicity.sedation (urgent)",
            "[S] clinical-rules §3: RASS -3 or lower is about POSS 3+"),
    Setting("toxicity.rass_emergency", -4, "RASS",
            "RASS at or below this raises toxicity.sedation (emergency)",
            "[D] cautious local default: about POSS 4 (clinical-rules §3)"),
    Setting("withdrawal.possible_temp_c", 38.0, "°C",
            "intrathecal patient: temperature at or above this raises withdrawal.possible",
            "[D] cautious default: fever is a boxed-warning withdrawal sign (clinical-rules §10)"),
    Setting("withdrawal.possible_hr_above", 100, "beats/min",
            "intrathecal patient: pulse above this raises withdrawal.possible",
            "[D] cautious default: tachycardia is a boxed-warning withdrawal sign (clinical-rules §10)"),
    Setting("withdrawal.episode_hours", 72, "h",
            "withdrawal signs stay on the chart and the handover this long",
            "[S] clinical-rules §10"),
    Setting("bridge.iv_available", False, "yes/no",
            "the bridging prompt offers intravenous baclofen (not licensed in many countries)",
            "[S] local formulary decision; default off (clinical-rules §10)"),
    Setting("bridge.iv_percent", 80, "%",
            "intravenous bridging dose as a share of the oral daily dose",
            "[S] seed: oral bioavailability about 80 % (clinical-rules §10)"),
    Setting("falls.age", 65, "years", "age from which flag.falls is shown",
            "[G] clinical-rules §5"),
    # Pump (clinical-rules §6)
    Setting("pump.alarm_ml", 2.0, "mL", "default low-reservoir alarm volume",
            "[G] manufacturer recommendation 2 mL; some centres 4 mL (clinical-rules §6)"),
    Setting("pump.refill_buffer_days", 7, "days", "refill-by date = alarm date minus this",
            "[S] Gillette 7-10 days before alarm (clinical-rules §6)"),
    Setting("pump.refill_due_warning_days", 7, "days",
            "refill-by date within this raises pump.refill_due", "[S] clinical-rules §6"),
    Setting("pump.alarm_urgent_days", 2, "days",
            "alarm date within this raises pump.refill_due (urgent)", "[S] clinical-rules §6"),
    Setting("pump.stability_days", 90, "days",
            "longest a refill may stay in the reservoir (drug stability limit)",
            "[D] cautious default: set to the product's stability limit (clinical-rules §6)"),
    Setting("pump.eri_to_end_days", 90, "days",
            "the pump stops about this long after its elective replacement indicator (ERI)",
            "[G] Medtronic: pump stops about 90 days after ERI (clinical-rules §6)"),
    Setting("itb.monitor_every_hours", 4, "h",
            "after an intrathecal dose change or refill, a set of observations is due this often",
            "[D] cautious local default: the NEWS2 1-4 interval (clinical-rules §3); label: supervise "
            "refills and titration (clinical-rules §6)"),
    Setting("pump.concentrations_mcg_ml", [50, 500, 1000, 2000], "mcg/mL",
            "concentrations stocked", "[L] Lioresal/Gablofen strengths (clinical-rules §6)"),
    Setting("pump.eri_warning_days", 180, "days",
            "pump.eri warning from this many days before end of service",
            "[G] Medtronic: plan replacement ~6 months ahead (clinical-rules §6)"),
    Setting("pump.discrepancy_pct", 14.5, "%",
            "refill reconciliation: a difference larger than this share of the volume that should "
            "have been delivered raises pump.volume_discrepancy",
            "[G] labelled pump accuracy ±14.5 %, Medtronic field notice FA596 (clinical-rules §10)"),
    Setting("pump.discrepancy_ml", 2.0, "mL",
            "refill reconciliation: a difference larger than this raises pump.volume_discrepancy",
            "[S] clinical-rules §10"),
    Setting("pump.post_refill_hours", 4, "h",
            "after every refill a post-refill watch (sedation, respiratory rate, NEWS2) runs this long",
            "[D] cautious default: a pocket fill can overdose (Maino 2017; label; clinical-rules §10)"),
    Setting("pump.post_refill_every_hours", 1, "h",
            "post-refill watch: a check is due this often",
            "[D] cautious default: hourly (clinical-rules §10)"),
    # Backups
    Setting("backup.keep_days", 14, "days", "daily backups kept beside the database",
            "[S] local IT policy (issue 9: keep 14)"),
    # Logins (security policy, not clinical)
    Setting("login.max_attempts", 5, "attempts", "failed log-ins in a row that lock an account",
            "[S] local security policy (issue 8)"),
    Setting("login.lockout_minutes", 15, "min", "how long a locked account stays locked",
            "[S] local security policy"),
    Setting("session.lock_minutes", 5, "min", "idle time after which the window locks",
            "[S] local security policy (issue 8: default 5 minutes)"),
    # Printed sheets
    Setting("handover.story_hours", 12, "h",
            "the handover tells what happened since the last take-over, or in this many hours "
            "when there was none (at most 24)",
            "[D] cautious local default: one 12-hour shift (clinical-rules §8)"),
    Setting("print.paper", "A4", "A4|Letter", "paper size of the handover sheet (landscape)",
            "[S] local: A4 in the UK, Letter in North America"),
    Setting("contact.whom_to_call", "the ward's nurse in charge or the on-call doctor", "text",
            "whom the taper sheet tells patients and nurses to call about withdrawal signs",
            "[S] local: set the ward's name and telephone extension"),
    Setting("contact.phone", "", "text",
            "the ward's telephone number printed where the taper sheet says whom to call",
            "[S] local: set the ward's number (clinical-rules §10)"),
    Setting("scan.gs_substitute", "", "text",
            "the printable character this ward's barcode scanners send for the GS1 group "
            "separator (ASCII 29) in a medicine pack's code; empty: they send ASCII 29 itself",
            "[S] local: how IT set up the scanners (docs/scanning.md)"),
    Setting("stock.oral_baclofen", False, "yes/no",
            "oral baclofen is kept on this ward (the pump failure checklist says whether to ask "
            "pharmacy for it)",
            "[D] cautious default off: the checklist asks for it from pharmacy unless the ward "
            "says it keeps it (clinical-rules §6)"),
    # Taper (clinical-rules §7)
    Setting("taper.step_mg", 5, "mg", "oral taper: reduce the daily dose by this each step",
            "[L] clinical-rules §7"),
    Setting("taper.every_days", 3, "days", "oral taper: days between steps", "[L] clinical-rules §7"),
    Setting("taper.min_days", 7, "days", "oral taper: shortest allowed", "[L] UK SmPC 1-2 weeks"),
    Setting("taper.high_dose_mg", 60, "mg/day", "taper slows down above this starting dose",
            "[L] UK SmPC: control usually <=60 mg daily"),
    Setting("taper.high_dose_interval_factor", 2, "x",
            "above taper.high_dose_mg the days between steps are multiplied by this",
            "[D] cautious local default: clinical-rules §7 says slower for high doses, gives no number"),
    Setting("taper.check_every_hours", 24, "h",
            "during a taper (and the watch after it) a withdrawal check is due this often",
            "[S] issue 6: a daily withdrawal check during a taper"),
)

SETTINGS: dict[str, Setting] = {s.key: s for s in _SETTINGS}


def default(key: str) -> Any:
    """The shipped default of a setting; an unknown key is a programming error."""
    return SETTINGS[key].default


def attribute(key: str) -> str:
    """The Thresholds attribute that holds setting ``key`` ("dose.window_min" -> dose_window_min)."""
    return key.replace(".", "_").lower()


def _listed(key: str) -> tuple[Any, ...]:
    return tuple(default(key))


@dataclass(frozen=True)
class Thresholds:
    """The settings in force, typed: shipped defaults overlaid with the ward's own values.

    Code reads ``t.dose_window_min``, so a mistyped name fails in mypy, not on a ward at 3 a.m.;
    the stored key of each attribute is in SETTINGS (``attribute(key)`` names it)."""

    oral_max_daily_warning_mg: int = default("oral.max_daily_warning_mg")
    oral_max_daily_urgent_mg: int = default("oral.max_daily_urgent_mg")
    times_od: tuple[str, ...] = _listed("times.OD")
    times_bd: tuple[str, ...] = _listed("times.BD")
    times_tds: tuple[str, ...] = _listed("times.TDS")
    times_qds: tuple[str, ...] = _listed("times.QDS")
    itb_range_low_mcg: int = default("itb.range_low_mcg")
    itb_range_high_mcg: int = default("itb.range_high_mcg")
    itb_step_up_pct: int = default("itb.step_up_pct")
    itb_step_down_pct: int = default("itb.step_down_pct")
    dose_window_min: int = default("dose.window_min")
    dose_missed_after_min: int = default("dose.missed_after_min")
    dose_alert_lookback_hours: int = default("dose.alert_lookback_hours")
    dose_give_early_limit_min: int = default("dose.give_early_limit_min")
    dose_min_interval_hours: int = default("dose.min_interval_hours")
    dose_sedation_hold_hours: int = default("dose.sedation_hold_hours")
    record_late_entry_minutes: int = default("record.late_entry_minutes")
    news2_continuous_check_min: int = default("news2.continuous_check_min")
    news2_incomplete_recheck_min: int = default("news2.incomplete_recheck_min")
    news2_low_every_hours: int = default("news2.low_every_hours")
    itb_monitor_after_change_hours: int = default("itb.monitor_after_change_hours")
    renal_reduce_below_egfr: int = default("renal.reduce_below_egfr")
    renal_avoid_below_egfr: int = default("renal.avoid_below_egfr")
    withdrawal_watch_hours: int = default("withdrawal.watch_hours")
    withdrawal_check_every_hours: int = default("withdrawal.check_every_hours")
    toxicity_rr_at_or_below: int = default("toxicity.rr_at_or_below")
    toxicity_hr_at_or_below: int = default("toxicity.hr_at_or_below")
    toxicity_sbp_at_or_below: int = default("toxicity.sbp_at_or_below")
    toxicity_temp_at_or_below: float = default("toxicity.temp_at_or_below")
    toxicity_rass_urgent: int = default("toxicity.rass_urgent")
    toxicity_rass_emergency: int = default("toxicity.rass_emergency")
    withdrawal_possible_temp_c: float = default("withdrawal.possible_temp_c")
    withdrawal_possible_hr_above: int = default("withdrawal.possible_hr_above")
    withdrawal_episode_hours: int = default("withdrawal.episode_hours")
    bridge_iv_available: bool = default("bridge.iv_available")
    bridge_iv_percent: int = default("bridge.iv_percent")
    falls_age: int = default("falls.age")
    pump_alarm_ml: float = default("pump.alarm_ml")
    pump_refill_buffer_days: int = default("pump.refill_buffer_days")
    pump_refill_due_warning_days: int = default("pump.refill_due_warning_days")
    pump_alarm_urgent_days: int = default("pump.alarm_urgent_days")
    pump_stability_days: int = default("pump.stability_days")
    pump_eri_to_end_days: int = default("pump.eri_to_end_days")
    itb_monitor_every_hours: int = default("itb.monitor_every_hours")
    pump_concentrations_mcg_ml: tuple[float, ...] = _listed("pump.concentrations_mcg_ml")
    pump_eri_warning_days: int = default("pump.eri_warning_days")
    pump_discrepancy_pct: float = default("pump.discrepancy_pct")
    pump_discrepancy_ml: float = default("pump.discrepancy_ml")
    pump_post_refill_hours: int = default("pump.post_refill_hours")
    pump_post_refill_every_hours: int = default("pump.post_refill_every_hours")
    backup_keep_days: int = default("backup.keep_days")
    login_max_attempts: int = default("login.max_attempts")
    login_lockout_minutes: int = default("login.lockout_minutes")
    session_lock_minutes: int = default("session.lock_minutes")
    handover_story_hours: int = default("handover.story_hours")
    print_paper: str = default("print.paper")
    contact_whom_to_call: str = default("contact.whom_to_call")
    contact_phone: str = default("contact.phone")
    scan_gs_substitute: str = default("scan.gs_substitute")
    stock_oral_baclofen: bool = default("stock.oral_baclofen")
    taper_step_mg: int = default("taper.step_mg")
    taper_every_days: int = default("taper.every_days")
    taper_min_days: int = default("taper.min_days")
    taper_high_dose_mg: int = default("taper.high_dose_mg")
    taper_high_dose_interval_factor: int = default("taper.high_dose_interval_factor")
    taper_check_every_hours: int = default("taper.check_every_hours")

    @classmethod
    def defaults(cls) -> Thresholds:
        return cls()

    def with_overrides(self, values: Mapping[str, Any]) -> Thresholds:
        """These thresholds with the ward's stored values (by setting key) put in; unknown keys,
        left by an older or newer version, are ignored."""
        known: dict[str, Any] = {attribute(k): tuple(v) if isinstance(v, list) else v
                                 for k, v in values.items() if k in SETTINGS}
        return replace(self, **known) if known else self

    def value(self, key: str) -> Any:
        """The value of setting ``key`` as stored and shown (a list for a list setting)."""
        if key not in SETTINGS:
            raise KeyError(key)
        found = getattr(self, attribute(key))
        return list(found) if isinstance(found, tuple) else found

    def times_for(self, frequency: str) -> tuple[str, ...]:
        """The default clock times for a frequency code (OD, BD, TDS, QDS)."""
        times: tuple[str, ...] = getattr(self, attribute(f"times.{frequency}"))
        return times


if {f.name for f in fields(Thresholds)} != {attribute(k) for k in SETTINGS}:  # pragma: no cover
    raise AssertionError("Thresholds and SETTINGS must list the same settings")
