"""Twenty requests at once on PostgreSQL: weekly-meeting allocations,
information calls and goal-document saves from threads with connections of
their own. No lost update, no duplicate participant, no deadlock (every
thread finishes within the timeout)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from mapping.models import GoalDocument, GoalDocumentRevision
from mapping.services import StaleVersion, goal_document_save
from participants.models import Participant
from participants.services import participant_share
from rattinsats.models import AuditEvent, Role
from referrals import services
from referrals.models import Referral, WeeklyMeeting, week_monday

from .factories import ParticipantFactory, ReferralFactory, UserFactory, organisation

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

N = 20
TIMEOUT = 60  # seconds for all threads together; a deadlock would exceed it


def race(calls):
    """Run the calls at the same moment, each in a thread with its own
    database connection; return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(TIMEOUT)
            results[index] = call()
        except Exception as exc:  # reported to the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(i, call), daemon=True) for i, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    deadline = timezone.now() + timezone.timedelta(seconds=TIMEOUT)
    for thread in threads:
        thread.join(max(0.0, (deadline - timezone.now()).total_seconds()))
    assert not any(t.is_alive() for t in threads), "threads still waiting: deadlock?"
    return results


def errors(results, kind=Exception):
    return [r for r in results if isinstance(r, kind)]


def staff(n):
    return [UserFactory(role=Role.STAFF) for _ in range(n)]


@pytest.fixture
def officer():
    return UserFactory(
        role=Role.EMPLOYMENT_OFFICER, organisation=organisation("arbetsformedlingen")
    )


def test_it_allocates_twenty_referrals_at_once_without_losing_one():
    week = week_monday(timezone.localdate())
    members = staff(N)
    referrals = [ReferralFactory(status=Referral.Status.READY) for _ in range(N)]
    results = race(
        [
            (
                lambda r=r, m=m: services.meeting_allocate(
                    actor=m, week_start=week, assignments={r.pk: m}
                )
            )
            for r, m in zip(referrals, members, strict=True)
        ]
    )
    assert errors(results) == []
    assert WeeklyMeeting.objects.filter(week_start=week).count() == 1
    meeting = WeeklyMeeting.objects.get(week_start=week)
    for referral, member in zip(referrals, members, strict=True):
        referral.refresh_from_db()
        assert referral.status == Referral.Status.ALLOCATED
        assert (referral.responsible, referral.meeting) == (member, meeting)
        assert member.has_perm("referrals.view_referral", referral)
    assert (
        AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE, detail="fördelad").count() == N
    )


def test_it_allocates_one_referral_once_when_twenty_confirm_it_at_once():
    week = week_monday(timezone.localdate())
    members = staff(N)
    referral = ReferralFactory(status=Referral.Status.READY)
    results = race(
        [
            (
                lambda m=m: services.meeting_allocate(
                    actor=m, week_start=week, assignments={referral.pk: m}
                )
            )
            for m in members
        ]
    )
    refused = errors(results, ValidationError)
    assert len(refused) == N - 1, results
    assert errors(results) == refused
    winner = next(r for r in results if not isinstance(r, Exception))[0].responsible
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ALLOCATED
    assert referral.responsible == winner
    assert (
        AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE, detail="fördelad").count() == 1
    )


def test_twenty_yes_answers_for_one_referral_make_one_participant(officer):
    owner = UserFactory(role=Role.STAFF)
    referral = ReferralFactory(status=Referral.Status.READY)
    services.meeting_allocate(
        actor=owner,
        week_start=week_monday(timezone.localdate()),
        assignments={referral.pk: owner},
    )
    referral.refresh_from_db()
    results = race(
        [
            lambda: services.referral_information_call(
                actor=officer,
                referral=referral,
                identity_verified=True,
                informed_about_reporting=True,
                wants_to_participate=True,
                start_date=timezone.localdate(),
            )
        ]
        * N
    )
    refused = errors(results, ValidationError)
    assert len(refused) == N - 1, results
    assert errors(results) == refused
    assert Participant.objects.filter(personnummer=referral.personnummer).count() == 1
    participant = Participant.objects.get()
    assert participant.responsible == owner
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED


def test_twenty_yes_answers_for_twenty_referrals_make_twenty_participants(officer):
    owner = UserFactory(role=Role.STAFF)
    referrals = [ReferralFactory(status=Referral.Status.READY) for _ in range(N)]
    services.meeting_allocate(
        actor=owner,
        week_start=week_monday(timezone.localdate()),
        assignments={r.pk: owner for r in referrals},
    )
    results = race(
        [
            (
                lambda r=r: services.referral_information_call(
                    actor=officer,
                    referral=r,
                    identity_verified=True,
                    informed_about_reporting=True,
                    wants_to_participate=True,
                    start_date=timezone.localdate(),
                )
            )
            for r in Referral.objects.all()
        ]
    )
    assert errors(results) == []
    assert Participant.objects.count() == N
    assert set(Participant.objects.values_list("personnummer", flat=True)) == {
        r.personnummer for r in referrals
    }


@pytest.fixture
def shared_document():
    """A participant whose goal document twenty staff members may edit."""
    members = staff(N)
    participant = ParticipantFactory(responsible=members[0])
    for member in members[1:]:
        participant_share(actor=members[0], participant=participant, user=member)
    GoalDocument.objects.create(participant=participant, goal="Från början")
    return participant, members


def test_of_twenty_saves_of_one_version_exactly_one_wins(shared_document):
    participant, members = shared_document
    results = race(
        [
            (
                lambda i=i, m=m: goal_document_save(
                    actor=m, participant=participant, version=0, goal=f"Mål nummer {i}"
                )
            )
            for i, m in enumerate(members)
        ]
    )
    refused = errors(results, StaleVersion)
    assert len(refused) == N - 1, results
    assert errors(results) == refused
    winner = next(i for i, r in enumerate(results) if not isinstance(r, Exception))
    document = GoalDocument.objects.get()
    assert (document.goal, document.version) == (f"Mål nummer {winner}", 1)
    assert document.updated_by == members[winner]
    assert GoalDocumentRevision.objects.filter(participant=participant).count() == 1


def test_twenty_saves_that_retry_on_a_stale_version_lose_no_update(shared_document):
    """Each writer appends its own sub-goal line, reading the current
    version and retrying when refused: every line survives."""
    participant, members = shared_document

    def append(i, member):
        for _attempt in range(10 * N):
            current = GoalDocument.objects.get(participant=participant)
            try:
                goal_document_save(
                    actor=member,
                    participant=participant,
                    version=current.version,
                    goal=f"{current.goal}\nDelmål {i}",
                )
                return i
            except StaleVersion:
                continue
        raise AssertionError("never saved")

    results = race([(lambda i=i, m=m: append(i, m)) for i, m in enumerate(members)])
    assert results == list(range(N))
    document = GoalDocument.objects.get()
    assert document.version == N
    lines = document.goal.splitlines()
    assert lines[0] == "Från början"
    assert sorted(lines[1:]) == sorted(f"Delmål {i}" for i in range(N))
    assert GoalDocumentRevision.objects.filter(participant=participant).count() == N
