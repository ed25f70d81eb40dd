"""axe-core in Chromium on the main pages of each role: no serious or
critical WCAG 2.1 AA violation."""

import pytest
from django.urls import NoReverseMatch, reverse

from .a11y import serious_violations
from .conftest import browser_login
from .factories import ConsentFactory, ParticipantFactory, UserFactory, organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _check(page, url):
    page.goto(url)
    violations = serious_violations(page)
    assert violations == [], f"{url}: {violations}"


def _urls(names_with_args):
    urls = []
    for name, args in names_with_args:
        try:
            urls.append(reverse(name, args=args))
        except NoReverseMatch:
            continue
    return urls


def test_it_has_an_accessible_login_page(page, live_server):
    _check(page, f"{live_server.url}/konto/logga-in/")


def test_it_has_accessible_pages_for_staff(page, live_server, reference_data):
    owner = UserFactory(username="owner")
    participant = ParticipantFactory(responsible=owner)
    ConsentFactory(participant=participant)
    browser_login(page, live_server, "owner")
    urls = _urls(
        [
            ("participants:tasks", []),
            ("participants:list", []),
            ("participants:detail", [participant.pk]),
            ("participants:consents", [participant.pk]),
            ("notifications", []),
            ("password_change", []),
        ]
    )
    for url in urls:
        _check(page, live_server.url + url)


def test_it_has_accessible_pages_for_administrators(page, live_server, reference_data):
    UserFactory(
        username="administrator",
        role="admin",
        is_staff=True,
        is_superuser=True,
        organisation=organisation("jobbcentrum"),
    )
    browser_login(page, live_server, "administrator")
    for url in _urls([("access_review", []), ("notifications", [])]):
        _check(page, live_server.url + url)
