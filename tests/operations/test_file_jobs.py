"""Background jobs with a file or an import's result (rattinsats.file_jobs):
the goal-document workbook's export and import, the access-log review's
workbook and the reports' files run as jobs, with progress in the
database, a page only their user sees, a download only their user gets
(audited), files removed after their time, rights checked again when the
job runs and at the download, and nothing but ids in the job's arguments.

Most tests run jobs at once (the tests' immediate backend); those marked
``database_jobs`` queue them on the database backend and run them through
the worker's code path (``operations.worker.ProjectWorker``)."""

from __future__ import annotations

import datetime
import json
import os
import time
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from mapping.services import goal_document_save
from operations import jobs as operation_jobs
from operations.schedule import SCHEDULE
from participants.models import Participant
from rattinsats.file_jobs import (
    FAILED_MESSAGE,
    REFUSED_MESSAGE,
    FileJobFailed,
    JobProgress,
    file_jobs_prune,
)
from rattinsats.models import AuditEvent, FileJob, Role
from rattinsats.personnummer import format_canonical
from tests.conftest import client_for
from tests.factories import (
    ConsentFactory,
    ParticipantFactory,
    ensure_reference_data,
    next_personnummer,
    organisation,
)
from tests.job_files import download_via_job, job_of

from .jobs_for_tests import run_jobs
from .test_workbook import row, workbook_bytes

TODAY = timezone.localdate()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload_file(rows):
    data = workbook_bytes(rows)
    data.name = "maldokument.xlsx"
    return data


def download(client, job):
    return client.get(reverse("file_job_download", args=[job.pk]))


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def stored(job) -> Path:
    return Path(default_storage.path(job.file.name))


