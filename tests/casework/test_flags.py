import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from casework import services as casework
from casework.models import Flag
from casework.services import ConsentMissing, flag_create
from participants.services import consent_withdraw
from rattinsats.models import AuditEvent
from tests.conftest import client_for
from tests.factories import ConsentFactory, ParticipantFactory, organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def consent(participant):
    return ConsentFactory(participant=participant)


@pytest.fixture
def flag(owner, participant, consent):
    return flag_create(
        actor=owner,
        participant=participant,
        organisation=organisation("ekonomiskt_bistand"),
        reason="Har fått praktikplats",
    )


def test_it_moves_a_flag_from_open_to_sent_to_done(owner, flag):
    casework.flag_set_status(actor=owner, flag=flag, status=Flag.Status.SENT)
    flag.refresh_from_db()
    assert flag.status == Flag.Status.SENT and flag.sent_at is not None
    casework.flag_set_status(actor=owner, flag=flag, status=Flag.Status.DONE)
    flag.refresh_from_db()
    assert flag.status == Flag.Status.DONE and flag.done_at is not None
    assert AuditEvent.objects.filter(object_type="casework.flag", action="change").count() == 2


@pytest.mark.parametrize("status", ["done", "open", "bogus"])
def test_it_refuses_a_step_out_of_order(owner, flag, status):
    with pytest.raises(ValidationError):
        casework.flag_set_status(actor=owner, flag=flag, status=status)
    flag.refresh_from_db()
    assert flag.status == Flag.Status.OPEN


def test_it_refuses_to_send_once_the_consent_is_withdrawn(owner, flag, consent):
    consent_withdraw(actor=owner, consent=consent)
    with pytest.raises(ConsentMissing):
        casework.flag_set_status(actor=owner, flag=flag, status=Flag.Status.SENT)
    flag.refresh_from_db()
    assert flag.status == Flag.Status.OPEN and flag.sent_at is None


def test_it_refuses_staff_who_may_not_change_the_case(teammate, flag):
    with pytest.raises(PermissionDenied):
        casework.flag_set_status(actor=teammate, flag=flag, status=Flag.Status.SENT)


def test_it_answers_anonymous_outsiders_and_wrong_methods(client, request, owner, flag):
    participant = flag.participant
    tab = reverse("casework:participant_flags", args=[participant.pk])
    status = reverse("casework:flag_status", args=[participant.pk, flag.pk])
    for url in [tab, reverse("casework:flags")]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    for role in ["teammate", "counsellor", "steering", "administrator", "officer"]:
        outsider = client_for(request.getfixturevalue(role))
        assert outsider.get(tab).status_code == 404, role
        assert (
            outsider.post(tab, {"organisation": flag.organisation_id, "reason": "x"}).status_code
            == 404
        )
        assert outsider.post(status, {"status": "sent"}).status_code == 404
    for role in ["counsellor", "steering", "administrator"]:
        outsider = client_for(request.getfixturevalue(role))
        assert outsider.get(reverse("casework:flags")).status_code == 404
    assert Flag.objects.count() == 1
    flag.refresh_from_db()
    assert flag.status == Flag.Status.OPEN
    owner_client = client_for(owner)
    assert owner_client.get(status).status_code == 405
    assert owner_client.post(reverse("casework:flags")).status_code == 405


def test_it_creates_a_manual_flag_from_the_tab(owner_client, participant, consent):
    url = reverse("casework:participant_flags", args=[participant.pk])
    af = organisation("arbetsformedlingen")
    response = owner_client.post(
        url, {"organisation": af.pk, "reason": "Behöver lönestöd utrett"}, follow=True
    )
    html = response.content.decode()
    assert "Flaggan är skapad." in html and "Behöver lönestöd utrett" in html
    assert "Inget giltigt samtycke omfattar" not in html
    flag = Flag.objects.get()
    assert flag.kind == Flag.Kind.MANUAL and flag.organisation == af


