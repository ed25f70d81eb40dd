"""The *Översikt* tab: the case at a glance, from every part of it.

Participants sits below the apps that keep the rest of the case, so it does
not read them: its own section (:func:`consent_and_tasks`) comes first, and
each app above registers a section here (in its ``AppConfig.ready``)
with a template and a function that reads what the section shows. Each
section reads in a fixed, small number of queries, so the tab's query count
does not grow with the size of the case.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rattinsats.compiled import compiled_objects

from .models import Consent, Participant, Task

SectionReader = Callable[[Participant, datetime.date], dict[str, Any] | None]


@dataclass(frozen=True)
class OverviewSection:
    key: str
    order: int
    template: str
    read: SectionReader


_SECTIONS: dict[str, OverviewSection] = {}


def overview_section_register(*, key: str, order: int, template: str, read: SectionReader) -> None:
    """Add (or replace) a section of the tab. ``read(participant, today)``
    returns the template's context, or None when the section has nothing
    to show."""
    _SECTIONS[key] = OverviewSection(key=key, order=order, template=template, read=read)


def overview_sections(participant: Participant, today: datetime.date) -> list[dict[str, Any]]:
    """The sections to show, in order, each ``{"template": …, "context": …}``."""
    shown = []
    for section in sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key)):
        context = section.read(participant, today)
        if context is not None:
            shown.append({"key": section.key, "template": section.template, "context": context})
    return shown


def consent_and_tasks(
    participant: Participant, today: datetime.date, consent: Consent | None
) -> dict[str, Any]:
    """The participants app's own section: the consent in force (already
    read for the page's header) and when it is to be renewed, and the case's
    open tasks (whoever holds them)."""
    from django.conf import settings

    renew_from = (
        consent.valid_until - datetime.timedelta(days=settings.RATTINSATS_CONSENT_RENEWAL_DAYS)
        if consent is not None
        else None
    )
    tasks = compiled_objects(
        "overview-tasks", _open_tasks, participant.pk, known={"participant": participant}
    )
    return {
        "participant": participant,
        "consent": consent,
        "renew_from": renew_from,
        "renewal_due": renew_from is not None and renew_from <= today,
        "tasks": tasks,
        "today": today,
    }


def _open_tasks(participant_pk: int):
    return (
        Task.objects.filter(participant=participant_pk, done_at__isnull=True)
        .select_related("assignee")
        .order_by("due_on", "created_at", "id")
    )
