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
from rattinsats.models import Organisation, User

from .models import Flag, Intervention, InterventionActivity, JournalNote


class StaleEdit(ValidationError):
    """Someone else saved the record after the form was opened."""


class ConsentMissing(ValidationError):
    """No valid consent lets the project share the person's data with the
    organisation."""


def _require_consent(participant: Participant, organisation: Organisation) -> None:
    """Refuse (``ConsentMissing``) while no valid consent lets the project
    share the person's data with ``organisation``."""
    if not consent_covers(participant, organisation, timezone.localdate()):
        raise ConsentMissing(
            _(
                "Flaggan kan inte skickas till %(org)s: det finns inget giltigt samtycke "
                "som omfattar organisationen."
            )
            % {"org": organisation}
        )


@transaction.atomic
def flag_create(
    *,
    actor: User,
    participant: Participant,
    organisation: Organisation,
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
    _require_consent(participant, organisation)
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


# The moves of a flag: att skicka → skickad → kvitterad, or att skicka →
# återkallad. A flag once sent cannot be withdrawn: the organisation has it.
FLAG_TRANSITIONS: dict[str, tuple[str, ...]] = {
    Flag.Status.OPEN: (Flag.Status.SENT, Flag.Status.WITHDRAWN),
    Flag.Status.SENT: (Flag.Status.DONE,),
}

# The system each organisation keeps its cases in (domain.md §4 step 1): the
# way a flag to it is most often sent, offered first on the pages.
USUAL_WAY: dict[str, str] = {
    Organisation.Kind.EKONOMISKT_BISTAND: Flag.SentVia.VIVA,
    Organisation.Kind.JOBBCENTRUM: Flag.SentVia.VIVA,
    Organisation.Kind.ARBETSFORMEDLINGEN: Flag.SentVia.AIS,
}


def flag_usual_way(organisation: Organisation) -> str:
    return USUAL_WAY.get(organisation.kind, Flag.SentVia.PHONE)


def _flag_lock_for(*, actor: User, flag: Flag, status: str) -> Flag:
    """The flag's row, locked, once ``actor`` may change the case and the
    flag may move to ``status`` from where it is; a Swedish refusal
    otherwise."""
    participant_require_change(actor, flag.participant)
    locked = (
        Flag.objects.select_for_update(of=("self",))
        .select_related("organisation", "participant")
        .get(pk=flag.pk)
    )
    if status in FLAG_TRANSITIONS.get(locked.status, ()):
        return locked
    if status == Flag.Status.WITHDRAWN and locked.status in (Flag.Status.SENT, Flag.Status.DONE):
        raise ValidationError(
            _(
                "Flaggan är redan skickad och kan inte återkallas. Skapa en ny flagga "
                "till organisationen i stället."
            )
        )
    raise ValidationError(
        _("Flaggan kan inte få status ”%(status)s” nu: den har status ”%(current)s”.")
        % {
            "status": Flag.Status(status).label if status in Flag.Status.values else status,
            "current": locked.get_status_display(),
        }
    )


FLAG_STATE_FIELDS = [
    "status",
    "sent_at",
    "sent_by",
    "sent_via",
    "done_at",
    "done_by",
    "withdrawn_at",
    "withdrawn_by",
    "withdrawn_reason",
]


def _flag_save(*, actor: User, locked: Flag, flag: Flag, detail: str) -> Flag:
    locked.clean_fields()
    locked.save(update_fields=FLAG_STATE_FIELDS)
    audit_log(actor=actor, action=Action.CHANGE, obj=locked, detail=detail)
    # The caller's object follows the stored row.
    for name in FLAG_STATE_FIELDS:
        setattr(flag, name, getattr(locked, name))
    return locked


@transaction.atomic
def flag_send(*, actor: User, flag: Flag, via: str) -> Flag:
    """Record that the flag has been sent, and how (Viva, AIS or telephone).
    Only while a valid consent covers the organisation: sending shares the
    person's data."""
    if via not in Flag.SentVia.values:
        raise ValidationError({"via": _("Ange hur flaggan skickades: Viva, AIS eller telefon.")})
    locked = _flag_lock_for(actor=actor, flag=flag, status=Flag.Status.SENT)
    _require_consent(locked.participant, locked.organisation)
    locked.status = Flag.Status.SENT
    locked.sent_at = timezone.now()
    locked.sent_by = actor
    locked.sent_via = via
    return _flag_save(actor=actor, locked=locked, flag=flag, detail=f"status sent via {via}")


@transaction.atomic
def flag_acknowledge(*, actor: User, flag: Flag) -> Flag:
    """Record that the organisation has acknowledged a sent flag."""
    locked = _flag_lock_for(actor=actor, flag=flag, status=Flag.Status.DONE)
    locked.status = Flag.Status.DONE
    locked.done_at = timezone.now()
    locked.done_by = actor
    return _flag_save(actor=actor, locked=locked, flag=flag, detail="status done")


@transaction.atomic
def flag_withdraw(*, actor: User, flag: Flag, reason: str) -> Flag:
    """Withdraw a flag that has not been sent: it stays in the history with
    who withdrew it, when and why, and is no longer to be sent."""
    if not (reason or "").strip():
        raise ValidationError({"withdrawn_reason": _("Ange varför flaggan återkallas.")})
    locked = _flag_lock_for(actor=actor, flag=flag, status=Flag.Status.WITHDRAWN)
    locked.status = Flag.Status.WITHDRAWN
    locked.withdrawn_at = timezone.now()
    locked.withdrawn_by = actor
    locked.withdrawn_reason = reason.strip()
    return _flag_save(actor=actor, locked=locked, flag=flag, detail="status withdrawn")


def flag_set_status(
    *, actor: User, flag: Flag, status: str, via: str = "", reason: str = ""
) -> Flag:
    """Move a flag to ``status`` through the service of that move. Kept for
    callers that move flags by status (the demo data): a flag sent without
    saying how is recorded as sent through the organisation's own system."""
    if status == Flag.Status.SENT:
        return flag_send(actor=actor, flag=flag, via=via or flag_usual_way(flag.organisation))
    if status == Flag.Status.DONE:
        return flag_acknowledge(actor=actor, flag=flag)
    if status == Flag.Status.WITHDRAWN:
        return flag_withdraw(actor=actor, flag=flag, reason=reason)
    # Nothing moves a flag back to "att skicka", nor to an unknown state.
    participant_require_change(actor, flag.participant)
    raise ValidationError(
        _("Flaggan kan inte få status ”%(status)s” nu: den har status ”%(current)s”.")
        % {
            "status": Flag.Status(status).label if status in Flag.Status.values else status,
            "current": flag.get_status_display(),
        }
    )
