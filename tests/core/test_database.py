import os

import pytest
from django.db import IntegrityError, connection, transaction

from participants.models import Participant
from tests.factories import ParticipantFactory


def test_it_runs_on_the_database_it_was_given(db):
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres", "postgresql")) else "sqlite"
    assert connection.vendor == expected


def test_it_allows_only_one_active_participation_per_person(owner):
    first = ParticipantFactory(responsible=owner)
    with pytest.raises(IntegrityError), transaction.atomic():
        Participant.objects.create(
            personnummer=first.personnummer,
            first_name="X",
            last_name="Y",
            gender="man",
            start_date=first.start_date,
        )


def test_it_allows_a_new_participation_after_the_first_has_ended(owner):
    first = ParticipantFactory(responsible=owner)
    Participant.objects.filter(pk=first.pk).update(status="avslutad", end_date=first.start_date)
    again = ParticipantFactory(responsible=owner, personnummer=first.personnummer)
    assert again.pk != first.pk
