"""English pages carry English text where Swedish was fixed: the referral
form's live eligibility hint (its texts come from the template, translated)
and the two-factor code's label."""

import re
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import client_for
from tests.factories import referral_counsellor

pytestmark = pytest.mark.django_db

SCRIPT = Path(settings.BASE_DIR) / "static" / "js" / "referral_form.js"
HINTS = {
    "data-intro": "Kriterierna är inte uppfyllda:",
    "data-needs-deeper-support": "Personen ska vara bedömd att behöva fördjupat stöd.",
    "data-other-af-intervention": (
        "Personen får inte vara anvisad till en annan insats via Arbetsförmedlingen."
    ),
    "data-no-condition-pair": "Inget av villkorsparen (a) eller (b) är uppfyllt.",
}


def _hint(html: str) -> str:
    return re.search(r'<div id="eligibility-hint"[^>]*>', html, re.S).group(0)


def _attribute(tag: str, name: str) -> str:
    return unescape(re.search(rf'{name}="([^"]*)"', tag).group(1))


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_eligibility_hint_texts_come_translated_from_the_template(language, reference_data):
    client = client_for(referral_counsellor())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    tag = _hint(client.get(reverse("referrals:new")).text)
    with translation.override(language):
        for attribute, msgid in HINTS.items():
            assert _attribute(tag, attribute) == translation.gettext(msgid)


def test_the_script_holds_no_swedish_text():
    script = re.sub(r"//.*", "", SCRIPT.read_text())  # comments aside
    assert not re.search(r"[åäöÅÄÖ]", script)
    for msgid in HINTS.values():
        assert msgid[:20] not in script


def test_the_two_factor_code_label_is_translated(owner, settings):
    settings.RATTINSATS_REQUIRE_2FA = True
    TOTPDevice.objects.create(user=owner, name="app", confirmed=True)
    client = client_for(owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("two_factor_verify")).text
    assert "Code from the authenticator app" in page
    assert "Kod från autentiseringsappen" not in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    assert "Kod från autentiseringsappen" in client.get(reverse("two_factor_verify")).text
