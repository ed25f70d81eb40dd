"""Mapping's section of the participant's *Översikt*: the current goal and
sub-goals, and the current three-month period with its move (two queries)."""

from __future__ import annotations

import datetime
from typing import Any

from participants.models import Participant
from participants.periods import period_bounds, period_label, period_of
from rattinsats.compiled import compiled_first

from .models import GoalDocument, StepwiseMove


def goals_and_period(participant: Participant, today: datetime.date) -> dict[str, Any]:
    known = {"participant": participant}
    document = compiled_first("overview-goals", _goal_document, participant.pk, known=known)
    sub_goals = []
    if document is not None:
        for k in (1, 2, 3):
            text = getattr(document, f"delmal_{k}")
            if text:
                sub_goals.append(
                    {
                        "n": k,
                        "text": text,
                        "status": getattr(document, f"get_delmal_{k}_status_display")(),
                    }
                )
    period = period_of(participant.start_date, today) if participant.is_active else None
    move = None
    period_end = None
    if period is not None:
        period_end = period_bounds(participant.start_date, period)[1]
        move = compiled_first("overview-move", _move, participant.pk, period, known=known)
    return {
        "participant": participant,
        "goal": document.goal if document is not None else "",
        "sub_goals": sub_goals,
        "period": period,
        "period_label": period_label(period) if period else "",
        "period_end": period_end,
        "move": move,
    }


# Both compiled once a process (rattinsats.compiled).
def _goal_document(participant_pk: int):
    return GoalDocument.objects.filter(participant=participant_pk)


def _move(participant_pk: int, period: int):
    return StepwiseMove.objects.filter(participant=participant_pk, period=period).select_related(
        "category"
    )
