"""Placements (internship, work trial, employment): written from the
participant's case by those who may change it, belonging to an
intervention from the catalogue, and linked to the period's stepwise move
without ever making a second one."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from casework.models import Intervention
from employers import services
from employers.models import Placement, PlacementFollowUp
from mapping.models import StepwiseMove
from participants.periods import add_months
from rattinsats.models import AuditEvent
from tests.conftest import client_for
from tests.factories import ParticipantFactory, StepwiseMoveFactory, activity

from .employer_data import contact_person, employer, job_order

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def case(owner):
    return ParticipantFactory(responsible=owner, start_date=add_months(TODAY, -4))


def place(actor, participant, at, **fields):
    fields.setdefault("kind", Placement.Kind.INTERNSHIP)
    fields.setdefault("start_date", TODAY)
    return services.placement_create(actor=actor, participant=participant, employer=at, **fields)


def test_an_internship_gets_its_intervention_and_the_periods_move(owner, case):
    at = employer(owner)
    supervisor = contact_person(at, name="Handledaren")
    order = job_order(owner, at)
    # Period 2 holds today; its move is already recorded.
    move = StepwiseMoveFactory(participant=case, period=2)
    moves = StepwiseMove.objects.count()
    placement = place(owner, case, at, supervisor=supervisor, job_order=order, notes=" Lager ")
    assert placement.move == move
    assert StepwiseMove.objects.count() == moves  # never a second move
    intervention = placement.intervention
    assert (intervention.participant, intervention.activity.name) == (case, "Ordna praktik")
    assert (intervention.start_date, intervention.end_date) == (TODAY, None)
    assert (placement.supervisor, placement.job_order, placement.notes) == (
        supervisor,
        order,
        "Lager",
    )
    events = AuditEvent.objects.filter(participant_id=case.pk, action=AuditEvent.Action.CREATE)
    assert set(events.values_list("object_type", flat=True)) == {
        "employers.placement",
        "casework.intervention",
    }
    detail = events.get(object_type="employers.placement").detail
    assert detail == f"arbetsgivare {at.pk}, insats {intervention.pk}, förflyttning {move.pk}"


def test_a_work_trial_without_a_recorded_move_is_left_unlinked(owner, case):
    placement = place(owner, case, employer(owner), kind=Placement.Kind.WORK_TRIAL)
    assert placement.move is None
    assert placement.intervention.activity.name == "Arbetsprövning"
    assert not StepwiseMove.objects.filter(participant=case).exists()


def test_an_employment_is_no_move_and_may_have_a_support_form(owner, case):
    StepwiseMoveFactory(participant=case, period=2)
    placement = place(
        owner, case, employer(owner), kind=Placement.Kind.EMPLOYMENT, support_form="lonebidrag"
    )
    assert (placement.move, placement.support_form) == (None, "lonebidrag")
    assert placement.intervention.activity.name == "Stöd vid start"


def test_it_can_belong_to_an_existing_intervention_or_a_chosen_activity(owner, case):
    existing = Intervention.objects.create(
        participant=case, activity=activity(), start_date=case.start_date, created_by=owner
    )
    at = employer(owner)
    assert place(owner, case, at, intervention=existing).intervention == existing
    chosen = activity("Klargörande praktik", "formaga")
    assert place(owner, case, at, activity=chosen).intervention.activity == chosen
    assert Intervention.objects.filter(participant=case).count() == 2
    other = Intervention.objects.create(
        participant=ParticipantFactory(responsible=owner),
        activity=activity(),
        start_date=TODAY,
        created_by=owner,
    )
    with pytest.raises(ValidationError) as info:
        place(owner, case, at, intervention=other)
    assert "intervention" in info.value.message_dict


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"support_form": "lonebidrag"}, "support_form"),
        ({"start_date": add_months(TODAY, -5)}, "start_date"),
        ({"end_date": TODAY - datetime.timedelta(days=1)}, "end_date"),
        ({"kind": "sommarjobb"}, "kind"),
    ],
)
def test_it_refuses_bad_input_and_saves_nothing(owner, case, changes, field):
    with pytest.raises(ValidationError) as info:
        place(owner, case, employer(owner), **changes)
    assert field in info.value.message_dict
    assert not Placement.objects.exists()
    assert not Intervention.objects.exists()


def test_the_supervisor_and_the_order_are_the_employers(owner, case):
    at, other = employer(owner), employer(owner)
    with pytest.raises(ValidationError) as info:
        place(owner, case, at, supervisor=contact_person(other), job_order=job_order(owner, other))
    assert set(info.value.message_dict) == {"supervisor", "job_order"}


def test_only_those_who_may_change_the_case_place(owner, teammate, case):
    with pytest.raises(PermissionDenied):
        place(teammate, case, employer(owner))
    assert not Placement.objects.exists()


def test_an_edit_moves_the_interventions_dates_along_and_checks_the_version(owner, case):
    at = employer(owner)
    placement = place(owner, case, at)
    end = TODAY + datetime.timedelta(days=30)
    values = {
        "start_date": TODAY,
        "end_date": end,
        "support_form": "",
        "supervisor": contact_person(at),
        "notes": "Går bra",
    }
    saved = services.placement_update(actor=owner, placement=placement, version=1, **values)
    assert (saved.end_date, saved.version, saved.notes) == (end, 2, "Går bra")
    intervention = Intervention.objects.get(pk=placement.intervention_id)
    assert intervention.end_date == end
    with pytest.raises(services.StaleEdit):
        services.placement_update(actor=owner, placement=placement, version=1, **values)
    # A move recorded later is linked at the next edit.
    move = StepwiseMoveFactory(participant=case, period=2)
    saved = services.placement_update(actor=owner, placement=placement, version=2, **values)
    assert saved.move == move


def test_follow_up_meetings_are_recorded_by_the_staff_member(owner, teammate, case):
    placement = place(owner, case, employer(owner))
    follow_up = services.placement_follow_up_record(
        actor=owner, placement=placement, date=TODAY, notes="Trivs."
    )
    assert (follow_up.staff, follow_up.notes) == (owner, "Trivs.")
    event = AuditEvent.objects.get(object_type="employers.placementfollowup")
    assert event.participant_id == case.pk
    for day in (TODAY + datetime.timedelta(days=1), TODAY - datetime.timedelta(days=1)):
        with pytest.raises(ValidationError):
            services.placement_follow_up_record(actor=owner, placement=placement, date=day)
    with pytest.raises(PermissionDenied):
        services.placement_follow_up_record(actor=teammate, placement=placement, date=TODAY)
    assert PlacementFollowUp.objects.count() == 1


# --- The participant's tab and the placement pages ----------------------------------


def test_the_tab_lists_the_placements_in_a_fixed_number_of_queries(
    owner, case, django_assert_num_queries
):
    at = employer(owner, name="Bageriet AB")
    client = client_for(owner)
    url = reverse("employers:participant_tab", args=[case.pk])
    place(owner, case, at)
    client.get(url)  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(4):
        placement = place(owner, case, at, supervisor=contact_person(at))
        services.placement_follow_up_record(actor=owner, placement=placement, date=TODAY)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    assert response.text.count(">Bageriet AB</a>") == 5
    # The page's own budget, the matching section and the header included.
    assert len(one.captured_queries) <= 30
    # Each of the three reads of the participant is logged once.
    assert (
        AuditEvent.objects.filter(participant_id=case.pk, action=AuditEvent.Action.VIEW).count()
        == 3
    )


def test_a_placement_is_made_through_the_pages(owner, case):
    at = employer(owner, name="Bageriet AB")
    supervisor = contact_person(at, name="Handledare Hanna")
    client = client_for(owner)
    url = reverse("employers:placement_create", args=[case.pk])
    chooser = client.get(url)
    assert chooser.status_code == 200 and "Bageriet AB" in chooser.text
    form = client.get(url, {"employer": at.pk})
    assert "Handledare Hanna" in form.text
    response = client.post(
        url,
        {
            "employer": at.pk,
            "kind": "praktik",
            "start_date": TODAY.isoformat(),
            "supervisor": supervisor.pk,
            "notes": "",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("employers:participant_tab", args=[case.pk])
    placement = Placement.objects.get()
    assert (placement.employer, placement.supervisor) == (at, supervisor)

    # Bad input: the form again, in Swedish, nothing saved.
    response = client.post(
        url, {"employer": at.pk, "kind": "praktik", "start_date": "", "support_form": "lonebidrag"}
    )
    assert response.status_code == 200
    assert "Ange datum." in response.text
    assert Placement.objects.count() == 1

    page = reverse("employers:placement_edit", args=[case.pk, placement.pk])
    assert client.get(page).status_code == 200
    response = client.post(
        reverse("employers:placement_follow_up", args=[case.pk, placement.pk]),
        {"uppfoljning-date": TODAY.isoformat(), "uppfoljning-notes": "Bra start."},
    )
    assert response.status_code == 302
    assert placement.follow_ups.get().notes == "Bra start."
    response = client.post(
        reverse("employers:placement_follow_up", args=[case.pk, placement.pk]),
        {"uppfoljning-date": "2999-01-01"},
    )
    assert response.status_code == 200 and "framtiden" in response.text
    assert (
        client.get(
            reverse("employers:placement_follow_up", args=[case.pk, placement.pk])
        ).status_code
        == 405
    )


def test_others_never_reach_the_placement_pages(owner, teammate, counsellor, case):
    placement = place(owner, case, employer(owner))
    urls = [
        reverse("employers:participant_tab", args=[case.pk]),
        reverse("employers:placement_create", args=[case.pk]),
        reverse("employers:placement_edit", args=[case.pk, placement.pk]),
    ]
    for user in (teammate, counsellor):
        client = client_for(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
    # A placement of another participant is not found under this one.
    other = ParticipantFactory(responsible=owner)
    assert (
        client_for(owner)
        .get(reverse("employers:placement_edit", args=[other.pk, placement.pk]))
        .status_code
        == 404
    )
