"""participant_import_closure: the closure an import (or the
demo data) brings in, which the results count."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from participants.models import Participant
from participants.services import participant_import_closure
from rattinsats.models import AuditEvent

D = datetime.date


def test_it_records_the_closure_with_one_audit_event(owner, participant):
    participant.start_date = D(2024, 1, 1)
    participant.save()
    participant_import_closure(
        actor=owner,
        participant=participant,
        end_date=D(2024, 9, 1),
        closure_reason="arbete",
        closure_result="nystartsjobb",
    )
    participant.refresh_from_db()
    assert participant.status == Participant.Status.CLOSED
    assert (participant.end_date, participant.closure_reason, participant.closure_result) == (
        D(2024, 9, 1),
        "arbete",
        "nystartsjobb",
    )
    events = AuditEvent.objects.filter(participant_id=participant.pk, action="change")
    assert [e.detail for e in events] == ["importerat avslut"]


@pytest.mark.parametrize("role", ["counsellor", "steering"])
def test_it_refuses_other_roles(request, role, participant):
    with pytest.raises(PermissionDenied):
        participant_import_closure(
            actor=request.getfixturevalue(role),
            participant=participant,
            end_date=participant.start_date,
            closure_reason="ovriga",
        )
    participant.refresh_from_db()
    assert participant.is_active


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"closure_reason": "ovriga", "closure_result": "extratjanst"}, "closure_result"),
        ({"closure_reason": "okand"}, "closure_reason"),
        ({"closure_reason": "arbete", "closure_result": "okant"}, "closure_result"),
        ({"closure_reason": "arbete", "days": -1}, "end_date"),
    ],
)
def test_it_refuses_a_bad_closure_and_changes_nothing(owner, participant, kwargs, field):
    days = kwargs.pop("days", 10)
    with pytest.raises(ValidationError) as exc:
        participant_import_closure(
            actor=owner,
            participant=participant,
            end_date=participant.start_date + datetime.timedelta(days=days),
            **kwargs,
        )
    assert field in exc.value.message_dict
    participant.refresh_from_db()
    assert participant.is_active and participant.end_date is None
    assert not AuditEvent.objects.filter(action="change").exists()


def test_it_refuses_to_close_twice(owner, participant):
    end = participant.start_date + datetime.timedelta(days=5)
    participant_import_closure(
        actor=owner, participant=participant, end_date=end, closure_reason="ovriga"
    )
    with pytest.raises(ValidationError):
        participant_import_closure(
            actor=owner, participant=participant, end_date=end, closure_reason="studier"
        )
    participant.refresh_from_db()
    assert participant.closure_reason == "ovriga"
