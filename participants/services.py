"""Every write to a participant, its consents and tasks.

Each service checks the actor's right, writes in one transaction and logs
one audit event, so views, the admin, imports and commands behave alike.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from rattinsats.audit import Action, audit_log
from rattinsats.bulk import insert_instances, insert_rows
from rattinsats.models import Role, User
from rattinsats.personnummer import InvalidPersonnummer, parse
from rattinsats.uploads import storage_name, validate_consent_document

from .models import (
    ClosureReason,
    ClosureResult,
    Consent,
    ConsentMethod,
    ConsentText,
    Participant,
    Task,
)
from .selectors import consent_text_current, participant_require_change, user_can_change

# The choices' values, once (the enums compute them on every use).
_CLOSURE_REASONS = frozenset(ClosureReason.values)
_CLOSURE_RESULTS = frozenset(ClosureResult.values)

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
    participant.__dict__.pop("_codenames_of", None)  # read again when next asked


def revoke_access(participant: Participant, user: User) -> None:
    for perm in PARTICIPANT_PERMISSIONS:
        remove_perm(perm, user, participant)
    participant.__dict__.pop("_codenames_of", None)


def _participant_new(
    *, personnummer: str, first_name: str, last_name: str, **fields
) -> Participant:
    """An unsaved participation of the person ``personnummer`` (any form
    Skatteverket's numbers take; stored in its canonical form), the names
    trimmed: what :func:`participant_create` saves and
    :func:`participant_import_prepare` checks for the bulk import."""
    try:
        canonical = parse(personnummer).canonical
    except InvalidPersonnummer as exc:
        raise ValidationError({"personnummer": _("Ogiltigt personnummer.")}) from exc
    return Participant(
        personnummer=canonical,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        **fields,
    )


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
    participant = _participant_new(
        personnummer=personnummer,
        first_name=first_name,
        last_name=last_name,
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
def consent_text_publish(
    *, actor: User, title: str, body: str, withdrawal_text: str
) -> ConsentText:
    """Publish the next version of the consent's text. Administrators only.
    A published version is never edited: every change is a new version,
    which new consents are given under from now on."""
    if not (actor.is_authenticated and actor.is_administrator):
        raise PermissionDenied
    title, body, withdrawal_text = title.strip(), body.strip(), withdrawal_text.strip()
    errors = {
        field: _("Fältet måste fyllas i.")
        for field, value in (("title", title), ("body", body), ("withdrawal_text", withdrawal_text))
        if not value
    }
    if errors:
        raise ValidationError(errors)
    latest = ConsentText.objects.select_for_update().order_by("-version").first()
    if latest is not None and (latest.title, latest.body, latest.withdrawal_text) == (
        title,
        body,
        withdrawal_text,
    ):
        raise ValidationError(_("Texten är oförändrad: ingen ny version behövs."))
    text = ConsentText(
        version=(latest.version + 1) if latest else 1,
        title=title,
        body=body,
        withdrawal_text=withdrawal_text,
        published_by=actor,
    )
    text.full_clean()
    try:
        with transaction.atomic():
            text.save()
    except IntegrityError as exc:
        raise ValidationError(_("En annan version publicerades samtidigt. Försök igen.")) from exc
    audit_log(actor=actor, action=Action.CREATE, obj=text, detail=f"version {text.version}")
    return text


def _consent_save(
    *,
    recorded_by: User,
    participant: Participant,
    organisations,
    signed_on: datetime.date,
    valid_until: datetime.date,
    method: str,
    text_version: ConsentText | None,
    document=None,
    covers_employer_presentation: bool = False,
) -> Consent:
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
        recorded_by=recorded_by,
        covers_employer_presentation=covers_employer_presentation,
        method=method,
        text_version=text_version or consent_text_current(),
    )
    upload = document if document and not isinstance(document, str) else None
    if isinstance(document, str):
        consent.document = document  # a form already stored (the referral's)
    consent.full_clean()
    if upload is not None:
        # An upload: checked here too (a caller is not trusted); what is
        # stored is the PDF as uploaded or the image encoded anew, under a
        # name that says nothing about the person.
        checked = validate_consent_document(upload)
        consent.document.save(
            storage_name(checked.extension), ContentFile(checked.content), save=False
        )
    saved = False
    try:
        consent.save()
        consent.organisations.set(organisations)
        # A renewed consent settles any open renewal task.
        Task.objects.filter(
            participant=participant, kind=Task.Kind.RENEW_CONSENT, done_at__isnull=True
        ).update(done_at=timezone.now(), done_by=recorded_by)
        saved = True
    finally:
        # A consent that is not saved leaves no stored form behind.
        if not saved and upload is not None:
            consent.document.delete(save=False)
    return consent


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
    method: str = "",
    text_version: ConsentText | None = None,
) -> Consent:
    """Record a new or renewed consent for the participant, given on paper
    or told to staff (a consent signed with BankID is recorded by
    :func:`consent_record_signed`).
    ``covers_employer_presentation``: the person also agreed to be presented
    to employers (needed before staff present them for a job order).
    ``method``: paper or staff-recorded; by default paper when the signed
    form is uploaded. ``text_version``: the wording it was given under, by
    default the one in use. ``document``: the signed paper form, as an
    upload (checked with ``rattinsats.uploads`` and stored anew on the
    private storage) or the name of one already stored (the referral's).

    ``checked_by_caller``: the calling service has already checked the
    actor's right (the information call records the consent given at
    referral before the responsible staff member takes over)."""
    if not checked_by_caller:
        participant_require_change(actor, participant)
    method = method or (ConsentMethod.PAPER if document else ConsentMethod.STAFF)
    if method not in (ConsentMethod.PAPER, ConsentMethod.STAFF):
        raise ValidationError({"method": _("Ogiltigt sätt.")})
    if document and method != ConsentMethod.PAPER:
        raise ValidationError(
            {"document": _("En blankett laddas bara upp för ett samtycke på pappersblankett.")}
        )
    consent = _consent_save(
        recorded_by=actor,
        participant=participant,
        organisations=organisations,
        signed_on=signed_on,
        valid_until=valid_until,
        method=method,
        text_version=text_version,
        document=document or None,
        covers_employer_presentation=covers_employer_presentation,
    )
    audit_log(
        actor=actor,
        action=Action.CREATE,
        obj=consent,
        detail="pappersblankett uppladdad" if document and not isinstance(document, str) else "",
    )
    return consent


@transaction.atomic
def consent_record_signed(
    *,
    recorded_by: User,
    participant: Participant,
    organisations,
    valid_until: datetime.date,
    text_version: ConsentText,
    covers_employer_presentation: bool = False,
    by_participant: bool = False,
) -> Consent:
    """Record a consent the participant has just signed with BankID, valid
    from today. Called only by the signing app once BankID reported the
    signature complete and its personnummer is the participant's; the
    signing app checked when the signing started that ``recorded_by``
    (who started it, or sent the participant's link) could change the case.
    ``by_participant``: signed through the participant's own link, so the
    audit event has no user."""
    consent = _consent_save(
        recorded_by=recorded_by,
        participant=participant,
        organisations=organisations,
        signed_on=timezone.localdate(),
        valid_until=valid_until,
        method=ConsentMethod.BANKID,
        text_version=text_version,
        covers_employer_presentation=covers_employer_presentation,
    )
    audit_log(
        actor=None if by_participant else recorded_by,
        action=Action.CREATE,
        obj=consent,
        detail="BankID, deltagarens länk" if by_participant else "BankID",
    )
    return consent


@transaction.atomic
def consent_withdraw(*, actor: User, consent: Consent) -> Consent:
    """Staff record that the person withdrew a consent: sharing with the
    organisations it covered stops at once."""
    participant_require_change(actor, consent.participant)
    return _consent_withdrawal_record(
        consent, by=actor, method=ConsentMethod.STAFF, detail="återkallat"
    )


@transaction.atomic
def consent_withdraw_signed(*, consent: Consent, recorded_by: User | None = None) -> Consent:
    """The participant withdrew a consent by signing the withdrawal with
    BankID, through their link or on the screen of ``recorded_by`` (the
    staff member who started the signing, and checked then that they could
    change the case): sharing stops at once. Called only by the signing app
    once the signature is complete and its personnummer is the
    participant's."""
    return _consent_withdrawal_record(
        consent, by=recorded_by, method=ConsentMethod.BANKID, detail="återkallat med BankID"
    )


def _consent_withdrawal_record(
    consent: Consent, *, by: User | None, method: str, detail: str
) -> Consent:
    """Mark ``consent`` withdrawn by ``by`` with ``method``, and log it. The
    row is locked first, so that of two withdrawals at once the second is
    refused. Called inside the callers' transaction."""
    locked = Consent.objects.select_for_update().get(pk=consent.pk)
    if locked.withdrawn_at is not None:
        raise ValidationError(_("Samtycket är redan återkallat."))
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_by = by
    consent.withdrawal_method = method
    consent.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_method"])
    audit_log(actor=by, action=Action.CHANGE, obj=consent, detail=detail)
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


def _closed_before_the_app(
    participant: Participant, end_date: datetime.date, closure_reason: str, closure_result: str
) -> None:
    """Check a closure recorded before the record came into the app and
    set it on ``participant`` (not saved): the rules of
    :func:`participant_import_closure` and :func:`participant_import_prepare`."""
    if closure_reason not in _CLOSURE_REASONS:
        raise ValidationError({"closure_reason": _("Ange en avslutsorsak.")})
    if closure_result and (
        closure_reason == ClosureReason.OTHER or closure_result not in _CLOSURE_RESULTS
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
    _check_import_actor(actor, participant)
    _closed_before_the_app(participant, end_date, closure_reason, closure_result)
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


# --- Bulk import (the goal-document workbook) ----------------------------------

# What full_clean leaves alone in a bulk import: the foreign keys it sets
# from instances it holds (not looked up again row by row) and the fields
# it leaves at their defaults.
_IMPORT_NOT_CLEANED = [
    "responsible",
    "referring_organisation",
    "phone",
    "email",
    "preferred_language",
    "interpreter_needed",
    "created_at",
    "updated_at",
    "anonymised_at",
]


def participant_import_prepare(
    *,
    actor: User,
    personnummer: str,
    first_name: str,
    last_name: str,
    gender: str,
    start_date: datetime.date,
    responsible: User | None = None,
    target_group: str = "",
    sus_consent: bool = False,
    end_date: datetime.date | None = None,
    closure_reason: str = "",
    closure_result: str = "",
) -> Participant:
    """One imported participation, checked with the rules and messages of
    :func:`participant_create`, :func:`participant_import_responsible`
    and :func:`participant_import_closure` in turn, but not saved:
    :func:`participants_import_bulk` saves a batch of them. A responsible
    who is no longer active (historic rows) is kept as the import keeps
    them. The database's constraints (one active participation per
    person) are checked by the database when the batch is saved; the
    workbook import has checked them for the whole workbook first."""
    _require_casework(actor)
    active = responsible if responsible is not None and responsible.is_casework else None
    _check_responsible(active)
    participant = _participant_new(
        personnummer=personnummer,
        first_name=first_name,
        last_name=last_name,
        gender=gender,
        start_date=start_date,
        responsible=active,
        target_group=target_group,
        sus_consent=sus_consent,
    )
    if responsible is not None and active is None:
        if responsible.role not in (Role.STAFF, Role.EMPLOYMENT_OFFICER):
            raise ValidationError({"responsible": _("Ansvarig måste vara en projektmedarbetare.")})
        participant.responsible = responsible
    if end_date:
        _closed_before_the_app(participant, end_date, closure_reason, closure_result)
    # Once, with the closure: every field the two services clean.
    participant.full_clean(
        exclude=_IMPORT_NOT_CLEANED, validate_unique=False, validate_constraints=False
    )
    return participant


def participants_import_bulk(*, actor: User, participants: list[Participant]) -> list[Participant]:
    """Save participants checked by :func:`participant_import_prepare` in
    one batch (``bulk_create``), and give each one's responsible the view
    and change rights, in bulk too: the same rows as
    :func:`participant_create` and :func:`participant_import_responsible`
    write one by one. Project staff only. No audit event here: the import
    writes one *import* event per participant with its goal document
    (``mapping.services.goal_documents_import_bulk``), as the row-by-row
    import did. Call it inside the import's transaction."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import UserObjectPermission

    _require_casework(actor)
    try:
        with transaction.atomic():
            insert_instances(participants)
    except IntegrityError as exc:
        # A concurrent start of the same person won the race.
        raise ValidationError(
            {"personnummer": _("Personen har redan ett pågående deltagande.")}
        ) from exc
    content_type = ContentType.objects.get_for_model(Participant)
    codenames = [perm.split(".")[1] for perm in PARTICIPANT_PERMISSIONS]
    permissions = list(
        Permission.objects.filter(content_type=content_type, codename__in=codenames).values_list(
            "pk", flat=True
        )
    )
    insert_rows(
        UserObjectPermission,
        ["user", "permission", "content_type", "object_pk"],
        (
            (p.responsible_id, permission, content_type.pk, str(p.pk))
            for p in participants
            if p.responsible_id is not None
            for permission in permissions
        ),
    )
    return participants
