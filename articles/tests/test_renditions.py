"""Renditions: made by the make_renditions task after an upload, once, the right way up."""

import io
import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from PIL import Image as PILImage

from articles import services
from articles.models import Image, Rendition
from articles.renditions import create_renditions
from articles.tasks import make_renditions
from articles.tests.admin_helpers import ADMIN_PASSWORD
from articles.tests.factories import ImageFactory, UserFactory, image_bytes

pytestmark = pytest.mark.django_db

WIDTHS = (400, 800, 1200)


@pytest.fixture
def editor_client(client):
    editor = UserFactory(username="rendition-editor", groups=["Editor"])
    client.login(username=editor.username, password=ADMIN_PASSWORD)
    return client


def admin_upload(client, content: bytes, name: str = "photo.jpg", image: Image | None = None):
    data = {
        "title": "Yu Garden",
        "alt_text": "A pavilion over a pond",
        "caption": "",
        "credit": "",
        "file": SimpleUploadedFile(name, content, content_type="image/jpeg"),
        "renditions-TOTAL_FORMS": "0",
        "renditions-INITIAL_FORMS": "0",
    }
    if image is not None:
        existing = list(image.renditions.all())
        data["renditions-TOTAL_FORMS"] = data["renditions-INITIAL_FORMS"] = str(len(existing))
        for index, rendition in enumerate(existing):
            data[f"renditions-{index}-id"] = str(rendition.pk)
            data[f"renditions-{index}-image"] = str(image.pk)
        url = reverse("admin:articles_image_change", args=[image.pk])
    else:
        url = reverse("admin:articles_image_add")
    return client.post(url, data)


def opened(rendition: Rendition) -> PILImage.Image:
    with rendition.file.open("rb") as handle:
        picture = PILImage.open(handle)
        picture.load()
    return picture


def summary(image: Image) -> list[tuple[str, int, int]]:
    return sorted((r.format, r.width, r.height) for r in image.renditions.all())


