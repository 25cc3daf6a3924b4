"""Image uploads: what is refused, with which message, through the admin as staff use it."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from PIL import Image as PILImage

from articles.models import Author, Image
from articles.tests.admin_helpers import ADMIN_PASSWORD
from articles.tests.factories import UserFactory, image_bytes
from magazine.validators import validate_image_file

pytestmark = pytest.mark.django_db

SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'


def png_claiming_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height``: a decompression bomb's calling card."""
    buffer = io.BytesIO()
    PILImage.new("L", (1, 1)).save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    # IHDR data starts at byte 16 (8 signature + 4 length + 4 type): width, height, then the rest.
    data[16:24] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF
    data[29:33] = struct.pack(">I", crc)
    return bytes(data)


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def editor_client(client):
    editor = UserFactory(username="image-editor", groups=["Editor"])
    client.login(username=editor.username, password=ADMIN_PASSWORD)
    return client


def post_image(client, file, **fields):
    data = {"title": "Bund at night", "alt_text": "The Bund lit up after dark", "caption": "", "credit": "", "file": file}
    data.update(fields)
    data.update({"renditions-TOTAL_FORMS": "0", "renditions-INITIAL_FORMS": "0"})
    return client.post(reverse("admin:articles_image_add"), data)


BAD_UPLOADS = {
    "text file named .jpg": (
        lambda: upload("photo.jpg", b"Meeting notes, not a photograph at all.\n" * 10),
        "is not an image we can read",
    ),
    "svg": (lambda: upload("logo.svg", SVG, "image/svg+xml"), "SVG files are not accepted"),
    "svg disguised as png": (lambda: upload("logo.png", SVG, "image/png"), "SVG files are not accepted"),
    "truncated jpeg": (
        lambda: upload("cut.jpg", image_bytes(800, 600)[:3000]),
        "is damaged or incomplete",
    ),
    "decompression bomb": (
        lambda: upload("bomb.png", png_claiming_size(30_000, 30_000), "image/png"),
        "too many pixels to be processed safely",
    ),
    "bmp": (lambda: upload("old.bmp", image_bytes(50, 50, fmt="BMP"), "image/bmp"), "BMP files are not accepted"),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_admin_refuses_bad_upload_with_clear_message_and_keeps_typed_values(editor_client, case):
    make_file, message = BAD_UPLOADS[case]

    response = post_image(editor_client, make_file(), title="My typed title", credit="Typed credit")

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'value="My typed title"' in html
    assert 'value="Typed credit"' in html
    assert not Image.objects.exists()


@override_settings(IMAGE_MAX_PIXELS=100 * 100)
def test_admin_refuses_image_above_pixel_limit_naming_both_sizes(editor_client):
    response = post_image(editor_client, upload("wide.jpg", image_bytes(200, 150)), title="Too many pixels")

    assert response.status_code == 200
    html = response.content.decode()
    assert "This image is 200 × 150 pixels (30,000 pixels); images may have at most 10,000 pixels." in html
    assert 'value="Too many pixels"' in html
    assert not Image.objects.exists()


@override_settings(IMAGE_MAX_BYTES=2000)
def test_admin_refuses_file_above_byte_limit_before_reading_it(editor_client):
    content = image_bytes(400, 300)
    assert len(content) > 2000

    response = post_image(editor_client, upload("big.jpg", content), title="Too heavy")

    assert response.status_code == 200
    html = response.content.decode()
    assert "images may be at most 2.0\xa0KB" in html or "images may be at most 2.0 KB" in html
    assert 'value="Too heavy"' in html
    assert not Image.objects.exists()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_admin_accepts_each_supported_format(editor_client, fmt, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_image(
            editor_client, upload(f"ok.{fmt.lower()}", image_bytes(640, 480, fmt=fmt), f"image/{fmt.lower()}")
        )

    assert response.status_code == 302
    image = Image.objects.get()
    assert (image.width, image.height) == (640, 480)


def test_author_photo_upload_is_checked_the_same_way(client):
    editor = UserFactory(username="author-editor", groups=["Editor"])
    client.login(username=editor.username, password=ADMIN_PASSWORD)

    response = client.post(
        reverse("admin:articles_author_add"),
        {"name": "Chen Jie", "slug": "chen-jie", "bio": "Food writer.", "photo": upload("me.svg", SVG, "image/svg+xml")},
    )

    assert response.status_code == 200
    assert "SVG files are not accepted" in response.content.decode()
    assert 'value="Chen Jie"' in response.content.decode()
    assert not Author.objects.exists()


def test_validator_passes_a_good_jpeg_and_leaves_the_file_position_alone():
    file = upload("good.jpg", image_bytes(300, 200))
    file.seek(10)

    validate_image_file(file)

    assert file.tell() == 10


def test_validator_skips_files_already_stored():
    from articles.tests.factories import ImageFactory

    image = ImageFactory()
    stored = Image.objects.get(pk=image.pk).file

    validate_image_file(stored)  # no error, and no need to reopen the stored file


@override_settings(IMAGE_MAX_PIXELS=1000)
def test_validator_error_code_names_the_problem():
    with pytest.raises(ValidationError) as caught:
        validate_image_file(upload("a.jpg", image_bytes(100, 100)))

    assert caught.value.code == "image_too_many_pixels"
