"""Every write of employer collaboration: employers and their contact
people, the contact log, job orders, merging duplicates, and placements
with their follow-up meetings.

Each service checks the actor's right, writes in one transaction and logs
one audit event, so the pages, the workbook import and the demo data
behave alike. Employers are shared by the whole project team: any active
project staff member may change them. A placement belongs to a
participant's case, so only those who may change that case may write it
(``participant_require_change``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.models import Intervention, InterventionActivity, InterventionTrack
from casework.services import intervention_create, intervention_update
from mapping.models import StepwiseMove
from participants.models import Participant, Task
from participants.selectors import participant_require_change
from participants.services import task_create
from rattinsats.audit import Action, audit_log
from rattinsats.models import User

from .models import (
    ContactPerson,
    Employer,
    EmployerContact,
    JobOrder,
    Placement,
    PlacementFollowUp,
    SupportForm,
)
from .numbers import organisation_number_parse, postal_code_normalise, sni_normalise, ssyk_check


class StaleEdit(ValidationError):
    """Someone else saved the record after the form was opened."""


def _require_team(actor) -> None:
    """Employers are the project team's: active staff and the employment
    officer."""
    if not (actor is not None and actor.is_authenticated and actor.is_casework):
        raise PermissionDenied


def _check_staff(user: User | None, field: str) -> None:
    if user is not None and not user.is_casework:
        raise ValidationError({field: _("Välj en aktiv projektmedarbetare.")})


def employer_require_live(employer: Employer, field: str | None = None) -> None:
    """Refuse a write to an employer merged into another or anonymised:
    its row is history only."""
    message = None
    if employer.merged_into_id is not None:
        message = _(
            "Arbetsgivaren är sammanslagen med en annan arbetsgivare. Gör ändringen hos "
            "den arbetsgivare den slogs samman med."
        )
    elif employer.anonymised_at is not None:
        message = _("Arbetsgivaren är anonymiserad och kan inte ändras.")
    if message:
        raise ValidationError({field: message} if field else message)


# --- Employers ---------------------------------------------------------------


def _employer_values(
    *,
    organisation_number: str,
    name: str,
    street_address: str,
    postal_code: str,
    city: str,
    industry: str,
    sni_code: str,
    notes: str,
) -> dict[str, Any]:
    """The stored values, or a ValidationError naming every field that is wrong."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "name": (name or "").strip(),
        "street_address": (street_address or "").strip(),
        "city": (city or "").strip(),
        "industry": (industry or "").strip(),
        "notes": (notes or "").strip(),
    }
    try:
        number = organisation_number_parse(organisation_number)
    except ValueError as exc:
        errors["organisation_number"] = str(exc)
    else:
        values["organisation_number"] = number.number
        values["is_sole_trader"] = number.is_sole_trader
    if not values["name"]:
        errors["name"] = _("Ange arbetsgivarens namn.")
    try:
        values["sni_code"] = sni_normalise(sni_code)
    except ValueError as exc:
        errors["sni_code"] = str(exc)
    try:
        values["postal_code"] = postal_code_normalise(postal_code)
    except ValueError as exc:
        errors["postal_code"] = str(exc)
    if errors:
        raise ValidationError(errors)
    return values


def _check_number_free(number: str, *, exclude_pk: int | None = None) -> None:
    others = Employer.objects.filter(
        organisation_number=number, merged_into__isnull=True, anonymised_at__isnull=True
    )
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    other = others.first()
    if other is not None:
        raise ValidationError(
            {
                "organisation_number": _(
                    "Det finns redan en arbetsgivare med det organisationsnumret (%(name)s)."
                )
                % {"name": other.name}
            }
        )


def _save_unique(employer: Employer, **kwargs) -> None:
    try:
        with transaction.atomic():
            employer.save(**kwargs)
    except IntegrityError as exc:
        # A concurrent save of the same number won.
        raise ValidationError(
            {
                "organisation_number": _(
                    "Det finns redan en arbetsgivare med det organisationsnumret."
                )
            }
        ) from exc


