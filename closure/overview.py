"""Closure's section of the participant's *Översikt*: the next follow-up
after a closure because of work or studies (one query)."""

from __future__ import annotations

import datetime
from typing import Any

from participants.models import Participant
from participants.periods import add_months
from rattinsats.compiled import compiled_first

from .models import Closure
from .services import FOLLOW_UP_AFTER_MONTHS


def next_follow_up(participant: Participant, today: datetime.date) -> dict[str, Any] | None:
    """None while nothing is to be followed up: an active participation, or
    a closure for other reasons."""
    if participant.is_active:
        return None
    closure = compiled_first(
        "overview-closure", _closure_query, participant.pk, known={"participant": participant}
    )
    if closure is None or not closure.leads_to_follow_up:
        return None
    follow_up = getattr(closure, "follow_up", None)
    due = (
        closure.follow_up_task.due_on
        if closure.follow_up_task is not None and closure.follow_up_task.due_on
        else add_months(closure.closed_on, FOLLOW_UP_AFTER_MONTHS)
    )
    return {
        "participant": participant,
        "closure": closure,
        "follow_up": follow_up,
        "due": due,
        "overdue": follow_up is None and due < today,
    }


def _closure_query(participant_pk: int):
    # The closure in force (compiled once a process: rattinsats.compiled).
    return Closure.objects.filter(
        participant=participant_pk, reopened_at__isnull=True
    ).select_related("follow_up", "follow_up_task")
