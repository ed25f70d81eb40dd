"""The signed consent form uploaded with a referral: PDF, JPEG or PNG, at
most 5 MB, recognised by its content (not its name or the browser's word)."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_BYTES = 5 * 1024 * 1024

# (magic bytes at the start of the file, media type, file extension)
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)

CONTENT_TYPES = {ext: media for _magic, media, ext in SIGNATURES}


def sniff(head: bytes) -> tuple[str, str] | None:
    """(media type, extension) of a file starting with ``head``, if allowed."""
    for magic, media, ext in SIGNATURES:
        if head.startswith(magic):
            return media, ext
    return None


def validate_consent_document(upload) -> tuple[str, str]:
    """Check an uploaded file; return its (media type, extension) or raise
    ValidationError with a Swedish message."""
    if upload.size > MAX_BYTES:
        raise ValidationError(_("Filen är för stor. Största tillåtna storlek är 5 MB."))
    if upload.size == 0:
        raise ValidationError(_("Filen är tom."))
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    found = sniff(head)
    if found is None:
        raise ValidationError(
            _("Filen är inte en PDF-, JPEG- eller PNG-fil. Ladda upp den underskrivna blanketten.")
        )
    return found


def storage_name(extension: str) -> str:
    """A name that says nothing about the person."""
    return f"{uuid.uuid4().hex}.{extension}"
