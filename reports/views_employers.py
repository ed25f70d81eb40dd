"""Employer collaboration in the results: a page beside the dashboard."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_safe

from rattinsats.permissions import reports_required

from .employers import employer_report, employer_results_compute
from .forms import ResultsFilterForm
from .protection import policy_for


@reports_required
@require_safe
def employers(request):
    """Placements and hires: per employer for the project team and
    administrators, as aggregates only for the steering group. The same
    filter as the dashboard; a bad filter answers 400 with its errors."""
    form = ResultsFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        return render(request, "reports/employers.html", {"form": form, "report": None}, status=400)
    results = employer_results_compute(
        form.results_filter(), per_employer=not request.user.is_steering
    )
    report = employer_report(results, policy_for(request.user))
    return render(request, "reports/employers.html", {"form": form, "report": report})
