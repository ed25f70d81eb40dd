"""An employer's next step on *Att göra*: the task's link and its text.
Registered with ``participants.task_targets`` by the app's ``ready()``."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse

from participants.models import Task


def _employer_of(task: Task):
    try:
        # The reverse one-to-one of EmployerContact.task.
        return task.employer_contact.employer
    except ObjectDoesNotExist:
        return None


def employer_task_url(task: Task) -> str:
    employer = _employer_of(task)
    return reverse("employers:detail", args=[employer.pk]) if employer else ""


def employer_task_label(task: Task) -> str:
    employer = _employer_of(task)
    return employer.name if employer else ""
