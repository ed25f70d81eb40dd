"""In real Chromium: a referral from the counsellor's form to a participant."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from participants.models import Participant
from rattinsats.models import Role
from referrals.models import Referral
from tests.conftest import browser_login
from tests.factories import UserFactory, next_personnummer, organisation

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def people(reference_data):
    return {
        "counsellor": UserFactory(
            username="vagledaren", role=Role.COUNSELLOR, organisation=organisation("jobbcentrum")
        ),
        "officer": UserFactory(
            username="af-officer",
            first_name="Anna",
            last_name="Berg",
            role=Role.EMPLOYMENT_OFFICER,
            organisation=organisation("arbetsformedlingen"),
        ),
        "staff": UserFactory(
            username="personalen", first_name="Petra", last_name="Persson", role=Role.STAFF
        ),
    }


def log_out(page):
    page.get_by_role("button", name="Logga ut").click()
    page.get_by_label("Användarnamn").wait_for()


def fill_referral(page, personnummer, *, other_intervention="nej"):
    page.get_by_role("link", name="Ny anvisning").first.click()
    page.get_by_label("Personnummer").fill(personnummer)
    page.get_by_label("Förnamn").fill("Maja")
    page.get_by_label("Efternamn").fill("Webbanvisad")
    page.get_by_label("Kvinna").check()
    answers = {
        "needs_deeper_support": "ja",
        "other_af_intervention": other_intervention,
        "registered_jobseeker": "ja",
        "social_assistance": "ja",
        "jobseeker_category_14": "nej",
        "sick_leave_ending": "nej",
    }
    for name, value in answers.items():
        page.locator(f'input[name="{name}"][value="{value}"]').check()
    signed = timezone.localdate() - datetime.timedelta(days=1)
    page.get_by_label("Samtycket undertecknades").fill(signed.isoformat())
    page.get_by_label("JobbCentrum").check()
    page.get_by_label("Arbetsförmedlingen").check()
    page.get_by_label("Ekonomiskt bistånd").check()
    page.get_by_label("Anledning till anvisningen").fill("Har provat flera insatser.")
    page.get_by_role("button", name="Skicka anvisningen").click()


def test_it_takes_a_referral_all_the_way_to_a_participant(page, live_server, people):
    number = next_personnummer()

    # The counsellor refers.
    browser_login(page, live_server, "vagledaren")
    page.get_by_role("heading", name="Mina anvisningar").wait_for()
    fill_referral(page, number)
    expect(page.get_by_text("Anvisningen är mottagen")).to_be_visible()
    assert number not in page.url
    log_out(page)

    # The employment officer clears it.
    browser_login(page, live_server, "af-officer")
    page.get_by_role("link", name="Inkomna anvisningar").click()
    page.get_by_role("link", name="Webbanvisad, Maja").click()
    page.locator('input[name="has_other_intervention"][value="nej"]').check()
    page.get_by_label("Anteckning om kontrollen").fill("Ingen annan insats i AIS.")
    page.get_by_role("button", name="Spara kontrollen").click()
    expect(page.get_by_text("klar för fördelning på veckomötet")).to_be_visible()

    # The weekly meeting allocates it to Petra, whatever was proposed.
    page.get_by_role("link", name="Veckomöte").click()
    page.get_by_label("Ansvarig för Maja Webbanvisad").select_option(label="Petra Persson")
    page.get_by_role("button", name="Bekräfta fördelningen").click()
    expect(page.get_by_text("Fördelningen är bekräftad")).to_be_visible()

    # The information call says yes.
    page.get_by_role("link", name="Inkomna anvisningar").click()
    page.get_by_role("link", name="Webbanvisad, Maja").click()
    page.get_by_label("Jag har kontrollerat personens identitet").check()
    page.get_by_label("Personen är informerad om fortsatt aktivitetsrapportering").check()
    page.locator('input[name="wants_to_participate"][value="ja"]').check()
    page.get_by_label("Startdatum").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Registrera samtalet").click()
    expect(page.get_by_text("Personen är nu deltagare")).to_be_visible()
    log_out(page)

    # The participant appears for the responsible staff member, with tasks.
    browser_login(page, live_server, "personalen")
    page.get_by_role("heading", name="Att göra").wait_for()
    expect(page.get_by_role("cell", name="Boka kartläggningsmöte", exact=True)).to_be_visible()
    expect(
        page.get_by_role("cell", name="Flagga start till Ekonomiskt bistånd", exact=True)
    ).to_be_visible()
    page.get_by_role("link", name="Deltagare", exact=True).click()
    page.get_by_role("link", name="Webbanvisad, Maja").click()
    page.get_by_role("heading", name="Maja Webbanvisad").wait_for()
    log_out(page)

    # The counsellor sees "accepted" and whom it concerns, nothing of the case.
    browser_login(page, live_server, "vagledaren")
    page.get_by_role("heading", name="Mina anvisningar").wait_for()
    expect(page.get_by_role("cell", name="Antagen")).to_be_visible()
    expect(page.get_by_role("link", name="Webbanvisad, Maja")).to_be_visible()
    assert "Har provat flera insatser." not in page.content()

    participant = Participant.objects.get(personnummer=number)
    assert participant.responsible == people["staff"]
    assert participant.referring_organisation.kind == "jobbcentrum"
    assert participant.target_group == "FS"


def test_it_refuses_an_ineligible_referral_naming_the_criterion(page, live_server, people):
    browser_login(page, live_server, "vagledaren")
    page.get_by_role("heading", name="Mina anvisningar").wait_for()
    fill_referral(page, next_personnummer(), other_intervention="ja")
    error = page.get_by_text(re.compile(r"till exempel KROM eller Rusta och matcha"))
    expect(error).to_be_visible()
    expect(page.get_by_label("Förnamn")).to_have_value("Maja")
    assert not Referral.objects.exists()
