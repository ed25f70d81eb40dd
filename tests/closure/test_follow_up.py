"""The follow-up one month after a closure because of work or studies."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from closure import services
from closure.models import EmploymentStatus, FollowUp, IncomeSource, OtherClosureReason
from participants.models import ClosureReason, ClosureResult, Task
from participants.periods import add_months

pytestmark = pytest.mark.django_db


@pytest.fixture
def closure(owner, participant):
    return services.participant_close(
        actor=owner,
        participant=participant,
        closed_on=timezone.localdate() - datetime.timedelta(days=35),
        reason=ClosureReason.WORK,
        result=ClosureResult.EXTRATJANST,
        employment_status=EmploymentStatus.SUBSIDISED_WORK,
        income_source=IncomeSource.SALARY,
    )


def test_it_records_the_follow_up_and_completes_the_task(owner, closure):
    latest = add_months(closure.closed_on, 3)
    follow_up = services.follow_up_record(
        actor=owner,
        closure=closure,
        followed_up_on=timezone.localdate(),
        reached=True,
        self_supporting=True,
        working=True,
        extended_support=True,
        extended_support_until=latest,
    )
    assert follow_up.extended_support_until == latest
    task = Task.objects.get(kind=Task.Kind.FOLLOW_UP)
    assert task.done_at is not None
    assert task.done_by == owner


def test_it_refuses_extended_support_past_three_months(owner, closure):
    latest = add_months(closure.closed_on, 3)
    with pytest.raises(ValidationError) as exc:
        services.follow_up_record(
            actor=owner,
            closure=closure,
            followed_up_on=timezone.localdate(),
            reached=True,
            self_supporting=True,
            working=False,
            extended_support=True,
            extended_support_until=latest + datetime.timedelta(days=1),
        )
    assert (
        f"Förlängt stöd ges högst tre månader efter avslutet, alltså till och med "
        f"{latest.isoformat()}." in exc.value.message_dict["extended_support_until"]
    )
    assert not FollowUp.objects.exists()
    assert Task.objects.get(kind=Task.Kind.FOLLOW_UP).done_at is None


def too_early(closure) -> str:
    earliest = closure.closed_on + datetime.timedelta(days=14)
    return (
        "Uppföljningen görs en månad efter avslutet och kan registreras tidigast "
        f"{earliest.isoformat()}, två veckor efter avslutet."
    )


@pytest.mark.parametrize("days_after", [-1, 0, 1, 13])
def test_it_refuses_a_follow_up_before_two_weeks_after_the_closure(owner, closure, days_after):
    with pytest.raises(ValidationError) as exc:
        services.follow_up_record(
            actor=owner,
            closure=closure,
            followed_up_on=closure.closed_on + datetime.timedelta(days=days_after),
            reached=False,
        )
    assert exc.value.message_dict["followed_up_on"] == [too_early(closure)]
    assert not FollowUp.objects.exists()
    assert Task.objects.get(kind=Task.Kind.FOLLOW_UP).done_at is None


def test_it_records_a_follow_up_from_two_weeks_after_the_closure(owner, closure):
    earliest = services.follow_up_earliest(closure)
    assert earliest == closure.closed_on + datetime.timedelta(days=14)
    follow_up = services.follow_up_record(
        actor=owner, closure=closure, followed_up_on=earliest, reached=False
    )
    assert follow_up.followed_up_on == earliest


def test_it_refuses_a_follow_up_on_the_day_of_a_recent_closure(owner, participant):
    """Recorded on the day of the closure, the follow-up is refused naming
    the first day it can be recorded, even when that is still to come."""
    closure = services.participant_close(
        actor=owner,
        participant=participant,
        closed_on=timezone.localdate(),
        reason=ClosureReason.STUDIES,
        result=ClosureResult.CSN_STUDIES,
        employment_status=EmploymentStatus.STUDIES,
        income_source=IncomeSource.CSN,
    )
    with pytest.raises(ValidationError) as exc:
        services.follow_up_record(
            actor=owner, closure=closure, followed_up_on=timezone.localdate(), reached=False
        )
    assert exc.value.message_dict["followed_up_on"] == [too_early(closure)]


def test_it_asks_for_the_answers_when_the_person_was_reached(owner, closure):
    with pytest.raises(ValidationError) as exc:
        services.follow_up_record(
            actor=owner, closure=closure, followed_up_on=timezone.localdate(), reached=True
        )
    assert set(exc.value.message_dict) == {"self_supporting", "working"}
    with pytest.raises(ValidationError) as exc:
        services.follow_up_record(
            actor=owner,
            closure=closure,
            followed_up_on=timezone.localdate(),
            reached=False,
            extended_support=True,
        )
    assert (
        "Ange till när det förlängda stödet ges."
        in exc.value.message_dict["extended_support_until"]
    )


def test_it_keeps_unknown_answers_empty_when_the_person_was_not_reached(owner, closure):
    follow_up = services.follow_up_record(
        actor=owner,
        closure=closure,
        followed_up_on=timezone.localdate(),
        reached=False,
        self_supporting=True,
        working=True,
    )
    assert follow_up.self_supporting is None
    assert follow_up.working is None


def test_it_records_one_follow_up_per_closure(owner, closure):
    services.follow_up_record(
        actor=owner, closure=closure, followed_up_on=timezone.localdate(), reached=False
    )
    with pytest.raises(ValidationError, match="redan registrerad"):
        services.follow_up_record(
            actor=owner, closure=closure, followed_up_on=timezone.localdate(), reached=False
        )


def test_it_does_not_follow_up_other_reasons_or_reopened_closures(owner, participant):
    closure = services.participant_close(
        actor=owner,
        participant=participant,
        closed_on=timezone.localdate(),
        reason=ClosureReason.OTHER,
        other_reason=OtherClosureReason.NOT_REACHABLE,
        employment_status=EmploymentStatus.OTHER,
        income_source=IncomeSource.NONE_OTHER,
    )
    with pytest.raises(ValidationError, match="Bara avslut till arbete eller studier"):
        services.follow_up_record(
            actor=owner, closure=closure, followed_up_on=timezone.localdate(), reached=False
        )
    services.closure_reopen(actor=owner, participant=participant, reason="Fel")
    closure.refresh_from_db()
    with pytest.raises(ValidationError, match="ångrat"):
        services.follow_up_record(
            actor=owner, closure=closure, followed_up_on=timezone.localdate(), reached=False
        )


def test_it_refuses_the_follow_up_to_others(closure, teammate):
    with pytest.raises(PermissionDenied):
        services.follow_up_record(
            actor=teammate, closure=closure, followed_up_on=timezone.localdate(), reached=False
        )
