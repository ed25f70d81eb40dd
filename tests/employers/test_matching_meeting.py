"""The weekly meeting's item "Arbetsgivare och jobborder", built from the
data: open orders, the week's employer contacts, placements that start or
end in the week; the free-text notes stay beside it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from employers import matching
from employers.models import EmployerContact, JobOrder, Placement, SupportForm
from referrals.models import week_monday
from tests.conftest import client_for
from tests.factories import ParticipantFactory, ensure_reference_data

from .test_matching import documents, employer, job_order

pytestmark = pytest.mark.django_db


def main_of(response) -> str:
    return response.content.decode().split('<main id="main"')[1].split("</main>")[0]


@pytest.fixture
def week():
    monday = week_monday(timezone.localdate())
    return monday, monday + datetime.timedelta(days=6)


def world(owner, teammate, week):
    """An open order with a proposal, one filled, one past its last day;
    contacts this week and last; placements starting and ending this week,
    one of them the teammate's participant."""
    ensure_reference_data()
    monday, sunday = week
    order = job_order(owner, occupation="Lagerarbetare", employer=employer(owner, "Hylla AB"))
    documents(ParticipantFactory(responsible=owner), goal="lager", licences="B-körkort")
    matching.match_propose(actor=owner, job_order=order)
    job_order(owner, occupation="Snickare", status=JobOrder.Status.FILLED)
    job_order(
        owner, occupation="Målare", apply_by=timezone.localdate() - datetime.timedelta(days=1)
    )
    shop = employer(owner, "Butiken Kassa AB")
    EmployerContact.objects.create(
        employer=shop,
        kind=EmployerContact.Kind.VISIT,
        date=monday,
        staff=owner,
        next_step="Skicka praktikavtal",
    )
    EmployerContact.objects.create(
        employer=shop,
        kind=EmployerContact.Kind.CALL,
        date=monday - datetime.timedelta(days=3),
        staff=owner,
    )
    mine = ParticipantFactory(responsible=owner, first_name="Greta", last_name="Egensson")
    theirs = ParticipantFactory(
        responsible=teammate, first_name="Hemlig", last_name="Kollegasdotter"
    )
    Placement.objects.create(
        participant=mine,
        employer=shop,
        kind=Placement.Kind.INTERNSHIP,
        start_date=monday,
        created_by=owner,
    )
    Placement.objects.create(
        participant=theirs,
        employer=shop,
        kind=Placement.Kind.EMPLOYMENT,
        support_form=SupportForm.LONEBIDRAG,
        start_date=monday - datetime.timedelta(days=200),
        end_date=sunday,
        created_by=teammate,
    )
    return order


def test_the_meeting_shows_the_employer_item_from_the_data(owner, teammate, week):
    world(owner, teammate, week)
    html = main_of(client_for(owner).get(reverse("referrals:meeting_current")))
    item = html.split('id="meeting-employers"')[1].split("Mötesanteckningar")[0]
    # The open order with its matching so far; not the filled or closed ones.
    assert "Lagerarbetare" in item and "Hylla AB" in item
    assert "Snickare" not in item and "Målare" not in item
    # This week's visit, not last week's call.
    assert "Besök" in item and "Skicka praktikavtal" in item and "Samtal" not in item
    # Placements: mine by name, the teammate's participant only as whose.
    assert "Greta Egensson" in item
    assert "Kollegasdotter" not in item
    assert f"Deltagare hos {teammate}" in item
    assert "Lönebidrag" in item
    # The free-text notes are still there, beside it.
    assert 'name="employer_notes"' in html


def test_an_earlier_week_shows_its_contacts_but_not_today_s_orders(owner, teammate, week):
    world(owner, teammate, week)
    monday = week[0] - datetime.timedelta(days=7)
    year, number, _ = monday.isocalendar()
    html = main_of(client_for(owner).get(reverse("referrals:meeting", args=[year, number])))
    item = html.split('id="meeting-employers"')[1].split("Mötesanteckningar")[0]
    assert "Samtal" in item and "Lagerarbetare" not in item


def test_the_item_reads_a_fixed_number_of_queries(owner, teammate, week, django_assert_num_queries):
    from employers.weekly import meeting_employers

    world(owner, teammate, week)
    today = timezone.localdate()
    # Open orders with their matches counted, the contacts, the placements
    # with whether the user may see each participant.
    with django_assert_num_queries(3):
        meeting_employers(owner, week[0], today=today, current=True)
    world(owner, teammate, week)
    with django_assert_num_queries(3):
        section = meeting_employers(owner, week[0], today=today, current=True)
    assert len(section.open_orders) == 2 and len(section.placements_starting) == 2
    assert section.open_orders[0].proposed_n == 1
