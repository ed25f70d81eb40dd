"""In Chromium: the menu fits the window, "Att göra" fits a phone, and the
admin answers a staff member with a "not found" page (no redirect loop)."""

import datetime

import pytest
from django.utils import timezone

from participants.models import Task
from rattinsats.models import Notification, Role
from tests.conftest import browser_login
from tests.factories import ConsentFactory, ParticipantFactory, UserFactory, organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FITS = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
# On failure: what sticks out on the right.
DEBUG = """() => Array.from(document.querySelectorAll('body *'))
  .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth)
  .slice(0, 10).map((el) => el.tagName + '.' + el.className)"""
WIDTHS = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


def _busy_user(username, role, kind):
    """A team member with a long name, tasks and unread notifications, so
    that the menu's badges and name take their room."""
    user = UserFactory(
        username=username,
        first_name="Karl-Johan",
        last_name="Andersson-Lindqvist",
        role=role,
        organisation=organisation(kind),
    )
    today = timezone.localdate()
    for n in range(12):
        participant = ParticipantFactory(
            responsible=user,
            first_name="Maximiliana",
            last_name=f"Långnamnsdotter-Efternamnsson{n}",
        )
        ConsentFactory(participant=participant, valid_until=today + datetime.timedelta(days=5))
        Task.objects.create(
            assignee=user,
            participant=participant,
            kind=Task.Kind.RENEW_CONSENT,
            due_on=today - datetime.timedelta(days=n % 3),
        )
        Notification.objects.create(
            user=user,
            message="Anvisningen har fördelats till dig på veckomötet.",
            url="/anvisningar/inkomna/",
        )
    return user


def _logout_visible(page) -> bool:
    button = page.get_by_role("button", name="Logga ut")
    if not button.is_visible():
        return False
    box = button.bounding_box()
    width = page.evaluate("() => document.documentElement.clientWidth")
    height = page.evaluate("() => window.innerHeight")
    return box["x"] >= 0 and box["x"] + box["width"] <= width and box["y"] + box["height"] <= height


@pytest.mark.parametrize(
    ("role", "kind"),
    [(Role.STAFF, "ekonomiskt_bistand"), (Role.EMPLOYMENT_OFFICER, "arbetsformedlingen")],
)
def test_the_menu_fits_the_window_and_att_gora_fits_a_phone(page, live_server, role, kind):
    _busy_user("bred", role, kind)
    page.set_viewport_size({"width": 1440, "height": 900})
    browser_login(page, live_server, "bred")
    page.get_by_role("heading", name="Att göra", level=1).wait_for()
    for width in (1280, 1440):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/deltagare/att-gora/")
        assert page.evaluate(FITS), (width, page.evaluate(WIDTHS))
        assert _logout_visible(page), width

    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/deltagare/att-gora/")
    assert page.evaluate(FITS), (375, page.evaluate(WIDTHS), page.evaluate(DEBUG))
    page.get_by_role("button", name="Visa menyn").click()
    page.get_by_role("button", name="Logga ut").wait_for()
    assert page.evaluate(FITS), ("375, menu open", page.evaluate(WIDTHS))
    page.get_by_role("button", name="Logga ut").scroll_into_view_if_needed()
    assert _logout_visible(page)


def test_the_admin_answers_staff_with_not_found(page, live_server, owner):
    browser_login(page, live_server, "owner")
    page.get_by_role("heading", name="Att göra", level=1).wait_for()
    response = page.goto(f"{live_server.url}/admin/")
    assert response.status == 404
    assert page.url == f"{live_server.url}/admin/"
    page.get_by_role("heading", name="Sidan finns inte").wait_for()
