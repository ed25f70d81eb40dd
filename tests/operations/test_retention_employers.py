"""Retention (gallring) of employer collaboration: placements of an
anonymised participation, old contact log entries, and sole traders
without activity; --dry-run counts the same and changes nothing."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from closure.models import EmploymentStatus, IncomeSource
from closure.services import participant_close
from employers import services
from employers.models import (
    ANONYMISED_SOLE_TRADER_NAME,
    ContactPerson,
    Employer,
    EmployerContact,
    Match,
    Placement,
    PlacementFollowUp,
)
from operations.retention import (
    employer_contacts_due,
    retention_anonymise,
    retention_cutoff,
    sole_traders_due,
)
from participants.models import ClosureReason, ClosureResult, Task
from rattinsats.models import AuditEvent
from tests.employers.employer_data import contact_person, employer, job_order
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
SECRET = "Hemlig anteckning om Alva"
LONG_AGO = TODAY - datetime.timedelta(days=6 * 366)


def _aged(model, pk, **fields):
    """Move a row's dates into the past (the services date things today)."""
    model.objects.filter(pk=pk).update(**fields)


def test_an_anonymised_participations_placements_lose_their_free_text(owner):
    start = LONG_AGO - datetime.timedelta(days=200)
    participant = ParticipantFactory(responsible=owner, start_date=start)
    at = employer(owner)
    placement = services.placement_create(
        actor=owner,
        participant=participant,
        employer=at,
        kind=Placement.Kind.INTERNSHIP,
        start_date=start,
        end_date=LONG_AGO,
        notes=SECRET,
    )
    PlacementFollowUp.objects.create(placement=placement, date=start, staff=owner, notes=SECRET)
    match = Match.objects.create(
        job_order=job_order(owner, at), participant=participant, reason=SECRET
    )
    participant_close(
        actor=owner,
        participant=participant,
        closed_on=LONG_AGO,
        reason=ClosureReason.WORK,
        result=ClosureResult.JOB_WITHOUT_SUPPORT,
        employment_status=EmploymentStatus.PAID_WORK,
        income_source=IncomeSource.SALARY,
    )
    result = retention_anonymise(years=5)
    assert result.participant_ids == [participant.pk]
    placement.refresh_from_db()
    match.refresh_from_db()
    assert (placement.notes, match.reason) == ("", "")
    assert PlacementFollowUp.objects.get().notes == ""
    # What the statistics and the employer's history need stays.
    assert (placement.kind, placement.start_date, placement.employer) == (
        Placement.Kind.INTERNSHIP,
        start,
        at,
    )


def test_old_contact_log_entries_lose_their_outcome_and_next_step(owner):
    at = employer(owner)
    old = services.employer_contact_record(
        actor=owner,
        employer=at,
        kind="besok",
        date=TODAY,
        staff=owner,
        outcome=SECRET,
        next_step="Ring om Alva",
        next_step_due=TODAY,
    )
    _aged(EmployerContact, old.pk, date=LONG_AGO, next_step_due=LONG_AGO)
    recent = services.employer_contact_record(
        actor=owner, employer=at, kind="samtal", date=TODAY, staff=owner, outcome="Nyligen"
    )
    cutoff = retention_cutoff(years=5)
    assert list(employer_contacts_due(cutoff=cutoff)) == [EmployerContact.objects.get(pk=old.pk)]

    dry = retention_anonymise(years=5, dry_run=True)
    assert dry.contact_ids == [old.pk]
    assert EmployerContact.objects.get(pk=old.pk).outcome == SECRET

    result = retention_anonymise(years=5)
    assert result.contact_ids == [old.pk]
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.outcome, old.next_step, old.kind, old.date) == ("", "", "besok", LONG_AGO)
    assert Task.objects.get(pk=old.task_id).description == ""
    assert recent.outcome == "Nyligen"
    event = AuditEvent.objects.get(object_type="employers.employercontact", action="delete")
    assert event.object_id == str(old.pk)
    # Again: nothing more to do.
    assert retention_anonymise(years=5).contact_ids == []