@pytest.fixture
def database_jobs(settings):
    """Jobs wait in the database, as in production, until a worker runs them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


# --- Immediate backend: the flow of each page ------------------------------------


@pytest.mark.django_db
def test_the_goal_export_is_a_job_whose_owner_downloads_the_file(owner, private_media):
    participants = [ParticipantFactory(responsible=owner) for _ in range(3)]
    goal_document_save(actor=owner, participant=participants[0], version=0, goal="Exportmål")
    client = client_for(owner)
    job = job_of(client.post(reverse("operations:goal_document_export")))
    job.refresh_from_db()
    assert job.status == FileJob.Status.DONE and job.user == owner
    # The progress as the workbook reported it: every row of three.
    assert (job.done, job.total, job.stage) == (3, 3, "Klart")
    # Kept on the private storage (never in memory, never under /tmp).
    assert stored(job).is_file() and stored(job).is_relative_to(private_media)
    assert job.expires_at > timezone.now() + datetime.timedelta(hours=23)

    page = client.get(reverse("file_job", args=[job.pk])).content.decode()
    assert "<progress" in page and 'role="status"' in page
    assert reverse("file_job_download", args=[job.pk]) in page
    response = download(client, job)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith('attachment; filename="maldokument-')
    sheet = load_workbook(BytesIO(body(response))).active
    assert sheet.max_row == 4
    # The download is the export event, as the direct download was.
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (event.user, event.object_type, event.detail) == (
        owner,
        "mapping.goaldocument",
        "måldokument, 3 rader",
    )
    # Starting it is recorded too, by kind only.
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE,
        object_type="rattinsats.filejob",
        object_id=str(job.pk),
        detail="operations.goal_document_export",
    ).exists()
    # No personal data in any URL of the flow.
    for participant in participants:
        assert participant.personnummer not in page and participant.last_name not in page


@pytest.mark.django_db
def test_the_export_follows_the_overviews_filters(owner, teammate, private_media):
    ParticipantFactory(responsible=owner, last_name="Egensson")
    client = client_for(owner)
    response = download_via_job(
        client, reverse("operations:goal_document_export"), {"responsible": owner.pk}
    )
    names = [r[1] for r in load_workbook(BytesIO(response.content)).active.iter_rows(min_row=2)]
    assert [c.value for c in names] == [Participant.objects.get().full_name]
    # A GET of the old URL leads to the overview with its filters.
    response = client.get(reverse("operations:goal_document_export"), {"status": "aktiv"})
    assert response.status_code == 302
    assert response.url == reverse("mapping:overview") + "?status=aktiv"


@pytest.mark.django_db
def test_others_get_404_for_the_page_the_status_and_the_file(
    owner, teammate, administrator, private_media
):
    ParticipantFactory(responsible=owner)
    job = job_of(client_for(owner).post(reverse("operations:goal_document_export")))
    for user in (teammate, administrator):
        client = client_for(user)
        for name in ("file_job", "file_job_status", "file_job_download"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404, (user, name)
        assert str(job.pk) not in client.get(reverse("file_jobs")).content.decode()
    assert (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.DENIED, object_type="rattinsats.filejob"
        ).count()
        == 6
    )
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()
    # Signed out: the login page.
    response = Client().get(reverse("file_job_download", args=[job.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    # The owner sees it in the list of their jobs.
    listing = client_for(owner).get(reverse("file_jobs")).content.decode()
    assert reverse("file_job", args=[job.pk]) in listing


@pytest.mark.django_db
def test_the_status_is_json_for_the_pages_polling(owner, private_media):
    job = job_of(client_for(owner).post(reverse("operations:goal_document_export")))
    response = client_for(owner).get(reverse("file_job_status", args=[job.pk]))
    assert response.json() == {
        "status": "done",
        "finished": True,
        "stage": "Klart",
        "done": 0,
        "total": 0,
        "percent": 100,
        "text": "Klart.",
        "url": reverse("file_job", args=[job.pk]),
    }


@pytest.mark.django_db
def test_the_import_runs_as_a_job_and_removes_its_upload(owner, private_media):
    client = client_for(owner)
    response = client.post(
        reverse("operations:goal_document_import"),
        {"file": upload_file([row(Namn="Sanna Uppladdad")])},
    )
    job = job_of(response)
    job.refresh_from_db()
    assert job.status == FileJob.Status.DONE and job.summary["created"] == 1
    assert Participant.objects.get().last_name == "Uppladdad"
    assert not job.upload and not list((private_media / "jobb" / job.pk.hex).iterdir())
    page = client.get(response.url).content.decode()
    assert "1 deltagare importerades från måldokumentet." in page
    # An import has no file to download.
    assert download(client, job).status_code == 404


@pytest.mark.django_db
def test_a_failing_import_shows_its_problems_by_row_and_column(owner, private_media):
    client = client_for(owner)
    response = client.post(
        reverse("operations:goal_document_import"),
        {"file": upload_file([row(Ansvarig="okand"), row(Startdatum="i morgon")])},
        follow=True,
    )
    html = response.content.decode()
    assert response.redirect_chain[-1][0].startswith("/jobb/")
    assert "Ingenting importerades: 2 fel i arbetsboken." in html
    assert "D (Ansvarig)" in html and "E (Startdatum)" in html
    assert "Det finns ingen användare ”okand”." in html
    assert not Participant.objects.exists()
    job = FileJob.objects.get()
    assert [p["row"] for p in job.summary["problems"]] == [2, 3]
    assert not list((private_media / "jobb" / job.pk.hex).iterdir())


@pytest.mark.django_db
def test_a_too_large_upload_is_refused_before_any_job(owner, settings, private_media):
    settings.RATTINSATS_GOAL_IMPORT_MAX_BYTES = 1000
    data = BytesIO(b"x" * 200_000)
    data.name = "maldokument.xlsx"
    response = client_for(owner).post(reverse("operations:goal_document_import"), {"file": data})
    assert response.status_code == 400
    assert "Filen är för stor" in response.content.decode()
    assert not FileJob.objects.exists()


@pytest.mark.django_db
def test_the_access_review_workbook_is_a_job_for_administrators(
    owner, administrator, participant, private_media
):
    client_for(owner).get(reverse("participants:detail", args=[participant.pk]))
    period = {"start": (TODAY - datetime.timedelta(days=1)).isoformat(), "end": TODAY.isoformat()}
    response = download_via_job(
        client_for(administrator), reverse("operations:access_review_excel"), period
    )
    assert response.status_code == 200
    assert load_workbook(BytesIO(response.content)).sheetnames == [
        "Per användare",
        "Per deltagare",
    ]
    assert AuditEvent.objects.filter(
        object_type="operations:access_review", action=AuditEvent.Action.EXPORT
    ).exists()
    response = client_for(administrator).post(
        reverse("operations:access_review_excel"), {"start": "2026-05-01", "end": "2026-04-01"}
    )
    assert response.status_code == 400


@pytest.mark.django_db
def test_the_dashboards_buttons_start_jobs_and_the_contract_urls_answer_directly(
    steering, private_media, reference_data
):
    client = client_for(steering)
    dashboard = client.get(reverse("reports:dashboard"), {"from": "2024-01-01"}).content.decode()
    assert 'method="post" action="/reports/results.xlsx"' in dashboard
    assert '<input type="hidden" name="from" value="2024-01-01">' in dashboard
    for kind in ("xlsx", "pdf"):
        url = reverse(f"reports:results_{kind}")
        job = job_of(client.post(url, {"from": "2024-01-01"}))
        job.refresh_from_db()
        assert job.params == {"kind": kind, "from": "2024-01-01"}
        response = download(client, job)
        assert response.status_code == 200
        assert response["Content-Disposition"].endswith(f'.{kind}"')
        content = body(response)
        assert content[:4] == (b"%PDF" if kind == "pdf" else b"PK\x03\x04")
        # The contract: a GET answers with the file itself.
        direct = client.get(url, {"from": "2024-01-01"})
        assert direct.status_code == 200 and direct.content[:4] == content[:4]
    events = AuditEvent.objects.filter(object_type="reports.results", action="export")
    assert sorted(events.values_list("detail", flat=True)) == [
        "resultat pdf from=2024-01-01",
        "resultat pdf from=2024-01-01",
        "resultat xlsx from=2024-01-01",
        "resultat xlsx from=2024-01-01",
    ]
    # A bad filter starts nothing.
    assert client.post(reverse("reports:results_pdf"), {"from": "x"}).status_code == 400
    assert FileJob.objects.count() == 2


@pytest.mark.django_db
def test_the_monthly_exchange_files_are_jobs(owner, private_media, reference_data):
    month = (TODAY.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    af = organisation("arbetsformedlingen")
    p = ParticipantFactory(responsible=owner, start_date=month)
    ConsentFactory(participant=p, signed_on=month)
    params = {"month": f"{month:%Y-%m}", "organisation": af.pk}
    html = client_for(owner).get(reverse("reports:monthly"), params).content.decode()
    assert f'<input type="hidden" name="month" value="{month:%Y-%m}">' in html
    for kind in ("pdf", "xlsx"):
        response = download_via_job(client_for(owner), reverse(f"reports:monthly_{kind}"), params)
        assert response.status_code == 200
        assert (
            f"manadsavstamning-{month:%Y-%m}-arbetsformedlingen.{kind}"
            in (response["Content-Disposition"])
        )
    assert FileJob.objects.filter(kind="reports.monthly_pdf").get().params == {
        "kind": "pdf",
        "month": f"{month:%Y-%m}",
        "organisation": af.pk,
    }


# --- Progress ------------------------------------------------------------------------


@pytest.mark.django_db
def test_progress_is_written_throttled_and_at_each_new_stage(owner, settings):
    settings.RATTINSATS_JOB_PROGRESS_SECONDS = 60
    job = FileJob.objects.create(user=owner, kind="test", title="Test")
    progress = JobProgress(job, {"read": "Läser arbetsboken", "write": "Sparar deltagarna"})

    def seen():
        return FileJob.objects.values_list("stage", "done", "total").get(pk=job.pk)

    progress("read", 500, None)
    assert seen() == ("Läser arbetsboken", 500, None)
    progress("read", 1000, None)  # within the minute: not written
    assert seen() == ("Läser arbetsboken", 500, None)
    progress("read", 1500, 1500)  # the stage's end: written
    assert seen() == ("Läser arbetsboken", 1500, 1500)
    progress("write", 500, 1500)  # a new stage: written
    assert seen() == ("Sparar deltagarna", 500, 1500)
    settings.RATTINSATS_JOB_PROGRESS_SECONDS = 0
    progress("write", 1000, 1500)
    assert seen() == ("Sparar deltagarna", 1000, 1500)
    FileJob.objects.filter(pk=job.pk).update(status=FileJob.Status.RUNNING)
    page = client_for(owner).get(reverse("file_job", args=[job.pk])).content.decode()
    assert 'value="67"' in page and "1000 av 1500 rader" in page
    assert "Pågår: Sparar deltagarna." in page
    state = client_for(owner).get(reverse("file_job_status", args=[job.pk])).json()
    assert (state["percent"], state["text"]) == (67, "Pågår: Sparar deltagarna.")


@pytest.mark.django_db(transaction=True)
def test_progress_inside_the_imports_transaction_is_seen_by_other_connections(owner):
    """On PostgreSQL the write stage's progress goes through a connection of
    its own, seen before the import commits; SQLite, one writer at a time,
    writes it when the transaction is over."""
    job = FileJob.objects.create(user=owner, kind="test", title="Test")
    progress = JobProgress(job)
    with transaction.atomic():
        progress("write", 5, 10)
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute(
                    f"SELECT done FROM {connection.ops.quote_name(FileJob._meta.db_table)} "  # noqa: S608
                    "WHERE id = %s",
                    [job.pk.hex if connection.vendor == "sqlite" else job.pk],
                )
                done = cursor.fetchone()[0]
        finally:
            other.close()
    progress.close()
    assert done == (5 if connection.vendor == "postgresql" else 0)


# --- Failure, rights, expiry ----------------------------------------------------------


@pytest.mark.django_db
def test_a_failed_job_shows_a_swedish_message_without_internals(
    owner, private_media, monkeypatch, caplog
):
    participant = ParticipantFactory(responsible=owner)

    def broken(*args, **kwargs):
        raise RuntimeError(f"internal detail {participant.personnummer}")

    monkeypatch.setattr(operation_jobs, "export_workbook", broken)
    job = job_of(client_for(owner).post(reverse("operations:goal_document_export")))
    job.refresh_from_db()
    assert job.status == FileJob.Status.FAILED and job.error == FAILED_MESSAGE
    assert not job.file and not list((private_media / "jobb" / job.pk.hex).iterdir())
    page = client_for(owner).get(reverse("file_job", args=[job.pk])).content.decode()
    assert "Jobbet kunde inte slutföras." in page
    assert "RuntimeError" not in page and "internal detail" not in page
    assert participant.personnummer not in caplog.text
    assert "RuntimeError" in caplog.text  # the kind of error, for the operators


@pytest.mark.django_db
def test_a_job_whose_user_lost_the_role_refuses_to_run(owner, private_media, database_jobs):
    ParticipantFactory(responsible=owner)
    client = client_for(owner)
    job = job_of(client.post(reverse("operations:goal_document_export")))
    assert FileJob.objects.get().status == FileJob.Status.QUEUED
    owner.role = Role.STEERING
    owner.save()
    # The task as a worker calls it (the worker itself runs in the tests
    # marked transaction=True below).
    operation_jobs.goal_export_job.call(str(job.pk), owner.pk, job.params)
    job.refresh_from_db()
    assert job.status == FileJob.Status.FAILED and job.error == REFUSED_MESSAGE
    assert not job.file
    page = client.get(reverse("file_job", args=[job.pk])).content.decode()
    assert "har inte längre behörighet" in page


@pytest.mark.django_db
def test_a_download_checks_the_rights_again(owner, private_media):
    ParticipantFactory(responsible=owner)
    client = client_for(owner)
    job = job_of(client.post(reverse("operations:goal_document_export")))
    owner.role = Role.COUNSELLOR
    owner.save()
    assert download(client, job).status_code == 404
    owner.role = Role.STAFF
    owner.save()
    assert download(client, job).status_code == 200
    owner.is_active = False
    owner.save()
    assert download(Client(), job).status_code == 302  # signed out


@pytest.mark.django_db
def test_expired_files_are_removed_by_the_nightly_pruning(owner, private_media, settings):
    ParticipantFactory(responsible=owner)
    client = client_for(owner)
    job = job_of(client.post(reverse("operations:goal_document_export")))
    job.refresh_from_db()
    path = stored(job)
    assert path.is_file()
    imported = job_of(
        client.post(reverse("operations:goal_document_import"), {"file": upload_file([row()])})
    )
    # Past its time the file is no longer offered, even before the pruning.
    FileJob.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert download(client, job).status_code == 404
    assert "Filen kan inte längre laddas ner" in (
        client.get(reverse("file_job", args=[job.pk])).content.decode()
    )
    # A folder no job owns (its job deleted with its user), long untouched.
    orphan = private_media / "jobb" / ("0" * 32)
    orphan.mkdir(parents=True)
    (orphan / "resultat.xlsx").write_bytes(b"x")
    old = time.time() - 2 * 3600
    os.utime(orphan / "resultat.xlsx", (old, old))

    outcome = SCHEDULE["prune_jobs"].run(TODAY)

    assert outcome["job_files"] == 1 and outcome["job_folders"] == 1
    assert not path.exists() and not (orphan / "resultat.xlsx").exists()
    job.refresh_from_db()
    assert not job.file and job.status == FileJob.Status.DONE
    imported.refresh_from_db()
    assert imported.summary == {}  # the problems and counts go with the file
    assert (
        "Filen har tagits bort" in client.get(reverse("file_job", args=[job.pk])).content.decode()
    )
    # The rows go after RATTINSATS_JOB_RESULT_DAYS.
    FileJob.objects.update(
        created_at=timezone.now() - datetime.timedelta(days=settings.RATTINSATS_JOB_RESULT_DAYS + 1)
    )
    assert file_jobs_prune()["file_jobs"] == 2
    assert not FileJob.objects.exists()
    assert client.get(reverse("file_job", args=[job.pk])).status_code == 404


# --- No personal data in the jobs' arguments ------------------------------------------


@pytest.mark.django_db
def test_the_jobs_arguments_hold_ids_dates_and_filters_only(
    owner, administrator, private_media, database_jobs, reference_data
):
    participant = ParticipantFactory(responsible=owner, first_name="Greta", last_name="Hemlig")
    month = (TODAY.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    af = organisation("arbetsformedlingen")
    client = client_for(owner)
    client.post(reverse("operations:goal_document_export"), {"responsible": owner.pk})
    number = format_canonical(next_personnummer())
    client.post(
        reverse("operations:goal_document_import"),
        {"file": upload_file([row(Personnummer=number, Namn="Hedda Hemligsson")])},
    )
    client.post(reverse("reports:monthly_pdf"), {"month": f"{month:%Y-%m}", "organisation": af.pk})
    client.post(reverse("reports:results_xlsx"), {"from": "2024-01-01"})
    client_for(administrator).post(
        reverse("operations:access_review_excel"),
        {"start": TODAY.isoformat(), "end": TODAY.isoformat(), "user": owner.pk},
    )
    rows = list(DBTaskResult.objects.all())
    assert len(rows) == 5
    for task_row in rows:
        args = task_row.args_kwargs["args"]
        job = FileJob.objects.get(pk=args[0])
        assert args[1] == job.user_id and args[2] == job.params
        text = json.dumps(task_row.args_kwargs, ensure_ascii=False)
        for secret in (
            participant.personnummer,
            participant.last_name,
            "Hemligsson",
            number,
            number.replace("-", ""),
            owner.username,
        ):
            assert secret not in text, (task_row.task_path, secret)
        assert job.params == json.loads(json.dumps(job.params))
    assert {r.task_path.rsplit(".", 1)[-1] for r in rows} == {
        "goal_export_job",
        "goal_import_job",
        "monthly_file_job",
        "results_file_job",
        "access_review_job",
    }


# --- The database backend and the worker ------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_queued_export_and_import_wait_for_the_worker_which_runs_them(
    owner, private_media, database_jobs, reference_data
):
    participant = ParticipantFactory(responsible=owner)
    client = client_for(owner)
    export = job_of(client.post(reverse("operations:goal_document_export")))
    imported = job_of(
        client.post(
            reverse("operations:goal_document_import"),
            {"file": upload_file([row(Namn="Vera Väntesson")])},
        )
    )
    page = client.get(reverse("file_job", args=[export.pk])).content.decode()
    assert "I kö" in page and 'http-equiv="refresh"' in page
    assert download(client, export).status_code == 404  # not yet
    assert client.get(reverse("file_job_status", args=[export.pk])).json()["status"] == "queued"
    assert (private_media / "jobb" / imported.pk.hex / "upload.xlsx").is_file()

    run_jobs()

    export.refresh_from_db()
    imported.refresh_from_db()
    assert export.status == imported.status == FileJob.Status.DONE
    assert export.done == export.total == 1
    assert DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).count() == 2
    response = download(client, export)
    rows = list(load_workbook(BytesIO(body(response))).active.iter_rows(values_only=True))
    assert rows[1][0] == participant.personnummer_display
    assert Participant.objects.filter(last_name="Väntesson").exists()
    assert not (private_media / "jobb" / imported.pk.hex / "upload.xlsx").exists()
    page = client.get(reverse("file_job", args=[imported.pk])).content.decode()
    assert "1 deltagare importerades från måldokumentet." in page
    assert 'http-equiv="refresh"' not in page


@pytest.mark.django_db(transaction=True)
def test_the_worker_refuses_a_job_whose_user_was_deactivated(owner, private_media, database_jobs):
    ParticipantFactory(responsible=owner)
    job = job_of(client_for(owner).post(reverse("operations:goal_document_export")))
    owner.is_active = False
    owner.save()

    run_jobs()

    job.refresh_from_db()
    assert job.status == FileJob.Status.FAILED and job.error == REFUSED_MESSAGE
    assert DBTaskResult.objects.get().return_value == "refused"


@pytest.mark.django_db(transaction=True)
def test_a_failing_job_is_recorded_failed_by_the_worker_and_its_page_says_so(
    owner, private_media, database_jobs, monkeypatch
):
    def broken(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(operation_jobs, "export_workbook", broken)
    job = job_of(client_for(owner).post(reverse("operations:goal_document_export")))

    run_jobs()

    task_row = DBTaskResult.objects.get()
    assert task_row.status == TaskResultStatus.FAILED
    assert task_row.exception_class_path.endswith(FileJobFailed.__name__)
    assert "boom" not in task_row.traceback
    job.refresh_from_db()
    assert job.status == FileJob.Status.FAILED


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_task_failed_outside_its_work_shows_failed(owner, private_media, database_jobs):
    """A job the worker gave up on (its worker lost too often) never
    reached its own bookkeeping: its page finds the task failed."""
    job = job_of(client_for(owner).post(reverse("operations:goal_document_export")))
    DBTaskResult.objects.filter(pk=job.task_result_id).update(status=TaskResultStatus.FAILED)
    page = client_for(owner).get(reverse("file_job", args=[job.pk])).content.decode()
    assert "Jobbet kunde inte slutföras." in page
    job.refresh_from_db()
    assert job.status == FileJob.Status.FAILED


@pytest.mark.django_db(transaction=True)
def test_the_reports_jobs_run_through_the_worker(steering, owner, private_media, database_jobs):
    ensure_reference_data()
    month = (TODAY.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    af = organisation("arbetsformedlingen")
    job = job_of(client_for(steering).post(reverse("reports:results_pdf"), {}))
    monthly = job_of(
        client_for(owner).post(
            reverse("reports:monthly_xlsx"), {"month": f"{month:%Y-%m}", "organisation": af.pk}
        )
    )

    run_jobs()

    for each, client in ((job, client_for(steering)), (monthly, client_for(owner))):
        each.refresh_from_db()
        assert each.status == FileJob.Status.DONE, each.error
        assert download(client, each).status_code == 200
