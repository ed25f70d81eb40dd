"""The results filter's lists: read with one ordinary query each (no
server-side cursor), staff members as their names, the choice kept."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports.forms import ResultsFilterForm
from tests.conftest import client_for
from tests.factories import UserFactory, organisation

pytestmark = pytest.mark.django_db


def _options(html: str, name: str) -> list[str]:
    start = html.index(f'name="{name}"')
    return html[start : html.index("</select>", start)].split("<option")[1:]


def test_staff_are_listed_by_name_or_username_and_the_choice_is_kept(owner, teammate, officer):
    nameless = UserFactory(username="utan-namn", first_name="", last_name="", role=owner.role)
    UserFactory(username="vagledaren", first_name="Vera", role="counsellor")
    form = ResultsFilterForm({"responsible": str(teammate.pk)}, user=owner)
    assert form.is_valid(), form.errors
    assert form.results_filter().responsible == teammate
    options = _options(str(form["responsible"]), "responsible")
    labels = [option.split(">", 1)[1].split("<", 1)[0] for option in options]
    assert labels[0] == "Alla"
    assert sorted(labels[1:]) == sorted(
        [
            owner.get_full_name(),
            teammate.get_full_name(),
            officer.get_full_name(),
            nameless.username,
        ]
    )
    chosen = [option for option in options if "selected" in option]
    assert len(chosen) == 1 and f'value="{teammate.pk}"' in chosen[0]


def test_a_counsellor_or_unknown_id_is_no_staff_choice(owner):
    counsellor = UserFactory(username="vagledaren", role="counsellor")
    for value in (str(counsellor.pk), "999999", "x"):
        form = ResultsFilterForm({"responsible": value}, user=owner)
        assert not form.is_valid()
        assert "responsible" in form.errors


def test_organisations_are_listed_and_chosen(owner):
    chosen = organisation("arbetsformedlingen")
    form = ResultsFilterForm({"organisation": str(chosen.pk)}, user=owner)
    assert form.is_valid(), form.errors
    assert form.results_filter().referring_organisation == chosen
    options = _options(str(form["organisation"]), "organisation")
    assert any(f'value="{chosen.pk}" selected' in option for option in options)


def test_the_dashboard_reads_its_lists_without_a_server_side_cursor(owner):
    """On PostgreSQL Django reads a model choice field with a cursor of
    three round trips (DECLARE, FETCH, CLOSE); these lists are read with
    one query."""
    client = client_for(owner)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("reports:dashboard")).status_code == 200
    assert not [q["sql"] for q in queries.captured_queries if "DECLARE" in q["sql"]]
