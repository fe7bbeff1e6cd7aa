"""Forms kept per user in the ward database (issue 16): only the user's own are theirs to see,
restore or discard; passwords are never kept; the audit names the kind, never a value."""

from __future__ import annotations

import pytest

from tests.conftest import act_as
from ward_app.domain.errors import InvalidInput, Refused
from ward_app.services import parked_forms
from ward_app.storage import audit


def test_a_user_sees_and_discards_only_their_own_forms(demo_ward):
    act_as(demo_ward, "nurse.jones")
    state = {"fields": {"rr": "21", "note": "breathless", "password": "x"},
             "witness_password": "y"}
    mine = parked_forms.park(demo_ward, "observations", 1, state)
    again = parked_forms.park(demo_ward, "observations", 1, {"fields": {"rr": "22"}}, mine)
    assert again == mine  # the same form put away again: its kept copy replaced
    [kept] = parked_forms.waiting(demo_ward)
    assert kept.id == mine and kept.state == {"fields": {"rr": "22"}} and kept.patient_id == 1
    parked_forms.park(demo_ward, "dose", 2, state)
    assert "password" not in str(parked_forms.waiting(demo_ward)[1].state)  # never kept

    act_as(demo_ward, "nurse.okafor")
    assert parked_forms.waiting(demo_ward) == []
    assert list(parked_forms.kept_for_others(demo_ward).values()) == [2]  # nurse.jones's two
    assert not parked_forms.discard(demo_ward, mine)  # not hers
    theirs = parked_forms.park(demo_ward, "pump_alarm", 3, {"fields": {}}, mine)
    assert theirs != mine  # another user's row is never replaced

    act_as(demo_ward, "nurse.jones")
    parked_forms.restored(demo_ward, mine)
    assert parked_forms.discard(demo_ward, mine)
    assert not parked_forms.discard(demo_ward, mine)  # gone already
    assert [k.kind for k in parked_forms.waiting(demo_ward)] == ["dose"]
    rows = [e for e in audit.entries(demo_ward.db, limit=20) if e["action"].startswith("form.")]
    assert {e["action"] for e in rows} == {"form.parked", "form.restored", "form.discarded"}
    assert all(set(e["detail"]) == {"kind"} for e in rows)  # never a value typed


def test_an_unknown_form_or_no_user_is_refused(demo_ward):
    with pytest.raises(InvalidInput):
        parked_forms.park(demo_ward, "taper", 1, {})
    demo_ward.actor = None
    with pytest.raises(Refused):
        parked_forms.park(demo_ward, "observations", 1, {})
    assert parked_forms.waiting(demo_ward) == []
