"""The PDF receipt of a consent signed with BankID (tagged PDF/UA, its
contents, who may download it), and the versioned consent text (a change
makes a new version; every consent records its version)."""

import base64
import datetime
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from participants import services as participant_services
from participants.models import Consent, ConsentMethod, ConsentText
from rattinsats.models import AuditEvent
from signing import services
from signing.models import Signature, SigningOrder
from tests.conftest import client_for
from tests.factories import ConsentFactory, UserFactory, organisation
from tests.test_pdf_ua import assert_in_order, assert_pdf_ua, tagged, text_of

from .fakes import VERSION_1, collect_now, install_fake_bankid

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_bankid(monkeypatch, db):
    return install_fake_bankid(monkeypatch)


def signed_consent(fake, owner, participant) -> Consent:
    order = services.signing_start(
        actor=owner,
        participant=participant,
        method=SigningOrder.Method.QR,
        organisations=[organisation("ekonomiskt_bistand"), organisation("arbetsformedlingen")],
        valid_until=timezone.localdate() + datetime.timedelta(days=100),
        end_user_ip="192.0.2.1",
    )
    fake.complete(order.order_ref, personal_number=participant.personnummer, name="Tove Testdotter")
    collect_now(order)
    return Consent.objects.filter(participant=participant).latest("pk")


# --- The receipt ---------------------------------------------------------------


def test_the_receipt_is_a_tagged_pdf_with_the_evidence(fake_bankid, owner, participant):
    consent = signed_consent(fake_bankid, owner, participant)
    response = client_for(owner).get(reverse("signing:receipt", args=[participant.pk, consent.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"samtyckeskvitto-{consent.pk}.pdf" in response["Content-Disposition"]
    title = "Kvitto på samtycke signerat med BankID – Rätt insats"
    assert_pdf_ua(tagged(response.content), lang="sv", title=title)

    signature = Signature.objects.get()
    text = text_of(response.content)
    sig_hash = hashlib.sha256(base64.b64decode(signature.signature)).hexdigest()
    ocsp = base64.b64decode(signature.ocsp_response)
    assert_in_order(
        text,
        "Kvitto på samtycke signerat med BankID",
        "Arbetsförmedlingen",
        "Ekonomiskt bistånd",
        consent.valid_until.isoformat(),
        "Textversion",
        "1 (" + VERSION_1["title"],
        "Undertecknare",
        "Tove Testdotter",
        f"{participant.personnummer[:8]}-{participant.personnummer[8:]}",
        "Signaturens SHA-256",
        "OCSP-svarets SHA-256",
        f"({len(ocsp)} byte)",
        "Den signerade texten",
        "Det här delas",
        "Bilaga 1",
        signature.signature[:40],
    )
    # A hash may wrap in its cell.
    compact = text.replace(" ", "")
    assert sig_hash in compact and hashlib.sha256(ocsp).hexdigest() in compact
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.user == owner and event.participant_id == participant.pk
    assert participant.personnummer not in event.detail


def test_only_staff_with_access_get_the_receipt(fake_bankid, owner, participant):
    consent = signed_consent(fake_bankid, owner, participant)
    url = reverse("signing:receipt", args=[participant.pk, consent.pk])
    outsider = UserFactory(username="outsider")
    assert client_for(outsider).get(url).status_code == 404
    counsellor = UserFactory(username="vagledaren", role="vagledare")
    assert client_for(counsellor).get(url).status_code == 404
    # Shared for reading: may download it for the case file.
    reader = UserFactory(username="reader")
    assign_perm("participants.view_participant", reader, participant)
    assert client_for(reader).get(url).status_code == 200
    # A paper consent has no receipt.
    paper = ConsentFactory(participant=participant)
    paper_url = reverse("signing:receipt", args=[participant.pk, paper.pk])
    assert client_for(owner).get(paper_url).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, user=outsider).exists()


# --- The versioned text ---------------------------------------------------------


def test_version_1_is_the_paper_forms_wording(db):
    text = ConsentText.objects.get(version=1)
    assert text.title == VERSION_1["title"]
    assert "återkalla" in text.body


def test_a_change_publishes_a_new_version_and_the_old_one_stays(administrator, owner):
    first = ConsentText.objects.get(version=1)
    second = participant_services.consent_text_publish(
        actor=administrator,
        title=first.title,
        body=first.body + "\n\nNytt stycke.",
        withdrawal_text=first.withdrawal_text,
    )
    assert second.version == 2 and second.published_by == administrator
    first.refresh_from_db()
    assert "Nytt stycke" not in first.body
    with pytest.raises(ValidationError):
        participant_services.consent_text_publish(
            actor=administrator,
            title=second.title,
            body=second.body,
            withdrawal_text=second.withdrawal_text,
        )
    with pytest.raises(PermissionDenied):
        participant_services.consent_text_publish(
            actor=owner, title="x", body="y", withdrawal_text="z"
        )
    assert AuditEvent.objects.filter(object_type="participants.consenttext").count() == 1


def test_the_admin_saves_a_change_as_a_new_version(administrator, owner):
    client = client_for(administrator)
    first = ConsentText.objects.get(version=1)
    url = reverse("admin:participants_consenttext_change", args=[first.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "title": first.title,
            "body": "Ny text om vad som delas.",
            "withdrawal_text": "Återkallas.",
        },
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.body == VERSION_1["body"]
    assert ConsentText.objects.get(version=2).body == "Ny text om vad som delas."
    add = client.get(reverse("admin:participants_consenttext_add")).content.decode()
    assert "Ny text om vad som delas." in add  # a new version starts from the current one
    # Staff never reach it.
    assert client_for(owner).get(url).status_code == 404


def test_every_consent_records_the_version_it_was_given_under(
    fake_bankid, administrator, owner, participant
):
    eb = organisation("ekonomiskt_bistand")
    today = timezone.localdate()
    paper = participant_services.consent_record(
        actor=owner,
        participant=participant,
        organisations=[eb],
        signed_on=today,
        valid_until=today + datetime.timedelta(days=10),
        method=ConsentMethod.PAPER,
    )
    assert paper.text_version.version == 1 and paper.method == ConsentMethod.PAPER
    participant_services.consent_text_publish(
        actor=administrator, title="Samtycke", body="Version två.", withdrawal_text="Återkallas."
    )
    digital = signed_consent(fake_bankid, owner, participant)
    assert digital.text_version.version == 2 and digital.method == ConsentMethod.BANKID
    assert "Version två." in Signature.objects.get().signed_text
    # The tab's history names method and version.
    page = client_for(owner).get(reverse("participants:consents", args=[participant.pk]))
    html = page.content.decode()
    assert "Pappersblankett, version 1" in html and "BankID, version 2" in html


def test_the_paper_form_on_the_tab_records_method_and_version(owner, participant):
    eb = organisation("ekonomiskt_bistand")
    today = timezone.localdate()
    response = client_for(owner).post(
        reverse("participants:consents", args=[participant.pk]),
        {
            "organisations": [eb.pk],
            "signed_on": today.isoformat(),
            "valid_until": (today + datetime.timedelta(days=30)).isoformat(),
            "method": "staff",
            "text_version": ConsentText.objects.get(version=1).pk,
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get(participant=participant)
    assert consent.method == ConsentMethod.STAFF and consent.text_version.version == 1
