"""Writes of the day-to-day casework: interventions, journal notes and the
status of flags. Each service checks the actor's right, writes in one
transaction and logs one audit event (see services.py)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.models import Participant
from participants.selectors import consent_covers, participant_require_change
from rattinsats.audit import Action, audit_log
from rattinsats.models import User

from .models import Flag, Intervention, InterventionActivity, JournalNote


class StaleEdit(ValidationError):
    """Someone else saved the record after the form was opened."""


class ConsentMissing(ValidationError):
    """No valid consent lets the project share the person's data with the
    organisation."""


@transaction.atomic
def flag_create(
    *,
    actor: User,
    participant: Participant,
    organisation,
    reason: str,
    kind: str = Flag.Kind.MANUAL,
) -> Flag:
    """Flag something to a home organisation. Refused (``ConsentMissing``)
    while no valid consent covers that organisation: the flag would share
    the person's data. Called by staff for manual flags and by the start
    and closure services for the automatic ones."""
    participant_require_change(actor, participant)
    if not reason.strip():
        raise ValidationError({"reason": _("Ange en anledning.")})
    if not consent_covers(participant, organisation, timezone.localdate()):
        raise ConsentMissing(
            _(
                "Flaggan kan inte skickas till %(org)s: det finns inget giltigt samtycke "
                "som omfattar organisationen."
            )
            % {"org": organisation}
        )
    flag = Flag(
        participant=participant,
        organisation=organisation,
        kind=kind,
        reason=reason.strip(),
        created_by=actor,
    )
    flag.full_clean()
    flag.save()
    audit_log(actor=actor, action=Action.CREATE, obj=flag)
    return flag


def _check_dates(start_date: datetime.date, end_date: datetime.date | None) -> None:
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": _("Slutdatum kan inte vara före startdatum.")})


@transaction.atomic
def intervention_create(
    *,
    actor: User,
    participant: Participant,
    activity: InterventionActivity,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    notes: str = "",
) -> Intervention:
    """Record an intervention for the participant (staff who may change
    the case)."""
    participant_require_change(actor, participant)
    if not activity.active:
        raise ValidationError({"activity": _("Aktiviteten används inte längre.")})
    _check_dates(start_date, end_date)
    intervention = Intervention(
        participant=participant,
        activity=activity,
        start_date=start_date,
        end_date=end_date,
        notes=notes.strip(),
        created_by=actor,
    )
    intervention.full_clean()
    intervention.save()
    audit_log(actor=actor, action=Action.CREATE, obj=intervention)
    return intervention


@transaction.atomic
def intervention_update(
    *,
    actor: User,
    intervention: Intervention,
    version: int,
    start_date: datetime.date,
    end_date: datetime.date | None,
    notes: str,
) -> Intervention:
    """Change an intervention's dates and notes, typically to end it.
    ``version`` is the one the form was opened with: a save on top of
    someone else's change is refused and changes nothing."""
    participant_require_change(actor, intervention.participant)
    _check_dates(start_date, end_date)
    locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
    if locked.version != version:
        raise StaleEdit(
            _(
                "Insatsen har ändrats av någon annan sedan du öppnade den. "
                "Läs in sidan igen och gör din ändring på nytt."
            )
        )
    locked.start_date = start_date
    locked.end_date = end_date
    locked.notes = notes.strip()
    locked.updated_by = actor
    locked.updated_at = timezone.now()
    locked.version = version + 1
    locked.full_clean()
    locked.save(
        update_fields=["start_date", "end_date", "notes", "updated_by", "updated_at", "version"]
    )
    audit_log(actor=actor, action=Action.CHANGE, obj=locked)
    return locked


@transaction.atomic
def journal_note_create(
    *,
    actor: User,
    participant: Participant,
    kind: str,
    happened_on: datetime.date,
    text: str,
    corrects: JournalNote | None = None,
) -> JournalNote:
    """Write a day note or journal note. With ``corrects``, the new note
    corrects that one; a note is corrected once (correct the correction to
    revise again), and nothing is ever overwritten."""
    participant_require_change(actor, participant)
    if not text.strip():
        raise ValidationError({"text": _("Skriv en anteckning.")})
    if happened_on > timezone.localdate():
        raise ValidationError({"happened_on": _("Datumet kan inte ligga i framtiden.")})
    if corrects is not None:
        corrects = JournalNote.objects.select_for_update().get(pk=corrects.pk)
        if corrects.participant_id != participant.pk:
            raise PermissionDenied
        if JournalNote.objects.filter(corrects=corrects).exists():
            raise ValidationError(
                _("Anteckningen är redan rättad. Rätta den senaste versionen i stället.")
            )
    note = JournalNote(
        participant=participant,
        kind=kind,
        happened_on=happened_on,
        text=text.strip(),
        corrects=corrects,
        author=actor,
    )
    note.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            note.save()
    except IntegrityError as exc:
        # A concurrent correction of the same note won.
        raise ValidationError(
            _("Anteckningen är redan rättad. Rätta den senaste versionen i stället.")
        ) from exc
    audit_log(
        actor=actor,
        action=Action.CREATE,
        obj=note,
        detail=f"rättar {corrects.pk}" if corrects else "",
    )
    return note


# The only moves of a flag's status: open → sent → done.
FLAG_NEXT_STATUS: dict[str, str] = {
    Flag.Status.OPEN: Flag.Status.SENT,
    Flag.Status.SENT: Flag.Status.DONE,
}


@transaction.atomic
def flag_set_status(*, actor: User, flag: Flag, status: str) -> Flag:
    """Move a flag on: open → sent (only while a valid consent covers the
    organisation: sending shares the person's data) → done."""
    participant_require_change(actor, flag.participant)
    locked = Flag.objects.select_for_update().select_related("organisation").get(pk=flag.pk)
    if FLAG_NEXT_STATUS.get(locked.status) != status:
        raise ValidationError(
            _("Flaggan kan inte få status ”%(status)s” nu: den har status ”%(current)s”.")
            % {
                "status": Flag.Status(status).label if status in Flag.Status else status,
                "current": locked.get_status_display(),
            }
        )
    now = timezone.now()
    if status == Flag.Status.SENT:
        if not consent_covers(flag.participant, locked.organisation, timezone.localdate()):
            raise ConsentMissing(
                _(
                    "Flaggan kan inte skickas till %(org)s: det finns inget giltigt samtycke "
                    "som omfattar organisationen."
                )
                % {"org": locked.organisation}
            )
        locked.sent_at = now
    else:
        locked.done_at = now
    locked.status = status
    locked.save(update_fields=["status", "sent_at", "done_at"])
    audit_log(actor=actor, action=Action.CHANGE, obj=locked, detail=f"status {status}")
    flag.status, flag.sent_at, flag.done_at = locked.status, locked.sent_at, locked.done_at
    return locked
