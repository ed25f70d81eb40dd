"""Employer collaboration in the results: staff see placements and hires
per employer and per form of support; the steering group aggregates only,
never an employer's name, with small counts hidden."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from employers.models import Employer, Placement, SupportForm
from reports.employers import employer_results_compute
from reports.results import ResultsFilter
from tests.conftest import client_for
from tests.factories import ParticipantFactory

from .test_matching import employer

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def place(who, at, kind, start, end=None, support_form=""):
    return Placement.objects.create(
        participant=ParticipantFactory(responsible=who),
        employer=at,
        kind=kind,
        support_form=support_form,
        start_date=start,
        end_date=end,
        created_by=who,
    )


@pytest.fixture
def placements(owner):
    """Hylla AB: two nystartsjobb, one praktik; Kassan AB: one lönebidrag,
    one arbetsprövning; Gamla AB: a hire years ago."""
    hylla, kassan, gamla = (
        employer(owner, "Hylla AB"),
        employer(owner, "Kassan AB"),
        employer(owner, "Gamla AB"),
    )
    month_ago = TODAY - datetime.timedelta(days=30)
    place(owner, hylla, "anstallning", month_ago, support_form=SupportForm.NYSTARTSJOBB)
    place(owner, hylla, "anstallning", TODAY, support_form=SupportForm.NYSTARTSJOBB)
    place(owner, hylla, "praktik", month_ago, TODAY)
    place(owner, kassan, "anstallning", month_ago, support_form=SupportForm.LONEBIDRAG)
    place(owner, kassan, "arbetsprovning", TODAY - datetime.timedelta(days=90), month_ago)
    place(owner, gamla, "anstallning", datetime.date(2020, 3, 1))
    return hylla, kassan, gamla


def test_the_figures_follow_the_definitions(placements):
    everything = employer_results_compute(ResultsFilter(), per_employer=True)
    assert everything.employers == 3
    assert everything.hires_by_form == {
        "": 1,
        "lonebidrag": 1,
        "nystartsjobb": 2,
        "introjobb": 0,
        "extratjanst": 0,
    }
    assert everything.by_kind == {"praktik": 1, "arbetsprovning": 1}
    hylla = next(r for r in everything.rows if r.name == "Hylla AB")
    assert hylla.cells == [1, 0, 2, 0, 0, 2, 0, 0]

    # Last two weeks: the hire of today, the praktik still going on.
    recent = employer_results_compute(
        ResultsFilter(date_from=TODAY - datetime.timedelta(days=14), date_to=TODAY),
        per_employer=True,
    )
    assert recent.hires == 1 and recent.by_kind == {"praktik": 1, "arbetsprovning": 0}
    assert [r.name for r in recent.rows] == ["Hylla AB"]


def test_a_merged_duplicate_counts_as_the_employer_it_was_merged_into(owner, placements):
    hylla, kassan, _gamla = placements
    Employer.objects.filter(pk=kassan.pk).update(merged_into=hylla, merged_at=timezone.now())
    results = employer_results_compute(ResultsFilter(), per_employer=True)
    assert results.employers == 2
    assert next(r for r in results.rows if r.name == "Hylla AB").hires == 3


def test_staff_see_each_employer(owner, placements):
    html = client_for(owner).get(reverse("reports:employers")).text
    assert "Per arbetsgivare" in html
    assert "Hylla AB" in html and "Kassan AB" in html and "Nystartsjobb" in html


def test_the_steering_group_sees_aggregates_without_names(steering, placements):
    response = client_for(steering).get(reverse("reports:employers"))
    assert response.status_code == 200
    html = response.text
    assert "Per arbetsgivare" not in html
    for name in ("Hylla AB", "Kassan AB", "Gamla AB"):
        assert name not in html
    assert "Anställningar per stödform" in html and "Nystartsjobb" in html


def test_small_counts_are_hidden_from_the_steering_group(settings, steering, owner, placements):
    settings.RATTINSATS_SMALL_CELL_THRESHOLD = 2
    settings.RATTINSATS_MIN_COHORT = 3
    html = client_for(steering).get(reverse("reports:employers")).text
    assert 'id="disclosure-note"' in html
    assert "Av sekretesskäl visas inte antal från 1 till 1" in html
    main = html.split('<main id="main"')[1]
    # Lönebidrag 1 and Inget stöd 1 hidden; the two nystartsjobb shown.
    assert '<th scope="row">Lönebidrag</th><td class="text-end">x</td>' in main
    assert '<th scope="row">Nystartsjobb</th><td class="text-end">2</td>' in main
    # Staff still see everything exactly.
    staff = client_for(owner).get(reverse("reports:employers")).text
    assert '<th scope="row">Lönebidrag</th><td class="text-end">1</td>' in staff


def test_a_handful_shows_nothing_to_the_steering_group(settings, steering, owner):
    settings.RATTINSATS_SMALL_CELL_THRESHOLD = 3
    place(owner, employer(owner, "Ensam AB"), "anstallning", TODAY, support_form="nystartsjobb")
    html = client_for(steering).get(reverse("reports:employers")).text
    assert 'id="withheld"' in html and "Ensam AB" not in html


def test_a_bad_filter_answers_400(owner):
    response = client_for(owner).get(reverse("reports:employers"), {"from": "2026-13-01"})
    assert response.status_code == 400
    assert "Ange ett datum som ÅÅÅÅ-MM-DD." in response.text


def test_the_page_reads_a_fixed_number_of_queries(owner, placements, django_assert_num_queries):
    client = client_for(owner)
    url = reverse("reports:employers")
    client.get(url)
    with django_assert_num_queries(EMPLOYERS_PAGE_QUERIES):
        client.get(url)
    for i in range(4):
        place(owner, employer(owner, f"Ny {i} AB"), "praktik", TODAY)
    with django_assert_num_queries(EMPLOYERS_PAGE_QUERIES):
        response = client.get(url)
    assert "Ny 3 AB" in response.text


# session, user, the filter's organisations and staff (two selects), the
# figures grouped in one query, the employers' names, the header's task and
# notification counts and the user's organisation (one query). The session
# is renewed at most once a minute, not written by every page.
EMPLOYERS_PAGE_QUERIES = 7


def test_the_results_contract_is_unchanged_by_placements(owner, placements):
    data = client_for(owner).get(reverse("reports:results_json")).json()
    assert set(data) == {"period", "participants", "self_support", "stepwise_moves", "goals"}
    assert set(data["self_support"]["by_category"]) == {
        "csn_studies",
        "job_without_support",
        "extratjanst",
        "lonebidrag",
        "nystartsjobb",
        "introjobb",
    }