@transaction.atomic
def employer_create(
    *,
    actor: User,
    organisation_number: str,
    name: str,
    street_address: str = "",
    postal_code: str = "",
    city: str = "",
    industry: str = "",
    sni_code: str = "",
    notes: str = "",
    responsible: User | None = None,
    imported: bool = False,
) -> Employer:
    """Register an employer (project team). The organisation number is
    stored as NNNNNN-NNNN; a personnummer marks a sole trader, whose record
    is personal data. ``imported``: written by the workbook import (an
    *import* event instead of *create*)."""
    _require_team(actor)
    _check_staff(responsible, "responsible")
    values = _employer_values(
        organisation_number=organisation_number,
        name=name,
        street_address=street_address,
        postal_code=postal_code,
        city=city,
        industry=industry,
        sni_code=sni_code,
        notes=notes,
    )
    _check_number_free(values["organisation_number"])
    employer = Employer(**values, responsible=responsible, created_by=actor)
    employer.full_clean(validate_constraints=False)
    _save_unique(employer)
    audit_log(actor=actor, action=Action.IMPORT if imported else Action.CREATE, obj=employer)
    return employer


@transaction.atomic
def employer_update(
    *,
    actor: User,
    employer: Employer,
    version: int,
    organisation_number: str,
    name: str,
    street_address: str,
    postal_code: str,
    city: str,
    industry: str,
    sni_code: str,
    notes: str,
    responsible: User | None,
) -> Employer:
    """Change an employer's details (project team). ``version`` is the one
    the form was opened with: a save on top of someone else's change is
    refused and changes nothing."""
    _require_team(actor)
    _check_staff(responsible, "responsible")
    values = _employer_values(
        organisation_number=organisation_number,
        name=name,
        street_address=street_address,
        postal_code=postal_code,
        city=city,
        industry=industry,
        sni_code=sni_code,
        notes=notes,
    )
    locked = Employer.objects.select_for_update().get(pk=employer.pk)
    employer_require_live(locked)
    if locked.version != version:
        raise StaleEdit(
            _(
                "Arbetsgivaren har ändrats av någon annan sedan du öppnade sidan. "
                "Läs in sidan igen och gör din ändring på nytt."
            )
        )
    _check_number_free(values["organisation_number"], exclude_pk=locked.pk)
    for name_, value in values.items():
        setattr(locked, name_, value)
    locked.responsible = responsible
    locked.updated_at = timezone.now()
    locked.version = version + 1
    locked.full_clean(validate_constraints=False)
    _save_unique(locked, update_fields=[*values, "responsible", "updated_at", "version"])
    audit_log(actor=actor, action=Action.CHANGE, obj=locked)
    return locked


@transaction.atomic
def employer_merge(*, actor: User, duplicate: Employer, keep: Employer) -> Employer:
    """Merge a duplicate into the employer to keep (project team): its
    contact people, contact log, job orders and placements move to the one
    kept; the duplicate keeps its row, pointing at the one kept
    (``merged_into``, ``merged_at``), and leaves the lists and the search.
    Both rows are locked (in id order, so two merges cannot deadlock)."""
    _require_team(actor)
    if duplicate.pk == keep.pk:
        raise ValidationError({"keep": _("Välj en annan arbetsgivare än dubbletten.")})
    rows = {
        e.pk: e
        for e in Employer.objects.select_for_update()
        .filter(pk__in=[duplicate.pk, keep.pk])
        .order_by("pk")
    }
    locked, kept = rows[duplicate.pk], rows[keep.pk]
    employer_require_live(locked)
    employer_require_live(kept, "keep")
    ContactPerson.objects.filter(employer=locked).update(employer=kept)
    EmployerContact.objects.filter(employer=locked).update(employer=kept)
    JobOrder.objects.filter(employer=locked).update(employer=kept)
    Placement.objects.filter(employer=locked).update(employer=kept)
    # Duplicates merged into this one before now point at the one kept.
    Employer.objects.filter(merged_into=locked).update(merged_into=kept)
    now = timezone.now()
    locked.merged_into = kept
    locked.merged_at = now
    locked.updated_at = now
    locked.version += 1
    locked.save(update_fields=["merged_into", "merged_at", "updated_at", "version"])
    audit_log(
        actor=actor,
        action=Action.CHANGE,
        obj=locked,
        detail=f"sammanslagen med arbetsgivare {kept.pk}",
    )
    duplicate.merged_into, duplicate.merged_at = kept, now
    return locked


