import pytest
from django.urls import reverse

from rattinsats.audit import Action, audit_log
from rattinsats.models import AuditEvent
from tests.conftest import client_for


def test_it_writes_exactly_one_view_event_per_participant_page(owner_client, participant):
    before = AuditEvent.objects.count()
    response = owner_client.get(reverse("participants:detail", args=[participant.pk]))
    assert response.status_code == 200
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert len(events) == 1
    event = events[0]
    assert event.action == Action.VIEW
    assert event.participant_id == participant.pk
    assert event.user.username == "owner"
    assert event.ip == "127.0.0.1"


def test_it_writes_one_denied_event_for_someone_elses_participant(teammate, participant):
    client = client_for(teammate)
    before = AuditEvent.objects.count()
    response = client.get(reverse("participants:detail", args=[participant.pk]))
    assert response.status_code == 404
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [e.action for e in events] == [Action.DENIED]
    assert events[0].user == teammate


def test_it_keeps_no_personal_data_in_the_event(owner_client, participant):
    owner_client.get(reverse("participants:detail", args=[participant.pk]))
    event = AuditEvent.objects.latest("id")
    row = " ".join(str(getattr(event, f.attname)) for f in AuditEvent._meta.fields)
    assert participant.personnummer not in row
    assert participant.last_name not in row


def test_it_cannot_change_or_delete_an_event(owner):
    event = audit_log(actor=owner, action=Action.LOGIN, object_type="session")
    event.detail = "changed"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


def test_it_offers_no_change_or_delete_in_the_admin(administrator, owner):
    event = audit_log(actor=owner, action=Action.LOGIN, object_type="session")
    client = client_for(administrator)
    from rattinsats.services import account_sync_role

    account_sync_role(administrator)
    listing = client.get(reverse("admin:rattinsats_auditevent_changelist"))
    assert listing.status_code == 200
    response = client.post(
        reverse("admin:rattinsats_auditevent_delete", args=[event.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_it_logs_failed_logins_without_the_username(client, owner):
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("login"), {"username": "199001019802", "password": "wrong"}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 200
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [e.action for e in events] == [Action.LOGIN_FAILED]
    assert "199001019802" not in events[0].detail + events[0].object_id
