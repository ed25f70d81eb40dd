"""The signed paper form uploaded on the participant's *Samtycke* tab: checked
as a whole (``rattinsats.uploads``), stored anew on the private storage,
required for a paper consent unless it is kept in the paper file, and served
only to staff who may see the participant."""

from __future__ import annotations

import datetime
import io

import pikepdf
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from participants import services
from participants.models import Consent, ConsentMethod
from rattinsats.models import AuditEvent
from tests.conftest import client_for
from tests.factories import organisation
from tests.referrals.documents import image, pdf_bytes, png_bytes

PAPER_FILE = "Blanketten finns i pappersakten"


@pytest.fixture
def media(private_media):
    return private_media


def consent_post(client, participant, *, document=None, **extra):
    today = timezone.localdate()
    data = {
        "organisations": [organisation("ekonomiskt_bistand").pk],
        "signed_on": today.isoformat(),
        "valid_until": (today + datetime.timedelta(days=365)).isoformat(),
        "method": ConsentMethod.PAPER.value,
        **extra,
    }
    if document is not None:
        data["document"] = document
    return client.post(reverse("participants:consents", args=[participant.pk]), data)


def with_javascript(pdf: pikepdf.Pdf) -> None:
    pdf.Root.OpenAction = pdf.make_indirect(
        pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    )


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()]


def test_an_uploaded_photo_is_stored_encoded_anew_and_marked_paper(
    owner_client, owner, participant, media
):
    photo = png_bytes(image((120, 80)), pnginfo=_text_chunk("Kommentar", "hemlig text"))
    response = consent_post(
        owner_client,
        participant,
        document=SimpleUploadedFile("Alva Testsson samtycke.png", photo, "image/png"),
    )
    assert response.status_code == 302

    consent = Consent.objects.get(participant=participant)
    assert consent.method == ConsentMethod.PAPER
    name = consent.document.name
    assert name.startswith("consents/") and name.endswith(".png")
    assert "Alva" not in name and "Testsson" not in name
    stored = (media / name).read_bytes()
    assert stored != photo and b"hemlig text" not in stored
    with Image.open(io.BytesIO(stored)) as picture:
        assert picture.size == (120, 80) and "Kommentar" not in picture.info
    event = AuditEvent.objects.get(object_type="participants.consent", action="create")
    assert event.detail == "pappersblankett uppladdad"
    assert "Alva" not in event.detail

    # The history marks it as paper, with the form to download.
    html = owner_client.get(reverse("participants:consents", args=[participant.pk])).content
    page = html.decode()
    url = reverse("participants:consent_document", args=[participant.pk, consent.pk])
    assert "Pappersblankett" in page and url in page
    assert PAPER_FILE not in page


def test_an_uploaded_pdf_is_stored_as_it_was(owner_client, participant, media):
    content = pdf_bytes()
    response = consent_post(
        owner_client,
        participant,
        document=SimpleUploadedFile("samtycke.pdf", content, "application/pdf"),
    )
    assert response.status_code == 302
    consent = Consent.objects.get(participant=participant)
    assert consent.document.name.endswith(".pdf")
    assert (media / consent.document.name).read_bytes() == content


@pytest.mark.parametrize(
    "content, message",
    [
        (
            lambda: pdf_bytes(with_javascript),
            "PDF-filen innehåller skript, inbäddade filer eller automatiska åtgärder",
        ),
        (
            lambda: pdf_bytes() + b"<html><script>alert(1)</script></html>",
            "PDF-filen har annat innehåll efter filens slut",
        ),
        (lambda: b"<html>inte en blankett</html>", "Filen är inte en PDF-, JPEG- eller PNG-fil"),
    ],
    ids=["javascript", "polyglot", "html"],
)
def test_a_hostile_file_is_refused_in_swedish_and_nothing_is_stored(
    owner_client, participant, media, content, message
):
    response = consent_post(
        owner_client,
        participant,
        document=SimpleUploadedFile("samtycke.pdf", content(), "application/pdf"),
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Consent.objects.exists()
    assert stored_files(media) == []


def test_the_service_checks_an_upload_itself(owner, participant, media):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as caught:
        services.consent_record(
            actor=owner,
            participant=participant,
            organisations=[organisation("ekonomiskt_bistand")],
            signed_on=today,
            valid_until=today + datetime.timedelta(days=30),
            document=SimpleUploadedFile("samtycke.pdf", pdf_bytes(with_javascript)),
        )
    assert "skript" in " ".join(caught.value.messages)
    assert not Consent.objects.exists() and stored_files(media) == []


def test_a_paper_consent_needs_the_form_unless_it_is_in_the_paper_file(
    owner_client, participant, media
):
    response = consent_post(owner_client, participant)
    assert response.status_code == 200
    assert "Ladda upp den underskrivna blanketten" in response.content.decode()
    assert not Consent.objects.exists()

    response = consent_post(owner_client, participant, document_in_paper_file="on")
    assert response.status_code == 302
    consent = Consent.objects.get(participant=participant)
    assert consent.method == ConsentMethod.PAPER and not consent.document
    page = owner_client.get(reverse("participants:consents", args=[participant.pk]))
    assert PAPER_FILE in page.content.decode()


def test_a_form_is_uploaded_only_for_a_paper_consent(owner_client, participant, media):
    response = consent_post(
        owner_client,
        participant,
        method=ConsentMethod.STAFF.value,
        document=SimpleUploadedFile("samtycke.pdf", pdf_bytes(), "application/pdf"),
    )
    assert response.status_code == 200
    assert "bara upp för ett samtycke på pappersblankett" in response.content.decode()
    assert not Consent.objects.exists() and stored_files(media) == []


def test_only_staff_who_may_see_the_participant_download_the_form(
    owner_client, owner, teammate, participant, media
):
    consent_post(
        owner_client,
        participant,
        document=SimpleUploadedFile("samtycke.png", png_bytes(), "image/png"),
    )
    consent = Consent.objects.get(participant=participant)
    url = reverse("participants:consent_document", args=[participant.pk, consent.pk])

    response = owner_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert f'filename="samtycke-{consent.pk}.png"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == (media / consent.document.name).read_bytes()
    assert AuditEvent.objects.filter(
        user=owner, detail="samtyckesblankett", object_id=str(consent.pk)
    ).exists()

    assert client_for(teammate).get(url).status_code == 404
    assert not AuditEvent.objects.filter(user=teammate, detail="samtyckesblankett").exists()


def _text_chunk(key: str, value: str):
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text(key, value)
    return info
