"""Every PDF the app makes is rendered here, one way: tagged PDF/UA-1
(ISO 14289-1), as the law on accessible digital public services asks.

WeasyPrint writes, from the template's HTML:

- the structure tree (``StructTreeRoot``, ``MarkInfo /Marked true``): headings,
  paragraphs, lists, and tables whose ``<th>`` cells become ``TH`` elements
  linked to their data cells (``scope="row"`` makes a row header, any other
  ``<th>`` a column header);
- ``/Lang`` from ``<html lang>``, the title from ``<title>`` (document
  information, XMP ``dc:title``, and ``DisplayDocTitle`` so that readers show
  it in the title bar) and ``pdfuaid:part=1`` in the XMP metadata;
- a ``Figure`` element for every ``<img>`` and inline ``<svg>``, whose
  alternative text (``/Alt``) is the ``alt`` attribute or the SVG's ``<title>``.

So a template for a PDF needs ``<html lang>``, a ``<title>``, ``alt`` text (or
an SVG ``<title>``) for every image, and ``scope`` on its header cells; the
render refuses a page without language or title. ``tests/test_pdf_ua.py``
checks the four documents (results, monthly exchange, mapping document,
summary).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

PDF_VARIANT = "pdf/ua-1"


class InaccessiblePdf(ValueError):
    """The template lacks what a PDF/UA document must have."""


def pdf_render(
    template_name: str,
    context: Mapping[str, Any],
    *,
    stylesheets: Sequence[str] = (),
) -> bytes:
    """Render ``template_name`` to a tagged PDF/UA-1 document.

    ``stylesheets`` are paths of static files (e.g. ``css/reports_pdf.css``)
    added to the template's own styles."""
    # Imported here: WeasyPrint is slow to load and only the PDF views need it.
    from weasyprint import CSS, HTML

    html = render_to_string(template_name, dict(context))
    css = []
    for name in stylesheets:
        path = finders.find(name)
        if not isinstance(path, str):
            raise FileNotFoundError(name)
        css.append(CSS(filename=path))
    options: dict[str, Any] = {"pdf_variant": PDF_VARIANT, "pdf_tags": True}
    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render(stylesheets=css, **options)
    if not document.metadata.lang:
        raise InaccessiblePdf(f"{template_name}: <html> has no lang attribute")
    if not (document.metadata.title or "").strip():
        raise InaccessiblePdf(f"{template_name}: no <title>")
    return document.write_pdf(**options)
