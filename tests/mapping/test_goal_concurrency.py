"""Two staff members saving the same goal document at the same time: the
second save is refused and nothing is overwritten. On PostgreSQL with two
real connections, one per thread."""

import threading

import pytest
from django.db import connection, transaction

from mapping.models import GoalDocument, GoalDocumentRevision
from mapping.services import StaleVersion, goal_document_save
from participants.services import participant_share
from tests.factories import ParticipantFactory

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two connections with row locks")


def _in_thread(target, results, key):
    def run():
        try:
            results[key] = target()
        except Exception as exc:  # noqa: BLE001 - reported to the test thread
            results[key] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_it_refuses_the_second_save_while_the_first_holds_the_row(owner, teammate):
    participant = ParticipantFactory(responsible=owner)
    participant_share(actor=owner, participant=participant, user=teammate)
    GoalDocument.objects.create(participant=participant, goal="Från början")
    first_saved, second_started = threading.Event(), threading.Event()
    results = {}

    def first():
        with transaction.atomic():
            goal_document_save(actor=owner, participant=participant, version=0, goal="Ägarens")
            first_saved.set()
            # Keep the transaction open while the second save runs into
            # the row lock.
            second_started.wait(10)
            threading.Event().wait(0.5)
        return "saved"

    def second():
        first_saved.wait(10)
        second_started.set()
        return goal_document_save(
            actor=teammate, participant=participant, version=0, goal="Kollegans"
        )

    threads = [_in_thread(first, results, "first"), _in_thread(second, results, "second")]
    for thread in threads:
        thread.join(30)
    assert results["first"] == "saved"
    assert isinstance(results["second"], StaleVersion), results["second"]
    assert "har ändrats av" in results["second"].messages[0]
    document = GoalDocument.objects.get()
    assert (document.goal, document.version, document.updated_by) == ("Ägarens", 1, owner)
    assert GoalDocumentRevision.objects.count() == 1


def test_it_lets_exactly_one_of_two_simultaneous_first_saves_win(owner, teammate):
    participant = ParticipantFactory(responsible=owner)
    participant_share(actor=owner, participant=participant, user=teammate)
    barrier = threading.Barrier(2)
    results = {}

    def save(actor, goal):
        def run():
            barrier.wait(10)
            return goal_document_save(actor=actor, participant=participant, version=0, goal=goal)

        return run

    threads = [
        _in_thread(save(owner, "Ägarens"), results, "owner"),
        _in_thread(save(teammate, "Kollegans"), results, "teammate"),
    ]
    for thread in threads:
        thread.join(30)
    outcomes = sorted(type(r).__name__ for r in results.values())
    assert outcomes == ["GoalDocument", "StaleVersion"], results
    winner = next(k for k, r in results.items() if isinstance(r, GoalDocument))
    document = GoalDocument.objects.get()
    assert document.goal == {"owner": "Ägarens", "teammate": "Kollegans"}[winner]
    assert document.version == 1
    assert GoalDocumentRevision.objects.count() == 1