# --- Contact people ----------------------------------------------------------


def _person_values(*, name: str, role: str, phone: str, email: str) -> dict[str, str]:
    values = {
        "name": (name or "").strip(),
        "role": (role or "").strip(),
        "phone": (phone or "").strip(),
        "email": (email or "").strip(),
    }
    if not values["name"]:
        raise ValidationError({"name": _("Ange kontaktpersonens namn.")})
    return values


@transaction.atomic
def contact_person_create(
    *, actor: User, employer: Employer, name: str, role: str = "", phone: str = "", email: str = ""
) -> ContactPerson:
    """Add a contact person at the employer (project team)."""
    _require_team(actor)
    employer_require_live(employer)
    person = ContactPerson(
        employer=employer, **_person_values(name=name, role=role, phone=phone, email=email)
    )
    person.full_clean()
    person.save()
    audit_log(actor=actor, action=Action.CREATE, obj=person, detail=f"arbetsgivare {employer.pk}")
    return person


@transaction.atomic
def contact_person_update(
    *,
    actor: User,
    person: ContactPerson,
    name: str,
    role: str,
    phone: str,
    email: str,
    active: bool,
) -> ContactPerson:
    """Change a contact person, or mark them as no longer there
    (``active``); contact people are never deleted, the log names them."""
    _require_team(actor)
    locked = ContactPerson.objects.select_for_update().select_related("employer").get(pk=person.pk)
    employer_require_live(locked.employer)
    for field, value in _person_values(name=name, role=role, phone=phone, email=email).items():
        setattr(locked, field, value)
    locked.active = active
    locked.full_clean()
    locked.save(update_fields=["name", "role", "phone", "email", "active"])
    audit_log(actor=actor, action=Action.CHANGE, obj=locked)
    return locked


# --- The contact log ---------------------------------------------------------


@transaction.atomic
def employer_contact_record(
    *,
    actor: User,
    employer: Employer,
    kind: str,
    date: datetime.date,
    staff: User,
    contact_person: ContactPerson | None = None,
    outcome: str = "",
    next_step: str = "",
    next_step_due: datetime.date | None = None,
) -> EmployerContact:
    """Record a call, visit or e-mail with the employer (project team). A
    next step with a date becomes a task on *Att göra* for the staff
    member who made the contact; its text is the next step, which is about
    the employer and never holds a participant's data."""
    _require_team(actor)
    employer_require_live(employer)
    _check_staff(staff, "staff")
    errors: dict[str, str] = {}
    if kind not in EmployerContact.Kind.values:
        errors["kind"] = _("Välj samtal, besök eller e-post.")
    if date > timezone.localdate():
        errors["date"] = _("Datumet kan inte ligga i framtiden.")
    if contact_person is not None and contact_person.employer_id != employer.pk:
        errors["contact_person"] = _("Välj en kontaktperson hos arbetsgivaren.")
    next_step = (next_step or "").strip()
    if next_step_due is not None:
        if not next_step:
            errors["next_step"] = _("Beskriv nästa steg.")
        elif next_step_due < date:
            errors["next_step_due"] = _("Nästa steg kan inte ligga före kontakten.")
    if errors:
        raise ValidationError(errors)
    contact = EmployerContact(
        employer=employer,
        kind=kind,
        date=date,
        staff=staff,
        contact_person=contact_person,
        outcome=(outcome or "").strip(),
        next_step=next_step,
        next_step_due=next_step_due,
    )
    contact.full_clean()
    if next_step and next_step_due is not None:
        contact.task = task_create(
            assignee=staff,
            kind=Task.Kind.EMPLOYER_NEXT_STEP,
            due_on=next_step_due,
            description=next_step,
        )
    contact.save()
    audit_log(
        actor=actor,
        action=Action.CREATE,
        obj=contact,
        detail=f"arbetsgivare {employer.pk}"
        + (f", uppgift {contact.task.pk}" if contact.task else ""),
    )
    return contact