@override_settings(IMAGE_RENDITION_WIDTHS=WIDTHS)
def test_admin_upload_makes_webp_and_jpeg_at_each_width_no_wider_than_original(
    editor_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_upload(editor_client, image_bytes(1000, 500))

    assert response.status_code == 302
    image = Image.objects.get()
    assert summary(image) == [
        ("jpeg", 400, 200), ("jpeg", 800, 400), ("webp", 400, 200), ("webp", 800, 400),
    ]
    for rendition in image.renditions.all():
        picture = opened(rendition)
        assert picture.format == {"jpeg": "JPEG", "webp": "WEBP"}[rendition.format]
        assert picture.size == (rendition.width, rendition.height)


@override_settings(IMAGE_RENDITION_WIDTHS=WIDTHS)
def test_image_narrower_than_every_width_gets_one_rendition_at_its_own_width(django_capture_on_commit_callbacks):
    image = ImageFactory.build(file=ContentFile(image_bytes(300, 200), name="small.jpg"))
    with django_capture_on_commit_callbacks(execute=True):
        services.image_save(image=image)

    assert summary(image) == [("jpeg", 300, 200), ("webp", 300, 200)]


@override_settings(IMAGE_RENDITION_WIDTHS=WIDTHS)
def test_running_the_task_twice_creates_nothing_new(django_capture_on_commit_callbacks):
    image = ImageFactory.build(file=ContentFile(image_bytes(1600, 900), name="twice.jpg"))
    with django_capture_on_commit_callbacks(execute=True):
        services.image_save(image=image)
    first = {r.pk: r.file.name for r in image.renditions.all()}
    assert len(first) == 6

    make_renditions.enqueue(image.pk)
    make_renditions.enqueue(image.pk)

    assert {r.pk: r.file.name for r in image.renditions.all()} == first


@override_settings(IMAGE_RENDITION_WIDTHS=WIDTHS)
def test_a_half_finished_set_is_completed_without_duplicates(django_capture_on_commit_callbacks):
    image = ImageFactory.build(file=ContentFile(image_bytes(1600, 900), name="half.jpg"))
    with django_capture_on_commit_callbacks(execute=True):
        services.image_save(image=image)
    image.renditions.filter(width=1200).delete()

    create_renditions(image)

    assert len(summary(image)) == 6
    assert Rendition.objects.filter(image=image, width=1200).count() == 2


@override_settings(IMAGE_RENDITION_WIDTHS=WIDTHS)
def test_replacing_the_file_in_the_admin_regenerates_the_renditions(editor_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        admin_upload(editor_client, image_bytes(1600, 900, color=(200, 0, 0)), name="red.jpg")
    image = Image.objects.get()
    rendition_folder = os.path.dirname(image.renditions.first().file.path)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_upload(editor_client, image_bytes(900, 900, color=(0, 0, 200)), name="blue.jpg", image=image)

    assert response.status_code == 302
    image.refresh_from_db()
    assert (image.width, image.height) == (900, 900)
    assert summary(image) == [("jpeg", 400, 400), ("jpeg", 800, 800), ("webp", 400, 400), ("webp", 800, 800)]
    red, green, blue = opened(image.renditions.get(format="jpeg", width=400)).getpixel((200, 200))
    assert blue > 150 and red < 60
    # The old files are gone from disk: only the four new renditions remain.
    assert len(os.listdir(rendition_folder)) == 4


@override_settings(IMAGE_RENDITION_WIDTHS=WIDTHS)
def test_saving_without_a_new_file_keeps_the_renditions(editor_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        admin_upload(editor_client, image_bytes(900, 600))
    image = Image.objects.get()
    before = sorted(image.renditions.values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            reverse("admin:articles_image_change", args=[image.pk]),
            {
                "title": "New title", "alt_text": "Same picture", "caption": "", "credit": "",
                "renditions-TOTAL_FORMS": "0", "renditions-INITIAL_FORMS": "0",
            },
        )

    assert response.status_code == 302
    assert sorted(image.renditions.values_list("pk", flat=True)) == before


def jpeg_with_exif_orientation(width: int, height: int, orientation: int) -> bytes:
    picture = PILImage.new("RGB", (width, height), (10, 120, 10))
    # A red band along the top as stored; after a 90° turn it must be down one side.
    picture.paste((230, 20, 20), (0, 0, width, height // 5))
    exif = PILImage.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", exif=exif.tobytes(), quality=95)
    return buffer.getvalue()


@override_settings(IMAGE_RENDITION_WIDTHS=WIDTHS)
def test_exif_rotated_photo_is_rendered_upright_and_its_size_corrected(django_capture_on_commit_callbacks):
    # Stored 1200 × 800 landscape, but the camera says "rotate 90° clockwise": readers see 800 × 1200.
    image = ImageFactory.build(file=ContentFile(jpeg_with_exif_orientation(1200, 800, 6), name="phone.jpg"))
    with django_capture_on_commit_callbacks(execute=True):
        services.image_save(image=image)

    image.refresh_from_db()
    assert (image.width, image.height) == (800, 1200)
    assert summary(image) == [("jpeg", 400, 600), ("jpeg", 800, 1200), ("webp", 400, 600), ("webp", 800, 1200)]
    upright = opened(image.renditions.get(format="jpeg", width=400))
    right_edge = upright.getpixel((390, 300))
    left_edge = upright.getpixel((10, 300))
    assert right_edge[0] > 180 and right_edge[1] < 90  # the red band is now on the right
    assert left_edge[1] > 80 and left_edge[0] < 80


@override_settings(IMAGE_RENDITION_WIDTHS=WIDTHS)
def test_transparent_png_is_flattened_on_white(django_capture_on_commit_callbacks):
    picture = PILImage.new("RGBA", (500, 500), (0, 0, 0, 0))
    picture.paste((0, 0, 255, 255), (200, 200, 300, 300))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    image = ImageFactory.build(file=ContentFile(buffer.getvalue(), name="logo.png"))
    with django_capture_on_commit_callbacks(execute=True):
        services.image_save(image=image)

    assert summary(image) == [("jpeg", 400, 400), ("webp", 400, 400)]
    jpeg = opened(image.renditions.get(format="jpeg"))
    assert jpeg.mode == "RGB"
    corner = jpeg.getpixel((5, 5))
    assert min(corner) > 240  # transparent became white, not black
    middle = jpeg.getpixel((200, 200))
    assert middle[2] > 200 and middle[0] < 60


@override_settings(IMAGE_RENDITION_WIDTHS=WIDTHS)
def test_palette_gif_with_transparency_works(django_capture_on_commit_callbacks):
    picture = PILImage.new("P", (450, 300), 0)
    picture.putpalette([255, 0, 255, 20, 160, 20] + [0, 0, 0] * 254)
    picture.paste(1, (0, 150, 450, 300))
    buffer = io.BytesIO()
    picture.save(buffer, format="GIF", transparency=0)
    image = ImageFactory.build(file=ContentFile(buffer.getvalue(), name="anim.gif"))
    with django_capture_on_commit_callbacks(execute=True):
        services.image_save(image=image)

    assert summary(image) == [("jpeg", 400, 267), ("webp", 400, 267)]
    jpeg = opened(image.renditions.get(format="jpeg"))
    assert min(jpeg.getpixel((200, 20))) > 240  # transparent top half is white
    bottom = jpeg.getpixel((200, 250))
    assert bottom[1] > 120 and bottom[0] < 80


def test_task_for_a_deleted_image_does_nothing():
    image = ImageFactory()
    pk = image.pk
    image.delete()

    result = make_renditions.enqueue(pk)

    assert result.return_value == 0
    assert not Rendition.objects.filter(image_id=pk).exists()
