"""Every write to a participant, its consents and tasks.

Each service checks the actor's right, writes in one transaction and logs
one audit event, so views, the admin, imports and commands behave alike.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from rattinsats.audit import Action, audit_log
from rattinsats.models import Role, User
from rattinsats.personnummer import InvalidPersonnummer, parse

from .models import ClosureReason, Consent, Participant, Task
from .selectors import participant_require_change, user_can_change

PARTICIPANT_PERMISSIONS = ("participants.view_participant", "participants.change_participant")


def _require_casework(actor) -> None:
    if not (actor.is_authenticated and actor.is_casework):
        raise PermissionDenied


def _check_responsible(user: User | None) -> None:
    if user is not None and not (
        user.is_active and user.role in (Role.STAFF, Role.EMPLOYMENT_OFFICER)
    ):
        raise ValidationError(
            {"responsible": _("Ansvarig måste vara en aktiv projektmedarbetare.")}
        )


def grant_access(participant: Participant, user: User) -> None:
    for perm in PARTICIPANT_PERMISSIONS:
        assign_perm(perm, user, participant)


def revoke_access(participant: Participant, user: User) -> None:
    for perm in PARTICIPANT_PERMISSIONS:
        remove_perm(perm, user, participant)


@transaction.atomic
def participant_create(
    *,
    actor: User,
    personnummer: str,
    first_name: str,
    last_name: str,
    gender: str,
    start_date: datetime.date,
    responsible: User | None = None,
    phone: str = "",
    email: str = "",
    preferred_language: str = "",
    interpreter_needed: bool = False,
    target_group: str = "",
    sus_consent: bool = False,
    referring_organisation=None,
    audit: bool = True,
) -> Participant:
    """Start a participation. Any project staff member may call it (the
    employment officer does, after the information call). The responsible
    staff member gets view and change rights on the record."""
    _require_casework(actor)
    _check_responsible(responsible)
    try:
        canonical = parse(personnummer).canonical
    except InvalidPersonnummer as exc:
        raise ValidationError({"personnummer": _("Ogiltigt personnummer.")}) from exc
    participant = Participant(
        personnummer=canonical,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        gender=gender,
        start_date=start_date,
        responsible=responsible,
        phone=phone,
        email=email,
        preferred_language=preferred_language,
        interpreter_needed=interpreter_needed,
        target_group=target_group,
        sus_consent=sus_consent,
        referring_organisation=referring_organisation,
    )
    participant.full_clean()
    try:
        with transaction.atomic():
            participant.save()
    except IntegrityError as exc:
        # A concurrent start of the same person lost the race.
        raise ValidationError(
            {"personnummer": _("Personen har redan ett pågående deltagande.")}
        ) from exc
    if responsible is not None:
        grant_access(participant, responsible)
    if audit:
        audit_log(actor=actor, action=Action.CREATE, obj=participant)
    return participant


@transaction.atomic
def participant_assign_responsible(
    *, actor: User, participant: Participant, responsible: User
) -> Participant:
    """Hand the case to another staff member. The former responsible loses
    access unless the case was shared with them separately."""
    if not (actor.is_administrator or user_can_change(actor, participant)):
        raise PermissionDenied
    _check_responsible(responsible)
    previous = participant.responsible
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    locked.responsible = responsible
    locked.save(update_fields=["responsible", "updated_at"])
    if previous is not None and previous != responsible:
        revoke_access(locked, previous)
    grant_access(locked, responsible)
    participant.responsible = responsible
    audit_log(actor=actor, action=Action.CHANGE, obj=locked, detail="ansvarig")
    return locked


@transaction.atomic
def participant_share(*, actor: User, participant: Participant, user: User) -> None:
    """Let another project staff member see and work on the case."""
    if not (actor.is_administrator or user_can_change(actor, participant)):
        raise PermissionDenied
    if not user.is_casework:
        raise ValidationError(_("Ärenden kan bara delas med projektmedarbetare."))
    grant_access(participant, user)
    audit_log(actor=actor, action=Action.CHANGE, obj=participant, detail=f"delad med {user.pk}")


@transaction.atomic
def consent_record(
    *,
    actor: User,
    participant: Participant,
    organisations,
    signed_on: datetime.date,
    valid_until: datetime.date,
    document=None,
    checked_by_caller: bool = False,
    covers_employer_presentation: bool = False,
) -> Consent:
    """Record a new or renewed consent for the participant.
    ``covers_employer_presentation``: the person also agreed to be presented
    to employers (needed before staff present them for a job order).

    ``checked_by_caller``: the calling service has already checked the
    actor's right (the information call records the consent given at
    referral before the responsible staff member takes over)."""
    if not checked_by_caller:
        participant_require_change(actor, participant)
    if not organisations:
        raise ValidationError({"organisations": _("Välj minst en organisation.")})
    today = timezone.localdate()
    if signed_on > today:
        raise ValidationError({"signed_on": _("Datumet kan inte ligga i framtiden.")})
    if valid_until < signed_on:
        raise ValidationError(
            {"valid_until": _("Giltigt till kan inte vara före undertecknandet.")}
        )
    consent = Consent(
        participant=participant,
        signed_on=signed_on,
        valid_until=valid_until,
        recorded_by=actor,
        covers_employer_presentation=covers_employer_presentation,
    )
    if document is not None:
        consent.document = document
    consent.full_clean()
    consent.save()
    consent.organisations.set(organisations)
    # A renewed consent settles any open renewal task.
    Task.objects.filter(
        participant=participant, kind=Task.Kind.RENEW_CONSENT, done_at__isnull=True
    ).update(done_at=timezone.now(), done_by=actor)
    audit_log(actor=actor, action=Action.CREATE, obj=consent)
    return consent


@transaction.atomic
def consent_withdraw(*, actor: User, consent: Consent) -> Consent:
    """The person withdraws a consent: sharing with the organisations it
    covered stops at once."""
    participant_require_change(actor, consent.participant)
    if consent.withdrawn_at is not None:
        raise ValidationError(_("Samtycket är redan återkallat."))
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_by = actor
    consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
    audit_log(actor=actor, action=Action.CHANGE, obj=consent, detail="återkallat")
    return consent


@transaction.atomic
def task_create(
    *,
    assignee: User,
    kind: str,
    participant: Participant | None = None,
    due_on: datetime.date | None = None,
    description: str = "",
) -> Task:
    """Create a task; called by other services (no actor check of its own).
    ``description`` says what to do in a task that is not about a
    participant; it never holds a participant's data."""
    task = Task(
        assignee=assignee,
        kind=kind,
        participant=participant,
        due_on=due_on,
        description=description.strip(),
    )
    task.full_clean()
    task.save()
    return task


