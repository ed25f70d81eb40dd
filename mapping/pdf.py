"""The mapping document as a printable PDF (A4, Swedish, DejaVu fonts),
tagged PDF/UA-1."""

from django.utils import timezone

from rattinsats.pdf import pdf_render


def mapping_document_pdf(*, participant, document, fields) -> bytes:
    """``fields`` is a list of (label, value) pairs, in the page's order."""
    return pdf_render(
        "mapping/mapping_pdf.html",
        {
            "participant": participant,
            "document": document,
            "fields": fields,
            "printed_at": timezone.localtime(),
        },
    )
