"""In real Chromium: the steering group's demo account opens the results,
downloads the workbook and the PDF, and is refused a participant page."""

import re
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from operations.management.commands.seed_demo import DEMO_PASSWORD
from participants.models import Participant
from tests.conftest import browser_login
from tests.factories import ensure_reference_data

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_it_shows_the_steering_group_the_published_results(page, live_server):
    ensure_reference_data()
    call_command("seed_demo", stdout=StringIO())

    browser_login(page, live_server, "styrgrupp", password=DEMO_PASSWORD)
    # The steering group's start page is the dashboard.
    page.get_by_role("heading", name="Resultat", exact=True).wait_for()
    assert page.url.endswith("/reports/")
    self_support = page.locator(".key-figure", has_text="Egen försörjning").first
    assert "25 av 63" in self_support.inner_text()
    assert "39,7 %" in self_support.inner_text()
    goals = page.get_by_role("table", name="Delmålens status")
    assert goals.get_by_text("Uppnått").count() == 2
    # Each chart is one labelled image with its figures in a table beside it.
    page.get_by_role("img", name="Stegvisa förflyttningar per kategori").wait_for()
    moves = page.get_by_role(
        "table", name="Siffrorna i diagrammet Stegvisa förflyttningar per kategori"
    )
    assert "23" in moves.get_by_role("row", name="Praktik/arbetsprövning").inner_text()
    # Nothing but reports in the menu, and no participant anywhere.
    menu = page.get_by_role("navigation", name="Huvudmeny")
    assert menu.get_by_role("link", name="Deltagare", exact=True).count() == 0
    for p in Participant.objects.all()[:10]:
        assert p.last_name not in page.content()

    # The buttons start background jobs (run at once here); the job's page
    # offers the file.
    page.get_by_role("button", name="Ladda ner Excel").click()
    with page.expect_download() as xlsx_info:
        page.get_by_role("link", name=re.compile(r"^Ladda ner rattinsats-resultat-")).click()
    workbook = load_workbook(BytesIO(Path(xlsx_info.value.path()).read_bytes()))
    summary = {row[0]: row[1:4] for row in workbook["Sammanfattning"].iter_rows(values_only=True)}
    assert summary["Egen försörjning"] == (25, 63, 0.3968)

    page.get_by_role("link", name="Tillbaka").click()
    page.get_by_role("button", name="Ladda ner PDF").click()
    with page.expect_download() as pdf_info:
        page.get_by_role("link", name=re.compile(r"^Ladda ner rattinsats-resultat-")).click()
    reader = PdfReader(BytesIO(Path(pdf_info.value.path()).read_bytes()))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "25 av 63" in text and "Hela programtiden" in text
    page.get_by_role("link", name="Tillbaka").click()
    page.get_by_role("heading", name="Resultat", exact=True).wait_for()

    # Filtering by period keeps working without JavaScript's help.
    page.get_by_label("Från och med").fill("2026-01-01")
    page.get_by_role("button", name="Visa").click()
    page.get_by_text("2026-01-01 – i dag").wait_for()

    participant = Participant.objects.first()
    response = page.goto(f"{live_server.url}/deltagare/{participant.pk}/")
    assert response.status == 404
    page.get_by_role("heading", name="Sidan finns inte").wait_for()
