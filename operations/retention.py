"""Retention (*gallring*): personal data is removed N years (a setting)
after the matter ended.

- **Participations** that ended more than N years ago are anonymised. The
  personal data goes: the personnummer, names and contact details, every
  free text written about the person (journal notes, mapping and goal
  documents and their histories, intervention notes, flag reasons, closure,
  follow-up and training notes, summary documents), the signed consent
  forms and the personal data of the referral that led to the
  participation, and what BankID returned about the signer of its
  consents and withdrawals (personnummer, names, signature, OCSP response,
  the BankID's issue date), with any address typed for a signing link.
- **Referrals that never became a participation** (returned by the
  employment officer, or declined at the information call) more than N
  years ago are anonymised the same way: the person, the free texts and
  the signed consent form go; the organisation, dates, gender, target group
  and eligibility answers stay.
- **Weekly meetings** held more than N years ago lose their notes
  (supervision, employers, development), which may name people.
- **The employer contact log**: entries (calls, visits, e-mails) dated
  more than N years ago lose their outcome and next step (and the next
  step's task its text), which may name people.
- **Sole traders** (*enskild firma*, whose organisation number is the
  owner's personnummer) without any activity for N years (no contact,
  job order, match, placement or follow-up, no change) are anonymised: the
  name becomes "Enskild firma (anonymiserad)", the number, address, notes
  and contact people's details go; the industry and the job orders stay.
- An anonymised participation's **placements** lose their notes and the
  notes of their follow-up meetings, and its **matches** their reason.

What the statistics need stays: gender, target group, referring
organisation, responsible staff member, dates, status, closure reason and
result, the stepwise moves and their categories, the before/after status,
interventions' activities and dates, consents' dates, organisations, method
and text version, and that (and when, through which order, with which
text) a consent or withdrawal was signed with BankID. So
the results (``/reports/results.json``) are the same before and after.

Each participant, referral and meeting is handled in its own transaction
with one audit event; one already handled is left alone, so running it
again changes nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from casework.models import Flag, Intervention, JournalNote
from closure.models import Closure, FollowUp, LabourMarketTraining, SummaryDocument
from employers.models import (
    ANONYMISED_SOLE_TRADER_NAME,
    ContactPerson,
    Employer,
    EmployerContact,
    JobOrder,
    Match,
    Placement,
    PlacementFollowUp,
)
from mapping.models import (
    GoalDocument,
    GoalDocumentRevision,
    MappingDocument,
    MappingDocumentRevision,
    StepwiseMove,
)
from participants.models import Consent, Participant, Task
from rattinsats.audit import Action, audit_log
from referrals.models import Referral, WeeklyMeeting
from signing.models import Signature, SigningLink, SigningOrder

AUDIT_DETAIL = "gallring: personuppgifter borttagna"
MEETING_AUDIT_DETAIL = "gallring: anteckningar borttagna"
MEETING_NOTE_FIELDS = ("supervision_notes", "employer_notes", "development_notes")
CONTACT_AUDIT_DETAIL = "gallring: kontaktens utfall och nästa steg borttagna"
SOLE_TRADER_AUDIT_DETAIL = "gallring: enskild firma anonymiserad"
# What a sole trader's contact people are called once anonymised.
ANONYMISED_CONTACT_NAME = "Anonymiserad"

# Fields of the participant and of its referral that identify the person.
PERSON_FIELDS = {
    "personnummer": "",
    "first_name": "",
    "last_name": "",
    "phone": "",
    "email": "",
    "preferred_language": "",
    "interpreter_needed": False,
}

# Free text of the mapping and goal documents (the choices and dates stay).
MAPPING_TEXT_FIELDS = tuple(f for f in MappingDocument.CONTENT_FIELDS if f != "goal_direction")
GOAL_TEXT_FIELDS = (
    "goal",
    "delmal_1",
    "delmal_2",
    "delmal_3",
    "employment_subsidy",
    "continuation_reason",
    "other",
)
# Free text kept in a move's revision.
MOVE_TEXT_FIELDS = ("note",)
# What BankID returned about the signer, kept as evidence while the case is
# (the fact of the signing, its order, time and text stay).
SIGNATURE_PERSON_FIELDS = {
    "personal_number": "",
    "name": "",
    "given_name": "",
    "surname": "",
    "signature": "",
    "ocsp_response": "",
    "bank_id_issue_date": "",
}


@dataclass
class RetentionResult:
    cutoff: datetime.date
    participant_ids: list[int] = field(default_factory=list)
    referral_ids: list[int] = field(default_factory=list)
    meeting_ids: list[int] = field(default_factory=list)
    contact_ids: list[int] = field(default_factory=list)
    employer_ids: list[int] = field(default_factory=list)
    dry_run: bool = False

    @property
    def count(self) -> int:
        return len(self.participant_ids)


def retention_cutoff(*, years: int, today: datetime.date | None = None) -> datetime.date:
    """The day a participation must have ended before to be anonymised:
    ``years`` years before today (28 February for a 29 February)."""
    if years < 1:
        raise ValueError("years must be at least 1")
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def participants_due(*, cutoff: datetime.date) -> QuerySet[Participant]:
    """Closed participations that ended before ``cutoff`` and still hold
    personal data."""
    return Participant.objects.filter(
        status=Participant.Status.CLOSED,
        end_date__lt=cutoff,
        anonymised_at__isnull=True,
    ).order_by("pk")


def referrals_due(*, cutoff: datetime.date) -> QuerySet[Referral]:
    """Referrals that never became a participation, returned or declined
    before ``cutoff``, that still hold personal data."""
    before = _start_of(cutoff)
    return (
        Referral.objects.filter(participant__isnull=True)
        .exclude(personnummer="")
        .filter(
            Q(status=Referral.Status.RETURNED, returned_at__lt=before)
            | Q(status=Referral.Status.DECLINED, decided_at__lt=before)
        )
        .order_by("pk")
    )


def meetings_due(*, cutoff: datetime.date) -> QuerySet[WeeklyMeeting]:
    """Weekly meetings whose week ended before ``cutoff`` and that still
    hold notes."""
    notes = Q()
    for name in MEETING_NOTE_FIELDS:
        notes |= ~Q(**{name: ""})
    last_monday = cutoff - datetime.timedelta(days=7)
    return WeeklyMeeting.objects.filter(notes, week_start__lte=last_monday).order_by("pk")


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def retention_anonymise(
    *, years: int | None = None, today: datetime.date | None = None, dry_run: bool = False
) -> RetentionResult:
    """Anonymise every participation and referral that ended, and clear
    every weekly meeting held, more than ``years`` years (default: the
    setting) before ``today``."""
    if years is None:
        years = settings.RATTINSATS_RETENTION_YEARS
    cutoff = retention_cutoff(years=years, today=today)
    result = RetentionResult(cutoff=cutoff, dry_run=dry_run)
    participants = list(participants_due(cutoff=cutoff).values_list("pk", flat=True))
    referrals = list(referrals_due(cutoff=cutoff).values_list("pk", flat=True))
    meetings = list(meetings_due(cutoff=cutoff).values_list("pk", flat=True))
    contacts = list(employer_contacts_due(cutoff=cutoff).values_list("pk", flat=True))
    employers = list(sole_traders_due(cutoff=cutoff).values_list("pk", flat=True))
    if dry_run:
        result.participant_ids = participants
        result.referral_ids = referrals
        result.meeting_ids = meetings
        result.contact_ids = contacts
        result.employer_ids = employers
        return result
    for pk in participants:
        if participant_anonymise(participant_id=pk, cutoff=cutoff):
            result.participant_ids.append(pk)
    for pk in referrals:
        if referral_anonymise(referral_id=pk, cutoff=cutoff):
            result.referral_ids.append(pk)
    for pk in meetings:
        if meeting_notes_clear(meeting_id=pk, cutoff=cutoff):
            result.meeting_ids.append(pk)
    for pk in contacts:
        if employer_contact_clear(contact_id=pk, cutoff=cutoff):
            result.contact_ids.append(pk)
    for pk in employers:
        if sole_trader_anonymise(employer_id=pk, cutoff=cutoff):
            result.employer_ids.append(pk)
    return result


@transaction.atomic
def participant_anonymise(*, participant_id: int, cutoff: datetime.date) -> bool:
    """Anonymise one participant, if it is still due (re-checked under a row
    lock, so a participation reopened meanwhile is left alone). Returns
    whether it was anonymised."""
    participant = (
        participants_due(cutoff=cutoff).select_for_update().filter(pk=participant_id).first()
    )
    if participant is None:
        return False

    for name, value in PERSON_FIELDS.items():
        setattr(participant, name, value)
    participant.anonymised_at = timezone.now()
    # The names are required for a new participant, so a full_clean() would
    # refuse the blanks: the database constraints are what must hold.
    participant.validate_constraints()
    participant.save(update_fields=[*PERSON_FIELDS, "anonymised_at", "updated_at"])

    files = _clear_free_text(participant)
    files += _clear_referral(participant)
    _clear_signing(participant)
    audit_log(actor=None, action=Action.DELETE, obj=participant, detail=AUDIT_DETAIL)
    # The files go only once the database change is committed.
    transaction.on_commit(lambda: _delete_files(files))
    return True


def _clear_free_text(participant: Participant) -> list[tuple]:
    JournalNote.objects.filter(participant=participant).update(text="")
    Intervention.objects.filter(participant=participant).update(notes="")
    Flag.objects.filter(participant=participant).update(reason="")
    Closure.objects.filter(participant=participant).update(note="", reopen_reason="")
    FollowUp.objects.filter(closure__participant=participant).update(note="")
    LabourMarketTraining.objects.filter(participant=participant).update(note="")
    StepwiseMove.objects.filter(participant=participant).update(note="")
    Placement.objects.filter(participant=participant).update(notes="")
    PlacementFollowUp.objects.filter(placement__participant=participant).update(notes="")
    Match.objects.filter(participant=participant).update(reason="")
    # Summary documents are never changed through the model; retention is
    # the one exception, on the queryset.
    SummaryDocument.objects.filter(participant=participant).update(text="", pdf=b"", sha256="")

    MappingDocument.objects.filter(participant=participant).update(
        **dict.fromkeys(MAPPING_TEXT_FIELDS, "")
    )
    for revision in MappingDocumentRevision.objects.filter(document__participant=participant):
        revision.data = _blanked(revision.data, MAPPING_TEXT_FIELDS)
        revision.save(update_fields=["data"])
    GoalDocument.objects.filter(participant=participant).update(
        **dict.fromkeys(GOAL_TEXT_FIELDS, "")
    )
    for goal_revision in GoalDocumentRevision.objects.filter(participant=participant):
        goal_revision.data = _blanked(goal_revision.data, GOAL_TEXT_FIELDS + MOVE_TEXT_FIELDS)
        goal_revision.save(update_fields=["data"])

    files = []
    consents = Consent.objects.filter(participant=participant).exclude(document="")
    for consent in consents:
        files.append((consent.document.storage, consent.document.name))
    consents.update(document="")
    return files


@transaction.atomic
def referral_anonymise(*, referral_id: int, cutoff: datetime.date) -> bool:
    """Anonymise one referral that never became a participation, if it is
    still due (re-checked under a row lock). Returns whether it was."""
    referral = referrals_due(cutoff=cutoff).select_for_update().filter(pk=referral_id).first()
    if referral is None:
        return False
    files = _referral_clear(referral)
    audit_log(actor=None, action=Action.DELETE, obj=referral, detail=AUDIT_DETAIL)
    transaction.on_commit(lambda: _delete_files(files))
    return True


@transaction.atomic
def meeting_notes_clear(*, meeting_id: int, cutoff: datetime.date) -> bool:
    """Clear one weekly meeting's notes, if still due. The version moves on,
    so a form opened on the old notes cannot save them back."""
    meeting = meetings_due(cutoff=cutoff).select_for_update().filter(pk=meeting_id).first()
    if meeting is None:
        return False
    for name in MEETING_NOTE_FIELDS:
        setattr(meeting, name, "")
    meeting.version += 1
    meeting.save(update_fields=[*MEETING_NOTE_FIELDS, "version", "updated_at"])
    audit_log(actor=None, action=Action.DELETE, obj=meeting, detail=MEETING_AUDIT_DETAIL)
    return True


def employer_contacts_due(*, cutoff: datetime.date) -> QuerySet[EmployerContact]:
    """Contact log entries dated before ``cutoff`` that still hold an
    outcome or a next step."""
    return (
        EmployerContact.objects.filter(date__lt=cutoff)
        .filter(~Q(outcome="") | ~Q(next_step=""))
        .order_by("pk")
    )


@transaction.atomic
def employer_contact_clear(*, contact_id: int, cutoff: datetime.date) -> bool:
    """Clear one contact log entry's outcome and next step (and the text
    of the task its next step became), if still due."""
    contact = employer_contacts_due(cutoff=cutoff).select_for_update().filter(pk=contact_id).first()
    if contact is None:
        return False
    contact.outcome = ""
    contact.next_step = ""
    contact.save(update_fields=["outcome", "next_step"])
    if contact.task_id is not None:
        Task.objects.filter(pk=contact.task_id).update(description="")
    audit_log(actor=None, action=Action.DELETE, obj=contact, detail=CONTACT_AUDIT_DETAIL)
    return True


def sole_traders_due(*, cutoff: datetime.date) -> QuerySet[Employer]:
    """Sole traders not yet anonymised with no activity since ``cutoff``:
    registered, changed or merged before it, and no contact, job order,
    match, placement or follow-up meeting on or after it. A placement
    without an end date counts as going on while its participation does."""
    since = _start_of(cutoff)
    employer = OuterRef("pk")
    contacts = EmployerContact.objects.filter(employer=employer, date__gte=cutoff)
    orders = JobOrder.objects.filter(employer=employer).filter(
        Q(created_at__gte=since)
        | Q(updated_at__gte=since)
        | Q(start_date__gte=cutoff)
        | Q(apply_by__gte=cutoff)
    )
    matches = Match.objects.filter(job_order__employer=employer).filter(
        Q(proposed_at__gte=since)
        | Q(confirmed_at__gte=since)
        | Q(presented_at__gte=since)
        | Q(outcome_at__gte=since)
    )
    placements = Placement.objects.filter(employer=employer).filter(
        Q(start_date__gte=cutoff)
        | Q(end_date__gte=cutoff)
        | Q(end_date__isnull=True, participant__end_date__isnull=True)
        | Q(end_date__isnull=True, participant__end_date__gte=cutoff)
    )
    follow_ups = PlacementFollowUp.objects.filter(placement__employer=employer, date__gte=cutoff)
    return (
        Employer.objects.filter(
            is_sole_trader=True, anonymised_at__isnull=True, created_at__lt=since
        )
        .exclude(updated_at__gte=since)
        .exclude(merged_at__gte=since)
        .exclude(Exists(contacts))
        .exclude(Exists(orders))
        .exclude(Exists(matches))
        .exclude(Exists(placements))
        .exclude(Exists(follow_ups))
        .order_by("pk")
    )


@transaction.atomic
def sole_trader_anonymise(*, employer_id: int, cutoff: datetime.date) -> bool:
    """Anonymise one sole trader, if still due (re-checked under a row
    lock): the owner's name, personnummer and address, the notes, the
    contact people's details and the contact log's free text go; the
    industry, job orders and placements stay. The version moves on, so a
    form opened before cannot save the old details back."""
    employer = sole_traders_due(cutoff=cutoff).select_for_update().filter(pk=employer_id).first()
    if employer is None:
        return False
    employer.name = ANONYMISED_SOLE_TRADER_NAME
    employer.organisation_number = ""
    employer.street_address = ""
    employer.postal_code = ""
    employer.city = ""
    employer.notes = ""
    employer.anonymised_at = timezone.now()
    employer.version += 1
    employer.save(
        update_fields=[
            "name",
            "organisation_number",
            "street_address",
            "postal_code",
            "city",
            "notes",
            "anonymised_at",
            "version",
        ]
    )
    ContactPerson.objects.filter(employer=employer).update(
        name=ANONYMISED_CONTACT_NAME, role="", phone="", email="", active=False
    )
    contacts = EmployerContact.objects.filter(employer=employer)
    Task.objects.filter(pk__in=contacts.exclude(task=None).values("task")).update(description="")
    contacts.update(outcome="", next_step="")
    audit_log(actor=None, action=Action.DELETE, obj=employer, detail=SOLE_TRADER_AUDIT_DETAIL)
    return True


def _clear_signing(participant: Participant) -> None:
    """What digital consent holds about the person: the signer's
    personnummer, names, signature and OCSP response that BankID returned
    (the signature and the OCSP response hold the personnummer and name
    too), an address typed for a link not yet sent, and the links' token
    hashes and the orders' BankID tokens (so nothing opens or starts
    again). Signatures are never changed through the model; retention is
    the one exception, on the queryset. The signed consent forms go with
    the consents' documents (``_clear_free_text``)."""
    Signature.objects.filter(consent__participant=participant).update(**SIGNATURE_PERSON_FIELDS)
    SigningLink.objects.filter(participant=participant).update(recipient="", token_hash="")
    SigningOrder.objects.filter(participant=participant).update(
        auto_start_token="", qr_start_token="", qr_start_secret=""
    )


def _clear_referral(participant: Participant) -> list[tuple]:
    referral = Referral.objects.filter(participant=participant).first()
    if referral is None:
        return []
    return _referral_clear(referral)


def _referral_clear(referral: Referral) -> list[tuple]:
    """Blank the person and the free texts of ``referral``; return its
    consent form's file, to be deleted once committed."""
    files = []
    if referral.consent_document:
        files.append((referral.consent_document.storage, referral.consent_document.name))
    Referral.objects.filter(pk=referral.pk).update(
        **PERSON_FIELDS,
        reason="",
        check_note="",
        return_reason="",
        consent_document="",
        consent_document_type="",
        updated_at=timezone.now(),
    )
    return files


def _blanked(data, fields) -> dict:
    if not isinstance(data, dict):
        return {}
    return {key: ("" if key in fields else value) for key, value in data.items()}


def _delete_files(files) -> None:
    for storage, name in files:
        storage.delete(name)
