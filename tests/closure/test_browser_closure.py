"""In real Chromium: close a participant because of work, record the
follow-up and download the summary document."""

import datetime
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from casework.models import Flag
from closure.models import FollowUp, SummaryDocument
from mapping.models import MoveCategory, StepwiseMove
from participants.models import Participant, Task
from participants.periods import add_months, period_bounds
from tests.conftest import browser_login
from tests.factories import ConsentFactory, ParticipantFactory, ensure_reference_data

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_it_closes_follows_up_and_downloads_the_summary(page, live_server, owner):
    ensure_reference_data()
    today = timezone.localdate()
    participant = ParticipantFactory(
        responsible=owner,
        first_name="Märta",
        last_name="Avslutsdóttir",
        start_date=today - datetime.timedelta(days=150),
    )
    ConsentFactory(participant=participant)
    first, last = period_bounds(participant.start_date, 1)
    StepwiseMove.objects.create(
        participant=participant,
        period=1,
        period_start=first,
        period_end=last,
        category=MoveCategory.objects.get(code="praktik_arbetsprovning"),
        note="Praktik på Åhléns lager",
        recorded_by=owner,
    )
    # The follow-up is recorded today: at least two weeks after the closure.
    closed_on = today - datetime.timedelta(days=20)

    browser_login(page, live_server, "owner")
    page.get_by_role("heading", name="Att göra").wait_for()
    page.goto(f"{live_server.url}/deltagare/{participant.pk}/")
    page.get_by_role("link", name="Avslut").click()
    page.get_by_role("heading", name="Avsluta deltagandet").wait_for()

    # The status at the start, then the closure.
    start = page.locator("form", has=page.get_by_role("button", name="Spara status vid start"))
    start.get_by_label("Sysselsättning").select_option(label="Arbetssökande")
    start.get_by_label("Huvudsaklig försörjning").select_option(label="Ekonomiskt bistånd")
    start.get_by_role("button", name="Spara status vid start").click()
    page.get_by_text("Status vid start är sparad.").wait_for()

    page.get_by_label("Avslutsdatum").fill(closed_on.isoformat())
    page.get_by_label("Arbete", exact=True).check()
    page.get_by_label("Resultat (vid arbete eller studier)").select_option(label="Extratjänst")
    page.get_by_label("Sysselsättning vid avslut").select_option(label="Arbete med stöd")
    page.get_by_label("Huvudsaklig försörjning vid avslut").select_option(label="Lön")
    page.get_by_role("button", name="Avsluta deltagandet").click()
    page.get_by_text("Deltagandet är avslutat.").wait_for()

    participant.refresh_from_db()
    assert participant.status == Participant.Status.CLOSED
    assert Flag.objects.filter(participant=participant, kind=Flag.Kind.CLOSURE).count() == 3
    due = add_months(closed_on, 1)
    assert Task.objects.get(kind=Task.Kind.FOLLOW_UP).due_on == due
    assert f"Uppföljningen ska göras senast {due.isoformat()}" in page.content()

    # The follow-up: reached, self-supporting, working, extended support.
    form = page.locator("form", has=page.get_by_role("button", name="Registrera uppföljningen"))
    form.get_by_label("Datum för uppföljningen").fill(today.isoformat())
    form.get_by_role("group", name="Nådde du personen?").get_by_label("Ja").check()
    form.get_by_role("group", name="Har personen egen försörjning?").get_by_label("Ja").check()
    form.get_by_role("group", name="Fungerar arbetet eller studierna?").get_by_label("Ja").check()
    form.get_by_label("Förlängt stöd ges").check()
    form.get_by_label("Förlängt stöd till och med").fill(add_months(closed_on, 4).isoformat())
    form.get_by_role("button", name="Registrera uppföljningen").click()
    page.get_by_text("Förlängt stöd ges högst tre månader efter avslutet").wait_for()
    assert not FollowUp.objects.exists()
    page.get_by_label("Förlängt stöd till och med").fill(add_months(closed_on, 3).isoformat())
    page.get_by_role("button", name="Registrera uppföljningen").click()
    page.get_by_text("Uppföljningen är registrerad.").wait_for()
    assert Task.objects.get(kind=Task.Kind.FOLLOW_UP).done_at is not None

    # The summary document: finalise, then download the stored version.
    page.get_by_label("Sammanfattning").fill("Märta har fått en extratjänst på lagret.")
    page.get_by_role("button", name="Slutför", exact=True).click()
    page.get_by_text("Version 1 av den sammanfattande dokumentationen är sparad.").wait_for()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ladda ner version 1 (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"sammanfattning-{participant.pk}-version-1.pdf"
    reader = PdfReader(io.BytesIO(open(download.path(), "rb").read()))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    for expected in [
        "Märta Avslutsdóttir",
        "Praktik på Åhléns lager",
        "Praktik/arbetsprövning",
        "Extratjänst",
        "Märta har fått en extratjänst på lagret.",
    ]:
        assert expected in text, expected
    assert SummaryDocument.objects.filter(participant=participant).count() == 1
