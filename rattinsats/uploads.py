"""Checks of an uploaded scan of a signed consent form, for every app that
takes one (the referral's form, the participant's *Samtycke* tab): PDF,
JPEG or PNG, at most 5 MB, recognised by its content (not its name or the
browser's word) and checked as a whole, not by its first bytes only.

- A **PDF** is parsed in full with pikepdf (qpdf), without qpdf's repair of
  damaged files: one that does not open as it is, needs repairing, has no
  page, is encrypted (even without an open password), or holds active
  content is refused. Active content: JavaScript anywhere, actions that
  start programs, send or fetch data or open other files (``Launch``,
  ``SubmitForm``, ``ImportData``, ``GoToR``, ``GoToE``, ``Rendition``,
  rich media), automatic actions (``/AA``), an ``/OpenAction`` that is an
  action other than going to a page (word processors write
  ``/OpenAction [page /Fit]`` for the opening view, which runs nothing), XFA
  forms, and embedded or attached files. Anything but whitespace after the
  final ``%%EOF`` is refused too: PDF readers start from the end and never
  read it, so it is exactly where a file is made to be also HTML, a ZIP or
  a script (a polyglot); real writers end with ``%%EOF`` and at most a line
  break or padding. Incremental updates (a signed PDF) end with ``%%EOF``
  each and pass. A PDF is stored as it was uploaded, so that a digital
  signature in it stays valid.
- An **image** (JPEG, PNG) is decoded with Pillow and encoded again: what
  is stored is the new image and nothing else, with no bytes after the
  image data, no comments, no EXIF, XMP or other metadata (its EXIF
  orientation is applied first, so a phone photo stays upright). An image
  of more than ``MAX_IMAGE_PIXELS`` pixels is refused before it is decoded
  (a decompression bomb: a small file that unpacks into gigabytes).
"""

from __future__ import annotations

import io
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pikepdf
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps

MAX_BYTES = 5 * 1024 * 1024

# At most 50 million pixels: an A4 page scanned at 600 dpi is 35 million, a
# phone photo 12 to 48 million. Decoding one takes up to 200 MB (RGBA).
MAX_IMAGE_PIXELS = 50_000_000
# Pillow's own guard, for every image the process opens: a warning above
# this, an error above twice this. The check below refuses at this.
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

# What may follow the last %%EOF: PDF whitespace (NUL, tab, LF, FF, CR, space).
PDF_WHITESPACE = b"\x00\t\n\x0c\r "
# Action types that run code, start programs, send or fetch data, or open
# other files.
PDF_ACTIVE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/GoToR",
        "/GoToE",
        "/Rendition",
        "/RichMediaExecute",
    }
)
# Keys that hold scripts, automatic actions, XFA forms or embedded files.
PDF_ACTIVE_KEYS = frozenset({"/JS", "/JavaScript", "/AA", "/XFA", "/EmbeddedFiles", "/EF"})
PDF_ACTIVE_TYPES = frozenset({"/EmbeddedFile", "/FileAttachment", "/RichMedia"})
PDF_MAX_DEPTH = 64
# The start every writer makes: the header line, comment lines (the binary
# marker) without markup, then the first object. Anything else there (HTML,
# a script) is how a file is made to be a PDF and something else at once.
PDF_HEADER = re.compile(rb"%PDF-\d\.\d[ \t]*(?:%[^<]*)?")
PDF_COMMENT = re.compile(rb"[ \t\x0c\x00]*(?:%[^<]*)?")
PDF_FIRST_OBJECT = re.compile(rb"\d{1,10}[ \t\r\n]+\d{1,5}[ \t\r\n]+obj\b")

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


@dataclass(frozen=True)
class ConsentDocument:
    """A checked upload: what to store, and as what."""

    media_type: str
    extension: str
    content: bytes  # the PDF as uploaded, or the image encoded anew


# The checked result is kept on the upload, so that the form's check and the
# service's (which must not trust its caller) read and re-encode it once.
_CHECKED = "_rattinsats_consent_document"


