"""The pages of matching: an order's proposals and matches, one match's
steps, and the participant's orders (the section their tab includes)."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from employers import matching
from employers.models import Match, Placement, SupportForm
from rattinsats.models import AuditEvent
from tests.conftest import client_for
from tests.factories import ConsentFactory, ParticipantFactory, ensure_reference_data

from .test_matching import documents, job_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(owner):
    ensure_reference_data()
    return job_order(owner, occupation="Lagerarbetare", requirements="B-körkort")


@pytest.fixture
def fits(owner):
    return documents(
        ParticipantFactory(responsible=owner, first_name="Lina", last_name="Lagersson"),
        goal="Arbete på lager",
        licences="B-körkort",
        employer_presentation="Som noggrann och punktlig.",
    )


@pytest.fixture
def proposed(owner, order, fits):
    matching.match_propose(actor=owner, job_order=order)
    return Match.objects.get()


def step_url(match):
    return reverse("employers:match_status", args=[match.job_order_id, match.pk])


def detail_url(match):
    return reverse("employers:match_detail", args=[match.job_order_id, match.pk])


def test_it_proposes_from_the_order_page(owner_client, order, fits):
    page = reverse("employers:job_order", args=[order.pk])
    response = owner_client.post(
        reverse("employers:match_propose", args=[order.pk]), {"next": page}
    )
    assert response.status_code == 302 and response.url == page
    response = owner_client.get(page)
    assert response.status_code == 200
    text = response.text
    assert "Lina Lagersson" in text
    assert "Målet nämner &#x27;lager&#x27;; har B-körkort" in text
    assert "Bekräfta" in text and "Avfärda" in text
    # Every form carries its CSRF token (the partials are included with "only").
    assert text.count('<form method="post"') == text.count('name="csrfmiddlewaretoken"')


@pytest.mark.parametrize("target", ["https://example.com/", "//example.com/", "0", "job_order"])
def test_next_never_leads_to_another_site(owner_client, order, fits, target):
    response = owner_client.post(
        reverse("employers:match_propose", args=[order.pk]), {"next": target}
    )
    assert response.status_code == 302
    assert response.url == reverse("employers:job_order", args=[order.pk])


def test_the_steps_through_the_pages(owner, owner_client, proposed, fits):
    ConsentFactory(participant=fits, covers_employer_presentation=True)
    for step in ("confirm", "present", "interview"):
        proposed.refresh_from_db()
        response = owner_client.post(
            step_url(proposed), {"step": step, "version": proposed.version}
        )
        assert response.status_code == 302, response.text
    proposed.refresh_from_db()
    assert proposed.status == Match.Status.INTERVIEW

    page = owner_client.get(detail_url(proposed))
    assert "Registrera anställning" in page.text
    assert "Som noggrann och punktlig." not in page.text  # shown before the presentation only
    start = timezone.localdate()
    response = owner_client.post(
        step_url(proposed),
        {"step": "hired", "version": proposed.version, "placement_start": start.isoformat()},
    )
    assert response.status_code == 302
    placement = Placement.objects.get(participant=fits)
    assert placement.support_form == SupportForm.NYSTARTSJOBB
    assert placement.kind == Placement.Kind.EMPLOYMENT


def test_a_presentation_without_consent_is_refused_in_swedish(owner_client, proposed, fits):
    ConsentFactory(participant=fits)  # valid, but not for employers
    matching.match_confirm(actor=fits.responsible, match=proposed, version=proposed.version)
    proposed.refresh_from_db()
    page = owner_client.get(detail_url(proposed))
    assert "Det finns inget giltigt samtycke som omfattar presentation för arbetsgivare" in (
        page.text
    )
    assert "Som noggrann och punktlig." in page.text  # how they want to be presented
    response = owner_client.post(step_url(proposed), {"step": "present", "version": "2"})
    assert response.status_code == 400
    assert "Deltagaren kan inte presenteras för arbetsgivaren" in response.text
    proposed.refresh_from_db()
    assert proposed.status == Match.Status.CONFIRMED and proposed.presented_at is None


def test_a_bad_hire_keeps_the_input_and_saves_nothing(owner, owner_client, proposed, fits):
    ConsentFactory(participant=fits, covers_employer_presentation=True)
    match = matching.match_confirm(actor=owner, match=proposed, version=proposed.version)
    match = matching.match_present(actor=owner, match=match, version=match.version)
    response = owner_client.post(
        step_url(match),
        {
            "step": "hired",
            "version": match.version,
            "placement_start": "2026-02-30",
            "placement_end": "",
        },
    )
    assert response.status_code == 400
    assert "Ange ett giltigt datum." in response.text or "giltigt datum" in response.text
    match.refresh_from_db()
    assert match.status == Match.Status.PRESENTED and not Placement.objects.exists()


def test_a_stale_button_is_refused(owner, owner_client, proposed):
    matching.match_confirm(actor=owner, match=proposed, version=proposed.version)
    response = owner_client.post(step_url(proposed), {"step": "dismiss", "version": "1"})
    assert response.status_code == 400
    assert "har ändrats av någon annan" in response.text


def test_others_get_404_and_a_denied_event(teammate, counsellor, steering, proposed):
    for user in (teammate, counsellor, steering):
        client = client_for(user)
        assert client.get(detail_url(proposed)).status_code == 404
        assert client.post(step_url(proposed), {"step": "confirm", "version": 1}).status_code == 404
    assert AuditEvent.objects.filter(action="denied", user=teammate).exists()
    proposed.refresh_from_db()
    assert proposed.status == Match.Status.PROPOSED


def test_an_unknown_match_is_404(owner_client, proposed):
    url = reverse("employers:match_detail", args=[proposed.job_order_id, proposed.pk + 99])
    assert owner_client.get(url).status_code == 404


def test_anonymous_is_sent_to_login(client, proposed):
    response = client.get(detail_url(proposed))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", ["match_propose", "match_add"])
def test_writes_are_post_only(owner_client, order, name):
    assert owner_client.get(reverse(f"employers:{name}", args=[order.pk])).status_code == 405


def test_the_match_page_is_a_read_in_the_audit_trail(owner, owner_client, proposed, fits):
    owner_client.get(detail_url(proposed))
    assert AuditEvent.objects.filter(
        action="view", user=owner, participant_id=fits.pk, object_type="participants.participant"
    ).exists()


def test_add_by_hand_from_the_order_page(owner_client, order, owner):
    someone = documents(ParticipantFactory(responsible=owner), goal="Restaurang")
    response = owner_client.post(
        reverse("employers:match_add", args=[order.pk]),
        {"participant": someone.pk, "note": "Har frågat efter lagerjobb"},
    )
    assert response.status_code == 302
    assert Match.objects.get(participant=someone).status == Match.Status.CONFIRMED


def test_add_by_hand_refuses_someone_else_s_participant(teammate, order):
    theirs = ParticipantFactory()
    response = client_for(teammate).post(
        reverse("employers:match_add", args=[order.pk]), {"participant": theirs.pk}
    )
    assert response.status_code == 302  # back, with the form's error as a message
    assert not Match.objects.exists()


def test_the_order_page_reads_a_fixed_number_of_queries(
    owner, owner_client, order, django_assert_num_queries
):
    page = reverse("employers:job_order", args=[order.pk])
    for _ in range(2):
        documents(ParticipantFactory(responsible=owner), goal="lager", licences="B-körkort")
    matching.match_propose(actor=owner, job_order=order)
    owner_client.get(page)
    with django_assert_num_queries(ORDER_PAGE_QUERIES):
        owner_client.get(page)
    for _ in range(4):
        documents(ParticipantFactory(responsible=owner), goal="lager", licences="B-körkort")
    matching.match_propose(actor=owner, job_order=order)
    with django_assert_num_queries(ORDER_PAGE_QUERIES):
        response = owner_client.get(page)
    assert response.text.count("Bekräfta<span") == 6


# The order's page (job_order.html, which includes the matching): session,
# user, the order with its employer, the order's placements, the header's
# task and notification counts and the user's organisation (one query); the
# matching: the user's matches with their people and consents, the others'
# counted by status, the participants to add. The session is renewed at
# most once a minute, not written by every page.
ORDER_PAGE_QUERIES = 8


def _render_participant_section(user, participant, can_change=True):
    request = RequestFactory().get(f"/deltagare/{participant.pk}/")
    request.user = user
    return render_to_string(
        "employers/matching/_participant_matches.html",
        {"participant": participant, "can_change": can_change},
        request=request,
    )


def test_the_participant_s_orders_and_the_open_orders_that_fit(owner, order, fits):
    other = job_order(owner, occupation="Truckförare på lager", requirements="")
    matching.match_add(actor=owner, job_order=order, participant=fits)
    html = _render_participant_section(owner, fits)
    assert "Lagerarbetare" in html and "Bekräftad" in html
    assert "Öppna jobborder som passar" in html
    assert "Truckförare på lager" in html
    assert reverse("employers:match_add", args=[other.pk]) in html
    assert html.count('<form method="post"') == html.count('name="csrfmiddlewaretoken"') > 0


def test_the_participant_section_reads_a_fixed_number_of_queries(
    owner, order, fits, django_assert_num_queries
):
    matching.match_add(actor=owner, job_order=order, participant=fits)
    for i in range(3):
        job_order(owner, occupation=f"Lagerarbetare {i}", requirements="")
    # The participant's matches, their documents, the open orders.
    with django_assert_num_queries(3):
        html = _render_participant_section(owner, fits)
    assert html.count("Lägg till på ordern<span") == 3


def test_a_presented_match_shows_its_consent_on_the_participant_s_page(owner, proposed, fits):
    consent = ConsentFactory(
        participant=fits,
        covers_employer_presentation=True,
        valid_until=timezone.localdate() + datetime.timedelta(days=90),
    )
    match = matching.match_confirm(actor=owner, match=proposed, version=proposed.version)
    matching.match_present(actor=owner, match=match, version=match.version)
    html = _render_participant_section(owner, fits)
    assert "Presenterad" in html
    assert f"samtycke t.o.m. {consent.valid_until:%Y-%m-%d}" in html
