"""The mapping tab and its PDF."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from mapping.models import MappingDocument, MappingDocumentRevision
from mapping.services import mapping_document_save
from rattinsats.models import AuditEvent
from tests.conftest import client_for


def url(participant, name="mapping:mapping"):
    return reverse(name, args=[participant.pk])


@pytest.mark.django_db
def test_it_redirects_anonymous_users_to_login(client, participant):
    for name in ("mapping:mapping", "mapping:mapping_pdf"):
        response = client.get(url(participant, name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ["teammate", "counsellor", "steering", "administrator", "officer"])
def test_it_answers_404_to_users_without_rights(request, role, participant):
    client = client_for(request.getfixturevalue(role))
    assert client.get(url(participant)).status_code == 404
    assert client.get(url(participant, "mapping:mapping_pdf")).status_code == 404
    response = client.post(url(participant), {"version": 0, "languages": "x"})
    assert response.status_code == 404
    assert not MappingDocument.objects.exists()


def test_it_answers_405_to_wrong_methods(owner_client, participant):
    assert owner_client.delete(url(participant)).status_code == 405
    assert owner_client.post(url(participant, "mapping:mapping_pdf")).status_code == 405


def test_it_shows_the_mapping_form_and_logs_the_view(owner_client, participant):
    response = owner_client.get(url(participant))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Utbildning och erfarenhet" in html
    assert "Hur vill du bli presenterad när vi kontaktar arbetsgivare?" in html
    assert 'aria-current="page">Kartläggning<' in html
    assert AuditEvent.objects.filter(action="view", participant_id=participant.pk).count() == 1


def test_it_saves_the_mapping_over_two_meetings_with_history(owner_client, participant):
    first = owner_client.post(
        url(participant),
        {"version": 0, "education_experience": "Gymnasium", "languages": "Svenska"},
    )
    assert first.status_code == 302
    second = owner_client.post(
        url(participant),
        {
            "version": 1,
            "education_experience": "Gymnasium",
            "languages": "Svenska, engelska",
            "licences": "B-körkort",
        },
    )
    assert second.status_code == 302
    assert MappingDocument.objects.get().version == 2
    html = owner_client.get(url(participant)).content.decode()
    assert "Historik" in html
    assert "Körkort och andra behörigheter, Språk" in html
    assert "Visa vad som sparades" in html and "Svenska, engelska" in html
    assert MappingDocumentRevision.objects.count() == 2


def test_it_refuses_a_stale_save_and_keeps_the_input(owner, owner_client, participant):
    mapping_document_save(actor=owner, participant=participant, version=0, languages="Sparat")
    response = owner_client.post(url(participant), {"version": 0, "languages": "Mitt utkast"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "har ändrats av" in html
    assert "Mitt utkast" in html  # the input is kept
    assert "Sparat" in html  # and the saved version is shown beside it
    assert MappingDocument.objects.get().languages == "Sparat"
    # Saving again after seeing the newer version replaces it deliberately.
    again = owner_client.post(url(participant), {"version": 1, "languages": "Mitt utkast"})
    assert again.status_code == 302
    assert MappingDocument.objects.get().languages == "Mitt utkast"


def test_it_refuses_bad_input_in_swedish(owner_client, participant):
    response = owner_client.post(
        url(participant), {"version": "x", "languages": "Behålls", "goal_direction": "hav"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Välj ett giltigt alternativ" in html
    assert "Behålls" in html
    assert not MappingDocument.objects.exists()


def test_it_prints_the_mapping_document_as_a_pdf(owner, owner_client, participant):
    mapping_document_save(
        actor=owner,
        participant=participant,
        version=0,
        education_experience="Undersköterska, åtta år",
        languages="Svenska, tigrinja",
        employer_presentation="Som pålitlig och noggrann",
    )
    response = owner_client.get(url(participant, "mapping:mapping_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert participant.personnummer not in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)  # A4
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Kartläggningsdokument" in text
    assert participant.full_name in text
    assert "Undersköterska, åtta år" in text
    assert "Svenska, tigrinja" in text
    assert "Som pålitlig och noggrann" in text
    assert AuditEvent.objects.filter(action="export", participant_id=participant.pk).count() == 1
