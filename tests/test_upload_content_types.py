"""Uploads are judged by their content, not their name: an accepted image under another image
extension is fine, but a PDF named .jpg, a JPEG named .pdf, SVG in any disguise and
decompression bombs are refused, through the validators and through the admin."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage

from articles.tests.factories import UserFactory, image_bytes
from magazine.models import Edition
from magazine.tests.factories import CityEditionFactory, pdf_bytes
from magazine.validators import validate_image_file, validate_pdf_file

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'


def _file(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def _jpeg_with_comment(comment: bytes) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 48), (10, 120, 200)).save(buffer, format="JPEG", comment=comment)
    return buffer.getvalue()


def _png_claiming_size(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("L", (1, 1)).save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF)
    return bytes(data)


# --- Images.

@pytest.mark.parametrize(
    ("name", "fmt"),
    [("photo.jpg", "PNG"), ("photo.png", "JPEG"), ("photo.gif", "WEBP"), ("photo.webp", "GIF")],
)
def test_an_accepted_image_under_another_image_extension_is_accepted(name, fmt):
    validate_image_file(_file(name, image_bytes(40, 30, fmt=fmt), "image/jpeg"))


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("issue.jpg", pdf_bytes(), "image_invalid"),
        ("cover.png", pdf_bytes(), "image_invalid"),
        ("cover.jpg", b"<html><body><script>alert(1)</script></body></html>", "image_invalid"),
        ("cover.jpg", SVG, "image_svg"),
        ("cover.png", b"\xef\xbb\xbf  \n" + SVG, "image_svg"),
        ("cover.gif", b'<?xml version="1.0"?>' + SVG, "image_svg"),
        ("cover.svgz", b"\x1f\x8b\x08\x00gzipped svg", "image_svg"),
        ("cover.jpg", image_bytes(40, 30, fmt="BMP"), "image_format"),
        ("cover.jpg", image_bytes(40, 30, fmt="TIFF"), "image_format"),
        ("bomb.png", _png_claiming_size(40_000, 40_000), "image_too_many_pixels"),
        ("cut.jpg", image_bytes(400, 300)[:1500], "image_damaged"),
        ("empty.jpg", b"", "image_invalid"),
    ],
)
def test_files_that_are_not_an_accepted_image_are_refused_whatever_their_name(name, content, code):
    with pytest.raises(ValidationError) as refused:
        validate_image_file(_file(name, content, "image/jpeg"))
    assert refused.value.code == code


def test_pixel_bomb_below_pillows_own_threshold_is_refused_by_the_site_limit(settings):
    settings.IMAGE_MAX_PIXELS = 1_000_000
    # 5,000 × 5,000 stated in the header of a file of a few dozen bytes: refused from the header.
    with pytest.raises(ValidationError) as refused:
        validate_image_file(_file("small.png", _png_claiming_size(5_000, 5_000), "image/png"))
    assert refused.value.code == "image_too_many_pixels"
    assert "5000 × 5000 pixels" in refused.value.message % refused.value.params


# --- PDFs.

def test_a_real_pdf_is_accepted_under_any_name():
    validate_pdf_file(_file("issue.pdf", pdf_bytes(), "application/pdf"))
    validate_pdf_file(_file("issue.PDF", pdf_bytes(), "application/octet-stream"))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("issue.pdf", image_bytes(60, 40)),  # a JPEG named .pdf
        ("issue.pdf", image_bytes(60, 40, fmt="PNG")),
        ("issue.pdf", SVG),
        ("issue.pdf", b"<html><body>%PDF-1.4</body></html>"),
        ("issue.pdf", b""),
        # A JPEG carrying the PDF signature in a comment near its start is still a JPEG.
        ("issue.pdf", _jpeg_with_comment(b"%PDF-1.4 not really")),
    ],
    ids=["jpeg", "png", "svg", "html-mentioning-pdf", "empty", "jpeg-with-pdf-comment"],
)
def test_files_that_are_not_a_pdf_are_refused_whatever_their_name(name, content):
    with pytest.raises(ValidationError) as refused:
        validate_pdf_file(_file(name, content, "application/pdf"))
    assert refused.value.code == "pdf_invalid"


# --- Through the admin, as staff upload them.

@pytest.fixture
def archive_admin(client, db):
    root = UserFactory(username="upload-admin", is_superuser=True)
    client.force_login(root)
    return client


def _edition_post(city, **files):
    data = {
        "city": str(city.pk),
        "issue_month": "2026-10-15",
        "title": "The typed title",
        "cover": _file("cover.jpg", image_bytes(300, 400), "image/jpeg"),
        "pdf": _file("issue.pdf", pdf_bytes(2), "application/pdf"),
        "page_count": "",
        "published": "on",
    }
    data.update(files)
    return data


def test_admin_accepts_a_png_cover_named_jpg(archive_admin, django_capture_on_commit_callbacks):
    city = CityEditionFactory()
    cover = _file("cover.jpg", image_bytes(300, 400, fmt="PNG"), "image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        response = archive_admin.post(reverse("admin:magazine_edition_add"), _edition_post(city, cover=cover))
    assert response.status_code == 302
    assert Edition.objects.count() == 1


def test_admin_refuses_a_pdf_named_jpg_and_a_jpeg_named_pdf_keeping_the_title(archive_admin):
    city = CityEditionFactory()
    response = archive_admin.post(
        reverse("admin:magazine_edition_add"),
        _edition_post(
            city,
            cover=_file("cover.jpg", pdf_bytes(), "image/jpeg"),
            pdf=_file("issue.pdf", image_bytes(300, 400), "application/pdf"),
        ),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "is not an image we can read" in html
    assert "is not a PDF, whatever its name says" in html
    assert 'value="The typed title"' in html
    assert not Edition.objects.exists()
