"""The services of employers: the organisation number and the codes,
versions, merging duplicates, contact people and the contact log with its
next step as a task on Att göra."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from employers import services
from employers.models import ContactPerson, Employer, EmployerContact, JobOrder, Placement
from employers.numbers import organisation_number_parse, sni_normalise, ssyk_check
from employers.selectors import employer_list
from participants.models import Task
from rattinsats.models import AuditEvent
from tests.conftest import client_for
from tests.factories import ParticipantFactory, activity

from .employer_data import contact_person, employer, job_order, sole_trader_number

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def create(actor, **fields):
    fields.setdefault("organisation_number", "556677-8899")
    fields.setdefault("name", "Lagerbolaget AB")
    return services.employer_create(actor=actor, **fields)


# --- Numbers and codes ---------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("556677-8899", "556677-8899"),
        ("5566778899", "556677-8899"),
        ("16556677-8899", "556677-8899"),
        ("165566778899", "556677-8899"),
        (" 556677 8899 ", "556677-8899"),
    ],
)
def test_it_normalises_a_legal_entitys_number(typed, stored):
    number = organisation_number_parse(typed)
    assert (number.number, number.is_sole_trader) == (stored, False)


@pytest.mark.parametrize("typed", ["198001022386", "19800102-2386", "800102-2386", "8001022386"])
def test_a_personnummer_makes_a_sole_trader(typed):
    number = organisation_number_parse(typed)
    assert (number.number, number.is_sole_trader) == ("800102-2386", True)


@pytest.mark.parametrize(
    "typed",
    [
        "556677-8898",  # wrong check digit
        "800102-2385",  # a personnummer with a wrong check digit
        "801302-2386",  # month 13: no date, and no legal entity (third digit < 2)
        "55667788",
        "556677-88999",
        "abc",
        "",
        "16800102-2386",  # 16 marks a legal entity, whose third digit is ≥ 2
    ],
)
def test_it_refuses_a_bad_number_in_swedish(typed):
    with pytest.raises(ValueError, match="rganisationsnummer"):
        organisation_number_parse(typed)


def test_sni_and_ssyk_codes_are_format_checked():
    assert sni_normalise("47.111") == "47111"
    assert sni_normalise("47111") == "47111"
    assert sni_normalise("") == ""
    for bad in ("4711", "47.11", "471111", "ab.cde"):
        with pytest.raises(ValueError, match="SNI"):
            sni_normalise(bad)
    assert ssyk_check("5223") == "5223"
    for bad in ("522", "52231", "52a3"):
        with pytest.raises(ValueError, match="SSYK"):
            ssyk_check(bad)


# --- Employers -----------------------------------------------------------------


def test_it_creates_an_employer_with_an_audit_event(owner):
    e = create(owner, organisation_number="5566778899", sni_code="47.111", postal_code="63220")
    assert (e.organisation_number, e.is_sole_trader) == ("556677-8899", False)
    assert (e.sni_code, e.postal_code, e.created_by) == ("47111", "632 20", owner)
    event = AuditEvent.objects.get(object_type="employers.employer", object_id=str(e.pk))
    assert event.action == AuditEvent.Action.CREATE
    assert event.participant_id is None


def test_a_sole_trader_is_marked_as_one(owner):
    e = create(owner, organisation_number="19800102-2386", name="Frisör Alva Test")
    assert (e.organisation_number, e.is_sole_trader) == ("800102-2386", True)
    assert e.organisation_number_masked == "800102-****"


def test_it_refuses_a_second_live_employer_with_the_same_number(owner):
    create(owner)
    with pytest.raises(ValidationError) as info:
        create(owner, organisation_number="16556677-8899", name="Samma igen")
    assert "redan en arbetsgivare" in str(info.value.message_dict["organisation_number"])
    assert Employer.objects.count() == 1


def test_it_names_every_wrong_field_at_once(owner):
    with pytest.raises(ValidationError) as info:
        create(owner, organisation_number="123", name=" ", sni_code="4711", postal_code="12")
    assert set(info.value.message_dict) == {
        "organisation_number",
        "name",
        "sni_code",
        "postal_code",
    }
    assert not Employer.objects.exists()


def test_only_the_project_team_writes_employers(counsellor, steering, administrator, officer):
    for outsider in (counsellor, steering, administrator):
        with pytest.raises(PermissionDenied):
            create(outsider)
    assert create(officer).created_by == officer


def test_the_relationship_holder_is_project_staff(owner, counsellor):
    with pytest.raises(ValidationError) as info:
        create(owner, responsible=counsellor)
    assert "responsible" in info.value.message_dict


def test_an_edit_on_an_old_version_is_refused_and_changes_nothing(owner, teammate):
    e = create(owner)
    values = {
        "organisation_number": e.organisation_number,
        "name": "Nytt namn AB",
        "street_address": "",
        "postal_code": "",
        "city": "Eskilstuna",
        "industry": "Lager",
        "sni_code": "52100",
        "notes": "",
        "responsible": teammate,
    }
    saved = services.employer_update(actor=teammate, employer=e, version=1, **values)
    assert (saved.version, saved.name, saved.responsible) == (2, "Nytt namn AB", teammate)
    with pytest.raises(services.StaleEdit):
        services.employer_update(actor=owner, employer=e, version=1, **{**values, "name": "X"})
    e.refresh_from_db()
    assert e.name == "Nytt namn AB"
    # A new number that is a personnummer makes it a sole trader.
    saved = services.employer_update(
        actor=owner,
        employer=e,
        version=2,
        **{**values, "organisation_number": "198001022386"},
    )
    assert saved.is_sole_trader
    assert (
        AuditEvent.objects.filter(
            object_type="employers.employer", action=AuditEvent.Action.CHANGE
        ).count()
        == 2
    )


# --- Merging duplicates ----------------------------------------------------------


def test_merging_moves_the_history_and_keeps_the_duplicate_as_a_pointer(owner):
    keep = employer(owner, name="Lagerbolaget AB")
    duplicate = employer(owner, name="Lagerbolaget (dubblett)")
    person = contact_person(duplicate)
    contact = EmployerContact.objects.create(
        employer=duplicate, kind="samtal", date=TODAY, staff=owner, contact_person=person
    )
    order = job_order(owner, duplicate)
    participant = ParticipantFactory(responsible=owner)
    placement = services.placement_create(
        actor=owner,
        participant=participant,
        employer=duplicate,
        kind=Placement.Kind.INTERNSHIP,
        start_date=participant.start_date,
    )
    earlier = employer(owner, name="Ännu äldre dubblett")
    Employer.objects.filter(pk=earlier.pk).update(merged_into=duplicate, merged_at=timezone.now())

    services.employer_merge(actor=owner, duplicate=duplicate, keep=keep)

    duplicate.refresh_from_db()
    assert duplicate.merged_into == keep and duplicate.merged_at is not None
    for record in (person, contact, order, placement):
        record.refresh_from_db()
        assert record.employer_id == keep.pk
    assert Employer.objects.get(pk=earlier.pk).merged_into_id == keep.pk
    assert list(employer_list(owner)) == [keep]
    assert list(employer_list(owner, search=duplicate.organisation_number)) == []
    assert list(employer_list(owner, search="dubblett")) == []
    event = AuditEvent.objects.get(object_type="employers.employer", object_id=str(duplicate.pk))
    assert (event.action, event.detail) == (
        AuditEvent.Action.CHANGE,
        f"sammanslagen med arbetsgivare {keep.pk}",
    )
    # The number of the duplicate is free again for a live employer.
    assert create(owner, organisation_number=duplicate.organisation_number).pk


def test_a_merge_needs_two_live_employers(owner, counsellor):
    a, b = employer(owner), employer(owner)
    with pytest.raises(ValidationError):
        services.employer_merge(actor=owner, duplicate=a, keep=a)
    with pytest.raises(PermissionDenied):
        services.employer_merge(actor=counsellor, duplicate=a, keep=b)
    services.employer_merge(actor=owner, duplicate=a, keep=b)
    a.refresh_from_db()
    with pytest.raises(ValidationError, match="sammanslagen"):
        services.employer_merge(actor=owner, duplicate=a, keep=b)
    with pytest.raises(ValidationError):
        services.employer_merge(actor=owner, duplicate=b, keep=a)
    # A merged employer takes no more writes.
    with pytest.raises(ValidationError, match="sammanslagen"):
        services.job_order_create(actor=owner, employer=a, occupation="Kock")


# --- Contact people and the contact log ---------------------------------------


def test_contact_people_are_added_changed_and_made_inactive(owner):
    e = employer(owner)
    person = services.contact_person_create(
        actor=owner, employer=e, name=" Kim Kontakt ", role="HR", email="kim@example.se"
    )
    assert (person.name, person.active) == ("Kim Kontakt", True)
    services.contact_person_update(
        actor=owner, person=person, name="Kim K", role="VD", phone="", email="", active=False
    )
    person.refresh_from_db()
    assert (person.name, person.role, person.active) == ("Kim K", "VD", False)
    assert ContactPerson.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="employers.contactperson").count() == 2


def test_a_next_step_with_a_date_becomes_a_task_for_the_staff_member(owner, teammate):
    e = employer(owner)
    person = contact_person(e)
    due = TODAY + datetime.timedelta(days=7)
    contact = services.employer_contact_record(
        actor=owner,
        employer=e,
        kind=EmployerContact.Kind.VISIT,
        date=TODAY,
        staff=teammate,
        contact_person=person,
        outcome="Visade lagret.",
        next_step="Skicka förslag på praktik",
        next_step_due=due,
    )
    task = contact.task
    assert (task.kind, task.assignee, task.due_on, task.participant) == (
        Task.Kind.EMPLOYER_NEXT_STEP,
        teammate,
        due,
        None,
    )
    assert task.description == "Skicka förslag på praktik"
    assert task.target_url == reverse("employers:detail", args=[e.pk])
    assert task.target_label == e.name
    event = AuditEvent.objects.get(object_type="employers.employercontact")
    assert event.detail == f"arbetsgivare {e.pk}, uppgift {task.pk}"

    # A next step without a date is only written down.
    plain = services.employer_contact_record(
        actor=owner, employer=e, kind="samtal", date=TODAY, staff=owner, next_step="Ring igen"
    )
    assert plain.task is None
    assert Task.objects.count() == 1


def test_the_task_shows_on_att_gora_with_its_text_and_link_and_can_be_completed(
    teammate, owner, django_assert_max_num_queries
):
    e = employer(owner, name="Verkstaden i Torshälla AB")
    for n in range(3):
        services.employer_contact_record(
            actor=owner,
            employer=e,
            kind="samtal",
            date=TODAY,
            staff=teammate,
            next_step=f"Boka besök {n}",
            next_step_due=TODAY + datetime.timedelta(days=n),
        )
    client = client_for(teammate)
    client.get(reverse("casework:tasks"))
    # The links are read with the tasks: the count does not grow per task.
    with django_assert_max_num_queries(16):
        page = client.get(reverse("casework:tasks")).text
    assert "Boka besök 2" in page
    assert page.count(reverse("employers:detail", args=[e.pk])) == 3
    assert "Verkstaden i Torshälla AB" in page
    task = Task.objects.filter(assignee=teammate).first()
    response = client.post(reverse("participants:task_done", args=[task.pk]))
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.done_at is not None and task.done_by == teammate


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"date": TODAY + datetime.timedelta(days=1)}, "date"),
        ({"next_step": "", "next_step_due": TODAY}, "next_step"),
        (
            {"next_step": "Ring", "next_step_due": TODAY - datetime.timedelta(days=3)},
            "next_step_due",
        ),
        ({"kind": "brev"}, "kind"),
    ],
)
def test_the_contact_log_refuses_bad_input(owner, changes, field):
    e = employer(owner)
    values = {"kind": "samtal", "date": TODAY, "staff": owner, **changes}
    with pytest.raises(ValidationError) as info:
        services.employer_contact_record(actor=owner, employer=e, **values)
    assert field in info.value.message_dict
    assert not EmployerContact.objects.exists() and not Task.objects.exists()


def test_the_contact_person_must_work_at_the_employer(owner, counsellor):
    e, other = employer(owner), employer(owner)
    with pytest.raises(ValidationError) as info:
        services.employer_contact_record(
            actor=owner,
            employer=e,
            kind="samtal",
            date=TODAY,
            staff=owner,
            contact_person=contact_person(other),
        )
    assert "contact_person" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.employer_contact_record(
            actor=owner, employer=e, kind="samtal", date=TODAY, staff=counsellor
        )
    assert "staff" in info.value.message_dict


# --- Job orders --------------------------------------------------------------------


def test_job_orders_are_created_open_and_changed_with_a_version_check(owner, teammate):
    e = employer(owner)
    order = services.job_order_create(
        actor=owner,
        employer=e,
        occupation="Lagerarbetare",
        ssyk_code="9321",
        positions=2,
        support_form="nystartsjobb",
        apply_by=TODAY,
    )
    assert (order.status, order.version) == (JobOrder.Status.OPEN, 1)
    values = {
        "occupation": "Lagerarbetare",
        "ssyk_code": "9321",
        "positions": 2,
        "requirements": "",
        "extent": "Heltid",
        "start_date": None,
        "support_form": "nystartsjobb",
        "apply_by": TODAY,
        "status": JobOrder.Status.FILLED,
    }
    saved = services.job_order_update(actor=teammate, job_order=order, version=1, **values)
    assert (saved.status, saved.version) == (JobOrder.Status.FILLED, 2)
    with pytest.raises(services.StaleEdit):
        services.job_order_update(actor=owner, job_order=order, version=1, **values)
    event = AuditEvent.objects.filter(object_type="employers.joborder").latest("pk")
    assert event.detail == "status filled"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"occupation": " "}, "occupation"),
        ({"ssyk_code": "12"}, "ssyk_code"),
        ({"positions": 0}, "positions"),
        ({"support_form": "bidrag"}, "support_form"),
    ],
)
def test_a_job_order_refuses_bad_input(owner, changes, field):
    values = {"occupation": "Kock", **changes}
    with pytest.raises(ValidationError) as info:
        services.job_order_create(actor=owner, employer=employer(owner), **values)
    assert field in info.value.message_dict
    assert not JobOrder.objects.exists()


def test_the_default_activities_exist_in_the_catalogue():
    activity()  # the catalogue's data
    for kind in Placement.Kind.values:
        assert services.placement_default_activity(kind) is not None, kind


def test_a_sole_traders_number_is_a_test_personnummer(owner):
    e = create(owner, organisation_number=sole_trader_number(), name="Enskild")
    assert e.is_sole_trader
