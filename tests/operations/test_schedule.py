"""The workers' schedule (operations.schedule) with a frozen clock, and the
daily digest to the project team (operations.digest)."""

import datetime
import json
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from casework.models import Flag
from operations.digest import DigestCounts, digest_counts, digest_send
from operations.models import ScheduledRun
from operations.schedule import schedule_enqueue_due, scheduled_job_run
from participants.models import Participant, Task
from rattinsats.models import Role
from tests.factories import (
    ConsentFactory,
    ParticipantFactory,
    StepwiseMoveFactory,
    UserFactory,
    organisation,
)

from .jobs_for_tests import run_jobs

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DAY = datetime.date(2026, 3, 10)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment in Stockholm's local time."""
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=STOCKHOLM)


@pytest.fixture
def database_jobs(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def started(runs) -> list[tuple[str, str]]:
    return sorted((run.name, run.period) for run in runs)


# --- The schedule --------------------------------------------------------------


@pytest.mark.django_db
def test_the_digest_is_due_from_six_local_time_and_starts_once_a_day(database_jobs):
    assert started(schedule_enqueue_due(now=at(DAY, 5, 59), worker_id="a")) == [
        ("prune_jobs", "2026-03-10")  # due from 03:00
    ]
    assert started(schedule_enqueue_due(now=at(DAY, 6, 0), worker_id="a")) == [
        ("staff_digest", "2026-03-10")
    ]
    # Another worker, a minute later, the same evening: already started.
    assert schedule_enqueue_due(now=at(DAY, 6, 0), worker_id="b") == []
    assert schedule_enqueue_due(now=at(DAY, 6, 1), worker_id="b") == []
    assert schedule_enqueue_due(now=at(DAY, 23, 59), worker_id="a") == []
    # The next day, each once again.
    next_day = DAY + datetime.timedelta(days=1)
    assert started(schedule_enqueue_due(now=at(next_day, 6, 0), worker_id="b")) == [
        ("prune_jobs", "2026-03-11"),
        ("staff_digest", "2026-03-11"),
    ]

    digest = ScheduledRun.objects.get(name="staff_digest", period="2026-03-10")
    assert digest.enqueued_by == "a"
    job = DBTaskResult.objects.get(pk=digest.job_id)
    assert job.task_path == "operations.schedule.scheduled_job_run"
    assert job.args_kwargs == {"args": ["staff_digest", "2026-03-10"], "kwargs": {}}
    assert job.status == TaskResultStatus.READY
    assert DBTaskResult.objects.count() == ScheduledRun.objects.count() == 4


@pytest.mark.django_db
def test_the_hour_is_local_time_in_summer_and_winter_and_a_setting(database_jobs, settings):
    summer = datetime.date(2026, 7, 1)
    utc = datetime.UTC
    # 03:59 UTC is 05:59 in Stockholm in summer, 04:00 UTC is 06:00.
    names = {
        r.name for r in schedule_enqueue_due(now=datetime.datetime(2026, 7, 1, 3, 59, tzinfo=utc))
    }
    assert "staff_digest" not in names
    assert started(schedule_enqueue_due(now=datetime.datetime(2026, 7, 1, 4, 0, tzinfo=utc))) == [
        ("staff_digest", summer.isoformat())
    ]
    # 04:59 UTC is 05:59 in winter.
    winter = datetime.datetime(2026, 1, 15, 4, 59, tzinfo=utc)
    assert "staff_digest" not in {r.name for r in schedule_enqueue_due(now=winter)}
    settings.RATTINSATS_DIGEST_HOUR = 5
    assert "staff_digest" in {r.name for r in schedule_enqueue_due(now=winter)}


@pytest.mark.django_db
def test_retention_runs_nightly_only_when_turned_on(database_jobs, settings):
    for hour in range(24):
        runs = schedule_enqueue_due(now=at(DAY, hour))
        assert "retention" not in {r.name for r in runs}
    settings.RATTINSATS_RETENTION_NIGHTLY = True
    next_day = DAY + datetime.timedelta(days=1)
    assert "retention" not in {r.name for r in schedule_enqueue_due(now=at(next_day, 1, 59))}
    assert "retention" in {r.name for r in schedule_enqueue_due(now=at(next_day, 2, 0))}
    assert schedule_enqueue_due(now=at(next_day, 2, 1)) == []


@pytest.mark.django_db
def test_the_digest_can_be_turned_off(database_jobs, settings):
    settings.RATTINSATS_DIGEST_ENABLED = False
    assert "staff_digest" not in {r.name for r in schedule_enqueue_due(now=at(DAY, 12))}


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_two_workers_at_the_same_moment_start_each_run_once(database_jobs):
    """Two workers on two connections find the digest due at the same
    moment; the unique row lets one start it."""
    barrier = threading.Barrier(2)
    results = {}

    def worker(worker_id):
        try:
            barrier.wait(timeout=30)
            results[worker_id] = started(
                schedule_enqueue_due(now=at(DAY, 6, 0), worker_id=worker_id)
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(w,)) for w in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == ["a", "b"]
    both = sorted(results["a"] + results["b"])
    assert both == [("prune_jobs", "2026-03-10"), ("staff_digest", "2026-03-10")]
    assert ScheduledRun.objects.count() == DBTaskResult.objects.count() == 2


# --- The digest ----------------------------------------------------------------


@pytest.fixture
def team(reference_data):
    owner = UserFactory(username="owner", role=Role.STAFF, email="owner@example.invalid")
    idle = UserFactory(username="idle", role=Role.STAFF, email="idle@example.invalid")
    return owner, idle


def _start(days_before: int) -> datetime.date:
    return DAY - datetime.timedelta(days=days_before)


def caseload(owner, *, extra=0):
    """What waits for ``owner`` on DAY: two consents to renew (one ending
    in ten days, one missing), one follow-up due, one period without a
    move, one flag unsent for more than seven days. ``extra`` more
    participants with nothing waiting."""
    ending = ParticipantFactory(responsible=owner, start_date=_start(40))
    ConsentFactory(
        participant=ending, signed_on=_start(40), valid_until=DAY + datetime.timedelta(days=10)
    )
    # No consent; periods 1 and 2 have ended, a move only in period 1.
    without = ParticipantFactory(responsible=owner, start_date=_start(200))
    StepwiseMoveFactory(participant=without, period=1)
    for _ in range(extra):
        fine = ParticipantFactory(responsible=owner, start_date=_start(30))
        ConsentFactory(
            participant=fine, signed_on=_start(30), valid_until=DAY + datetime.timedelta(days=300)
        )
    closed = ParticipantFactory(
        responsible=owner,
        start_date=_start(400),
        status=Participant.Status.CLOSED,
        end_date=_start(20),
    )
    org = organisation("ekonomiskt_bistand")
    long_ago = at(DAY - datetime.timedelta(days=8), 9)
    for status, created in (
        (Flag.Status.OPEN, long_ago),  # counted
        (Flag.Status.OPEN, at(DAY - datetime.timedelta(days=2), 9)),  # not yet
        (Flag.Status.SENT, long_ago),  # sent
    ):
        Flag.objects.create(
            participant=closed,
            organisation=org,
            reason="Avslut",
            created_by=owner,
            status=status,
            created_at=created,
        )
    for due, done in (
        (DAY - datetime.timedelta(days=1), None),
        (DAY + datetime.timedelta(days=1), None),
        (DAY - datetime.timedelta(days=3), at(DAY, 8)),
    ):
        Task.objects.create(
            assignee=owner, participant=closed, kind=Task.Kind.FOLLOW_UP, due_on=due, done_at=done
        )
    return ending, without, closed


@pytest.mark.django_db
def test_the_digest_counts_what_waits_for_each_staff_member(team):
    owner, idle = team
    caseload(owner)
    assert digest_counts(DAY) == {
        owner.pk: DigestCounts(consents=2, follow_ups=1, periods=1, flags=1)
    }


@pytest.mark.django_db
def test_the_digest_mail_carries_counts_and_a_link_and_no_personal_data(team, settings):
    settings.SITE_URL = "https://ratt-insats.example.se/"
    owner, idle = team
    people = caseload(owner)
    # Not in the project team, or without an address: no digest.
    counsellor = UserFactory(role=Role.COUNSELLOR, email="counsellor@example.invalid")
    ParticipantFactory(responsible=counsellor, start_date=_start(40))
    nameless = UserFactory(role=Role.STAFF, email="")
    ParticipantFactory(responsible=nameless, start_date=_start(40))

    assert digest_send(DAY) == {"mails": 1}

    assert [m.to for m in mail.outbox] == [["owner@example.invalid"]]
    message = mail.outbox[0]
    assert message.subject == "Rätt insats: att göra i dag"
    assert message.body == (
        "Det här väntar på dig i Rätt insats:\n"
        "\n"
        "Samtycken som går ut inom 30 dagar eller saknas: 2\n"
        "Uppföljningar efter avslut att göra: 1\n"
        "Perioder utan registrerad stegvis förflyttning: 1\n"
        "Flaggor som inte skickats på mer än 7 dagar: 1\n"
        "\n"
        "Logga in i Rätt insats och öppna Att göra för att se vilka:\n"
        "https://ratt-insats.example.se/deltagare/att-gora/\n"
    )
    for person in people:
        for value in (person.first_name, person.last_name, person.personnummer):
            assert value not in message.subject + message.body
        assert person.personnummer[2:8] not in message.body


@pytest.mark.django_db
def test_the_digests_queries_do_not_grow_with_the_participants(team):
    owner, idle = team
    caseload(owner)
    with CaptureQueriesContext(connection) as few:
        small = digest_counts(DAY)
    caseload(idle, extra=30)
    with CaptureQueriesContext(connection) as many:
        large = digest_counts(DAY)
    assert len(few) == len(many) == 5
    assert large[idle.pk] == small[owner.pk]


@pytest.mark.django_db(transaction=True)
def test_the_scheduled_digest_runs_in_a_worker_and_not_twice(team, database_jobs):
    owner, idle = team
    caseload(owner)
    (run,) = [r for r in schedule_enqueue_due(now=at(DAY, 6)) if r.name == "staff_digest"]

    run_jobs()  # the digest, then the mail job it queued

    assert [m.to for m in mail.outbox] == [["owner@example.invalid"]]
    run.refresh_from_db()
    assert run.finished_at is not None
    assert DBTaskResult.objects.get(pk=run.job_id).return_value == {"mails": 1}
    # The same run once more (taken back from a worker thought dead): nothing.
    assert scheduled_job_run.call("staff_digest", "2026-03-10") == {"already_done": 1}
    run_jobs()
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_retention_as_a_scheduled_job_anonymises_what_is_due(team, settings):
    owner, idle = team
    old = ParticipantFactory(
        responsible=owner,
        start_date=DAY.replace(year=2019),
        status=Participant.Status.CLOSED,
        end_date=DAY.replace(year=2020),
    )
    outcome = scheduled_job_run.call("retention", DAY.isoformat())
    assert outcome["participants"] == 1
    old.refresh_from_db()
    assert old.anonymised_at is not None and old.personnummer == ""


@pytest.mark.django_db
def test_a_scheduled_job_runs_by_hand(team, capsys):
    owner, idle = team
    caseload(owner)
    call_command("run_scheduled_job", "staff_digest", "--date", DAY.isoformat())
    out = capsys.readouterr().out
    assert out.startswith("staff_digest 2026-03-10: ")
    assert json.loads(out.split(": ", 1)[1]) == {"mails": 1}
    assert [m.to for m in mail.outbox] == [["owner@example.invalid"]]

    call_command("run_scheduled_job", "--list")
    listing = capsys.readouterr().out
    assert "staff_digest" in listing and "varje dag från kl. 06" in listing
    assert "retention" in listing and "avstängt" in listing
