"""Every PDF the app makes is tagged PDF/UA-1 (the law on accessible digital
public services): the results, the monthly exchange, the mapping document
and the summary document.

veraPDF, the reference PDF/UA checker, is a Java program that none of the
package registries this project installs from (PyPI, Debian, npm) carries;
so these tests read each document's structure with pikepdf and check what
PDF/UA-1 (ISO 14289-1, the Matterhorn protocol) asks of documents like ours:

- a structure tree (``StructTreeRoot`` with its ``ParentTree``) and
  ``MarkInfo /Marked true``;
- the natural language (``/Lang``), the title in the document information
  and in XMP ``dc:title``, shown in the title bar (``DisplayDocTitle``);
- the PDF/UA identification in XMP (``pdfuaid:part`` 1);
- every ``Figure`` with non-empty alternative text (``/Alt``), each chart
  of the results one such figure whose text names it and its figures;
- every ``Table`` with header cells (``TH``), and every data cell (``TD``)
  linked to its headers (``/Headers`` naming the ``TH`` cells' ids);
- every font embedded;

and, with Poppler's ``pdftotext``, that the text can be extracted and comes
out in reading order.
"""

from __future__ import annotations

import ast
import datetime
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO

import pikepdf
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from closure import services as closure_services
from mapping.models import MoveCategory, StepwiseMove
from mapping.services import mapping_document_save
from participants.models import Gender, Participant
from participants.periods import period_bounds
from rattinsats.pdf import InaccessiblePdf, pdf_render
from reports.charts import chart_description
from reports.presentation import Breakdown
from tests.conftest import client_for
from tests.factories import (
    ConsentFactory,
    ParticipantFactory,
    ensure_reference_data,
    organisation,
)
from tests.job_files import download_via_job

pytestmark = pytest.mark.django_db

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
APPS = (
    "rattinsats",
    "participants",
    "mapping",
    "casework",
    "closure",
    "employers",
    "referrals",
    "reports",
    "operations",
    "config",
)


# --- Reading a PDF's structure -----------------------------------------------


