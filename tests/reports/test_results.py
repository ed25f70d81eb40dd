"""The results definitions (product.md, the results contract), each with
small hand-made cases."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from closure.models import StatusSnapshot
from mapping.models import MoveCategory, StepwiseMove
from participants.models import Gender, Participant
from participants.periods import period_bounds
from reports.results import ResultsFilter, results_compute
from tests.factories import ParticipantFactory, UserFactory, ensure_reference_data, organisation

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2025, 6, 15)


@pytest.fixture(autouse=True)
def _reference(db):
    ensure_reference_data()


def person(start, *, end=None, reason="", result="", gender=Gender.WOMAN, **kwargs):
    return ParticipantFactory(
        start_date=start,
        end_date=end,
        status=Participant.Status.CLOSED if end else Participant.Status.ACTIVE,
        closure_reason=reason,
        closure_result=result,
        gender=gender,
        **kwargs,
    )


def move(participant, k, code):
    first, last = period_bounds(participant.start_date, k)
    return StepwiseMove.objects.create(
        participant=participant,
        period=k,
        period_start=first,
        period_end=last,
        category=MoveCategory.objects.get(code=code),
    )


def compute(date_from=None, date_to=None, **kwargs):
    return results_compute(
        ResultsFilter(date_from=date_from, date_to=date_to, **kwargs), today=TODAY
    ).as_contract()


def test_it_counts_participations_that_overlap_the_period():
    person(D(2024, 1, 1), end=D(2024, 3, 31), reason="ovriga")  # ends the day before
    person(D(2024, 1, 1), end=D(2024, 4, 1), reason="ovriga")  # ends on the first day
    person(D(2024, 6, 30))  # starts on the last day
    person(D(2024, 7, 1))  # starts the day after
    person(D(2023, 1, 1), gender=Gender.MAN)  # active since before
    data = compute(D(2024, 4, 1), D(2024, 6, 30))
    assert data["participants"] == {"total": 3, "women": 2, "men": 1, "other": 0}
    assert data["period"] == {"from": "2024-04-01", "to": "2024-06-30"}
    assert compute()["participants"]["total"] == 5


def test_it_counts_a_move_in_a_three_month_period_that_overlaps_the_report_period():
    p = person(D(2024, 1, 1))
    move(p, 1, "praktik_arbetsprovning")  # 2024-01-01 – 2024-03-31
    just_after = compute(D(2024, 4, 1), D(2024, 12, 31))
    assert just_after["participants"]["total"] == 1
    assert just_after["stepwise_moves"]["by_category"]["praktik_arbetsprovning"] == 0
    assert just_after["stepwise_moves"]["participants_with_move"] == 0
    last_day = compute(D(2024, 3, 31), D(2024, 12, 31))
    assert last_day["stepwise_moves"]["by_category"]["praktik_arbetsprovning"] == 1
    # A period that begins after the report period is outside it too.
    move(p, 2, "arbets_studieformaga")  # 2024-04-01 – 2024-06-30
    before = compute(D(2024, 1, 1), D(2024, 3, 31))
    assert before["stepwise_moves"]["by_category"]["arbets_studieformaga"] == 0
    assert before["stepwise_moves"]["by_category"]["praktik_arbetsprovning"] == 1


def test_it_counts_a_person_once_per_category():
    p = person(D(2024, 1, 1))
    for k in (1, 2, 3):
        move(p, k, "praktik_arbetsprovning")
    move(p, 4, "studier_annan_ersattning")
    data = compute()
    assert data["stepwise_moves"]["by_category"] == {
        "praktik_arbetsprovning": 1,
        "arbets_studieformaga": 0,
        "studier_annan_ersattning": 1,
        "ovriga_skal": 0,
    }
    assert data["stepwise_moves"]["participants_with_move"] == 1
    assert data["participants"]["total"] == 1


def test_it_does_not_count_preparing_for_work_as_a_move():
    p = person(D(2024, 1, 1))
    move(p, 1, "forberedande_mot_arbete")
    data = compute()
    assert data["stepwise_moves"]["participants_with_move"] == 0
    assert data["goals"]["delmal_2_all_moved"] is False


def test_it_counts_self_support_only_for_a_closure_inside_the_period():
    person(D(2024, 1, 1), end=D(2024, 2, 10), reason="arbete", result="extratjanst")
    person(D(2024, 1, 1), end=D(2024, 9, 30), reason="arbete", result="introjobb")
    person(D(2024, 1, 1), end=D(2024, 5, 5), reason="studier", result="csn_studies")
    data = compute(D(2024, 3, 1), D(2024, 6, 30))
    # The first ended before the period; the second ends after it: counted,
    # but not (yet) self-supporting in this period.
    assert data["participants"]["total"] == 2
    assert data["self_support"]["total"] == 1
    assert data["self_support"]["by_category"]["csn_studies"] == 1
    assert data["self_support"]["by_category"]["introjobb"] == 0
    assert data["self_support"]["share"] == 0.5
    assert data["stepwise_moves"]["participants_with_move"] == 1
    everything = compute()
    assert everything["self_support"]["total"] == 3


def test_it_does_not_count_work_without_self_support_or_other_reasons_as_self_support():
    person(D(2024, 1, 1), end=D(2024, 5, 1), reason="arbete", result="no_self_support")
    person(D(2024, 1, 1), end=D(2024, 5, 1), reason="ovriga")
    person(D(2024, 1, 1), end=D(2024, 8, 1), reason="ovriga")
    data = compute(D(2024, 1, 1), D(2024, 6, 30))
    assert data["self_support"]["total"] == 0
    assert data["stepwise_moves"]["by_category"]["ovriga_skal"] == 1
    # Other reasons are reported among the moves but do not make
    # participants_with_move (the contract: the three categories or self-support).
    assert data["stepwise_moves"]["participants_with_move"] == 0


def test_it_rounds_the_share_and_sets_the_goals(settings):
    for _ in range(2):
        person(D(2024, 1, 1), end=D(2024, 6, 1), reason="arbete", result="nystartsjobb")
    for _ in range(4):
        p = person(D(2024, 1, 1))
        move(p, 1, "arbets_studieformaga")
    data = compute()
    assert data["self_support"]["share"] == 0.3333
    assert data["goals"] == {
        "delmal_2_all_moved": True,
        "delmal_3_share_target": 0.2,
        "delmal_3_met": True,
    }
    settings.RATTINSATS_DELMAL_3_SHARE_TARGET = 0.35
    data = compute()
    assert data["goals"]["delmal_3_share_target"] == 0.35
    assert data["goals"]["delmal_3_met"] is False


def test_it_answers_zeros_for_an_empty_database_or_period():
    empty = {
        "period": {"from": None, "to": None},
        "participants": {"total": 0, "women": 0, "men": 0, "other": 0},
        "self_support": {
            "total": 0,
            "share": 0,
            "by_category": {
                "csn_studies": 0,
                "job_without_support": 0,
                "extratjanst": 0,
                "lonebidrag": 0,
                "nystartsjobb": 0,
                "introjobb": 0,
            },
        },
        "stepwise_moves": {
            "participants_with_move": 0,
            "by_category": {
                "praktik_arbetsprovning": 0,
                "arbets_studieformaga": 0,
                "studier_annan_ersattning": 0,
                "ovriga_skal": 0,
            },
        },
        "goals": {"delmal_2_all_moved": False, "delmal_3_share_target": 0.2, "delmal_3_met": False},
    }
    assert compute() == empty
    person(D(2024, 1, 1))
    data = compute(D(2020, 1, 1), D(2020, 12, 31))
    assert data["participants"]["total"] == 0 and data["self_support"]["share"] == 0
    assert results_compute(ResultsFilter(D(2020, 1, 1), D(2020, 12, 31))).active_per_month == []


def test_it_counts_gender_other():
    person(D(2024, 1, 1), gender=Gender.OTHER)
    assert compute()["participants"] == {"total": 1, "women": 0, "men": 0, "other": 1}


def test_it_filters_by_referring_organisation_and_responsible():
    jc, af = organisation("jobbcentrum"), organisation("arbetsformedlingen")
    staff = UserFactory()
    person(D(2024, 1, 1), referring_organisation=jc, responsible=staff)
    person(D(2024, 1, 1), referring_organisation=af)
    person(D(2024, 1, 1), referring_organisation=af)
    assert compute(referring_organisation=af)["participants"]["total"] == 2
    assert compute(referring_organisation=jc)["participants"]["total"] == 1
    assert compute(responsible=staff)["participants"]["total"] == 1


def test_it_counts_active_participants_per_month():
    person(D(2025, 1, 15), end=D(2025, 3, 1), reason="ovriga")
    person(D(2025, 3, 2))
    months = results_compute(today=TODAY).active_per_month
    assert months == [
        (D(2025, 1, 1), 1),
        (D(2025, 2, 1), 1),
        (D(2025, 3, 1), 2),
        (D(2025, 4, 1), 1),
        (D(2025, 5, 1), 1),
        (D(2025, 6, 1), 1),
    ]
    within = results_compute(ResultsFilter(D(2025, 2, 10), D(2025, 3, 31)), today=TODAY)
    assert within.active_per_month == [(D(2025, 2, 1), 1), (D(2025, 3, 1), 2)]


def test_it_compares_status_before_and_after_for_those_closed_with_both_recorded():
    closed = person(D(2024, 1, 1), end=D(2024, 6, 1), reason="arbete", result="lonebidrag")
    half = person(D(2024, 1, 1), end=D(2024, 6, 1), reason="ovriga")
    active = person(D(2024, 1, 1))
    for p in (closed, half, active):
        StatusSnapshot.objects.create(
            participant=p,
            moment="start",
            employment_status="seeking_work",
            income_source="ekonomiskt_bistand",
        )
    StatusSnapshot.objects.create(
        participant=closed,
        moment="end",
        employment_status="subsidised_work",
        income_source="salary",
    )
    results = results_compute(today=TODAY)
    assert results.before_after_count == 1
    employment = {
        key: (start, end) for key, _l, start, end in results.before_after["employment_status"]
    }
    assert employment["seeking_work"] == (1, 0)
    assert employment["subsidised_work"] == (0, 1)
    income = {key: (start, end) for key, _l, start, end in results.before_after["income_source"]}
    assert income["ekonomiskt_bistand"] == (1, 0) and income["salary"] == (0, 1)


def test_it_splits_each_outcome_by_gender():
    person(D(2024, 1, 1), end=D(2024, 6, 1), reason="arbete", result="extratjanst")
    man = person(D(2024, 1, 1), gender=Gender.MAN)
    move(man, 1, "praktik_arbetsprovning")
    results = results_compute(today=TODAY)
    assert results.self_support_by_gender == {"women": 1, "men": 0, "other": 0}
    assert results.with_move_by_gender == {"women": 1, "men": 1, "other": 0}
    praktik = next(o for o in results.moves if o.key == "praktik_arbetsprovning")
    assert praktik.by_gender == {"women": 0, "men": 1, "other": 0}


def _population(n):
    for i in range(n):
        p = person(D(2024, 1, 1) + datetime.timedelta(days=i), gender=Gender.MAN)
        move(p, 1, "praktik_arbetsprovning")
        move(p, 2, "arbets_studieformaga")
        StatusSnapshot.objects.create(
            participant=p,
            moment="start",
            employment_status="seeking_work",
            income_source="ekonomiskt_bistand",
        )


@pytest.mark.parametrize("n", [3, 30])
def test_it_computes_in_a_fixed_number_of_queries(n, django_assert_num_queries):
    _population(n)
    # The contract's figures: one query, grouped by gender, outcome and moves.
    with django_assert_num_queries(1):
        results = results_compute(today=TODAY)
    assert results.total == n
    assert results.moves[0].total == n
    # The dashboard's extras, one query each, read once.
    with django_assert_num_queries(2):
        assert results.active_per_month[0][1] >= 1
        assert results.before_after_count == 0
        assert results.before_after and results.active_per_month


def test_it_compares_the_period_with_the_dates_as_values_on_sqlite():
    """On SQLite the period's conditions keep off the (start, end) index
    (its unary +): for a period of months or years reading the table
    through is the faster plan. The figures are the same either way (the
    tests above); elsewhere the columns are compared as they are."""
    person(D(2024, 1, 1), end=D(2024, 5, 31), reason="ovriga")
    with CaptureQueriesContext(connection) as captured:
        results = results_compute(ResultsFilter(date_from=D(2024, 4, 1)), today=TODAY)
        assert results.before_after_count == 0
    assert len(captured) == 2
    for query in captured:
        compared = '"participants_participant"."end_date" >= '
        assert compared in query["sql"]
        assert ("+" + compared in query["sql"]) == (connection.vendor == "sqlite")