# --- Job orders --------------------------------------------------------------


def _job_order_values(
    *,
    occupation: str,
    ssyk_code: str,
    positions: int,
    requirements: str,
    extent: str,
    start_date: datetime.date | None,
    support_form: str,
    apply_by: datetime.date | None,
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "occupation": (occupation or "").strip(),
        "requirements": (requirements or "").strip(),
        "extent": (extent or "").strip(),
        "positions": positions,
        "start_date": start_date,
        "support_form": support_form or "",
        "apply_by": apply_by,
    }
    if not values["occupation"]:
        errors["occupation"] = _("Ange yrke.")
    try:
        values["ssyk_code"] = ssyk_check(ssyk_code)
    except ValueError as exc:
        errors["ssyk_code"] = str(exc)
    if positions is None or positions < 1:
        errors["positions"] = _("Ange minst en plats.")
    if values["support_form"] not in SupportForm.values:
        errors["support_form"] = _("Välj en stödform i listan.")
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def job_order_create(
    *,
    actor: User,
    employer: Employer,
    occupation: str,
    ssyk_code: str = "",
    positions: int = 1,
    requirements: str = "",
    extent: str = "",
    start_date: datetime.date | None = None,
    support_form: str = "",
    apply_by: datetime.date | None = None,
) -> JobOrder:
    """Register a job order from the employer (project team); it is open."""
    _require_team(actor)
    employer_require_live(employer)
    order = JobOrder(
        employer=employer,
        created_by=actor,
        **_job_order_values(
            occupation=occupation,
            ssyk_code=ssyk_code,
            positions=positions,
            requirements=requirements,
            extent=extent,
            start_date=start_date,
            support_form=support_form,
            apply_by=apply_by,
        ),
    )
    order.full_clean()
    order.save()
    audit_log(actor=actor, action=Action.CREATE, obj=order, detail=f"arbetsgivare {employer.pk}")
    return order


JOB_ORDER_FIELDS = [
    "occupation",
    "ssyk_code",
    "positions",
    "requirements",
    "extent",
    "start_date",
    "support_form",
    "apply_by",
]


@transaction.atomic
def job_order_update(
    *,
    actor: User,
    job_order: JobOrder,
    version: int,
    occupation: str,
    ssyk_code: str,
    positions: int,
    requirements: str,
    extent: str,
    start_date: datetime.date | None,
    support_form: str,
    status: str,
    apply_by: datetime.date | None,
) -> JobOrder:
    """Change a job order, or its status (open, filled, withdrawn). A save
    based on an older ``version`` than the stored one is refused."""
    _require_team(actor)
    values = _job_order_values(
        occupation=occupation,
        ssyk_code=ssyk_code,
        positions=positions,
        requirements=requirements,
        extent=extent,
        start_date=start_date,
        support_form=support_form,
        apply_by=apply_by,
    )
    if status not in JobOrder.Status.values:
        raise ValidationError({"status": _("Välj en status i listan.")})
    locked = JobOrder.objects.select_for_update().select_related("employer").get(pk=job_order.pk)
    employer_require_live(locked.employer)
    if locked.version != version:
        raise StaleEdit(
            _(
                "Jobbordern har ändrats av någon annan sedan du öppnade den. "
                "Läs in sidan igen och gör din ändring på nytt."
            )
        )
    previous_status = locked.status
    for field, value in values.items():
        setattr(locked, field, value)
    locked.status = status
    locked.updated_at = timezone.now()
    locked.version = version + 1
    locked.full_clean()
    locked.save(update_fields=[*JOB_ORDER_FIELDS, "status", "updated_at", "version"])
    detail = f"status {status}" if status != previous_status else ""
    audit_log(actor=actor, action=Action.CHANGE, obj=locked, detail=detail)
    return locked


# --- Placements --------------------------------------------------------------

