import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from casework import services as casework
from casework import urls as casework_urls
from casework.models import JournalNote
from rattinsats.models import AuditEvent
from tests.conftest import client_for
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


def write(actor, participant, text="Samtal om praktik", corrects=None, kind="dag"):
    return casework.journal_note_create(
        actor=actor,
        participant=participant,
        kind=kind,
        happened_on=timezone.localdate(),
        text=text,
        corrects=corrects,
    )


def test_it_writes_a_note_with_an_audit_event(owner, participant):
    note = write(owner, participant, "  Ringde och bokade möte  ")
    assert note.text == "Ringde och bokade möte"
    assert note.author == owner
    assert AuditEvent.objects.filter(
        action="create", object_type="casework.journalnote", participant_id=participant.pk
    ).exists()


def test_it_corrects_by_adding_a_note_and_keeps_the_original(owner, participant):
    original = write(owner, participant, "Fel datum för mötet")
    correction = write(owner, participant, "Mötet är på tisdag", corrects=original)
    original.refresh_from_db()
    assert original.text == "Fel datum för mötet"
    assert correction.corrects == original
    assert JournalNote.objects.count() == 2
    # Correct the latest version, never the same note twice.
    with pytest.raises(ValidationError) as exc:
        write(owner, participant, "Igen", corrects=original)
    assert "redan rättad" in exc.value.messages[0]
    assert write(owner, participant, "Onsdag", corrects=correction).corrects == correction


def test_it_refuses_empty_future_and_foreign_notes(owner, participant):
    with pytest.raises(ValidationError):
        write(owner, participant, "   ")
    with pytest.raises(ValidationError):
        casework.journal_note_create(
            actor=owner,
            participant=participant,
            kind="journal",
            happened_on=timezone.localdate() + datetime.timedelta(days=1),
            text="Imorgon",
        )
    other = ParticipantFactory(responsible=owner)
    foreign = write(owner, other)
    with pytest.raises(PermissionDenied):
        write(owner, participant, "Rättelse", corrects=foreign)
    assert JournalNote.objects.count() == 1


def test_it_refuses_staff_who_may_not_change_the_case(teammate, participant):
    with pytest.raises(PermissionDenied):
        write(teammate, participant)


def test_it_offers_no_way_to_change_or_delete_a_note(administrator, owner, participant):
    from django.contrib import admin

    note = write(owner, participant)
    assert JournalNote not in admin.site._registry
    urls = [str(p.pattern) for p in casework_urls.urlpatterns]
    assert not any("radera" in u or "ta-bort" in u for u in urls)
    response = client_for(administrator).post(
        f"/admin/casework/journalnote/{note.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 404
    assert JournalNote.objects.filter(pk=note.pk).exists()


def test_it_answers_anonymous_outsiders_and_wrong_methods(client, request, owner, participant):
    note = write(owner, participant)
    urls = [
        reverse("casework:journal", args=[participant.pk]),
        reverse("casework:journal_correct", args=[participant.pk, note.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    for role in ["teammate", "counsellor", "steering", "administrator", "officer"]:
        outsider = client_for(request.getfixturevalue(role))
        for url in urls:
            assert outsider.get(url).status_code == 404, (role, url)
            response = outsider.post(
                url, {"kind": "dag", "happened_on": "2026-01-01", "text": "Intrång"}
            )
            assert response.status_code == 404
    assert JournalNote.objects.count() == 1
    assert client_for(owner).put(urls[0]).status_code == 405


def test_it_writes_and_corrects_from_the_tab(owner_client, participant):
    url = reverse("casework:journal", args=[participant.pk])
    today = timezone.localdate().isoformat()
    response = owner_client.post(
        url, {"kind": "journal", "happened_on": today, "text": "Första mötet"}, follow=True
    )
    assert "Anteckningen är sparad." in response.content.decode()
    note = JournalNote.objects.get()
    correct_url = reverse("casework:journal_correct", args=[participant.pk, note.pk])
    form = owner_client.get(correct_url).content.decode()
    assert "Första mötet" in form  # the form starts from the original text
    response = owner_client.post(
        correct_url,
        {"kind": "journal", "happened_on": today, "text": "Första mötet, med tolk"},
        follow=True,
    )
    html = response.content.decode()
    assert "Rättelsen är sparad." in html
    assert "Rättad" in html and "Rättelse" in html
    assert "<del" in html and "Första mötet, med tolk" in html
    # A corrected note offers no second correction.
    assert correct_url not in html


def test_it_refuses_bad_input_in_swedish_and_keeps_it(owner_client, participant):
    url = reverse("casework:journal", args=[participant.pk])
    response = owner_client.post(url, {"kind": "", "happened_on": "31/12", "text": ""})
    html = response.content.decode()
    assert "Välj typ av anteckning." in html
    assert "Ange ett giltigt datum." in html
    assert "Skriv en anteckning." in html
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = owner_client.post(
        url, {"kind": "dag", "happened_on": tomorrow, "text": "Behåll mig"}
    )
    html = response.content.decode()
    assert "Datumet kan inte ligga i framtiden." in html and "Behåll mig" in html
    assert not JournalNote.objects.exists()


def test_it_refuses_a_second_correction_of_the_same_note_on_the_form(owner, participant):
    note = write(owner, participant)
    write(owner, participant, "Rättad", corrects=note)
    url = reverse("casework:journal_correct", args=[participant.pk, note.pk])
    today = timezone.localdate().isoformat()
    response = client_for(owner).post(url, {"kind": "dag", "happened_on": today, "text": "X"})
    assert "redan rättad" in response.content.decode()
    assert JournalNote.objects.count() == 2


# Session, user; the user's permissions on the participant (user and group
# object permissions in one query, which also gives the change right), the
# participant and its VIEW event; consents; the notes with their authors,
# corrected notes and corrections; the header (task and notification counts
# and organisation, one query). The session is renewed at most once a
# minute, not written by every page.
JOURNAL_TAB_QUERIES = 8


@pytest.mark.parametrize("count", [1, 20])
def test_it_keeps_the_journal_query_count(owner, participant, count, django_assert_num_queries):
    previous = None
    for i in range(count):
        previous = write(owner, participant, f"Anteckning {i}", corrects=previous)
    client = client_for(owner)
    url = reverse("casework:journal", args=[participant.pk])
    client.get(url)
    with django_assert_num_queries(JOURNAL_TAB_QUERIES):
        client.get(url)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_it_lets_only_one_of_two_concurrent_corrections_win(reference_data, owner):
    participant = ParticipantFactory(responsible=owner)
    note = write(owner, participant, "Original")
    barrier = threading.Barrier(2)
    outcomes = []

    def correct(text):
        try:
            barrier.wait()
            write(owner, participant, text, corrects=note)
            outcomes.append("saved")
        except ValidationError as exc:
            outcomes.append(exc.messages[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=correct, args=(t,)) for t in ("Första", "Andra")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes)[-1] == "saved"
    assert "redan rättad" in sorted(outcomes)[0]
    assert JournalNote.objects.filter(corrects=note).count() == 1
    note.refresh_from_db()
    assert note.text == "Original"
