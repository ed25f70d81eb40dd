"""Writing the audit trail. Services call :func:`audit_log` inside their
transaction, so that a rolled-back change leaves no event behind."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from .bulk import insert_rows
from .middleware import current_ip
from .models import AuditEvent

Action = AuditEvent.Action


def audit_log(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int | None = "",
    participant_id: int | None = None,
    detail: str = "",
) -> AuditEvent:
    """Record one event. ``detail`` must never hold personal data."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk
        if participant_id is None:
            participant_id = _participant_id_of(obj)
    user = actor if actor is not None and actor.is_authenticated else None
    return AuditEvent.objects.create(
        user=user,
        action=action,
        object_type=object_type,
        object_id="" if object_id is None else str(object_id),
        participant_id=participant_id,
        ip=current_ip.get(),
        detail=detail[:200],
    )


def _participant_id_of(obj) -> int | None:
    if obj._meta.label_lower == "participants.participant":
        return obj.pk
    return getattr(obj, "participant_id", None)


def audit_log_many(*, actor, action: str, objects, detail: str = "") -> int:
    """Record one event per object of ``objects`` (model instances, saved),
    exactly as :func:`audit_log` would one by one, with one statement
    (:func:`rattinsats.bulk.insert_rows`): for a bulk write (the workbook
    import) whose every row must stay in the trail. Returns the number of
    events."""
    user = actor if actor is not None and actor.is_authenticated else None
    ip = current_ip.get()
    now = timezone.now()
    return insert_rows(
        AuditEvent,
        ["at", "user", "action", "object_type", "object_id", "participant_id", "ip", "detail"],
        (
            (
                now,
                user.pk if user is not None else None,
                action,
                obj._meta.label_lower,
                str(obj.pk),
                _participant_id_of(obj),
                ip,
                detail[:200],
            )
            for obj in objects
        ),
    )
