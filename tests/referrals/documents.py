"""Valid consent forms for the tests, made in the test run: a PDF that
pikepdf writes (one blank A4 page), a PNG and a JPEG that Pillow writes."""

from __future__ import annotations

import io
from collections.abc import Callable

import pikepdf
from PIL import Image


def pdf_bytes(change: Callable[[pikepdf.Pdf], None] | None = None, **save) -> bytes:
    """One blank A4 page; ``change`` edits the PDF before it is saved,
    ``save`` goes to ``Pdf.save`` (e.g. ``encryption``)."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    if change is not None:
        change(pdf)
    out = io.BytesIO()
    pdf.save(out, **save)
    return out.getvalue()


def image(size=(60, 40)) -> Image.Image:
    """A picture with some content: a colour gradient."""
    picture = Image.new("RGB", size)
    width, height = size
    picture.putdata([(x * 4 % 256, y * 6 % 256, 120) for y in range(height) for x in range(width)])
    return picture


def png_bytes(picture: Image.Image | None = None, **save) -> bytes:
    out = io.BytesIO()
    (picture or image()).save(out, format="PNG", **save)
    return out.getvalue()


def jpeg_bytes(picture: Image.Image | None = None, **save) -> bytes:
    out = io.BytesIO()
    (picture or image()).save(out, format="JPEG", quality=95, **save)
    return out.getvalue()
