"""Issue 14 item 5: a form submission carries a client-generated id, so a retried save is
recognised (the first save's record returned, nothing written) instead of stored twice:
observations, pump refills, pump alarms, alert acknowledgements."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import acting, database_state
from ward_app.domain.errors import InvalidInput
from ward_app.domain.pump import AlarmKind
from ward_app.services import alerts, observations, pumps
from ward_app.services.board import ward_board
from ward_app.services.demo import DEMO_PASSWORD
from ward_app.services.people import find_user
from ward_app.services.requests import new_request_id, request_id

ITB = "Zoë Ní Bhriain"  # intrathecal, 300 mcg/day at 500 mcg/mL, 20 mL pump
ORAL = "Gráinne Walsh"


def _pid(ctx, name: str) -> int:
    return next(r.patient_id for r in ward_board(ctx) if r.name == name)


def test_a_retried_observation_is_recognised(demo_ward):
    rid = new_request_id()
    new = observations.NewObservation(patient_id=_pid(demo_ward, ORAL), rr=18, hr=72,
                                      client_id=rid)
    first = observations.add_observation(demo_ward, new)
    before = database_state(demo_ward.path)
    again = observations.add_observation(demo_ward, new)
    assert database_state(demo_ward.path) == before  # nothing written, no audit row either
    assert again.observation == first.observation and again.score == first.score
    other = observations.add_observation(demo_ward, observations.NewObservation(
        patient_id=_pid(demo_ward, ORAL), rr=18, hr=72, client_id=new_request_id()))
    assert other.observation.id != first.observation.id  # a new id is a new record
    plain = observations.NewObservation(patient_id=_pid(demo_ward, ORAL), rr=18)
    assert observations.add_observation(demo_ward, plain).observation.id != \
        observations.add_observation(demo_ward, plain).observation.id  # no id: no dedup


def test_a_request_id_reused_for_another_patient_is_refused(demo_ward):
    rid = new_request_id()
    observations.add_observation(demo_ward, observations.NewObservation(
        patient_id=_pid(demo_ward, ORAL), rr=18, client_id=rid))
    before = database_state(demo_ward.path)
    with pytest.raises(InvalidInput) as exc:
        observations.add_observation(demo_ward, observations.NewObservation(
            patient_id=_pid(demo_ward, ITB), rr=18, client_id=rid))
    assert exc.value.field == "request-id" and "already used" in str(exc.value)
    assert database_state(demo_ward.path) == before


def test_a_request_id_must_be_a_uuid(demo_ward):
    assert request_id(" 1B4E28BA-2FA1-11D2-883F-0016D3CCA427 ") == \
        "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
    with pytest.raises(InvalidInput) as exc:
        observations.add_observation(demo_ward, observations.NewObservation(
            patient_id=_pid(demo_ward, ORAL), rr=18, client_id="retry-1"))
    assert exc.value.field == "request-id" and "UUID" in str(exc.value)


def test_a_retried_refill_and_alarm_are_recognised(demo_ward):
    pid = _pid(demo_ward, ITB)
    witness = find_user(demo_ward, "nurse.okafor", "witness").id
    new = pumps.NewRefill(patient_id=pid, volume_ml=20, conc_mcg_ml=500, daily_mcg=300,
                          witness_id=witness, witness_password=DEMO_PASSWORD,
                          client_id=str(uuid.uuid4()))
    first = pumps.refill_pump(demo_ward, new)
    alarm_id = new_request_id()
    alarm = pumps.record_alarm(demo_ward, pid, AlarmKind.LOW_RESERVOIR, "single tone",
                               client_id=alarm_id)
    before = database_state(demo_ward.path)
    again = pumps.refill_pump(demo_ward, new)
    assert again.refill == first.refill and again.dates == first.dates and again.order is None
    assert pumps.record_alarm(demo_ward, pid, AlarmKind.LOW_RESERVOIR, "single tone",
                              client_id=alarm_id) == alarm
    assert database_state(demo_ward.path) == before


def test_a_retried_refill_that_changed_the_order_returns_that_order(demo_ward):
    pid = _pid(demo_ward, ITB)
    with acting(demo_ward, "charge.silva"):
        new = pumps.NewRefill(patient_id=pid, volume_ml=20, conc_mcg_ml=500, daily_mcg=250,
                              witness_id=find_user(demo_ward, "pharm.chen", "witness").id,
                              witness_password=DEMO_PASSWORD, change_order=True, client_id=new_request_id())
        first = pumps.refill_pump(demo_ward, new)
        before = database_state(demo_ward.path)
        again = pumps.refill_pump(demo_ward, new)
    assert first.order is not None and again.order == first.order
    assert database_state(demo_ward.path) == before


def test_a_retried_acknowledgement_is_recognised_even_after_the_alert_cleared(demo_ward):
    alert = next(a for a in alerts.ward_alerts(demo_ward) if not a.acknowledged)
    rid = new_request_id()
    first = alerts.acknowledge(demo_ward, alert.id, "seen", client_id=rid)
    before = database_state(demo_ward.path)
    again = alerts.acknowledge(demo_ward, alert.id, "seen", client_id=rid)
    assert again == first and again.acknowledged_by == "nurse.jones"
    assert database_state(demo_ward.path) == before
    with pytest.raises(InvalidInput):  # the same id for another alert: a mistake, not a retry
        other = next(a for a in alerts.ward_alerts(demo_ward) if a.key != alert.key)
        alerts.acknowledge(demo_ward, other.id, client_id=rid)
    demo_ward.clock = lambda: alert.since.replace(year=alert.since.year + 1)  # long cleared
    later = alerts.acknowledge(demo_ward, alert.id, "seen", client_id=rid)
    assert later.key == alert.key and later.acknowledged_by == "nurse.jones"
    assert database_state(demo_ward.path) == before


def test_a_request_id_of_another_users_record_is_refused(demo_ward):
    rid = new_request_id()
    new = observations.NewObservation(patient_id=_pid(demo_ward, ORAL), rr=18, client_id=rid)
    observations.add_observation(demo_ward, new)
    before = database_state(demo_ward.path)
    with acting(demo_ward, "nurse.okafor"), pytest.raises(InvalidInput) as exc:
        observations.add_observation(demo_ward, new)  # not this nurse's save to retry
    assert "nurse.jones" in str(exc.value)
    assert database_state(demo_ward.path) == before