@transaction.atomic
def task_complete(*, actor: User, task: Task) -> Task:
    """Mark one of the actor's own tasks as done."""
    if task.assignee_id != actor.pk:
        raise PermissionDenied
    if task.done_at is None:
        task.done_at = timezone.now()
        task.done_by = actor
        task.save(update_fields=["done_at", "done_by"])
        audit_log(actor=actor, action=Action.CHANGE, obj=task, detail="klar")
    return task


def _check_import_actor(actor, participant: Participant) -> None:
    if not (actor.is_authenticated and (actor.is_casework or actor.is_administrator)):
        raise PermissionDenied
    if participant.status != Participant.Status.ACTIVE or participant.end_date is not None:
        raise ValidationError(_("Deltagandet är redan avslutat."))


@transaction.atomic
def participant_import_closure(
    *,
    actor: User,
    participant: Participant,
    end_date: datetime.date,
    closure_reason: str,
    closure_result: str = "",
    audit: bool = True,
) -> Participant:
    """Record a closure that happened before the record came into the app
    (the goal-document workbook import, the demo data): status, end date,
    reason and result only. Project staff and administrators may call it,
    for a participation that is still active. Not the closure workflow: it
    sends no flags, creates no follow-up task and writes no summary (that
    is ``closure.services.participant_close``)."""
    from .models import ClosureResult

    _check_import_actor(actor, participant)
    if closure_reason not in ClosureReason.values:
        raise ValidationError({"closure_reason": _("Ange en avslutsorsak.")})
    if closure_result and (
        closure_reason == ClosureReason.OTHER or closure_result not in ClosureResult.values
    ):
        raise ValidationError(
            {"closure_result": _("Resultat anges bara vid avslut för arbete eller studier.")}
        )
    if end_date < participant.start_date:
        raise ValidationError({"end_date": _("Slutdatumet kan inte vara före startdatumet.")})
    participant.status = Participant.Status.CLOSED
    participant.end_date = end_date
    participant.closure_reason = closure_reason
    participant.closure_result = closure_result
    participant.full_clean()
    participant.save(
        update_fields=["status", "end_date", "closure_reason", "closure_result", "updated_at"]
    )
    if audit:
        audit_log(actor=actor, action=Action.CHANGE, obj=participant, detail="importerat avslut")
    return participant


@transaction.atomic
def participant_import_responsible(
    *, actor: User, participant: Participant, responsible: User, audit: bool = True
) -> Participant:
    """Set the responsible staff member of an imported record even when
    that account is no longer active (historic rows of the workbook; the
    import may create such accounts). Only the import calls it, for a
    participant it has just created."""
    _require_casework(actor)
    if responsible.role not in (Role.STAFF, Role.EMPLOYMENT_OFFICER):
        raise ValidationError({"responsible": _("Ansvarig måste vara en projektmedarbetare.")})
    participant.responsible = responsible
    participant.save(update_fields=["responsible", "updated_at"])
    grant_access(participant, responsible)
    if audit:
        audit_log(actor=actor, action=Action.CHANGE, obj=participant, detail="ansvarig")
    return participant
