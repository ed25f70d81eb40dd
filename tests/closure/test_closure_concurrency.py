"""Two staff members closing the same participation at once: one wins."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from closure import services
from closure.models import Closure, EmploymentStatus, IncomeSource
from participants.models import ClosureReason, ClosureResult, Participant, Task
from tests.factories import ConsentFactory, ParticipantFactory, UserFactory, ensure_reference_data

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def test_it_closes_a_participation_once_when_two_close_it_together():
    ensure_reference_data()
    owner = UserFactory(username="owner")
    participant = ParticipantFactory(responsible=owner)
    ConsentFactory(participant=participant)
    barrier = threading.Barrier(2)
    outcomes = []

    def close(result):
        try:
            barrier.wait()
            fresh = Participant.objects.get(pk=participant.pk)
            services.participant_close(
                actor=owner,
                participant=fresh,
                closed_on=timezone.localdate(),
                reason=ClosureReason.WORK,
                result=result,
                employment_status=EmploymentStatus.PAID_WORK,
                income_source=IncomeSource.SALARY,
            )
            outcomes.append("closed")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=close, args=(r,))
        for r in (ClosureResult.EXTRATJANST, ClosureResult.INTROJOBB)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert sorted(outcomes) == ["Deltagandet är redan avslutat.", "closed"]
    assert Closure.objects.count() == 1
    assert Task.objects.filter(kind=Task.Kind.FOLLOW_UP).count() == 1
    participant.refresh_from_db()
    assert participant.closure_result == Closure.objects.get().result
