"""In Chromium: the referral form's live eligibility hint shows the texts
the template gives it (translated there), in Swedish and in English."""

import pytest
from django.utils import translation
from playwright.sync_api import expect

from rattinsats.models import Role
from tests.conftest import browser_login
from tests.factories import UserFactory, organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_hint_speaks_the_page_language(page, live_server, reference_data, language):
    UserFactory(
        username="vagledaren", role=Role.COUNSELLOR, organisation=organisation("jobbcentrum")
    )
    browser_login(page, live_server, "vagledaren")
    page.wait_for_load_state()
    if language == "en":
        page.get_by_label("Språk").select_option("en")
        page.get_by_role("button", name="Byt språk").click()
        page.wait_for_load_state()
    page.goto(f"{live_server.url}/anvisningar/ny/")
    page.locator('input[name="needs_deeper_support"][value="nej"]').check()
    page.locator('input[name="other_af_intervention"][value="ja"]').check()
    with translation.override(language):
        expected = " ".join(
            translation.gettext(text)
            for text in (
                "Kriterierna är inte uppfyllda:",
                "Personen ska vara bedömd att behöva fördjupat stöd.",
                "Personen får inte vara anvisad till en annan insats via Arbetsförmedlingen.",
            )
        )
    expect(page.locator("#eligibility-hint")).to_have_text(expected)
    assert page.locator("html").get_attribute("lang") == language
