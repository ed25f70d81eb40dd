"""In real Chromium, against the HTTPS BankID stand-in: staff start a
signing on the participant's Samtycke tab, the animated QR code appears
and changes every second, the participant signs (the stand-in completes the
order with their personnummer), the tab shows the consent valid, and a flag
to the organisation, blocked before, can be created and sent."""

import datetime
import re

import pytest
from django.utils import timezone

from casework.models import Flag
from participants.models import Consent, ConsentMethod
from signing.models import Signature
from tests.a11y import serious_violations
from tests.conftest import browser_login
from tests.factories import ParticipantFactory, ensure_reference_data

from .fakes import ensure_consent_text

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

EB = "Ekonomiskt bistånd"
EB_NAME = "Eskilstuna kommun – Ekonomiskt bistånd"


def test_staff_sign_a_consent_with_bankid_and_a_flag_can_then_be_sent(
    page, live_server, owner, bankid_standin
):
    ensure_reference_data()
    ensure_consent_text()
    participant = ParticipantFactory(responsible=owner, first_name="Greta", last_name="Signersson")
    until = timezone.localdate() + datetime.timedelta(days=180)

    browser_login(page, live_server, "owner")
    page.get_by_role("heading", name="Att göra").wait_for()

    # Before: no consent covers Ekonomiskt bistånd, so no flag can go there.
    page.goto(f"{live_server.url}/deltagare/{participant.pk}/flaggor/")
    warning = page.locator(".alert-warning").filter(has_text="Inget giltigt samtycke omfattar:")
    assert EB in warning.inner_text()

    # 1. Start the signing from the consent tab; the QR code appears.
    tabs = page.get_by_role("navigation", name="Deltagarens flikar")
    tabs.get_by_role("link", name="Samtycke", exact=True).click()
    page.get_by_role("link", name="Signera med BankID").click()
    page.get_by_role("heading", name="Signera samtycke med BankID").wait_for()
    page.get_by_label(re.compile(EB)).check()
    page.get_by_label("Giltigt till").fill(until.isoformat())
    page.get_by_label(re.compile("QR-kod på min skärm")).check()
    page.get_by_role("button", name="Starta signering").click()
    page.get_by_role("heading", name="Signering med BankID").wait_for()
    qr = page.locator("[data-signing-qr] svg")
    qr.wait_for()
    assert qr.get_attribute("role") in (None, "img")
    status = page.get_by_role("status").filter(has_text="BankID")
    assert "Starta BankID-appen." in status.inner_text()
    assert serious_violations(page) == []

    order = bankid_standin.wait_for_order()
    assert order.personal_number == participant.personnummer
    assert EB in (order.user_visible_data or "")
    assert participant.personnummer not in (order.user_visible_data or "")
    first = page.locator("[data-signing-qr]").inner_html()
    # The code changes: a new one for each second since the order started.
    page.wait_for_function(
        "(first) => { const box = document.querySelector('[data-signing-qr]');"
        " return box && box.querySelector('svg') && box.innerHTML !== first; }",
        arg=first,
        timeout=5000,
    )
    assert "qrStartSecret" not in page.content() and order.qr_start_secret not in page.content()

    # BankID's message for each hint reaches the live region.
    bankid_standin.set_hint(order.order_ref, "userSign")
    page.get_by_role("status").filter(has_text="Skriv in din säkerhetskod").wait_for()

    # 2. The participant signs.
    bankid_standin.complete(
        order.order_ref,
        personal_number=participant.personnummer,
        given_name="Greta",
        surname="Signersson",
    )

    # 3. The tab shows the consent valid, signed with BankID.
    page.wait_for_url(re.compile(rf"/deltagare/{participant.pk}/samtycke/$"), timeout=15000)
    row = page.get_by_role("row").filter(has_text=until.isoformat())
    assert "Giltigt" in row.inner_text() and "BankID" in row.inner_text()
    assert "version 1" in row.inner_text()
    assert row.get_by_role("link", name="Kvitto (PDF)").count() == 1
    consent = Consent.objects.get(participant=participant)
    assert consent.method == ConsentMethod.BANKID and consent.valid_until == until
    assert Signature.objects.get(consent=consent).personal_number == participant.personnummer

    # A flag to Ekonomiskt bistånd can now be created and sent.
    page.goto(f"{live_server.url}/deltagare/{participant.pk}/flaggor/")
    warning = page.locator(".alert-warning").filter(has_text="Inget giltigt samtycke omfattar:")
    assert EB not in warning.inner_text()  # only the other organisations are left
    page.get_by_label("Till organisation").select_option(label=EB_NAME)
    page.get_by_label("Anledning").fill("Deltagaren har börjat i Rätt insats.")
    page.get_by_role("button", name="Skapa flagga").click()
    page.get_by_text("Flaggan är skapad.").wait_for()
    flag_row = page.get_by_role("row").filter(has_text="Deltagaren har börjat")
    flag_row.get_by_label("Skickad via").select_option(label="Viva")
    flag_row.get_by_role("button", name="Markera som skickad").click()
    page.get_by_text("Flaggan har nu status ”Skickad”.").wait_for()
    flag = Flag.objects.get(participant=participant)
    assert flag.status == Flag.Status.SENT and flag.organisation.kind == "ekonomiskt_bistand"