# The catalogue activity (casework's data migration) a new placement's
# intervention gets when staff do not choose another.
DEFAULT_ACTIVITY: dict[str, tuple[str, str]] = {
    Placement.Kind.INTERNSHIP: (InterventionTrack.WORK, "Ordna praktik"),
    Placement.Kind.WORK_TRIAL: (InterventionTrack.CAPACITY, "Arbetsprövning"),
    Placement.Kind.EMPLOYMENT: (InterventionTrack.WORK, "Stöd vid start"),
}
# The kinds that are a stepwise move (*praktik/arbetsprövning*).
MOVE_KINDS = (Placement.Kind.INTERNSHIP, Placement.Kind.WORK_TRIAL)


def placement_default_activity(kind: str) -> InterventionActivity | None:
    track_name = DEFAULT_ACTIVITY.get(kind)
    if track_name is None:
        return None
    track, name = track_name
    return InterventionActivity.objects.filter(track=track, name=name, active=True).first()


def placement_move_for(
    participant: Participant, kind: str, start_date: datetime.date
) -> StepwiseMove | None:
    """The stepwise move recorded for the period the placement starts in,
    for an internship or work trial: the placement is linked to it, never
    made a second move, so the results count it once."""
    if kind not in MOVE_KINDS:
        return None
    return (
        StepwiseMove.objects.filter(
            participant=participant, period_start__lte=start_date, period_end__gte=start_date
        )
        .order_by("period")
        .first()
    )


def _placement_check(
    *,
    participant: Participant,
    employer: Employer,
    kind: str,
    start_date: datetime.date,
    end_date: datetime.date | None,
    support_form: str,
    supervisor: ContactPerson | None,
    job_order: JobOrder | None = None,
) -> None:
    errors: dict[str, str] = {}
    if kind not in Placement.Kind.values:
        errors["kind"] = _("Välj praktik, arbetsprövning eller anställning.")
    if support_form and kind != Placement.Kind.EMPLOYMENT:
        errors["support_form"] = _("Stödform anges bara för en anställning.")
    if support_form not in SupportForm.values:
        errors["support_form"] = _("Välj en stödform i listan.")
    if start_date < participant.start_date:
        errors["start_date"] = _("Placeringen kan inte börja före deltagandet.")
    elif participant.end_date is not None and start_date > participant.end_date:
        errors["start_date"] = _("Placeringen kan inte börja efter att deltagandet avslutats.")
    if end_date is not None and end_date < start_date:
        errors["end_date"] = _("Slutdatum kan inte vara före startdatum.")
    if supervisor is not None and supervisor.employer_id != employer.pk:
        errors["supervisor"] = _("Välj en handledare bland arbetsgivarens kontaktpersoner.")
    if job_order is not None and job_order.employer_id != employer.pk:
        errors["job_order"] = _("Välj en jobborder från arbetsgivaren.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def placement_create(
    *,
    actor: User,
    participant: Participant,
    employer: Employer,
    kind: str,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    job_order: JobOrder | None = None,
    support_form: str = "",
    supervisor: ContactPerson | None = None,
    intervention: Intervention | None = None,
    activity: InterventionActivity | None = None,
    notes: str = "",
) -> Placement:
    """Place the participant at the employer (staff who may change the
    case). The placement belongs to an intervention of the participant's:
    the one given, or a new one of ``activity`` (by default the catalogue's
    activity for the kind) created through casework's service. An
    internship or work trial is linked to the stepwise move recorded for
    the period it starts in, if there is one; no move is ever created."""
    participant_require_change(actor, participant)
    employer_require_live(employer, "employer")
    support_form = support_form or ""
    _placement_check(
        participant=participant,
        employer=employer,
        kind=kind,
        start_date=start_date,
        end_date=end_date,
        support_form=support_form,
        supervisor=supervisor,
        job_order=job_order,
    )
    if intervention is not None:
        if intervention.participant_id != participant.pk:
            raise ValidationError({"intervention": _("Välj en av deltagarens insatser.")})
    else:
        activity = activity or placement_default_activity(kind)
        if activity is None:
            raise ValidationError(
                {"activity": _("Välj vilken aktivitet i insatskatalogen placeringen hör till.")}
            )
        intervention = intervention_create(
            actor=actor,
            participant=participant,
            activity=activity,
            start_date=start_date,
            end_date=end_date,
        )
    placement = Placement(
        participant=participant,
        employer=employer,
        job_order=job_order,
        kind=kind,
        support_form=support_form,
        start_date=start_date,
        end_date=end_date,
        supervisor=supervisor,
        intervention=intervention,
        move=placement_move_for(participant, kind, start_date),
        notes=(notes or "").strip(),
        created_by=actor,
    )
    placement.full_clean()
    placement.save()
    detail = f"arbetsgivare {employer.pk}, insats {intervention.pk}"
    if placement.move_id:
        detail += f", förflyttning {placement.move_id}"
    audit_log(actor=actor, action=Action.CREATE, obj=placement, detail=detail)
    return placement


