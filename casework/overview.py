"""Casework's section of the participant's *Översikt*: the latest journal
notes, the flags still to send and the interventions in progress (three
queries)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q

from participants.models import Participant

from .models import Flag, Intervention, JournalNote

LATEST_NOTES = 3


def notes_flags_interventions(participant: Participant, today: datetime.date) -> dict[str, Any]:
    notes = list(
        JournalNote.objects.filter(participant=participant)
        .select_related("author")
        .order_by("-happened_on", "-created_at", "-id")[:LATEST_NOTES]
    )
    flags = list(
        Flag.objects.filter(participant=participant, status=Flag.Status.OPEN)
        .select_related("organisation")
        .order_by("created_at", "id")
    )
    interventions = list(
        Intervention.objects.filter(participant=participant, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("activity")
        .order_by("start_date", "id")
    )
    return {
        "participant": participant,
        "notes": notes,
        "flags": flags,
        "interventions": interventions,
    }