def validate_consent_document(upload) -> ConsentDocument:
    """Check an uploaded file as a whole; return what to store, or raise
    ValidationError with a Swedish message. A file already checked (the
    same upload object) is not read again."""
    checked = getattr(upload, _CHECKED, None)
    if isinstance(checked, ConsentDocument):
        return checked
    checked = _check(upload)
    setattr(upload, _CHECKED, checked)
    return checked


def _check(upload) -> ConsentDocument:
    if upload.size > MAX_BYTES:
        raise ValidationError(_("Filen är för stor. Största tillåtna storlek är 5 MB."))
    if upload.size == 0:
        raise ValidationError(_("Filen är tom."))
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    upload.seek(0)
    if len(data) > MAX_BYTES:
        raise ValidationError(_("Filen är för stor. Största tillåtna storlek är 5 MB."))
    found = sniff(data[:16])
    if found is None:
        raise ValidationError(
            _("Filen är inte en PDF-, JPEG- eller PNG-fil. Ladda upp den underskrivna blanketten.")
        )
    media_type, extension = found
    if extension == "pdf":
        _check_pdf(data)
        return ConsentDocument(media_type, extension, data)
    return ConsentDocument(media_type, extension, _reencode_image(data, extension))


# --- PDF ----------------------------------------------------------------------


def _pdf_unreadable() -> ValidationError:
    return ValidationError(
        _(
            "PDF-filen går inte att läsa, eller är skadad. Spara eller skanna blanketten "
            "som PDF igen."
        )
    )


def _check_pdf(data: bytes) -> None:
    end = data.rfind(b"%%EOF")
    if end < 0 or not _starts_as_a_pdf(data):
        raise _pdf_unreadable()
    if data[end + len(b"%%EOF") :].strip(PDF_WHITESPACE):
        raise ValidationError(
            _(
                "PDF-filen har annat innehåll efter filens slut och tas inte emot. Spara "
                "eller skanna blanketten som PDF igen."
            )
        )
    try:
        # No repair: a file qpdf would have to reconstruct is refused.
        with pikepdf.open(io.BytesIO(data), attempt_recovery=False) as pdf:
            if pdf.is_encrypted:
                raise _pdf_encrypted()
            objects = list(pdf.objects)  # parses every object
            active = _pdf_open_action_runs(pdf) or any(_pdf_active(o, 0) for o in objects)
            pages = len(pdf.pages)
    except ValidationError:
        raise
    except pikepdf.PasswordError:
        raise _pdf_encrypted() from None
    except Exception:  # noqa: BLE001 - whatever a hostile file makes qpdf raise is a refusal
        raise _pdf_unreadable() from None
    if pages == 0:
        raise _pdf_unreadable()
    if active:
        raise ValidationError(
            _(
                "PDF-filen innehåller skript, inbäddade filer eller automatiska åtgärder och "
                "tas inte emot. Skriv ut eller skanna blanketten till en vanlig PDF."
            )
        )


def _starts_as_a_pdf(data: bytes) -> bool:
    """The header line, then only blank or comment lines without markup up
    to the first object."""
    first = PDF_FIRST_OBJECT.search(data, 0, 64 * 1024)
    if first is None:
        return False
    header, *rest = re.split(rb"\r\n|\r|\n", data[: first.start()])
    return bool(PDF_HEADER.fullmatch(header)) and all(PDF_COMMENT.fullmatch(line) for line in rest)


def _pdf_encrypted() -> ValidationError:
    return ValidationError(
        _("PDF-filen är krypterad eller lösenordsskyddad. Ladda upp den utan lösenord.")
    )


def _pdf_open_action_runs(pdf: pikepdf.Pdf) -> bool:
    """An /OpenAction that does more than open at a page."""
    action = pdf.Root.get("/OpenAction")
    if action is None or isinstance(action, pikepdf.Array):
        return False  # a destination: which page, at what zoom
    return not (isinstance(action, pikepdf.Dictionary) and action.get("/S") == "/GoTo")