def _idle_sole_trader(owner, **fields):
    sole = employer(owner, name="Frisör Alva Test", sole_trader=True, notes=SECRET, **fields)
    _aged(Employer, sole.pk, created_at=timezone.now() - datetime.timedelta(days=6 * 366))
    return sole


def test_a_sole_trader_without_activity_is_anonymised(owner):
    sole = _idle_sole_trader(owner, street_address="Storgatan 1", city="Eskilstuna")
    person = contact_person(sole, name="Alva Ägare", phone="070-1", email="alva@example.se")
    contact = EmployerContact.objects.create(
        employer=sole, kind="samtal", date=LONG_AGO, staff=owner, outcome=SECRET
    )
    order = job_order(owner, sole, occupation="Frisör")
    _aged(type(order), order.pk, created_at=timezone.now() - datetime.timedelta(days=6 * 366))
    active_company = employer(owner, name="Aktiebolaget AB")
    _aged(Employer, active_company.pk, created_at=timezone.now() - datetime.timedelta(days=3000))
    busy = _idle_sole_trader(owner)
    EmployerContact.objects.create(employer=busy, kind="samtal", date=TODAY, staff=owner)
    number = sole.organisation_number

    cutoff = retention_cutoff(years=5)
    assert list(sole_traders_due(cutoff=cutoff)) == [Employer.objects.get(pk=sole.pk)]
    out = StringIO()
    call_command("retention_anonymise", "--dry-run", stdout=out)
    assert "1 arbetsgivarkontakter" in out.getvalue()
    assert "1 enskilda firmor utan aktivitet sedan dess skulle gallras (inget ändrat)" in (
        out.getvalue()
    )
    assert Employer.objects.get(pk=sole.pk).organisation_number == number

    out = StringIO()
    call_command("retention_anonymise", stdout=out)
    assert "Gallrade: 1 arbetsgivarkontakter" in out.getvalue()
    sole.refresh_from_db()
    assert sole.name == ANONYMISED_SOLE_TRADER_NAME
    assert (sole.organisation_number, sole.street_address, sole.city, sole.notes) == (
        "",
        "",
        "",
        "",
    )
    assert sole.anonymised_at is not None and sole.version == 2
    person.refresh_from_db()
    assert (person.name, person.phone, person.email, person.active) == (
        "Anonymiserad",
        "",
        "",
        False,
    )
    contact.refresh_from_db()
    assert contact.outcome == ""
    order.refresh_from_db()
    assert (order.occupation, order.employer_id) == ("Frisör", sole.pk)
    assert Employer.objects.get(pk=busy.pk).organisation_number != ""
    assert Employer.objects.get(pk=active_company.pk).anonymised_at is None
    event = AuditEvent.objects.get(
        object_type="employers.employer", object_id=str(sole.pk), action="delete"
    )
    assert event.detail == "gallring: enskild firma anonymiserad"
    # Two anonymised sole traders may both be without a number.
    other = _idle_sole_trader(owner)
    assert retention_anonymise(years=5).employer_ids == [other.pk]
    assert Employer.objects.filter(organisation_number="").count() == 2
    # An anonymised employer takes no writes.
    with pytest.raises(Exception, match="anonymiserad"):
        services.contact_person_create(actor=owner, employer=sole, name="Ny")
    assert ContactPerson.objects.filter(employer=sole).count() == 1


def test_an_ongoing_placement_keeps_a_sole_trader(owner):
    sole = _idle_sole_trader(owner)
    participant = ParticipantFactory(
        responsible=owner, start_date=LONG_AGO - datetime.timedelta(days=10)
    )
    Placement.objects.create(
        participant=participant,
        employer=sole,
        kind=Placement.Kind.EMPLOYMENT,
        start_date=LONG_AGO,
        created_by=owner,
    )
    assert list(sole_traders_due(cutoff=retention_cutoff(years=5))) == []
    assert retention_anonymise(years=5).employer_ids == []
