"""Races between two requests, on PostgreSQL (row locks, unique indexes)."""

import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from referrals import services
from referrals.models import Referral, week_monday
from tests.factories import ReferralFactory, UserFactory, ensure_reference_data, referral_counsellor
from tests.referrals.test_referral_services import submit_data

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


def race(*calls):
    """Run the calls at the same moment in threads of their own; return
    what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # reported to the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_a_double_click_creates_one_referral():
    ensure_reference_data()
    referrer = referral_counsellor()
    data = submit_data()
    results = race(
        lambda: services.referral_submit(actor=referrer, **data).pk,
        lambda: services.referral_submit(actor=referrer, **data).pk,
    )
    assert Referral.objects.count() == 1
    assert results[0] == results[1] == Referral.objects.get().pk


def test_two_counsellors_cannot_refer_one_person_at_once():
    ensure_reference_data()
    first, second = referral_counsellor(), referral_counsellor("arbetsformedlingen")
    number = submit_data()["personnummer"]
    results = race(
        lambda: services.referral_submit(
            actor=first, **submit_data(personnummer=number, submission_key=uuid.uuid4())
        ),
        lambda: services.referral_submit(
            actor=second, **submit_data(personnummer=number, submission_key=uuid.uuid4())
        ),
    )
    assert Referral.objects.filter(personnummer=number).count() == 1
    assert sum(isinstance(r, ValidationError) for r in results) == 1


def test_two_meetings_cannot_allocate_one_referral_twice():
    ensure_reference_data()
    a, b = UserFactory(), UserFactory()
    referral = ReferralFactory(status=Referral.Status.READY)
    week = week_monday(timezone.localdate())
    results = race(
        lambda: services.meeting_allocate(actor=a, week_start=week, assignments={referral.pk: a}),
        lambda: services.meeting_allocate(actor=b, week_start=week, assignments={referral.pk: b}),
    )
    assert sum(isinstance(r, ValidationError) for r in results) == 1
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ALLOCATED