@dataclass
class Element:
    kind: str  # the structure type without the slash: "Table", "TH", …
    obj: pikepdf.Dictionary
    children: list[Element] = field(default_factory=list)

    def walk(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            yield from child.walk()

    def cells(self) -> Iterator[Element]:
        """The cells of this table, not those of a table inside it."""
        for child in self.children:
            if child.kind in ("TH", "TD"):
                yield child
            elif child.kind != "Table":
                yield from child.cells()

    @property
    def alt(self) -> str:
        return str(self.obj.get("/Alt", "")).strip()

    @property
    def attributes(self) -> pikepdf.Dictionary:
        a = self.obj.get("/A")
        return a if isinstance(a, pikepdf.Dictionary) else pikepdf.Dictionary()


def _element(obj) -> Element | None:
    if not isinstance(obj, pikepdf.Dictionary) or "/S" not in obj:
        return None  # a marked-content id or an object reference
    element = Element(str(obj.S).lstrip("/"), obj)
    kids = obj.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        child = _element(kid)
        if child is not None:
            element.children.append(child)
    return element


@dataclass
class Tagged:
    pdf: pikepdf.Pdf
    root: Element
    raw: bytes

    @property
    def elements(self) -> list[Element]:
        return list(self.root.walk())

    def of_kind(self, kind: str) -> list[Element]:
        return [e for e in self.elements if e.kind == kind]


def tagged(content: bytes) -> Tagged:
    pdf = pikepdf.open(BytesIO(content))
    tree = pdf.Root.get("/StructTreeRoot")
    assert tree is not None, "no structure tree"
    assert "/ParentTree" in tree, "no parent tree (content not mapped to structure)"
    root = Element("StructTreeRoot", tree)
    kids = tree.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        child = _element(kid)
        if child is not None:
            root.children.append(child)
    return Tagged(pdf, root, content)


def text_of(content: bytes) -> str:
    """The text as ``pdftotext`` extracts it (reading order), on single spaces."""
    tool = shutil.which("pdftotext")
    if tool is None:
        if IN_CI:
            pytest.fail("pdftotext (poppler-utils) is missing")
        pytest.skip("pdftotext saknas (installera poppler-utils)")
    out = subprocess.run(  # noqa: S603 - a fixed tool on our own bytes
        [tool, "-enc", "UTF-8", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    return " ".join(out.split())


def assert_in_order(text: str, *parts: str) -> None:
    position = 0
    for part in parts:
        found = text.find(part, position)
        assert found >= 0, f"{part!r} not found after position {position} in {text[:2000]!r}"
        position = found + len(part)


def assert_pdf_ua(doc: Tagged, *, lang: str, title: str) -> None:
    """What PDF/UA-1 asks of every document the app makes."""
    pdf = doc.pdf
    assert doc.raw.startswith(b"%PDF-1.7")
    # Tagged, marked.
    assert pdf.Root.MarkInfo.Marked is True
    assert doc.root.children and doc.root.children[0].kind == "Document"
    kinds = {e.kind for e in doc.elements}
    assert "H1" in kinds, kinds  # headings, not just styled text
    # Language and title, shown in the title bar.
    assert str(pdf.Root.Lang) == lang
    assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
    assert str(pdf.docinfo.Title) == title
    with pdf.open_metadata() as xmp:
        assert xmp.get("dc:title") == title
        assert xmp.get("pdfuaid:part") == "1"
    # Every figure has a text alternative.
    for figure in doc.of_kind("Figure"):
        assert figure.alt, "a Figure without /Alt"
    # Every table has header cells, and every data cell names its headers.
    for table in doc.of_kind("Table"):
        cells = list(table.cells())
        headers = {str(c.obj.get("/ID")) for c in cells if c.kind == "TH"}
        assert headers, "a Table without TH cells"
        assert "None" not in headers, "a TH without an id to refer to"
        for cell in (c for c in cells if c.kind == "TD"):
            named = [str(h) for h in cell.attributes.get("/Headers", [])]
            assert named, "a TD linked to no header"
            assert set(named) <= headers, (named, headers)
    # Every font is embedded.
    for page in pdf.pages:
        for font in (page.Resources.get("/Font") or {}).values():
            fonts = font.DescendantFonts if "/DescendantFonts" in font else [font]
            for f in fonts:
                descriptor = f.FontDescriptor
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


# --- The four documents ------------------------------------------------------


D = datetime.date


def _results_population() -> None:
    """Participants over several months: women and men, one closed with
    self-support, the others with a move."""
    ensure_reference_data()
    start = D(2024, 1, 1)
    for i in range(5):
        p = ParticipantFactory(
            start_date=start + datetime.timedelta(days=40 * i),
            gender=Gender.WOMAN if i % 2 == 0 else Gender.MAN,
        )
        if i == 0:
            Participant.objects.filter(pk=p.pk).update(
                status=Participant.Status.CLOSED,
                end_date=start + datetime.timedelta(days=200),
                closure_reason="arbete",
                closure_result="extratjanst",
            )
            continue
        first, last = period_bounds(p.start_date, 1)
        StepwiseMove.objects.create(
            participant=p,
            period=1,
            period_start=first,
            period_end=last,
            category=MoveCategory.objects.get(code="praktik_arbetsprovning"),
        )


def results_pdf(client) -> bytes:
    _results_population()
    response = client.get(reverse("reports:results_pdf"))
    assert response.status_code == 200
    return response.content


def monthly_pdf(owner, client) -> tuple[bytes, D]:
    month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    af = organisation("arbetsformedlingen")
    p = ParticipantFactory(
        responsible=owner, first_name="Alva", last_name="Startsson", start_date=month
    )
    ConsentFactory(participant=p, signed_on=month)
    response = download_via_job(
        client, reverse("reports:monthly_pdf"), {"month": f"{month:%Y-%m}", "organisation": af.pk}
    )
    assert response.status_code == 200
    return response.content, month


def mapping_pdf(owner, client, participant) -> bytes:
    mapping_document_save(
        actor=owner,
        participant=participant,
        version=0,
        education_experience="Undersköterska, åtta år",
        languages="Svenska, tigrinja",
    )
    response = client.get(reverse("mapping:mapping_pdf", args=[participant.pk]))
    assert response.status_code == 200
    return response.content


def summary_pdf(owner, participant) -> bytes:
    ensure_reference_data()
    first, last = period_bounds(participant.start_date, 1)
    StepwiseMove.objects.create(
        participant=participant,
        period=1,
        period_start=first,
        period_end=last,
        category=MoveCategory.objects.get(code="praktik_arbetsprovning"),
        note="Praktik på förskolan Älvgården",
        recorded_by=owner,
    )
    return closure_services.summary_preview(
        actor=owner, participant=participant, text="Åsa har nått sitt mål."
    )


# --- The tests ---------------------------------------------------------------


def test_the_results_pdf_is_pdf_ua_with_a_described_figure_per_chart(steering):
    content = results_pdf(client_for(steering))
    doc = tagged(content)
    assert_pdf_ua(doc, lang="sv", title="Rätt insats – resultat")

    figures = doc.of_kind("Figure")
    # One figure per chart drawn: every breakdown with figures has one.
    titles = [
        "Deltagare per kön",
        "Egen försörjning per kategori",
        "Stegvisa förflyttningar per kategori",
        "Kön per utfall",
        "Aktiva deltagare per månad",
    ]
    for title in titles:
        assert sum(title in f.alt for f in figures) == 1, (title, [f.alt for f in figures])
    alts = {f.alt.split(":", 1)[1].split(".", 1)[0].strip(): f.alt for f in figures}
    # The alternative text gives the chart's figures, not only its name.
    assert re.search(r"Kvinnor: 3\b", alts["Deltagare per kön"])
    assert re.search(r"Män: 2\b", alts["Deltagare per kön"])
    assert re.search(r"Praktik/arbetsprövning: 4\b", alts["Stegvisa förflyttningar per kategori"])
    over_time = next(f.alt for f in figures if "Aktiva deltagare per månad" in f.alt)
    assert over_time.startswith("Stapeldiagram över tid: ")
    assert "2024-01 till" in over_time
    # Each figure stands before the table of the same figures.
    assert len(doc.of_kind("Table")) >= 2 + len(titles)

    text = text_of(content)
    assert_in_order(
        text,
        "Rätt insats – resultat",
        "Nyckeltal",
        "Delmål",
        "Deltagare per kön",
        "Kvinnor",
        "Stegvisa förflyttningar per kategori",
        "Aktiva deltagare per månad",
    )


def test_the_monthly_exchange_pdf_is_pdf_ua(owner):
    content, month = monthly_pdf(owner, client_for(owner))
    doc = tagged(content)
    assert_pdf_ua(doc, lang="sv", title=f"Månadsavstämning {month:%Y-%m}")
    table = doc.of_kind("Table")[0]
    headers = [c for c in table.cells() if c.kind == "TH"]
    assert len(headers) >= 5  # four column headers and the participant's row header
    assert_in_order(
        text_of(content),
        "Månadsavstämning",
        "Deltagare",
        "Datum",
        "Händelse",
        "Alva Startsson",
        "Start i Rätt insats",
    )


def test_the_mapping_document_pdf_is_pdf_ua(owner, owner_client, participant):
    content = mapping_pdf(owner, owner_client, participant)
    doc = tagged(content)
    assert_pdf_ua(doc, lang="sv", title="Kartläggningsdokument")
    row_headers = [c for c in doc.of_kind("Table")[0].cells() if c.kind == "TH"]
    assert len(row_headers) == 4
    assert_in_order(
        text_of(content),
        "Kartläggningsdokument",
        "Deltagare",
        participant.full_name,
        "Personnummer",
        "Undersköterska, åtta år",
        "Svenska, tigrinja",
        "Utskrivet",
    )


def test_the_summary_pdf_is_pdf_ua_and_its_title_names_no_one(owner, participant):
    content = summary_pdf(owner, participant)
    doc = tagged(content)
    title = "Sammanfattande dokumentation – Rätt insats"
    assert_pdf_ua(doc, lang="sv", title=title)
    # The title shows in the viewer's title bar and the browser's history:
    # never the person's name.
    assert participant.last_name not in str(doc.pdf.docinfo.Title)
    assert_in_order(
        text_of(content),
        "Sammanfattande dokumentation",
        participant.full_name,
        "Stegvisa förflyttningar per period",
        "Praktik på förskolan Älvgården",
        "Sammanfattning",
        "Åsa har nått sitt mål.",
    )


def test_a_pdf_in_english_says_so(steering):
    client = client_for(steering)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    # The request switches this thread to English: back to Swedish after it.
    with translation.override(settings.LANGUAGE_CODE):
        content = results_pdf(client)
    assert translation.get_language() == settings.LANGUAGE_CODE
    doc = tagged(content)
    with translation.override("en"):
        title = translation.gettext("Rätt insats – resultat")
    assert title != "Rätt insats – resultat"
    assert_pdf_ua(doc, lang="en", title=title)


def test_the_renderer_refuses_a_page_without_language_or_title(tmp_path, settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    (tmp_path / "no_lang.html").write_text(
        "<!DOCTYPE html><html><head><title>T</title></head><body><p>x</p></body></html>"
    )
    (tmp_path / "no_title.html").write_text(
        '<!DOCTYPE html><html lang="sv"><head></head><body><p>x</p></body></html>'
    )
    (tmp_path / "ok.html").write_text(
        '<!DOCTYPE html><html lang="sv"><head><title>T</title></head>'
        '<body><h1>Rubrik</h1><p>x</p><img alt="En punkt" src="data:image/png;base64,'
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
        '"></body></html>'
    )
    with pytest.raises(InaccessiblePdf):
        pdf_render("no_lang.html", {})
    with pytest.raises(InaccessiblePdf):
        pdf_render("no_title.html", {})
    doc = tagged(pdf_render("ok.html", {}))
    assert_pdf_ua(doc, lang="sv", title="T")
    assert [f.alt for f in doc.of_kind("Figure")] == ["En punkt"]


def test_the_chart_description_gives_every_figure_of_a_bar_chart():
    breakdown = Breakdown(
        "kon_per_utfall",
        "Kön per utfall",
        ["Kvinnor", "Män"],
        [("Egen försörjning", [2, "<5"]), ("Övriga skäl", [0, 7])],
        "Utfall",
    )
    assert chart_description(breakdown) == (
        "Stapeldiagram: Kön per utfall. "
        "Egen försörjning: Kvinnor 2, Män <5; Övriga skäl: Kvinnor 0, Män 7."
    )


def test_no_app_calls_weasyprint_but_the_one_renderer():
    """Every PDF passes through ``rattinsats.pdf.pdf_render`` (and so is
    tagged): no other module of the app imports WeasyPrint."""
    importers = []
    for app in APPS:
        for path in (settings.BASE_DIR / app).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                if any(n == "weasyprint" or n.startswith("weasyprint.") for n in names):
                    importers.append(str(path.relative_to(settings.BASE_DIR)))
    assert importers == ["rattinsats/pdf.py"]
