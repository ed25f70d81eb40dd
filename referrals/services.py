"""Every write to a referral and the weekly meeting.

Each service checks the actor's right, writes in one transaction, logs one
audit event per changed record and tells the people concerned: a
notification in the app, and an e-mail sent after the transaction commits.
E-mails never carry personal data: they say that something happened and
link to the page that shows it. The in-app notifications to the counsellor
who made a referral name the person (name and personnummer, which the
counsellor entered); their e-mails do not (:func:`counsellor_notify`).
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Mapping
from typing import cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from participants.models import Participant, Task
from participants.periods import add_months
from participants.services import consent_record, participant_create, task_create
from rattinsats.audit import Action, audit_log
from rattinsats.models import Organisation, Role, User
from rattinsats.notifications import notification_send
from rattinsats.personnummer import InvalidPersonnummer, parse
from rattinsats.uploads import storage_name, validate_consent_document

from .eligibility import Answers, eligibility_problems, target_group_for
from .models import Referral, WeeklyMeeting
from .selectors import VIEW_PERMISSION

logger = logging.getLogger(__name__)

# Only a vägledare at JobbCentrum or an arbetsförmedlare at the AF may refer.
REFERRING_ORGANISATIONS = (
    Organisation.Kind.JOBBCENTRUM,
    Organisation.Kind.ARBETSFORMEDLINGEN,
)
# A consent given at referral lasts a year unless renewed.
CONSENT_VALID_MONTHS = 12
# Tasks for the responsible staff member after a "yes" are due within a week.
START_TASKS_DUE_DAYS = 7


def may_refer(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_counsellor
        and user.organisation is not None
        and user.organisation.kind in REFERRING_ORGANISATIONS
    )


def _require_officer(actor) -> None:
    if not (actor.is_authenticated and actor.is_employment_officer):
        raise PermissionDenied


def _require_casework(actor) -> None:
    if not (actor.is_authenticated and actor.is_casework):
        raise PermissionDenied


def employment_officers() -> list[User]:
    return list(User.objects.filter(is_active=True, role=Role.EMPLOYMENT_OFFICER))


def _locked(referral: Referral) -> Referral:
    return Referral.objects.select_for_update().get(pk=referral.pk)


def counsellor_notify(referral: Referral, message: str, mail_message: str) -> None:
    """Tell the counsellor who made ``referral``: ``message`` in the app,
    which may name the person; an e-mail after commit with ``mail_message``,
    which must not."""
    url = reverse("referrals:mine")
    notification_send(
        [referral.referred_by],
        message,
        url,
        mail_subject=_("Rätt insats: %(message)s") % {"message": mail_message},
        mail_body=_("%(message)s\n\nLogga in i Rätt insats för att se mer:\n%(link)s\n")
        % {"message": mail_message, "link": settings.SITE_URL.rstrip("/") + url},
    )


@transaction.atomic
def referral_submit(
    *,
    actor: User,
    submission_key: uuid.UUID,
    personnummer: str,
    first_name: str,
    last_name: str,
    gender: str,
    needs_deeper_support: bool,
    other_af_intervention: bool,
    registered_jobseeker: bool,
    social_assistance: bool,
    jobseeker_category_14: bool,
    sick_leave_ending: bool,
    consent_signed_on: datetime.date,
    consent_organisations,
    reason: str,
    phone: str = "",
    email: str = "",
    preferred_language: str = "",
    interpreter_needed: bool = False,
    consent_document=None,
    referred_on: datetime.date | None = None,
    consent_covers_employer_presentation: bool = False,
) -> Referral:
    """A counsellor (vägledare at JobbCentrum or arbetsförmedlare at the AF)
    refers a person. Refused with the unmet criterion named when the person
    is not eligible, and when they already have an open referral or an
    active participation. Submitting the same form twice (same
    ``submission_key``) returns the first referral."""
    if not may_refer(actor):
        raise PermissionDenied
    existing = Referral.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        if existing.referred_by_id != actor.pk:
            raise PermissionDenied
        return existing

    referred_on = referred_on or timezone.localdate()
    try:
        number = parse(personnummer, today=referred_on)
    except InvalidPersonnummer as exc:
        raise ValidationError({"personnummer": _("Ogiltigt personnummer.")}) from exc
    answers = Answers(
        needs_deeper_support=needs_deeper_support,
        other_af_intervention=other_af_intervention,
        registered_jobseeker=registered_jobseeker,
        social_assistance=social_assistance,
        jobseeker_category_14=jobseeker_category_14,
        sick_leave_ending=sick_leave_ending,
    )
    errors = eligibility_problems(answers, birth_date=number.birth_date, referred_on=referred_on)
    if consent_signed_on > referred_on:
        errors["consent_signed_on"] = _("Datumet kan inte ligga i framtiden.")
    if not consent_organisations:
        errors["consent_organisations"] = _("Välj minst en organisation.")
    if not reason.strip():
        errors["reason"] = _("Beskriv anledningen till anvisningen.")
    if errors:
        raise ValidationError(errors)
    try:
        _refuse_double_referral(number.canonical)
    except ValidationError:
        again = Referral.objects.filter(submission_key=submission_key, referred_by=actor).first()
        if again is not None:
            return again  # the other click was saved since the check above
        raise

    # Never None here: eligibility_problems refused a referral without a route.
    target_group = cast(str, target_group_for(answers))
    referral = Referral(
        submission_key=submission_key,
        referred_by=actor,
        referring_organisation=actor.organisation,
        referred_on=referred_on,
        personnummer=number.canonical,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        gender=gender,
        phone=phone.strip(),
        email=email.strip(),
        preferred_language=preferred_language.strip(),
        interpreter_needed=interpreter_needed,
        reason=reason.strip(),
        consent_signed_on=consent_signed_on,
        consent_covers_employer_presentation=consent_covers_employer_presentation,
        target_group=target_group,
        **{name: getattr(answers, name) for name in Answers.__dataclass_fields__},
    )
    if consent_document:
        # What is stored: the PDF as uploaded, or the image encoded anew.
        checked = validate_consent_document(consent_document)
        referral.consent_document_type = checked.media_type
    referral.full_clean(exclude=["consent_document", "submission_key"], validate_unique=False)
    saved = False
    try:
        try:
            with transaction.atomic():
                if consent_document:
                    referral.consent_document.save(
                        storage_name(checked.extension), ContentFile(checked.content), save=False
                    )
                referral.save()
        except IntegrityError as exc:
            again = Referral.objects.filter(submission_key=submission_key).first()
            if again is not None and again.referred_by_id == actor.pk:
                return again  # the other click won the race
            raise ValidationError(
                {"personnummer": _("Personen har redan en pågående anvisning.")}
            ) from exc
        referral.consent_organisations.set(consent_organisations)
        audit_log(actor=actor, action=Action.CREATE, obj=referral)
        notification_send(
            employment_officers(),
            _("En ny anvisning har kommit in."),
            reverse("referrals:detail", args=[referral.pk]),
        )
        saved = True
    finally:
        # Whatever stopped this referral (the other click won, a duplicate,
        # an error), its record rolls back: the stored form must go with it.
        if not saved and referral.consent_document:
            referral.consent_document.delete(save=False)
    return referral


def _refuse_double_referral(canonical: str) -> None:
    if Referral.objects.filter(personnummer=canonical, status__in=Referral.OPEN_STATUSES).exists():
        raise ValidationError(
            {
                "personnummer": _(
                    "Personen har redan en pågående anvisning till Rätt insats och kan inte "
                    "anvisas igen förrän den är avslutad."
                )
            }
        )
    if Participant.objects.filter(
        personnummer=canonical, status=Participant.Status.ACTIVE
    ).exists():
        raise ValidationError(
            {"personnummer": _("Personen deltar redan i Rätt insats och kan inte anvisas igen.")}
        )


@transaction.atomic
def referral_check(
    *, actor: User, referral: Referral, has_other_intervention: bool, note: str
) -> Referral:
    """The employment officer records the check for other interventions.
    With another intervention the referral is returned to the counsellor,
    the note being the reason they see; otherwise it is ready for the weekly
    meeting."""
    _require_officer(actor)
    if not note.strip():
        raise ValidationError({"note": _("Skriv en anteckning om kontrollen.")})
    locked = _locked(referral)
    if locked.status != Referral.Status.RECEIVED:
        raise ValidationError(_("Anvisningen är redan kontrollerad."))
    now = timezone.now()
    locked.checked_at = now
    locked.checked_by = actor
    locked.has_other_intervention = has_other_intervention
    locked.check_note = note.strip()
    fields = ["checked_at", "checked_by", "has_other_intervention", "check_note", "status"]
    if has_other_intervention:
        locked.status = Referral.Status.RETURNED
        locked.returned_at = now
        locked.return_reason = note.strip()
        fields += ["returned_at", "return_reason"]
    else:
        locked.status = Referral.Status.READY
    locked.save(update_fields=[*fields, "updated_at"])
    audit_log(
        actor=actor,
        action=Action.CHANGE,
        obj=locked,
        detail="returnerad" if has_other_intervention else "kontrollerad",
    )
    if has_other_intervention:
        counsellor_notify(
            locked,
            _("Anvisningen av %(person)s har returnerats.") % {"person": locked.person_named},
            _("En av dina anvisningar har returnerats."),
        )
    return locked


def meeting_ensure(*, week_start: datetime.date) -> WeeklyMeeting:
    """The meeting of the week starting on ``week_start`` (a Monday),
    created on first use. Called inside the services below."""
    meeting = WeeklyMeeting(week_start=week_start)
    meeting.clean()
    meeting, _created = WeeklyMeeting.objects.get_or_create(week_start=week_start)
    return meeting


@transaction.atomic
def meeting_notes_save(
    *,
    actor: User,
    week_start: datetime.date,
    version: int,
    supervision_notes: str,
    employer_notes: str,
    development_notes: str,
) -> WeeklyMeeting:
    """Any project staff member keeps the meeting's notes. ``version`` is the
    one the form was shown with: a change someone saved in between is not
    overwritten."""
    _require_casework(actor)
    meeting = meeting_ensure(week_start=week_start)
    updated = WeeklyMeeting.objects.filter(pk=meeting.pk, version=version).update(
        supervision_notes=supervision_notes.strip(),
        employer_notes=employer_notes.strip(),
        development_notes=development_notes.strip(),
        version=version + 1,
        updated_by=actor,
        updated_at=timezone.now(),
    )
    if not updated:
        raise ValidationError(
            _(
                "Någon annan har sparat anteckningarna under tiden. Läs in sidan igen och "
                "gör din ändring på nytt."
            )
        )
    meeting.refresh_from_db()
    audit_log(actor=actor, action=Action.CHANGE, obj=meeting, detail="anteckningar")
    return meeting


@transaction.atomic
def meeting_allocate(
    *, actor: User, week_start: datetime.date, assignments: Mapping[int, User]
) -> list[Referral]:
    """Confirm the weekly meeting's allocation: each referral (by id) gets
    its responsible staff member, who may then see it. All or nothing: a
    referral no longer waiting for allocation, or a responsible who is not
    an active staff member, refuses the whole confirmation."""
    _require_casework(actor)
    if not assignments:
        raise ValidationError(_("Det finns inga anvisningar att fördela."))
    for user in assignments.values():
        if not (user.is_active and user.role in (Role.STAFF, Role.EMPLOYMENT_OFFICER)):
            raise ValidationError(_("Ansvarig måste vara en aktiv projektmedarbetare."))
    meeting = meeting_ensure(week_start=week_start)
    referrals = list(
        Referral.objects.select_for_update()
        .filter(pk__in=list(assignments))
        .select_related("referred_by")
        .order_by("pk")
    )
    if len(referrals) != len(assignments) or any(
        r.status != Referral.Status.READY for r in referrals
    ):
        raise ValidationError(
            _(
                "En eller flera anvisningar har redan fördelats eller ändrats. "
                "Läs in sidan igen och bekräfta på nytt."
            )
        )
    now = timezone.now()
    for referral in referrals:
        referral.responsible = assignments[referral.pk]
        referral.meeting = meeting
        referral.allocated_at = now
        referral.status = Referral.Status.ALLOCATED
        referral.save(
            update_fields=["responsible", "meeting", "allocated_at", "status", "updated_at"]
        )
        assign_perm(VIEW_PERMISSION, referral.responsible, referral)
        audit_log(actor=actor, action=Action.CHANGE, obj=referral, detail="fördelad")
    for referral in referrals:
        notification_send(
            [referral.responsible],
            _("En anvisning har fördelats till dig på veckomötet."),
            reverse("referrals:detail", args=[referral.pk]),
        )
        counsellor_notify(
            referral,
            _("Anvisningen av %(person)s har fördelats till en ansvarig i Rätt insats.")
            % {"person": referral.person_named},
            _("En av dina anvisningar har fördelats till en ansvarig i Rätt insats."),
        )
    notification_send(
        employment_officers(),
        _("Veckomötet har fördelat anvisningar: informationssamtal att göra."),
        reverse("referrals:inbox"),
    )
    return referrals


@transaction.atomic
def referral_information_call(
    *,
    actor: User,
    referral: Referral,
    identity_verified: bool,
    informed_about_reporting: bool,
    wants_to_participate: bool,
    start_date: datetime.date | None = None,
) -> Referral:
    """The employment officer records the information call.

    *No*: the referral closes as declined and the counsellor is told.
    *Yes*: the person becomes a participant from ``start_date``, handed to
    the responsible staff member with the consent given at referral; the
    responsible gets the tasks "flag the start" and "book the mapping
    meeting"; the counsellor is told.
    """
    _require_officer(actor)
    errors = {}
    if not identity_verified:
        errors["identity_verified"] = _("Kontrollera personens identitet innan du registrerar.")
    if wants_to_participate and not informed_about_reporting:
        errors["informed_about_reporting"] = _(
            "Personen ska informeras om fortsatt aktivitetsrapportering."
        )
    if wants_to_participate and start_date is None:
        errors["start_date"] = _("Ange startdatum.")
    if errors:
        raise ValidationError(errors)
    locked = _locked(referral)
    if locked.status in (Referral.Status.ACCEPTED, Referral.Status.DECLINED):
        raise ValidationError(_("Informationssamtalet är redan registrerat."))
    if locked.status != Referral.Status.ALLOCATED or locked.responsible is None:
        raise ValidationError(
            _("Anvisningen har ingen ansvarig än: den fördelas först på veckomötet.")
        )
    now = timezone.now()
    locked.call_at = now
    locked.call_by = actor
    locked.identity_verified = identity_verified
    locked.informed_about_reporting = informed_about_reporting
    locked.decided_at = now
    fields = [
        "call_at",
        "call_by",
        "identity_verified",
        "informed_about_reporting",
        "decided_at",
        "status",
    ]
    if not wants_to_participate:
        locked.status = Referral.Status.DECLINED
        locked.save(update_fields=[*fields, "updated_at"])
        audit_log(actor=actor, action=Action.CHANGE, obj=locked, detail="tackade nej")
        counsellor_notify(
            locked,
            _("Anvisningen av %(person)s är avslutad: personen tackade nej.")
            % {"person": locked.person_named},
            _("En av dina anvisningar är avslutad: personen tackade nej."),
        )
        return locked

    start_date = cast(datetime.date, start_date)  # required above when the person takes part
    participant = participant_create(
        actor=actor,
        personnummer=locked.personnummer,
        first_name=locked.first_name,
        last_name=locked.last_name,
        gender=locked.gender,
        start_date=start_date,
        responsible=locked.responsible,
        phone=locked.phone,
        email=locked.email,
        preferred_language=locked.preferred_language,
        interpreter_needed=locked.interpreter_needed,
        target_group=locked.target_group,
        referring_organisation=locked.referring_organisation,
    )
    consent_record(
        actor=actor,
        participant=participant,
        organisations=list(locked.consent_organisations.all()),
        signed_on=locked.consent_signed_on,
        valid_until=add_months(locked.consent_signed_on, CONSENT_VALID_MONTHS)
        - datetime.timedelta(days=1),
        document=locked.consent_document.name or None,
        checked_by_caller=True,
        covers_employer_presentation=locked.consent_covers_employer_presentation,
    )
    due = start_date + datetime.timedelta(days=START_TASKS_DUE_DAYS)
    for kind in (Task.Kind.FLAG_START, Task.Kind.BOOK_MAPPING):
        task_create(assignee=locked.responsible, kind=kind, participant=participant, due_on=due)
    locked.status = Referral.Status.ACCEPTED
    locked.participant = participant
    locked.save(update_fields=[*fields, "participant", "updated_at"])
    audit_log(actor=actor, action=Action.CHANGE, obj=locked, detail="antagen")
    notification_send(
        [locked.responsible],
        _("Du har fått en ny deltagare."),
        reverse("participants:detail", args=[participant.pk]),
    )
    counsellor_notify(
        locked,
        _("%(person)s är antagen och är nu deltagare i Rätt insats.")
        % {"person": locked.person_named},
        _("En av dina anvisningar är antagen: personen är nu deltagare i Rätt insats."),
    )
    return locked
