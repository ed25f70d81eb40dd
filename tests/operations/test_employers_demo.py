"""The demo's employer collaboration agrees with the published results the
demo shows, uses made-up organisation numbers and is made once."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from stdnum import luhn

from employers.models import Employer, EmployerContact, JobOrder, Match, Placement
from employers.numbers import organisation_number_parse
from operations.demo.employers import demo_organisation_number
from participants.models import ClosureResult, Participant
from reports.employers import employer_results_compute
from reports.results import ResultsFilter

pytestmark = pytest.mark.django_db

PUBLISHED_JOBS = {"": 5, "lonebidrag": 1, "nystartsjobb": 3, "introjobb": 2, "extratjanst": 8}


def test_the_organisation_numbers_are_made_up_and_valid():
    for i in range(1, 50):
        number = demo_organisation_number(i)
        digits = number.replace("-", "")
        assert digits.startswith("5521") and luhn.is_valid(digits)
        parsed = organisation_number_parse(number)
        assert parsed.number == number and not parsed.is_sole_trader


def test_every_job_result_has_its_employment_and_it_is_made_once():
    call_command("seed_demo", stdout=StringIO())
    hires = employer_results_compute(ResultsFilter(), per_employer=True).hires_by_form
    assert hires == PUBLISHED_JOBS
    # Each closure with a job result has its employment, with that support.
    support_of = {
        ClosureResult.NYSTARTSJOBB: "nystartsjobb",
        ClosureResult.LONEBIDRAG: "lonebidrag",
        ClosureResult.INTROJOBB: "introjobb",
        ClosureResult.EXTRATJANST: "extratjanst",
        ClosureResult.JOB_WITHOUT_SUPPORT: "",
    }
    for participant in Participant.objects.filter(closure_result__in=list(support_of)):
        placement = Placement.objects.get(participant=participant, kind="anstallning")
        assert placement.support_form == support_of[participant.closure_result]
        assert placement.start_date == participant.end_date
    # Internships are linked to the praktik/arbetsprövning move they belong to.
    internships = Placement.objects.filter(kind="praktik")
    assert internships.exists()
    assert all(p.move and p.move.category.code == "praktik_arbetsprovning" for p in internships)
    # The rules proposed participants for the open orders, with reasons.
    statuses = Counter(Match.objects.values_list("status", flat=True))
    assert statuses[Match.Status.PROPOSED] > 0 and statuses[Match.Status.INTERVIEW] == 1
    presented = Match.objects.get(status=Match.Status.INTERVIEW)
    assert presented.consent is not None and presented.consent.covers_employer_presentation
    assert all(m.reason for m in Match.objects.all())
    assert JobOrder.objects.filter(status=JobOrder.Status.OPEN).count() == 3
    assert EmployerContact.objects.exists()

    counts = [
        Employer.objects.count(),
        Placement.objects.count(),
        Match.objects.count(),
        EmployerContact.objects.count(),
    ]
    call_command("seed_demo", stdout=StringIO())
    assert [
        Employer.objects.count(),
        Placement.objects.count(),
        Match.objects.count(),
        EmployerContact.objects.count(),
    ] == counts
