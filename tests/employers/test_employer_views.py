"""The employer and job-order pages: who opens them, the search, the sole
trader's number (masked in lists, its reads audited), the forms and the
query budgets of the lists and the employer's page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from employers import services
from employers.models import Employer, EmployerContact, JobOrder, Placement
from rattinsats.models import AuditEvent
from tests.conftest import client_for
from tests.factories import ParticipantFactory

from .employer_data import contact_person, employer, job_order

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()

# Employer list: session, user, the count, the page's rows (relationship
# holder, open orders and last contact in the same query), and the header's
# counts of tasks and notifications and the user's organisation (one query).
# The session is renewed at most once a minute, not written by every page.
LIST_QUERIES = 5
# Job-order list: the same, with the page's rows and their employer.
JOB_ORDER_QUERIES = 5


def test_anonymous_users_are_sent_to_the_login(client, owner):
    e = employer(owner)
    for url in (
        reverse("employers:list"),
        reverse("employers:detail", args=[e.pk]),
        reverse("employers:job_orders"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_only_the_project_team_opens_employer_pages(
    owner, officer, counsellor, steering, administrator
):
    e = employer(owner)
    order = job_order(owner, e)
    urls = [
        reverse("employers:list"),
        reverse("employers:create"),
        reverse("employers:detail", args=[e.pk]),
        reverse("employers:edit", args=[e.pk]),
        reverse("employers:job_orders"),
        reverse("employers:job_order", args=[order.pk]),
        reverse("employers:export"),
    ]
    for user in (counsellor, steering, administrator):
        client = client_for(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user.role, url)
    for user in (owner, officer):
        client = client_for(user)
        for url in urls:
            assert client.get(url).status_code == 200, (user.role, url)


def test_the_list_masks_sole_traders_and_keeps_its_query_count(owner, django_assert_num_queries):
    company = employer(owner, name="Verkstaden AB", city="Eskilstuna")
    sole = employer(owner, name="Frisör Test", sole_trader=True)
    job_order(owner, company)
    EmployerContact.objects.create(employer=company, kind="samtal", date=TODAY, staff=owner)
    client = client_for(owner)
    url = reverse("employers:list")
    client.get(url)  # warm the session
    with django_assert_num_queries(LIST_QUERIES):
        page = client.get(url).text
    assert company.organisation_number in page
    assert sole.organisation_number not in page
    assert sole.organisation_number[:6] + "-****" in page
    assert TODAY.isoformat() in page
    for n in range(30):
        e = employer(owner, name=f"Företag {n}", responsible=owner)
        job_order(owner, e)
        EmployerContact.objects.create(employer=e, kind="besok", date=TODAY, staff=owner)
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(url).status_code == 200


def test_it_searches_by_name_or_number_in_a_post_body(owner):
    a = employer(owner, name="Bageriet i Eskilstuna AB")
    b = employer(owner, name="Verkstaden AB")
    sole = employer(owner, name="Frisör Test", sole_trader=True)
    client = client_for(owner)
    url = reverse("employers:list")

    def found(term):
        page = client.post(url, {"q": term}).text
        return {e.name for e in (a, b, sole) if e.name in page}

    assert found("bageriet eskilstuna") == {a.name}
    assert found(b.organisation_number) == {b.name}
    assert found(b.organisation_number.replace("-", "")) == {b.name}
    assert found(b.organisation_number[:4]) == {e.name for e in (a, b)}  # series 559…
    # A sole trader is found by the owner's personnummer, in 12 digits too.
    assert found("19" + sole.organisation_number) == {sole.name}
    assert found("ingen sådan") == set()


def test_the_employers_page_shows_everything_in_a_fixed_number_of_queries(
    owner, teammate, django_assert_num_queries
):
    e = employer(owner, name="Verkstaden AB", notes="Vill ha praktikanter.")
    client = client_for(owner)
    url = reverse("employers:detail", args=[e.pk])
    client.get(url)

    def fill(n):
        for i in range(n):
            person = contact_person(e, name=f"Kontakt {i}")
            EmployerContact.objects.create(
                employer=e, kind="samtal", date=TODAY, staff=owner, contact_person=person
            )
            job_order(owner, e, occupation=f"Yrke {i}")
            mine = ParticipantFactory(responsible=owner, first_name="Synlig")
            theirs = ParticipantFactory(responsible=teammate, first_name="Dold")
            for p, actor in ((mine, owner), (theirs, teammate)):
                services.placement_create(
                    actor=actor, participant=p, employer=e, kind="praktik", start_date=TODAY
                )

    fill(1)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    fill(5)
    with django_assert_num_queries(len(small.captured_queries)):
        page = client.get(url).text
    assert len(small.captured_queries) <= 14
    # Kontakt 4 in the contact people and in the log.
    assert page.count("<td>Kontakt 4") == 2 and page.count(">Yrke 0</a>") == 2
    # Placements name the participants the user works with, and only those.
    assert "Synlig" in page and "Dold" not in page
    assert page.count("Deltagare du inte arbetar med") == 6


def test_a_sole_traders_page_shows_the_full_number_and_its_read_is_audited(owner):
    sole = employer(owner, name="Frisör Test", sole_trader=True)
    company = employer(owner)
    client = client_for(owner)
    page = client.get(reverse("employers:detail", args=[sole.pk])).text
    assert sole.organisation_number in page
    client.get(reverse("employers:edit", args=[sole.pk]))
    client.get(reverse("employers:detail", args=[company.pk]))
    views = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW)
    assert list(views.values_list("object_type", "object_id")) == [
        ("employers.employer", str(sole.pk)),
        ("employers.employer", str(sole.pk)),
    ]
    # The title never names the employer.
    assert "<title>Arbetsgivare" in page and "Frisör Test –" not in page


def test_an_employer_is_created_through_the_form(owner):
    client = client_for(owner)
    url = reverse("employers:create")
    response = client.post(
        url,
        {
            "organisation_number": "5566778899",
            "name": "Lagerbolaget AB",
            "sni_code": "52.100",
            "postal_code": "63220",
            "responsible": owner.pk,
        },
    )
    e = Employer.objects.get()
    assert response.status_code == 302 and response.url == reverse("employers:detail", args=[e.pk])
    assert (e.organisation_number, e.sni_code, e.responsible) == ("556677-8899", "52100", owner)

    response = client.post(url, {"organisation_number": "5566778898", "name": "", "sni_code": "1"})
    assert response.status_code == 200
    for message in ("kontrollsiffran stämmer inte", "Ange namn.", "Ogiltig SNI-kod"):
        assert message in response.text
    response = client.post(url, {"organisation_number": "556677-8899", "name": "Igen"})
    assert "Det finns redan en arbetsgivare" in response.text
    assert Employer.objects.count() == 1


def test_an_old_version_of_the_edit_form_is_refused(owner):
    e = employer(owner)
    client = client_for(owner)
    url = reverse("employers:edit", args=[e.pk])
    data = {"version": 1, "organisation_number": e.organisation_number, "name": "Nytt AB"}
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "name": "Äldre AB"})
    assert response.status_code == 200
    assert "har ändrats av någon annan" in response.text
    e.refresh_from_db()
    assert (e.name, e.version) == ("Nytt AB", 2)


def test_contacts_people_and_orders_are_added_from_the_employers_page(owner, teammate):
    e = employer(owner)
    client = client_for(owner)
    response = client.post(
        reverse("employers:contact_person_create", args=[e.pk]),
        {"name": "Kim Kontakt", "role": "HR", "email": "inte-en-adress"},
    )
    assert "Ange en giltig e-postadress." in response.text
    client.post(
        reverse("employers:contact_person_create", args=[e.pk]),
        {"name": "Kim Kontakt", "role": "HR", "email": "kim@example.se"},
    )
    person = e.contact_people.get()
    response = client.post(
        reverse("employers:contact_record", args=[e.pk]),
        {
            "kind": "besok",
            "date": TODAY.isoformat(),
            "staff": teammate.pk,
            "contact_person": person.pk,
            "outcome": "Visade lagret",
            "next_step": "Skicka två namn",
            "next_step_due": (TODAY + datetime.timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 302
    contact = EmployerContact.objects.get()
    assert (contact.staff, contact.task.assignee) == (teammate, teammate)
    response = client.post(
        reverse("employers:job_order_create", args=[e.pk]),
        {"occupation": "Lagerarbetare", "ssyk_code": "9321", "positions": "2"},
    )
    order = JobOrder.objects.get()
    assert response.url == reverse("employers:job_order", args=[order.pk])
    response = client.post(
        reverse("employers:job_order_edit", args=[order.pk]),
        {
            "occupation": "Lagerarbetare",
            "positions": "2",
            "status": "filled",
            "version": "1",
        },
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == JobOrder.Status.FILLED
    page = client.get(reverse("employers:detail", args=[e.pk])).text
    assert "Visade lagret" in page and "Skicka två namn" in page and "Kim Kontakt" in page


def test_a_merge_is_chosen_on_the_duplicates_page(owner):
    keep = employer(owner, name="Behåll AB")
    duplicate = employer(owner, name="Dubblett AB")
    job_order(owner, duplicate)
    client = client_for(owner)
    url = reverse("employers:merge", args=[duplicate.pk])
    page = client.get(url).text
    assert "Behåll AB" in page
    response = client.post(url, {"keep": duplicate.pk})
    assert response.status_code == 200 and "Välj en arbetsgivare i listan." in response.text
    response = client.post(url, {"keep": keep.pk})
    assert response.url == reverse("employers:detail", args=[keep.pk])
    assert JobOrder.objects.get().employer == keep
    page = client.get(reverse("employers:detail", args=[duplicate.pk])).text
    assert "Sammanslagen med" in page and "Behåll AB" in page
    assert "Registrera kontakt" not in page
    # Its form pages send back to its page.
    response = client.get(reverse("employers:edit", args=[duplicate.pk]))
    assert response.url == reverse("employers:detail", args=[duplicate.pk])
    assert "Dubblett AB" not in client.get(reverse("employers:list")).text


def test_the_job_order_list_filters_by_status_within_its_budget(owner, django_assert_num_queries):
    e = employer(owner, name="Verkstaden AB")
    job_order(owner, e, occupation="Svetsare")
    job_order(owner, e, occupation="Montör", status=JobOrder.Status.FILLED)
    client = client_for(owner)
    url = reverse("employers:job_orders")
    client.get(url)
    with django_assert_num_queries(JOB_ORDER_QUERIES):
        page = client.get(url).text
    assert "Svetsare" in page and "Montör" not in page
    page = client.get(url, {"status": "filled"}).text
    assert "Montör" in page and "Svetsare" not in page
    page = client.get(url, {"status": "alla"}).text
    assert "Montör" in page and "Svetsare" in page
    assert client.get(url, {"status": "<script>"}).status_code == 200
    for n in range(30):
        job_order(owner, employer(owner), occupation=f"Yrke {n}")
    with django_assert_num_queries(JOB_ORDER_QUERIES):
        assert client.get(url).status_code == 200


def test_the_job_order_pages_keep_the_chosen_status(owner, monkeypatch):
    from employers import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    e = employer(owner, name="Verkstaden AB")
    for n in range(5):
        job_order(owner, e, occupation=f"Tillsatt {n}", status=JobOrder.Status.FILLED)
    client = client_for(owner)
    url = reverse("employers:job_orders")
    page = client.get(url, {"status": "filled", "page": 2}).text
    assert "Sida 2 av 3" in page
    assert 'href="?status=filled&amp;page=1"' in page
    assert 'href="?status=filled&amp;page=3"' in page


def test_the_job_orders_page_shows_its_placements(owner, teammate):
    e = employer(owner)
    order = job_order(owner, e, occupation="Svetsare", requirements="Svetslicens")
    mine = ParticipantFactory(responsible=owner, first_name="Synlig")
    services.placement_create(
        actor=owner,
        participant=mine,
        employer=e,
        job_order=order,
        kind=Placement.Kind.EMPLOYMENT,
        start_date=TODAY,
    )
    page = client_for(owner).get(reverse("employers:job_order", args=[order.pk])).text
    assert "Svetslicens" in page and "Synlig" in page
    page = client_for(teammate).get(reverse("employers:job_order", args=[order.pk])).text
    assert "Synlig" not in page and "Deltagare du inte arbetar med" in page


def test_wrong_methods_are_refused(owner):
    e = employer(owner)
    client = client_for(owner)
    assert client.post(reverse("employers:detail", args=[e.pk])).status_code == 405
    assert client.post(reverse("employers:job_orders")).status_code == 405
    assert client.post(reverse("employers:export")).status_code == 405


def test_the_menu_has_one_entry_for_employers_and_job_orders(owner, counsellor):
    page = client_for(owner).get(reverse("employers:job_orders")).text
    assert page.count(f'href="{reverse("employers:list")}"') == 2  # the menu and the tab
    assert 'aria-current="page">Arbetsgivare<' in page  # the section is current
    assert (
        reverse("employers:list") not in client_for(counsellor).get(reverse("referrals:mine")).text
    )