def test_it_shows_the_missing_consent_on_the_form_and_saves_nothing(owner_client, participant):
    url = reverse("casework:participant_flags", args=[participant.pk])
    org = organisation("ekonomiskt_bistand")
    response = owner_client.post(url, {"organisation": org.pk, "reason": "Start"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "det finns inget giltigt samtycke som omfattar organisationen" in html
    assert "Inget giltigt samtycke omfattar:" in html  # said before the user tries
    assert "Start</textarea>" in html
    assert not Flag.objects.exists()


def test_it_refuses_bad_input_in_swedish(owner_client, participant):
    url = reverse("casework:participant_flags", args=[participant.pk])
    html = owner_client.post(url, {"organisation": "999", "reason": ""}).content.decode()
    assert "Välj en organisation i listan." in html and "Ange en anledning." in html
    assert not Flag.objects.exists()


def test_it_sends_from_the_tab_and_shows_a_refusal(owner, owner_client, flag, consent):
    url = reverse("casework:flag_status", args=[flag.participant_id, flag.pk])
    consent_withdraw(actor=owner, consent=consent)
    response = owner_client.post(url, {"status": "sent", "via": "viva"}, follow=True)
    assert "det finns inget giltigt samtycke" in response.content.decode()
    flag.refresh_from_db()
    assert flag.status == Flag.Status.OPEN
    ConsentFactory(participant=flag.participant)
    # How it was sent must be said.
    response = owner_client.post(url, {"status": "sent"}, follow=True)
    assert "Ange hur flaggan skickades: Viva, AIS eller telefon." in response.content.decode()
    flag.refresh_from_db()
    assert flag.status == Flag.Status.OPEN
    response = owner_client.post(url, {"status": "sent", "via": "telefon", "back": "list"})
    assert response.url == reverse("casework:flags")
    flag.refresh_from_db()
    assert flag.status == Flag.Status.SENT
    assert (flag.sent_by, flag.sent_via) == (owner, Flag.SentVia.PHONE)
    html = owner_client.get(reverse("casework:flags"), {"status": "sent"}).content.decode()
    assert f"skickad {timezone.localdate(flag.sent_at)} av {owner} via Telefon" in html
    owner_client.post(url, {"status": "done"})
    flag.refresh_from_db()
    assert (flag.status, flag.done_by) == (Flag.Status.DONE, owner)
    html = owner_client.get(
        reverse("casework:participant_flags", args=[flag.participant_id])
    ).content.decode()
    assert f"kvitterad {timezone.localdate(flag.done_at)}, registrerat av {owner}" in html


def test_it_does_not_withdraw_from_the_status_form(owner_client, flag):
    url = reverse("casework:flag_status", args=[flag.participant_id, flag.pk])
    response = owner_client.post(url, {"status": "withdrawn"}, follow=True)
    assert "Ange varför flaggan återkallas." in response.content.decode()
    flag.refresh_from_db()
    assert flag.status == Flag.Status.OPEN


def test_it_lists_flags_per_organisation_to_send_by_default(owner, teammate):
    eb, af = organisation("ekonomiskt_bistand"), organisation("arbetsformedlingen")
    mine = ParticipantFactory(responsible=owner, last_name="Minsson")
    ConsentFactory(participant=mine)
    sent = flag_create(actor=owner, participant=mine, organisation=eb, reason="Skickad redan")
    casework.flag_send(actor=owner, flag=sent, via=Flag.SentVia.VIVA)
    done = flag_create(actor=owner, participant=mine, organisation=eb, reason="Kvitterad redan")
    casework.flag_send(actor=owner, flag=done, via=Flag.SentVia.VIVA)
    casework.flag_acknowledge(actor=owner, flag=done)
    gone = flag_create(actor=owner, participant=mine, organisation=eb, reason="Återkallad")
    casework.flag_withdraw(actor=owner, flag=gone, reason="Skapad av misstag")
    flag_create(actor=owner, participant=mine, organisation=eb, reason="Ska skickas")
    flag_create(actor=owner, participant=mine, organisation=af, reason="Till AF")
    theirs = ParticipantFactory(responsible=teammate, last_name="Andrasson")
    ConsentFactory(participant=theirs)
    flag_create(actor=teammate, participant=theirs, organisation=eb, reason="Inte din")

    client = client_for(owner)
    url = reverse("casework:flags")
    html = client.get(url, {"organisation": eb.pk}).content.decode()
    assert "Ska skickas" in html
    assert "Skickad redan" not in html and "Kvitterad redan" not in html
    assert "Återkallad" not in html.split("<table")[1]
    assert "Till AF" not in html and "Inte din" not in html and "Andrasson" not in html
    # Without any filter: every organisation, still only those to send.
    html = client.get(url).content.decode()
    assert "Till AF" in html and "Ska skickas" in html and "Skickad redan" not in html
    # One state at a time, or all of them with those to send first.
    for status, shown in [
        ("sent", "Skickad redan"),
        ("done", "Kvitterad redan"),
        ("withdrawn", "Skapad av misstag"),
    ]:
        html = client.get(url, {"organisation": eb.pk, "status": status}).content.decode()
        assert shown in html, status
        assert "Ska skickas" not in html, status
    html = client.get(url, {"organisation": eb.pk, "status": "alla"}).content.decode()
    order = [html.index(text) for text in ("Ska skickas", "Skickad redan", "Kvitterad redan")]
    assert order == sorted(order)
    assert "Skapad av misstag" in html and "Inte din" not in html
    # A state that does not exist falls back to those to send.
    html = client.get(url, {"status": "bogus"}).content.decode()
    assert "Ska skickas" in html and "Skickad redan" not in html


# Session, user; the chosen organisation (filter validation); the page's
# count and rows (flags with participant, organisation and author); the
# filter's organisations; the header (task and notification counts and the
# user's organisation, one query). The session is renewed at most once a
# minute, not written by every page.
FLAG_LIST_QUERIES = 7


@pytest.mark.parametrize("count", [3, 25])
@pytest.mark.parametrize("status", ["", "alla", "sent"])
def test_it_keeps_the_flag_list_query_count(owner, count, status, django_assert_num_queries):
    eb = organisation("ekonomiskt_bistand")
    for i in range(count):
        p = ParticipantFactory(responsible=owner)
        ConsentFactory(participant=p)
        flag = flag_create(actor=owner, participant=p, organisation=eb, reason="Start")
        if i % 3 == 1:
            casework.flag_send(actor=owner, flag=flag, via=Flag.SentVia.AIS)
        elif i % 3 == 2:
            casework.flag_send(actor=owner, flag=flag, via=Flag.SentVia.VIVA)
            casework.flag_acknowledge(actor=owner, flag=flag)
            withdrawn = flag_create(actor=owner, participant=p, organisation=eb, reason="Fel")
            casework.flag_withdraw(actor=owner, flag=withdrawn, reason="Fel")
    client = client_for(owner)
    url = reverse("casework:flags")
    query = {"organisation": eb.pk, "status": status}
    client.get(url, query)
    with django_assert_num_queries(FLAG_LIST_QUERIES):
        response = client.get(url, query)
    assert response.status_code == 200


# As the other tabs: session, user; the user's permissions on the
# participant (one query, which also gives the change right), the
# participant and its VIEW event; consents with their organisations; the
# flags; the organisations without consent and the form's organisations;
# the header (task and notification counts and organisation, one query).
# The session is renewed at most once a minute, not written by every page.
FLAG_TAB_QUERIES = 11


@pytest.mark.parametrize("count", [1, 10])
def test_it_keeps_the_flag_tab_query_count(
    owner, participant, consent, count, django_assert_num_queries
):
    eb = organisation("ekonomiskt_bistand")
    for _ in range(count):
        flag_create(actor=owner, participant=participant, organisation=eb, reason="Start")
    client = client_for(owner)
    url = reverse("casework:participant_flags", args=[participant.pk])
    client.get(url)
    with django_assert_num_queries(FLAG_TAB_QUERIES):
        client.get(url)


def every_post_form_has_a_csrf_token(html: str) -> bool:
    forms = re.findall(r'<form method="post".*?</form>', html, flags=re.S)
    return bool(forms) and all("csrfmiddlewaretoken" in form for form in forms)


def test_it_puts_a_csrf_token_in_every_status_form(owner, flag):
    client = client_for(owner)
    tab = client.get(reverse("casework:participant_flags", args=[flag.participant_id]))
    assert every_post_form_has_a_csrf_token(tab.content.decode())
    listing = client.get(reverse("casework:flags"))
    assert every_post_form_has_a_csrf_token(listing.content.decode())


def test_the_flag_list_pages_keep_the_filter(owner, participant, consent, monkeypatch):
    from casework import views

    monkeypatch.setattr(views, "FLAG_PAGE_SIZE", 2)
    economy = organisation("ekonomiskt_bistand")
    for n in range(5):
        flag_create(actor=owner, participant=participant, organisation=economy, reason=f"Skäl {n}")
    page = client_for(owner).get(
        reverse("casework:flags"), {"organisation": economy.pk, "status": "open", "page": 2}
    )
    text = page.text
    assert "Sida 2 av 3" in text
    query = f"organisation={economy.pk}&amp;status=open"
    assert f'href="?{query}&amp;page=1"' in text and f'href="?{query}&amp;page=3"' in text