PLACEMENT_FIELDS = ["start_date", "end_date", "support_form", "supervisor", "notes", "move"]


@transaction.atomic
def placement_update(
    *,
    actor: User,
    placement: Placement,
    version: int,
    start_date: datetime.date,
    end_date: datetime.date | None,
    support_form: str,
    supervisor: ContactPerson | None,
    notes: str,
) -> Placement:
    """Change a placement's dates, supervisor, support form or notes,
    typically to end it. The intervention made for it follows its dates
    (when they were the placement's); a save on top of someone else's
    change is refused."""
    participant_require_change(actor, placement.participant)
    locked = (
        Placement.objects.select_for_update(of=("self",))
        .select_related("participant", "employer", "intervention")
        .get(pk=placement.pk)
    )
    if locked.version != version:
        raise StaleEdit(
            _(
                "Placeringen har ändrats av någon annan sedan du öppnade den. "
                "Läs in sidan igen och gör din ändring på nytt."
            )
        )
    support_form = support_form or ""
    _placement_check(
        participant=locked.participant,
        employer=locked.employer,
        kind=locked.kind,
        start_date=start_date,
        end_date=end_date,
        support_form=support_form,
        supervisor=supervisor,
    )
    intervention = locked.intervention
    if (
        intervention is not None
        and (intervention.start_date, intervention.end_date) == (locked.start_date, locked.end_date)
        and (start_date, end_date) != (locked.start_date, locked.end_date)
    ):
        intervention_update(
            actor=actor,
            intervention=intervention,
            version=intervention.version,
            start_date=start_date,
            end_date=end_date,
            notes=intervention.notes,
        )
    if locked.move_id is None or start_date != locked.start_date:
        locked.move = placement_move_for(locked.participant, locked.kind, start_date)
    locked.start_date = start_date
    locked.end_date = end_date
    locked.support_form = support_form
    locked.supervisor = supervisor
    locked.notes = (notes or "").strip()
    locked.version = version + 1
    locked.full_clean()
    locked.save(update_fields=[*PLACEMENT_FIELDS, "version"])
    audit_log(actor=actor, action=Action.CHANGE, obj=locked)
    return locked


@transaction.atomic
def placement_follow_up_record(
    *, actor: User, placement: Placement, date: datetime.date, notes: str = ""
) -> PlacementFollowUp:
    """Record a follow-up meeting during the placement (staff who may
    change the case); the staff member is the one who records it."""
    participant_require_change(actor, placement.participant)
    if date > timezone.localdate():
        raise ValidationError({"date": _("Datumet kan inte ligga i framtiden.")})
    if date < placement.start_date:
        raise ValidationError({"date": _("Uppföljningen kan inte ligga före placeringens start.")})
    follow_up = PlacementFollowUp(
        placement=placement, date=date, staff=actor, notes=(notes or "").strip()
    )
    follow_up.full_clean()
    follow_up.save()
    audit_log(
        actor=actor,
        action=Action.CREATE,
        obj=follow_up,
        participant_id=placement.participant_id,
        detail=f"placering {placement.pk}",
    )
    return follow_up
