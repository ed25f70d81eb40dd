import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from casework import services as casework
from casework.models import Intervention, InterventionActivity, InterventionTrack
from rattinsats.models import AuditEvent
from tests.conftest import client_for
from tests.factories import activity, ensure_casework_reference_data

pytestmark = pytest.mark.django_db


def test_it_seeds_every_example_of_the_three_tracks():
    ensure_casework_reference_data()
    names = {
        track: set(InterventionActivity.objects.filter(track=track).values_list("name", flat=True))
        for track in InterventionTrack.values
    }
    assert len(names[InterventionTrack.WORK]) == 9
    assert len(names[InterventionTrack.STUDIES]) == 6
    assert len(names[InterventionTrack.CAPACITY]) == 8
    assert "Undersöka lönestöd" in names[InterventionTrack.WORK]
    assert "Studie- och yrkesvägledare" in names[InterventionTrack.STUDIES]
    assert "Inhämta läkarutlåtanden" in names[InterventionTrack.CAPACITY]
    assert all("Motiverande samtal (MI)" in n for n in names.values())


def test_it_records_an_intervention_with_an_audit_event(owner, participant):
    today = timezone.localdate()
    item = casework.intervention_create(
        actor=owner,
        participant=participant,
        activity=activity(),
        start_date=today,
        notes="  Tre veckor på lagret  ",
    )
    assert item.notes == "Tre veckor på lagret"
    assert item.created_by == owner
    event = AuditEvent.objects.get(action="create", object_type="casework.intervention")
    assert event.participant_id == participant.pk


def test_it_refuses_an_end_before_the_start(owner, participant):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        casework.intervention_create(
            actor=owner,
            participant=participant,
            activity=activity(),
            start_date=today,
            end_date=today - datetime.timedelta(days=1),
        )
    assert "Slutdatum kan inte vara före startdatum." in exc.value.messages
    assert not Intervention.objects.exists()


def test_it_refuses_staff_who_may_not_change_the_case(teammate, participant):
    with pytest.raises(PermissionDenied):
        casework.intervention_create(
            actor=teammate,
            participant=participant,
            activity=activity(),
            start_date=timezone.localdate(),
        )


def test_it_ends_an_intervention_and_refuses_a_stale_edit(owner, participant):
    today = timezone.localdate()
    item = casework.intervention_create(
        actor=owner, participant=participant, activity=activity(), start_date=today
    )
    casework.intervention_update(
        actor=owner, intervention=item, version=1, start_date=today, end_date=today, notes="Klar"
    )
    item.refresh_from_db()
    assert item.end_date == today and item.version == 2 and item.updated_by == owner
    with pytest.raises(casework.StaleEdit):
        casework.intervention_update(
            actor=owner, intervention=item, version=1, start_date=today, end_date=None, notes=""
        )
    item.refresh_from_db()
    assert item.end_date == today and item.notes == "Klar"


