"""The summary document: built from the record, kept as unchangeable versions."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from pypdf import PdfReader

from closure import services
from closure.models import EmploymentStatus, IncomeSource, SummaryDocument
from mapping.models import MoveCategory, StepwiseMove
from participants.models import ClosureReason, ClosureResult
from participants.periods import period_bounds
from rattinsats.models import AuditEvent
from tests.factories import ParticipantFactory, ensure_reference_data

pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.pages[0].mediabox.width == pytest.approx(595, abs=1)  # A4
    # Text extraction may break lines anywhere: compare on single spaces.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def closed(owner, monkeypatch):
    ensure_reference_data()
    today = timezone.localdate()
    participant = ParticipantFactory(
        responsible=owner,
        first_name="Åsa",
        last_name="Öberg-Ängström",
        start_date=today - datetime.timedelta(days=200),
    )
    for k, code, note in [
        (1, "praktik_arbetsprovning", "Praktik på förskolan Älvgården"),
        (2, "arbets_studieformaga", "Arbetsförmåga klargjord"),
    ]:
        first, last = period_bounds(participant.start_date, k)
        StepwiseMove.objects.create(
            participant=participant,
            period=k,
            period_start=first,
            period_end=last,
            category=MoveCategory.objects.get(code=code),
            note=note,
            recorded_by=owner,
        )
    services.status_at_start_record(
        actor=owner,
        participant=participant,
        employment_status=EmploymentStatus.SEEKING_WORK,
        income_source=IncomeSource.EKONOMISKT_BISTAND,
    )
    services.participant_close(
        actor=owner,
        participant=participant,
        closed_on=today,
        reason=ClosureReason.WORK,
        result=ClosureResult.NYSTARTSJOBB,
        employment_status=EmploymentStatus.SUBSIDISED_WORK,
        income_source=IncomeSource.SALARY,
    )
    # The goal document and interventions are kept by other parts of the
    # record; the summary reads them through these hooks.
    monkeypatch.setattr(
        services,
        "goals_for",
        lambda p: {
            "goal": "Arbete inom äldreomsorgen",
            "sub_goals": ["Gå ut på promenad varje dag", "Söka två jobb i veckan"],
        },
    )
    monkeypatch.setattr(
        services,
        "interventions_for",
        lambda p: [{"name": "Motiverande samtal", "start": today, "end": None, "note": ""}],
    )
    return participant


def test_it_builds_the_pdf_from_the_record_with_swedish_characters(owner, closed):
    document = services.summary_finalise(
        actor=owner, participant=closed, text="Åsa har nått sitt mål: ett nystartsjobb."
    )
    text = pdf_text(bytes(document.pdf))
    for expected in [
        "Sammanfattande dokumentation",
        "Åsa Öberg-Ängström",
        closed.personnummer_display,
        "Arbete inom äldreomsorgen",
        "Gå ut på promenad varje dag",
        "Söka två jobb i veckan",
        "(tremånadersperiod 3 av 8)",
        "Mån 1–3",
        "Praktik/arbetsprövning",
        "Praktik på förskolan Älvgården",
        "Mån 4–6",
        "Arbets-/studieförmåga",
        "Motiverande samtal",
        "Nystartsjobb",
        "Arbetssökande / Arbete med stöd",
        "Ekonomiskt bistånd / Lön",
        "Åsa har nått sitt mål: ett nystartsjobb.",
        "Version 1",
    ]:
        assert expected in text, expected


def test_it_keeps_each_version_unchanged_and_numbers_corrections(owner, closed):
    first = services.summary_finalise(actor=owner, participant=closed, text="Första texten.")
    second = services.summary_finalise(actor=owner, participant=closed, text="Rättad text.")
    assert (first.version, second.version) == (1, 2)
    first.refresh_from_db()
    assert "Första texten." in pdf_text(bytes(first.pdf))
    assert "Rättad text." in pdf_text(bytes(second.pdf))
    assert first.closure == second.closure is not None
    with pytest.raises(RuntimeError):
        first.save()


def test_it_writes_the_summary_only_for_a_closed_participation(owner, participant):
    with pytest.raises(ValidationError, match="när deltagandet avslutas"):
        services.summary_finalise(actor=owner, participant=participant, text="Text")
    assert not SummaryDocument.objects.exists()


def test_it_refuses_an_empty_summary(owner, closed):
    with pytest.raises(ValidationError) as exc:
        services.summary_finalise(actor=owner, participant=closed, text="   ")
    assert "Skriv en sammanfattning." in exc.value.message_dict["text"]


def test_it_audits_downloads_and_previews_as_exports(owner, closed, teammate):
    document = services.summary_finalise(actor=owner, participant=closed, text="Text")
    pdf = services.summary_download(actor=owner, document=document)
    assert pdf.startswith(b"%PDF")
    preview = services.summary_preview(actor=owner, participant=closed, text="Utkasttext")
    assert "Utkast" in pdf_text(preview)
    assert SummaryDocument.objects.count() == 1
    exports = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, participant_id=closed.pk)
    assert exports.count() == 2
    with pytest.raises(PermissionDenied):
        services.summary_download(actor=teammate, document=document)
    with pytest.raises(PermissionDenied):
        services.summary_finalise(actor=teammate, participant=closed, text="Text")