def _pdf_active(obj, depth: int) -> bool:
    """Whether ``obj``, or a dictionary or array written inside it, holds
    active content. Indirect objects inside are checked on their own."""
    if depth > PDF_MAX_DEPTH:
        raise ValueError("nested too deep")  # refused as unreadable
    if isinstance(obj, pikepdf.Stream):
        obj = obj.stream_dict
    if isinstance(obj, pikepdf.Dictionary):
        keys = set(obj.keys())
        if keys & PDF_ACTIVE_KEYS:
            return True
        if str(obj.get("/S", "")) in PDF_ACTIVE_ACTIONS:
            return True
        if any(str(obj.get(k, "")) in PDF_ACTIVE_TYPES for k in ("/Type", "/Subtype")):
            return True
        children = [obj.get(k) for k in keys]
    elif isinstance(obj, pikepdf.Array):
        children = list(obj)
    else:
        return False
    return any(
        _pdf_active(child, depth + 1)
        for child in children
        if isinstance(child, (pikepdf.Dictionary, pikepdf.Array)) and not child.is_indirect
    )


# --- Images -------------------------------------------------------------------


def _image_unreadable() -> ValidationError:
    return ValidationError(
        _("Bilden går inte att läsa, eller är skadad. Ta en ny bild eller skanna blanketten igen.")
    )


def _too_many_pixels() -> ValidationError:
    return ValidationError(
        _(
            "Bilden har för många bildpunkter (högst %(millions)s miljoner). "
            "Minska upplösningen och försök igen."
        )
        % {"millions": MAX_IMAGE_PIXELS // 1_000_000}
    )


# WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process when
# it is imported, and Pillow then pads a cut-short image with grey instead
# of refusing it. The check decodes with it off, one upload at a time.
_strict_decoding = threading.Lock()


@contextmanager
def _truncated_images_refused() -> Iterator[None]:
    with _strict_decoding:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


def _reencode_image(data: bytes, extension: str) -> bytes:
    """The image decoded and encoded again, with nothing else kept."""
    expected = {"jpg": ("JPEG", "MPO"), "png": ("PNG",)}[extension]
    try:
        with (
            _truncated_images_refused(),
            Image.open(io.BytesIO(data), formats=list(expected)) as image,
        ):
            # Only the header is read so far: refuse a bomb before decoding it.
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise _too_many_pixels()
            image.load()
            upright = ImageOps.exif_transpose(image)
            clean = _plain(upright, extension)
            out = io.BytesIO()
            if extension == "jpg":
                clean.save(out, format="JPEG", quality=90)
            else:
                clean.save(out, format="PNG")
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        # Pillow's own guard, at twice the limit, as the header is read.
        raise _too_many_pixels() from None
    except Exception:  # noqa: BLE001 - whatever a hostile file makes Pillow raise is a refusal
        # UnidentifiedImageError, a truncated or corrupt image, struct and
        # zlib errors of a malformed file.
        raise _image_unreadable() from None
    return out.getvalue()


def _plain(image: Image.Image, extension: str) -> Image.Image:
    """A copy of the pixels in a mode the format writes, without the
    source's metadata (Pillow would otherwise write back its comment, ICC
    profile and other ``info``)."""
    if image.mode.startswith("I"):
        # 16-bit grey, scaled to 8 bits (converting it would clip to white).
        image = image.convert("I").point(lambda v: v * (1 / 257))
        mode = "L"
    elif extension == "jpg":
        mode = image.mode if image.mode in ("L", "RGB", "CMYK") else "RGB"
    elif image.mode in ("1", "L", "RGB", "RGBA"):
        mode = image.mode
    elif image.mode == "P" and "transparency" not in image.info:
        mode = "RGB"
    else:
        mode = "RGBA"
    plain = image.convert(mode)
    plain.info = {}
    return plain


def storage_name(extension: str) -> str:
    """A name that says nothing about the person."""
    return f"{uuid.uuid4().hex}.{extension}"
