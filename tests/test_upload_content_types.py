"""Uploads are judged by their content, not their name: an accepted image under another image
extension is fine, but a PDF named .jpg, a JPEG named .pdf, SVG in any disguise and
decompression bombs are refused, through the validators and through the admin. What is
accepted is stored under the extension of its checked type, and media URLs serve images
inline and everything else as a download, with a fixed Content-Type and nosniff."""

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage

from articles.models import Author, Image
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


# --- Stored names follow the checked content, and media URLs serve each file as what it is.

def _served(client, url):
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    response.close()
    return response, body


POLYGLOT_PDF = pdf_bytes(2) + b"<html><body><script>alert(document.cookie)</script></body></html>\n"


@pytest.mark.parametrize("name", ["x.html", "issue.html.pdf", "issue.svg", "Issue 10 (final)", "x.PDF"])
def test_admin_stores_an_edition_pdf_under_pdf_whatever_its_uploaded_name(
    archive_admin, django_capture_on_commit_callbacks, name
):
    city = CityEditionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = archive_admin.post(
            reverse("admin:magazine_edition_add"), _edition_post(city, pdf=_file(name, POLYGLOT_PDF, "text/html"))
        )
    assert response.status_code == 302
    stored = Edition.objects.get().pdf.name
    assert stored.startswith("editions/pdf/")
    assert stored.endswith(".pdf")
    assert stored.count(".") == 1, stored  # no second extension (x.html.pdf) for servers that honour it


def test_an_edition_pdf_uploaded_as_html_is_served_as_a_pdf_download_not_a_page(
    archive_admin, django_capture_on_commit_callbacks
):
    city = CityEditionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        archive_admin.post(
            reverse("admin:magazine_edition_add"), _edition_post(city, pdf=_file("x.html", POLYGLOT_PDF, "text/html"))
        )
    edition = Edition.objects.get()
    assert edition.pdf.name.endswith("/x.pdf")

    response, body = _served(archive_admin, edition.pdf.url)

    assert response.status_code == 200
    assert body == POLYGLOT_PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="x.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "fmt", "extension", "content_type"),
    [
        ("cover.html", "PNG", "png", "image/png"),
        ("cover.jpg", "PNG", "png", "image/png"),
        ("cover.pdf", "JPEG", "jpg", "image/jpeg"),
        ("cover.ps", "GIF", "gif", "image/gif"),
        ("cover", "WEBP", "webp", "image/webp"),
    ],
)
def test_admin_stores_a_cover_under_the_extension_of_its_format_and_serves_it_inline(
    archive_admin, django_capture_on_commit_callbacks, name, fmt, extension, content_type
):
    city = CityEditionFactory()
    content = image_bytes(300, 400, fmt=fmt)
    with django_capture_on_commit_callbacks(execute=True):
        response = archive_admin.post(
            reverse("admin:magazine_edition_add"), _edition_post(city, cover=_file(name, content, "text/html"))
        )
    assert response.status_code == 302
    edition = Edition.objects.get()
    assert edition.cover.name.startswith("editions/covers/")
    assert edition.cover.name.endswith(f"/cover.{extension}")

    served, body = _served(archive_admin, edition.cover.url)

    assert served.status_code == 200
    assert body == content
    assert served["Content-Type"] == content_type
    assert "attachment" not in served.get("Content-Disposition", "")
    assert served["X-Content-Type-Options"] == "nosniff"


def test_pdf_saved_from_code_is_named_after_its_content_too():
    edition = Edition(title="From a script")
    edition.pdf.save("notes.html", ContentFile(pdf_bytes()), save=False)
    edition.cover.save("cover.pdf", ContentFile(image_bytes(30, 40, fmt="PNG")), save=False)
    assert edition.pdf.name.endswith("/notes.pdf")
    assert edition.cover.name.endswith("/cover.png")


def test_admin_stores_an_article_image_under_the_extension_of_its_format(
    archive_admin, django_capture_on_commit_callbacks
):
    content = image_bytes(640, 480, fmt="PNG")
    with django_capture_on_commit_callbacks(execute=True):
        response = archive_admin.post(
            reverse("admin:articles_image_add"),
            {
                "title": "Bund at night",
                "alt_text": "The Bund lit up after dark",
                "file": _file("bund.html", content, "text/html"),
                "renditions-TOTAL_FORMS": "0",
                "renditions-INITIAL_FORMS": "0",
            },
        )
    assert response.status_code == 302
    image = Image.objects.get()
    assert image.file.name.startswith("images/")
    assert image.file.name.endswith("/bund.png")
    served, body = _served(archive_admin, image.file.url)
    assert (served["Content-Type"], body) == ("image/png", content)


def test_admin_stores_an_author_photo_under_the_extension_of_its_format(archive_admin):
    response = archive_admin.post(
        reverse("admin:articles_author_add"),
        {"name": "Chen Jie", "slug": "chen-jie", "bio": "", "photo": _file("me.pdf", image_bytes(90, 90, fmt="GIF"))},
    )
    assert response.status_code == 302
    assert Author.objects.get().photo.name.endswith("/me.gif")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("old.html", b"<html><script>alert(1)</script></html>"),
        ("logo.svg", SVG),
        ("notes.txt", b"plain text"),
        ("page.htm", b"<script>alert(1)</script>"),
        ("noextension", b"<script>alert(1)</script>"),
    ],
)
def test_media_files_of_other_types_are_served_as_downloads_of_bytes(client, db, settings, name, content):
    # Files stored before names followed the content, or put there by hand.
    folder = Path(settings.MEDIA_ROOT) / "editions" / "pdf" / "2025"
    folder.mkdir(parents=True)
    (folder / name).write_bytes(content)

    response, body = _served(client, f"/media/editions/pdf/2025/{name}")

    assert response.status_code == 200
    assert body == content
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_missing_media_file_is_a_404(client, db):
    assert client.get("/media/editions/pdf/2025/none.pdf").status_code == 404
