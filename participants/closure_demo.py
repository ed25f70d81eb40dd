"""Demo closures for ``seed_demo``: one participant closed because of work
(with its follow-up due), one closed for other reasons. Running it again
changes nothing."""

import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from . import closure as services
from .models import (
    Closure,
    ClosureReason,
    ClosureResult,
    EmploymentStatus,
    IncomeSource,
    OtherClosureReason,
    Participant,
    StatusSnapshot,
)

DEMO_CLOSURES = [
    {
        "reason": ClosureReason.WORK,
        "result": ClosureResult.NYSTARTSJOBB,
        "employment_status": EmploymentStatus.SUBSIDISED_WORK,
        "income_source": IncomeSource.SALARY,
    },
    {
        "reason": ClosureReason.OTHER,
        "other_reason": OtherClosureReason.NOT_REACHABLE,
        "note": "Har inte svarat på tre kallelser.",
        "employment_status": EmploymentStatus.OTHER,
        "income_source": IncomeSource.EKONOMISKT_BISTAND,
    },
]


@transaction.atomic
def demo_closures_ensure() -> list[Closure]:
    """Close the longest-running active demo participants, unless the demo
    database already holds closures."""
    if Closure.objects.exists():
        return []
    today = timezone.localdate()
    candidates = (
        Participant.objects.filter(status=Participant.Status.ACTIVE, responsible__isnull=False)
        .select_related("responsible")
        .annotate(last_move_end=Max("moves__period_end"))
        .order_by("start_date", "id")[: len(DEMO_CLOSURES)]
    )
    closures = []
    for participant, data in zip(candidates, DEMO_CLOSURES, strict=False):
        actor = participant.responsible
        # After the last recorded move, so that no move lies after the end.
        after = participant.last_move_end or participant.start_date
        closed_on = min(today, after + datetime.timedelta(days=10))
        if not StatusSnapshot.objects.filter(
            participant=participant, moment=StatusSnapshot.Moment.START
        ).exists():
            services.status_at_start_record(
                actor=actor,
                participant=participant,
                employment_status=EmploymentStatus.SEEKING_WORK,
                income_source=IncomeSource.EKONOMISKT_BISTAND,
            )
        closures.append(
            services.participant_close(
                actor=actor, participant=participant, closed_on=closed_on, **data
            )
        )
    return closures
