"""The mapping document as a printable PDF (A4, Swedish, DejaVu fonts)."""

from django.template.loader import render_to_string
from django.utils import timezone


def mapping_document_pdf(*, participant, document, fields) -> bytes:
    """``fields`` is a list of (label, value) pairs, in the page's order."""
    html = render_to_string(
        "mapping/mapping_pdf.html",
        {
            "participant": participant,
            "document": document,
            "fields": fields,
            "printed_at": timezone.localtime(),
        },
    )
    # Imported here: WeasyPrint is slow to load and only this view needs it.
    from weasyprint import HTML

    return HTML(string=html).write_pdf()
