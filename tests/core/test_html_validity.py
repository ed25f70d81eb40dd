"""Valid HTML where it was not: <time datetime> without microseconds, a
date field never echoing an invalid date, and a favicon."""

import datetime
import re

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone

from casework.models import JournalNote
from rattinsats.forms import DateInput
from rattinsats.models import Notification

pytestmark = pytest.mark.django_db

# A valid global date and time string (HTML): seconds with at most three
# decimals, and a time-zone offset.
VALID_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})$"
)
VALID_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _datetimes(html: str) -> list[str]:
    return re.findall(r'<time datetime="([^"]*)"', html)


def test_time_elements_carry_valid_datetimes(owner, owner_client):
    Notification.objects.create(
        user=owner,
        message="En anvisning har kommit in.",
        created_at=timezone.now().replace(microsecond=123456),
    )
    for url in (reverse("notifications"), reverse("casework:tasks")):
        values = _datetimes(owner_client.get(url).text)
        assert values, url
        for value in values:
            assert VALID_DATETIME.match(value) or VALID_DATE.match(value), (url, value)


def test_an_invalid_date_is_not_echoed_but_its_error_shows(owner_client, participant):
    url = reverse("casework:journal", args=[participant.pk])
    response = owner_client.post(
        url, {"kind": "dag", "happened_on": "2026-13-45", "text": "Samtal om praktik."}
    )
    assert response.status_code == 200
    html = response.text
    field = re.search(r'<input type="date" name="happened_on"[^>]*>', html).group(0)
    assert "2026-13-45" not in html
    assert 'value="' not in field
    assert 'aria-invalid="true"' in field
    assert "Ange ett giltigt datum" in html
    assert "Samtal om praktik." in html  # the rest of the input is kept
    assert not JournalNote.objects.exists()


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2026-13-45", None),
        ("31/12", None),
        ("i morgon", None),
        ("2026-02-30", None),
        ("", None),
        (None, None),
        ("2026-01-05", "2026-01-05"),
        (" 2026-01-05 ", "2026-01-05"),
        ("01/05/2026", "2026-01-05"),  # another accepted input format
        (datetime.date(2026, 1, 5), "2026-01-05"),
    ],
)
def test_the_date_widget_shows_only_valid_dates(value, shown):
    assert DateInput().format_value(value) == shown


def test_the_shared_widget_is_the_one_the_domain_forms_use():
    from participants.forms import DateInput as participants_date_input

    assert participants_date_input is DateInput


def test_pages_link_a_favicon(client, owner_client):
    assert finders.find("favicon.svg")
    link = f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">'
    assert link in client.get(reverse("login")).text
    assert link in owner_client.get(reverse("casework:tasks")).text


def test_favicon_ico_answers_without_a_login(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response.url == static("favicon.svg")
