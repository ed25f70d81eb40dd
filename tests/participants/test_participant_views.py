import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from participants.models import Consent, Participant, Task
from rattinsats.models import AuditEvent, Organisation
from tests.conftest import client_for
from tests.factories import ConsentFactory, ParticipantFactory

# session, user, count, rows with the consent subquery, and header counts
# of tasks and notifications and the user's organisation (one query). The
# session is renewed at most once a minute (sessions expire when idle), not
# written by every page.
LIST_QUERIES = 5


def participant_urls(participant, consent):
    return [
        reverse("participants:detail", args=[participant.pk]),
        reverse("participants:consents", args=[participant.pk]),
    ]


@pytest.mark.django_db
def test_it_redirects_anonymous_users_to_login(client, participant):
    consent = ConsentFactory(participant=participant)
    urls = [
        reverse("participants:list"),
        reverse("casework:tasks"),
        *participant_urls(participant, consent),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url
        assert str(participant.pk) not in response.url.split("next=")[0]


@pytest.mark.parametrize("role", ["teammate", "counsellor", "steering", "administrator", "officer"])
def test_it_answers_404_to_users_without_rights(request, role, participant):
    user = request.getfixturevalue(role)
    client = client_for(user)
    consent = ConsentFactory(participant=participant)
    for url in participant_urls(participant, consent):
        assert client.get(url).status_code == 404, (role, url)
    withdraw = reverse("participants:consent_withdraw", args=[participant.pk, consent.pk])
    assert client.get(withdraw).status_code == 404
    assert client.post(withdraw).status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


@pytest.mark.parametrize("role", ["counsellor", "steering"])
def test_it_hides_the_participant_list_from_other_roles(request, role):
    client = client_for(request.getfixturevalue(role))
    assert client.get(reverse("participants:list")).status_code == 404
    assert client.get(reverse("casework:tasks")).status_code == 404


def test_it_answers_405_to_wrong_methods(owner_client, participant):
    consent = ConsentFactory(participant=participant)
    assert (
        owner_client.post(reverse("participants:detail", args=[participant.pk])).status_code == 405
    )
    assert owner_client.delete(reverse("participants:list")).status_code == 405
    url = reverse("participants:consent_withdraw", args=[participant.pk, consent.pk])
    assert owner_client.put(url).status_code == 405
    assert owner_client.post(reverse("casework:tasks")).status_code == 405


def test_it_lists_only_my_participants(owner, teammate, django_assert_num_queries):
    mine = [ParticipantFactory(responsible=owner) for _ in range(3)]
    theirs = ParticipantFactory(responsible=teammate)
    client = client_for(owner)
    client.get(reverse("participants:list"))  # warm the session
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(reverse("participants:list"))
    html = response.content.decode()
    for p in mine:
        assert p.last_name in html
        assert p.personnummer_masked in html
        assert p.personnummer_display not in html
    assert theirs.last_name not in html


def test_it_keeps_the_query_count_when_the_list_grows(owner, django_assert_num_queries):
    for _ in range(30):
        ParticipantFactory(responsible=owner)
    client = client_for(owner)
    client.get(reverse("participants:list"))
    with django_assert_num_queries(LIST_QUERIES):
        client.get(reverse("participants:list"))


def test_it_searches_by_name_and_personnummer_in_a_post_body(owner):
    alva = ParticipantFactory(responsible=owner, first_name="Alva", last_name="Sökbar")
    other = ParticipantFactory(responsible=owner, first_name="Erik", last_name="Annan")
    client = client_for(owner)
    by_name = client.post(reverse("participants:list"), {"q": "sökbar"}).content.decode()
    assert "Sökbar" in by_name and "Annan" not in by_name
    by_number = client.post(
        reverse("participants:list"), {"q": alva.personnummer[2:8] + "-" + alva.personnummer[8:]}
    ).content.decode()
    assert "Sökbar" in by_number and other.last_name not in by_number


def test_it_shows_the_full_personnummer_on_the_participant_page(owner_client, participant):
    html = owner_client.get(reverse("participants:detail", args=[participant.pk])).content.decode()
    assert participant.personnummer_display in html
    assert "Saknas, har gått ut eller är återkallat" in html


def test_it_sends_no_store_on_participant_pages(owner_client, participant):
    response = owner_client.get(reverse("participants:detail", args=[participant.pk]))
    assert "no-store" in response["Cache-Control"]


def test_it_records_a_consent(owner_client, participant):
    today = timezone.localdate()
    response = owner_client.post(
        reverse("participants:consents", args=[participant.pk]),
        {
            "organisations": [o.pk for o in Organisation.objects.all()],
            "signed_on": today.isoformat(),
            "valid_until": (today + datetime.timedelta(days=365)).isoformat(),
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get(participant=participant)
    assert consent.organisations.count() == 3
    assert consent.recorded_by.username == "owner"


def test_it_refuses_a_bad_consent_in_swedish_and_keeps_the_input(owner_client, participant):
    response = owner_client.post(
        reverse("participants:consents", args=[participant.pk]),
        {"signed_on": "2026-05-10", "valid_until": "2026-01-01"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Välj minst en organisation." in html
    assert "Giltigt till kan inte vara före undertecknandet." in html
    assert 'value="2026-05-10"' in html
    assert not Consent.objects.exists()


def test_it_withdraws_a_consent_after_confirmation(owner_client, participant):
    consent = ConsentFactory(participant=participant)
    url = reverse("participants:consent_withdraw", args=[participant.pk, consent.pk])
    confirm = owner_client.get(url)
    assert "Det går inte att ångra" in confirm.content.decode()
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
    assert owner_client.post(url).status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None


def test_it_completes_only_my_own_tasks(owner, teammate, participant):
    task = Task.objects.create(assignee=owner, participant=participant, kind=Task.Kind.BOOK_MAPPING)
    assert (
        client_for(teammate).post(reverse("participants:task_done", args=[task.pk])).status_code
        == 404
    )
    task.refresh_from_db()
    assert task.done_at is None
    response = client_for(owner).post(reverse("participants:task_done", args=[task.pk]))
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.done_at is not None


def test_it_shows_my_tasks_on_the_start_page(owner, participant):
    Task.objects.create(assignee=owner, participant=participant, kind=Task.Kind.BOOK_MAPPING)
    client = client_for(owner)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("casework:tasks")
    html = response.content.decode()
    assert "Boka kartläggningsmöte" in html
    assert participant.full_name in html


def test_it_pages_through_search_results_with_a_valid_csrf_token(owner):
    for _ in range(55):
        ParticipantFactory(responsible=owner, last_name="Sidbläddrare")
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    first = client.get(reverse("participants:list"))
    token = first.cookies["csrftoken"].value
    page1 = client.post(
        reverse("participants:list"), {"q": "Sidbläddrare", "csrfmiddlewaretoken": token}
    )
    html = page1.content.decode()
    assert "Sida 1 av 2" in html
    # The pagination form carries its own token, so the next page is a valid POST.
    assert html.count('name="csrfmiddlewaretoken"') >= 2
    page2 = client.post(
        reverse("participants:list"),
        {"q": "Sidbläddrare", "page": "2", "csrfmiddlewaretoken": token},
    )
    assert page2.status_code == 200
    assert "Sida 2 av 2" in page2.content.decode()


def test_it_serves_the_signed_consent_form_to_the_responsible_only(owner, teammate, participant):
    from django.core.files.base import ContentFile

    consent = ConsentFactory(participant=participant)
    consent.document.save("blankett.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    url = reverse("participants:consent_document", args=[participant.pk, consent.pk])
    try:
        response = client_for(owner).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        assert AuditEvent.objects.filter(detail="samtyckesblankett", user=owner).count() == 1
        assert client_for(teammate).get(url).status_code == 404
        page = client_for(owner).get(reverse("participants:consents", args=[participant.pk]))
        assert url in page.content.decode()
    finally:
        consent.document.delete(save=False)


def test_it_answers_404_for_a_consent_without_a_form(owner_client, participant):
    consent = ConsentFactory(participant=participant)
    url = reverse("participants:consent_document", args=[participant.pk, consent.pk])
    assert owner_client.get(url).status_code == 404


def test_it_marks_closed_participants_still_in_follow_up(owner):
    closed = ParticipantFactory(responsible=owner, last_name="Uppföljd")
    Participant.objects.filter(pk=closed.pk).update(
        status="avslutad", end_date=closed.start_date, closure_reason="arbete"
    )
    Task.objects.create(assignee=owner, participant=closed, kind=Task.Kind.FOLLOW_UP)
    html = client_for(owner).get(reverse("participants:list")).content.decode()
    assert "I uppföljning" in html
