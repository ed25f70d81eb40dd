"""Casework's section of the participant's *Översikt*: the latest journal
notes, the flags still to send and the interventions in progress (three
queries)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q

from participants.models import Participant
from rattinsats.compiled import compiled_objects

from .models import Flag, Intervention, JournalNote

LATEST_NOTES = 3


def notes_flags_interventions(participant: Participant, today: datetime.date) -> dict[str, Any]:
    """Each of the three queries compiled once a process
    (:mod:`rattinsats.compiled`)."""
    known = {"participant": participant}
    notes = compiled_objects("overview-notes", _latest_notes, participant.pk, known=known)
    flags = compiled_objects("overview-flags", _open_flags, participant.pk, known=known)
    interventions = compiled_objects(
        "overview-interventions", _current_interventions, participant.pk, today, known=known
    )
    return {
        "participant": participant,
        "notes": notes,
        "flags": flags,
        "interventions": interventions,
    }


def _latest_notes(participant_pk: int):
    return (
        JournalNote.objects.filter(participant=participant_pk)
        .select_related("author")
        .order_by("-happened_on", "-created_at", "-id")[:LATEST_NOTES]
    )


def _open_flags(participant_pk: int):
    return (
        Flag.objects.filter(participant=participant_pk, status=Flag.Status.OPEN)
        .select_related("organisation")
        .order_by("created_at", "id")
    )


def _current_interventions(participant_pk: int, today: datetime.date):
    return (
        Intervention.objects.filter(participant=participant_pk, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("activity")
        .order_by("start_date", "id")
    )
