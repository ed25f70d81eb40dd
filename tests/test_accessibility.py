"""axe-core in Chromium on every main page of every role: no serious or
critical WCAG 2.1 AA violation. The pages are filled with the demo data, so
tables, charts, flags and forms have content; forms are also checked with
their error messages showing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from employers.models import Employer, JobOrder
from operations.management.commands.seed_demo import DEMO_PASSWORD
from participants.models import Participant
from participants.tabs import TABS
from rattinsats import twofactor
from rattinsats.navigation import MENU
from referrals.models import Referral

from .a11y import serious_violations
from .conftest import browser_login
from .factories import ConsentFactory, ParticipantFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVERYONE = [("notifications", []), ("password_change", [])]


def _url(name, args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


class Pages:
    """Collects the violations of every page visited, so one run names all
    of them."""

    def __init__(self, page, live_server):
        self.page, self.base, self.found = page, live_server.url, {}
        self.visited = []

    def check(self, label=None):
        label = label or self.page.url.removeprefix(self.base)
        self.visited.append(label)
        violations = serious_violations(self.page)
        if violations:
            self.found[label] = violations

    def visit(self, names_with_args):
        for name, args in names_with_args:
            url = _url(name, args)
            if url is None:
                continue
            response = self.page.goto(self.base + url)
            assert response.status == 200, f"{url}: {response.status}"
            self.check()

    def submit_empty(self, name, args, button):
        """The form sent without input: the page with its error messages."""
        url = _url(name, args)
        if url is None:
            return
        self.page.goto(self.base + url)
        self.page.get_by_role("button", name=button).first.click()
        self.page.wait_for_load_state()
        errors = self.page.locator(".invalid-feedback, .alert-danger, .errorlist")
        assert errors.count() > 0, f"{url}: no error message after sending {button}"
        self.check(f"{url} (felmeddelanden)")

    def assert_clean(self):
        assert self.found == {}, "\n".join(f"{url}: {v}" for url, v in self.found.items())


@pytest.fixture
def demo(reference_data):
    call_command("seed_demo", stdout=StringIO())


@pytest.fixture
def pages(page, live_server):
    return Pages(page, live_server)


def login(page, live_server, username):
    browser_login(page, live_server, username, password=DEMO_PASSWORD)
    page.wait_for_load_state()


def test_it_has_an_accessible_login_page(pages, page, live_server):
    page.goto(f"{live_server.url}/konto/logga-in/")
    pages.check()
    # Wrong password: the page with its error message.
    page.get_by_label("Användarnamn").fill("ingen")
    page.get_by_label("Lösenord").fill("fel-lösenord")
    page.get_by_role("button", name="Logga in").click()
    page.locator(".alert-danger, .invalid-feedback").first.wait_for()
    pages.check("/konto/logga-in/ (fel lösenord)")
    pages.assert_clean()


def test_it_has_accessible_two_factor_pages(pages, page, live_server, settings, reference_data):
    settings.RATTINSATS_REQUIRE_2FA = True
    new = UserFactory(username="ny")
    browser_login(page, live_server, "ny")
    page.wait_for_url("**/konto/tvafaktor/registrera/")
    pages.check()
    page.get_by_role("button", name="Fortsätt").click()
    page.wait_for_load_state()
    pages.check("/konto/tvafaktor/registrera/ (felmeddelanden)")
    code = twofactor.enrolment_issue(actor=None, user=new).code
    page.get_by_label("Registreringskod från administratören").fill(code)
    page.get_by_role("button", name="Fortsätt").click()
    page.wait_for_url("**/konto/tvafaktor/aktivera/")
    pages.check()
    page.get_by_role("button", name="Aktivera").click()
    page.wait_for_load_state()
    pages.check("/konto/tvafaktor/aktivera/ (felmeddelanden)")

    page.context.clear_cookies()
    known = UserFactory(username="kand")
    TOTPDevice.objects.create(user=known, name="app", confirmed=True)
    browser_login(page, live_server, "kand")
    page.wait_for_url("**/konto/tvafaktor/")
    pages.check()
    page.locator('input[name="code"]').fill("000000")
    page.get_by_role("button", name="Fortsätt").click()
    page.wait_for_load_state()
    pages.check("/konto/tvafaktor/ (fel kod)")
    pages.assert_clean()


def test_it_has_accessible_pages_for_referring_counsellors(pages, page, live_server, demo):
    login(page, live_server, "vagledare")
    sent = Referral.objects.filter(referred_by__username="vagledare").order_by("pk").first()
    pages.visit(
        [
            ("referrals:mine", []),
            ("referrals:new", []),
            ("referrals:receipt", [sent.pk]),
            *EVERYONE,
        ]
    )
    pages.submit_empty("referrals:new", [], "Skicka anvisningen")
    pages.assert_clean()


def test_it_has_accessible_pages_for_the_employment_officer(pages, page, live_server, demo):
    login(page, live_server, "arbetsformedlare")
    received = Referral.objects.filter(status=Referral.Status.RECEIVED).order_by("pk").first()
    allocated = Referral.objects.filter(status=Referral.Status.ALLOCATED).order_by("pk").first()
    pages.visit(
        [
            ("casework:tasks", []),
            ("referrals:inbox", []),
            ("referrals:detail", [received.pk]),
            ("referrals:detail", [allocated.pk]),
            ("referrals:meeting_current", []),
            *EVERYONE,
        ]
    )
    pages.submit_empty("referrals:detail", [received.pk], "Spara kontrollen")
    pages.submit_empty("referrals:detail", [allocated.pk], "Registrera samtalet")
    pages.assert_clean()


def test_it_has_accessible_pages_for_project_staff(pages, page, live_server, demo):
    login(page, live_server, "personal")
    mine = Participant.objects.filter(responsible__username="personal")
    active = mine.filter(status=Participant.Status.ACTIVE).order_by("pk").first()
    closed = mine.filter(status=Participant.Status.CLOSED).order_by("pk").first()
    pages.visit(
        [
            ("casework:tasks", []),
            ("participants:list", []),
            *[(name, [active.pk]) for _label, name in TABS],
            ("participants:detail", [closed.pk]),
            ("closure:tab", [closed.pk]),
            ("mapping:overview", []),
            ("operations:goal_document_import", []),
            ("casework:flags", []),
            ("reports:monthly", []),
            ("reports:dashboard", []),
            *EVERYONE,
        ]
    )
    # Employers and job orders (the demo's), their forms, a placement form.
    employer = Employer.objects.filter(merged_into__isnull=True).order_by("pk").first()
    order = JobOrder.objects.order_by("pk").first()
    employer_pages = [("employers:list", []), ("employers:job_orders", [])]
    if employer is not None:
        employer_pages += [
            ("employers:detail", [employer.pk]),
            ("employers:contact_record", [employer.pk]),
            ("employers:job_order_create", [employer.pk]),
        ]
    if order is not None:
        employer_pages.append(("employers:job_order", [order.pk]))
    pages.visit(
        [
            *employer_pages,
            ("employers:create", []),
            ("employers:import", []),
            ("employers:placement_create", [active.pk]),
        ]
    )
    pages.submit_empty("employers:create", [], "Spara")
    pages.submit_empty("employers:import", [], "Importera")
    # A search, and forms with their error messages.
    page.goto(live_server.url + reverse("participants:list"))
    page.locator("#id_q").fill("a")
    page.get_by_role("button", name="Sök").click()
    page.wait_for_load_state()
    pages.check("/deltagare/ (sökning)")
    pages.submit_empty("operations:goal_document_import", [], "Importera")
    pages.submit_empty("password_change", [], "Byt lösenord")
    pages.assert_clean()


def test_it_has_accessible_pages_for_the_steering_group(pages, page, live_server, demo):
    login(page, live_server, "styrgrupp")
    pages.visit([("reports:dashboard", []), *EVERYONE])
    pages.assert_clean()


def test_it_has_accessible_pages_for_administrators(pages, page, live_server, demo):
    login(page, live_server, "admin")
    pages.visit(
        [
            ("operations:access_review", []),
            ("staff_two_factor", []),
            ("admin:index", []),
            *EVERYONE,
        ]
    )
    # An enrolment code issued: the page with the code showing.
    page.goto(live_server.url + reverse("staff_two_factor"))
    page.get_by_role("button", name="Utfärda registreringskod personal", exact=True).click()
    page.wait_for_load_state()
    pages.check("/konton/tvafaktor/ (registreringskod)")
    pages.assert_clean()


def test_it_has_accessible_pages_with_almost_no_data(pages, page, live_server, reference_data):
    """Empty lists and empty tabs have their own markup."""
    owner = UserFactory(username="owner")
    participant = ParticipantFactory(responsible=owner)
    ConsentFactory(participant=participant)
    browser_login(page, live_server, "owner")
    pages.visit(
        [
            ("casework:tasks", []),
            ("participants:list", []),
            *[(name, [participant.pk]) for _label, name in TABS],
            ("mapping:overview", []),
            ("casework:flags", []),
            ("reports:monthly", []),
            ("reports:dashboard", []),
            ("employers:list", []),
            ("employers:job_orders", []),
        ]
    )
    pages.assert_clean()


def test_every_main_menu_page_is_covered():
    """A page added to the main menu must be added above too."""
    covered = {
        "casework:tasks",
        "participants:list",
        "referrals:inbox",
        "referrals:meeting_current",
        "mapping:overview",
        "casework:flags",
        "reports:monthly",
        "referrals:mine",
        "referrals:new",
        "reports:dashboard",
        "operations:access_review",
        "staff_two_factor",
        "employers:list",
    }
    assert {entry.url_name for entry in MENU} <= covered | {"admin:index"}