def test_it_answers_anonymous_outsiders_and_wrong_methods(client, request, participant, owner):
    item = casework.intervention_create(
        actor=owner, participant=participant, activity=activity(), start_date=timezone.localdate()
    )
    urls = [
        reverse("casework:interventions", args=[participant.pk]),
        reverse("casework:intervention_edit", args=[participant.pk, item.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    for role in ["teammate", "counsellor", "steering", "administrator", "officer"]:
        outsider = client_for(request.getfixturevalue(role))
        for url in urls:
            assert outsider.get(url).status_code == 404, (role, url)
            assert outsider.post(url, {"new-activity": item.activity_id}).status_code == 404
    assert Intervention.objects.count() == 1
    assert client_for(owner).delete(urls[0]).status_code == 405


def test_it_records_an_intervention_from_the_tab(owner_client, participant):
    url = reverse("casework:interventions", args=[participant.pk])
    page = owner_client.get(url).content.decode()
    assert "Klargöra arbets-/studieförmåga" in page  # the tracks group the activities
    response = owner_client.post(
        url,
        {
            "new-activity": activity("Ordna praktik", "arbete").pk,
            "new-start_date": timezone.localdate().isoformat(),
            "new-notes": "Praktik hos bageriet",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Insatsen är registrerad." in html
    assert "Ordna praktik" in html and "Praktik hos bageriet" in html


def test_it_refuses_bad_input_in_swedish_and_keeps_it(owner_client, participant):
    ensure_casework_reference_data()
    url = reverse("casework:interventions", args=[participant.pk])
    response = owner_client.post(
        url,
        {
            "new-activity": "",
            "new-start_date": "2026-05-10",
            "new-end_date": "2026-05-01",
            "new-notes": "Behåll mig",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Välj en aktivitet." in html
    assert "Slutdatum kan inte vara före startdatum." in html
    assert 'value="2026-05-10"' in html and "Behåll mig" in html
    response = owner_client.post(url, {"new-activity": "1", "new-start_date": "igår"})
    assert "Ange ett giltigt datum." in response.content.decode()
    assert not Intervention.objects.exists()


def test_it_shows_a_stale_edit_on_the_form(owner, owner_client, participant):
    today = timezone.localdate()
    item = casework.intervention_create(
        actor=owner, participant=participant, activity=activity(), start_date=today
    )
    url = reverse("casework:intervention_edit", args=[participant.pk, item.pk])
    assert 'name="version" value="1"' in owner_client.get(url).content.decode()
    form = {"version": 1, "start_date": today.isoformat(), "end_date": "", "notes": "Första"}
    assert owner_client.post(url, form).status_code == 302
    response = owner_client.post(url, {**form, "notes": "Andra"})
    assert "har ändrats av någon annan" in response.content.decode()
    item.refresh_from_db()
    assert item.notes == "Första"


# Session, user; the user's permissions on the participant (user and group
# object permissions in one query, which also gives the change right), the
# participant and its VIEW event; consents with their organisations; the
# interventions; the form's activities; the header (task and notification
# counts and organisation, one query). The session is renewed at most once
# a minute, not written by every page.
INTERVENTION_TAB_QUERIES = 9


@pytest.mark.parametrize("count", [1, 15])
def test_it_keeps_the_intervention_tab_query_count(
    owner, participant, count, django_assert_num_queries
):
    for _ in range(count):
        casework.intervention_create(
            actor=owner,
            participant=participant,
            activity=activity(),
            start_date=timezone.localdate(),
        )
    client = client_for(owner)
    url = reverse("casework:interventions", args=[participant.pk])
    client.get(url)
    with django_assert_num_queries(INTERVENTION_TAB_QUERIES):
        client.get(url)


def test_it_seeds_demo_casework_once():
    from io import StringIO

    from django.core.management import call_command

    from casework.models import Flag, JournalNote

    call_command("seed_demo", stdout=StringIO())
    counts = (Intervention.objects.count(), JournalNote.objects.count(), Flag.objects.count())
    assert all(counts)
    assert JournalNote.objects.filter(corrects__isnull=False).exists()
    assert Flag.objects.filter(status=Flag.Status.SENT).exists()
    call_command("seed_demo", stdout=StringIO())
    assert counts == (
        Intervention.objects.count(),
        JournalNote.objects.count(),
        Flag.objects.count(),
    )


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_it_refuses_the_second_of_two_concurrent_edits(reference_data, owner, participant):
    today = timezone.localdate()
    item = casework.intervention_create(
        actor=owner, participant=participant, activity=activity(), start_date=today
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def edit(notes):
        try:
            barrier.wait()
            casework.intervention_update(
                actor=owner,
                intervention=item,
                version=1,
                start_date=today,
                end_date=None,
                notes=notes,
            )
            outcomes.append(notes)
        except casework.StaleEdit:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=edit, args=(n,)) for n in ("Från A", "Från B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert outcomes.count("refused") == 1
    saved = next(o for o in outcomes if o != "refused")
    item.refresh_from_db()
    assert item.notes == saved and item.version == 2


def test_it_lets_administrators_add_activities_but_not_delete_used_ones(
    administrator, owner, participant
):
    from rattinsats.services import account_sync_role

    account_sync_role(administrator)
    client = client_for(administrator)
    response = client.post(
        "/admin/casework/interventionactivity/add/",
        {"track": "arbete", "name": "Jobbspår", "order": 95, "active": "on"},
    )
    assert response.status_code == 302
    assert InterventionActivity.objects.filter(track="arbete", name="Jobbspår").exists()
    used = casework.intervention_create(
        actor=owner, participant=participant, activity=activity(), start_date=timezone.localdate()
    ).activity
    url = f"/admin/casework/interventionactivity/{used.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert InterventionActivity.objects.filter(pk=used.pk).exists()
