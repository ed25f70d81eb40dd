"""Notification e-mails are background jobs (rattinsats.notifications):
queued after the commit with the user's id, never the address; sent by a
worker; a failure retried later and logged without the address."""

import datetime
import json
import logging
import smtplib

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from rattinsats import notifications
from rattinsats.models import Notification, Role
from rattinsats.notifications import notification_send
from tests.factories import UserFactory
from tests.operations.jobs_for_tests import run_jobs

pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS = "reader@example.invalid"


@pytest.fixture(autouse=True)
def database_jobs(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.RATTINSATS_JOB_MAX_ATTEMPTS = 3
    settings.RATTINSATS_MAIL_RETRY_MINUTES = 5


@pytest.fixture
def reader(reference_data):
    return UserFactory(username="reader", role=Role.STAFF, email=ADDRESS)


def test_the_mail_is_a_job_with_the_users_id_and_a_worker_sends_it(reader):
    with transaction.atomic():
        notification_send([reader], "En ny anvisning har kommit in.", "/anvisningar/inkomna/")
        assert not DBTaskResult.objects.exists()  # nothing before the commit

    # The in-app notification is there at once; the mail waits for a worker.
    assert Notification.objects.filter(user=reader).count() == 1
    assert mail.outbox == []
    job = DBTaskResult.objects.get()
    assert job.task_path == "rattinsats.notifications.user_mail_send"
    assert job.args_kwargs["args"][0] == reader.pk
    assert ADDRESS not in json.dumps(job.args_kwargs)

    run_jobs()

    assert [m.to for m in mail.outbox] == [[ADDRESS]]
    assert mail.outbox[0].subject == "Rätt insats: En ny anvisning har kommit in."
    assert "/anvisningar/inkomna/" in mail.outbox[0].body
    job.refresh_from_db()
    assert (job.status, job.return_value) == (TaskResultStatus.SUCCESSFUL, "sent")


def test_the_job_reads_the_address_when_it_runs(reader):
    other = UserFactory(username="gone", role=Role.STAFF, email="gone@example.invalid")
    notification_send([reader, other], "Något har hänt.", "/")
    reader.email = "new@example.invalid"
    reader.save()
    other.is_active = False
    other.save()

    run_jobs()

    assert [m.to for m in mail.outbox] == [["new@example.invalid"]]
    assert sorted(DBTaskResult.objects.values_list("return_value", flat=True)) == [
        "no address",
        "sent",
    ]


def test_a_failed_mail_is_tried_again_later_and_logged_without_the_address(
    reader, monkeypatch, caplog
):
    def disconnect(**kwargs):
        raise smtplib.SMTPServerDisconnected(f"lost the server while sending to {ADDRESS}")

    monkeypatch.setattr(notifications, "send_mail", disconnect)
    notification_send([reader], "Något har hänt.", "/")
    with caplog.at_level(logging.WARNING):
        run_jobs()

    first, retry = DBTaskResult.objects.order_by("enqueued_at")
    assert first.status == TaskResultStatus.FAILED
    assert first.exception_class_path == "rattinsats.notifications.MailNotSent"
    assert ADDRESS not in first.traceback
    # The next attempt waits five minutes, so the worker did not run it yet.
    assert retry.status == TaskResultStatus.READY
    assert retry.args_kwargs == {
        "args": [reader.pk, first.args_kwargs["args"][1], first.args_kwargs["args"][2]],
        "kwargs": {"attempt": 2},
    }
    wait = retry.run_after - timezone.now()
    assert datetime.timedelta(minutes=4) < wait <= datetime.timedelta(minutes=5)
    assert (
        "A notification e-mail could not be sent (SMTPServerDisconnected); "
        "trying again later (attempt 1 of 3)"
    ) in caplog.text
    assert ADDRESS not in caplog.text

    # The server is back: the retry, once due, sends it.
    monkeypatch.undo()
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_jobs()
    retry.refresh_from_db()
    assert retry.status == TaskResultStatus.SUCCESSFUL
    assert [m.to for m in mail.outbox] == [[ADDRESS]]


def test_the_last_attempt_and_a_permanent_refusal_are_not_tried_again(reader, monkeypatch, caplog):
    def refuse(**kwargs):
        raise smtplib.SMTPRecipientsRefused({ADDRESS: (550, b"no such user")})

    monkeypatch.setattr(notifications, "send_mail", refuse)
    notifications.user_mail_send.enqueue(reader.pk, "Ämne", "Text")
    notifications.user_mail_send.enqueue(reader.pk, "Ämne", "Text", attempt=3)
    with caplog.at_level(logging.ERROR, logger="rattinsats.notifications"):
        run_jobs()

    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {TaskResultStatus.FAILED}
    assert DBTaskResult.objects.count() == 2
    messages = [r.getMessage() for r in caplog.records if r.name == "rattinsats.notifications"]
    assert messages == ["A notification e-mail could not be sent (SMTPRecipientsRefused)"] * 2
    assert ADDRESS not in caplog.text
