"""The one path for every write: notifications, accounts and the fetch of a
participant for a change."""

import logging
import smtplib

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from participants import selectors
from rattinsats import notifications
from rattinsats.models import AuditEvent, Notification, Organisation, Role, User
from rattinsats.notifications import notification_send
from rattinsats.services import account_create
from tests.conftest import client_for
from tests.factories import ParticipantFactory, UserFactory


@pytest.fixture
def reader(db):
    return UserFactory(username="reader", role=Role.STAFF, email="reader@example.invalid")


def test_it_notifies_in_the_app_at_once_and_by_mail_after_the_commit(
    reader, django_capture_on_commit_callbacks
):
    inactive = UserFactory(role=Role.STAFF, is_active=False, email="gone@example.invalid")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification_send([reader, inactive, None], "Något har hänt.", "/deltagare/att-gora/")
        assert len(mail.outbox) == 0
    assert len(callbacks) == 1
    assert list(Notification.objects.values_list("user__username", "message")) == [
        ("reader", "Något har hänt.")
    ]
    assert [m.to for m in mail.outbox] == [["reader@example.invalid"]]
    assert "/deltagare/att-gora/" in mail.outbox[0].body


def test_a_rolled_back_change_notifies_nobody(reader, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            notification_send([reader], "Något har hänt.", "/")
            raise RuntimeError
    assert not Notification.objects.exists()
    assert not mail.outbox


def test_a_failed_mail_is_logged_without_the_address_and_never_raised(
    reader, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def refuse(**kwargs):
        raise smtplib.SMTPRecipientsRefused({"reader@example.invalid": (550, b"no such user")})

    monkeypatch.setattr(notifications, "send_mail", refuse)
    with caplog.at_level(logging.ERROR, logger="rattinsats.notifications"):
        with django_capture_on_commit_callbacks(execute=True):
            notification_send([reader], "Något har hänt.", "/")
    assert Notification.objects.filter(user=reader).exists()
    assert [r.getMessage() for r in caplog.records if r.name == "rattinsats.notifications"] == [
        "A notification e-mail could not be sent (SMTPRecipientsRefused)"
    ]
    # Nor in the failed mail job's own record (django_tasks logs its
    # traceback): the job's error names the kind of failure only.
    assert "MailNotSent: SMTPRecipientsRefused" in caplog.text
    assert "reader@example.invalid" not in caplog.text


def test_it_creates_accounts_with_their_group_and_an_audit_event(db):
    user = account_create(
        actor=None, username="ny", role=Role.STAFF, password="Lösenord-123", detail="demodata"
    )
    assert user.check_password("Lösenord-123")
    assert list(user.groups.values_list("name", flat=True)) == [str(Role.STAFF.label)]
    event = AuditEvent.objects.get(object_type="rattinsats.user", object_id=str(user.pk))
    assert (event.action, event.detail) == (AuditEvent.Action.CREATE, "demodata")
    locked = account_create(actor=None, username="utan", role=Role.STAFF)
    assert not locked.has_usable_password()


def test_the_admin_changes_accounts_through_the_service(administrator):
    from rattinsats.services import account_sync_role

    account_sync_role(administrator)
    client = client_for(administrator)
    response = client.post(
        "/admin/rattinsats/user/add/",
        {
            "username": "nyanstalld",
            "password1": "Ett-langt-losenord-2026",
            "password2": "Ett-langt-losenord-2026",
            "usable_password": "true",
            "first_name": "Ny",
            "last_name": "Anställd",
            "organisation": Organisation.objects.first().pk,
            "role": Role.STAFF,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="nyanstalld")
    created = AuditEvent.objects.get(object_type="rattinsats.user", object_id=str(user.pk))
    assert created.action == AuditEvent.Action.CREATE
    assert created.user == administrator
    assert list(user.groups.values_list("name", flat=True)) == [str(Role.STAFF.label)]

    response = client.post(
        f"/admin/rattinsats/user/{user.pk}/password/",
        {
            "password1": "Ett-annat-losenord-2026",
            "password2": "Ett-annat-losenord-2026",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    changed = AuditEvent.objects.filter(
        object_type="rattinsats.user", object_id=str(user.pk), action=AuditEvent.Action.CHANGE
    ).get()
    assert changed.user == administrator
    assert "Ett-annat" not in changed.detail


def test_the_service_refuses_an_account_change_by_anyone_but_an_administrator(owner, reader):
    from rattinsats.services import account_admin_saved

    with pytest.raises(PermissionDenied):
        account_admin_saved(actor=owner, user=reader, created=False, fields=["role"])
    assert not AuditEvent.objects.filter(object_type="rattinsats.user").exists()


def test_the_fetch_for_a_change_answers_404_or_403_and_logs_only_a_refusal(
    owner, teammate, participant
):
    assert selectors.participant_get_for_change(owner, participant.pk) == participant
    assert not AuditEvent.objects.exists()
    with pytest.raises(Http404):
        selectors.participant_get_for_change(teammate, participant.pk)
    assert AuditEvent.objects.get().action == AuditEvent.Action.DENIED
    # Seeing is not changing: an anonymised participation is read-only.
    participant.anonymised_at = timezone.now()
    participant.save()
    with pytest.raises(PermissionDenied):
        selectors.participant_get_for_change(owner, participant.pk)


def test_a_record_of_another_participant_is_not_found(owner, participant):
    from participants.models import Consent

    other = ParticipantFactory(responsible=owner)
    consent = Consent.objects.create(
        participant=other,
        signed_on=other.start_date,
        valid_until=other.start_date,
        recorded_by=owner,
    )
    assert selectors.record_get_for_change(owner, other.pk, Consent, consent.pk)[1] == consent
    with pytest.raises(Http404):
        selectors.record_get_for_change(owner, participant.pk, Consent, consent.pk)
