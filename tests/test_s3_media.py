"""Media in an S3 bucket (MEDIA_STORAGE_URL), against a real S3 API server on 127.0.0.1.

The tests start moto's server (``moto[server]``, requirements-dev.txt) themselves, one for the
module, and give every test a bucket of its own. Where moto is not installed they are skipped
with a message, except under CI=true.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from html import unescape
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from articles import services
from articles.models import Image, Rendition
from articles.tests.admin_helpers import ADMIN_PASSWORD
from articles.tests.factories import ArticleFactory, ImageFactory, UserFactory, image_bytes
from bench.support import free_port
from magazine import services as archive_services
from magazine.models import Edition
from magazine.storage import REFUSED_MESSAGE, storage_from_url
from magazine.tests.factories import CityEditionFactory, EditionFactory, pdf_bytes
from tests.tools import need

pytestmark = pytest.mark.django_db

START_SECONDS = 30


def _moto_server() -> str:
    beside_python = Path(sys.executable).parent / "moto_server"
    if beside_python.exists():
        return str(beside_python)
    return need("moto_server", "pip install -r requirements-dev.txt")


def _wait_for(url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"moto_server stopped at start (exit {process.returncode})")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    pytest.fail(f"moto_server did not answer on {url} within {timeout:.0f} s")


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3 server on a free port of 127.0.0.1, stopped when the module's tests end."""
    program = _moto_server()
    port = free_port()
    process = subprocess.Popen(
        [program, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_for(endpoint + "/", process, START_SECONDS)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _client(endpoint: str):
    import boto3

    return boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def public_read_policy(name: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{name}/*"}
        ],
    }


def _use_bucket(settings, endpoint: str, name: str) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": storage_from_url(f"s3://testing:testing@{name}?endpoint_url={endpoint}&region=us-east-1"),
    }


@pytest.fixture
def bucket(s3_endpoint, settings):
    """A new bucket, made the site's media storage for the test; its client and name."""
    name = f"media-{uuid.uuid4().hex[:12]}"
    client = _client(s3_endpoint)
    client.create_bucket(Bucket=name)
    # What the README asks of the operator: anyone may read the objects (page images are public).
    client.put_bucket_policy(Bucket=name, Policy=json.dumps(public_read_policy(name)))
    _use_bucket(settings, s3_endpoint, name)
    policy = settings.CONTENT_SECURITY_POLICY
    directives = {**policy["DIRECTIVES"], "img-src": [*policy["DIRECTIVES"]["img-src"], s3_endpoint]}
    settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}
    return {"client": client, "name": name, "url": f"{s3_endpoint}/{name}/"}


def keys(bucket) -> set[str]:
    listed = bucket["client"].list_objects_v2(Bucket=bucket["name"])
    return {item["Key"] for item in listed.get("Contents", [])}


def head(bucket, key: str) -> dict:
    return bucket["client"].head_object(Bucket=bucket["name"], Key=key)


def fetch(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers, response.read()


@pytest.fixture
def editor_client(client):
    editor = UserFactory(username="s3-editor", groups=["Editor"], is_superuser=True)
    client.login(username=editor.username, password=ADMIN_PASSWORD)
    return client


def image_post(**fields) -> dict:
    data = {
        "title": "Yu Garden",
        "alt_text": "A pavilion over a pond",
        "caption": "",
        "credit": "",
        "file": SimpleUploadedFile("photo.jpg", image_bytes(1000, 500), content_type="image/jpeg"),
        "renditions-TOTAL_FORMS": "0",
        "renditions-INITIAL_FORMS": "0",
    }
    data.update(fields)
    return data


def edition_post(city, **fields) -> dict:
    data = {
        "city": str(city.pk),
        "issue_month": "2026-10-15",
        "title": "The Food Issue",
        "cover": SimpleUploadedFile("cover.jpg", image_bytes(600, 800), content_type="image/jpeg"),
        "pdf": SimpleUploadedFile("issue.html", pdf_bytes(4), content_type="text/html"),
        "page_count": "",
        "published": "on",
    }
    data.update(fields)
    return data


def test_image_uploaded_in_the_admin_and_its_renditions_land_in_the_bucket(
    bucket, editor_client, settings, django_capture_on_commit_callbacks
):
    settings.IMAGE_RENDITION_WIDTHS = (400, 800)
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(reverse("admin:articles_image_add"), image_post())

    assert response.status_code == 302
    image = Image.objects.get()
    assert (image.width, image.height) == (1000, 500)
    renditions = list(image.renditions.all())
    assert sorted((r.format, r.width) for r in renditions) == [
        ("jpeg", 400), ("jpeg", 800), ("webp", 400), ("webp", 800)
    ]
    assert keys(bucket) == {image.file.name, *(r.file.name for r in renditions)}
    assert head(bucket, image.file.name)["ContentType"] == "image/jpeg"
    webp = next(r for r in renditions if r.format == "webp")
    assert head(bucket, webp.file.name)["ContentType"] == "image/webp"
    assert "ContentDisposition" not in head(bucket, webp.file.name)
    # Nothing was written to the disk.
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.*"))


def test_article_page_images_point_at_the_bucket_and_load_from_it(
    bucket, client, settings, django_capture_on_commit_callbacks
):
    settings.IMAGE_RENDITION_WIDTHS = (400, 800)
    image = ImageFactory.build(file=ContentFile(image_bytes(1000, 500), name="hero.jpg"))
    with django_capture_on_commit_callbacks(execute=True):
        services.image_save(image=image)
    article = ArticleFactory(hero_image=image)

    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    urls = set()
    for attribute in re.findall(r'\s(?:src|srcset)="([^"]+)"', html):
        urls.update(part.strip().split(" ")[0] for part in unescape(attribute).split(","))
    hero_urls = {url for url in urls if "renditions/" in url}
    assert len(hero_urls) == 4, urls
    assert all(url.startswith(bucket["url"]) for url in hero_urls), hero_urls
    assert bucket["url"].rstrip("/").rsplit("/", 1)[0] in response["Content-Security-Policy"]
    for url in hero_urls:
        status, headers, body = fetch(url)
        assert status == 200
        assert headers["Content-Type"] in {"image/jpeg", "image/webp"}
        assert body[:4] in {b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xdb", b"RIFF"} or body[:3] == b"\xff\xd8\xff"


def test_pdf_download_is_counted_and_redirected_to_a_signed_attachment_link(bucket, client, settings):
    settings.SITE_NAME = "City Magazine"
    shanghai = CityEditionFactory(name="Shanghai", slug="shanghai")
    edition = EditionFactory(city=shanghai, issue_month=datetime.date(2026, 10, 1))
    assert edition.pdf.name in keys(bucket)
    stored = head(bucket, edition.pdf.name)
    assert stored["ContentType"] == "application/pdf"
    assert stored["ContentDisposition"].startswith("attachment;")

    response = client.get(edition.get_download_url())

    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    link = response["Location"]
    assert link.startswith(bucket["url"]) and "Signature=" in link
    status, headers, body = fetch(link)
    assert status == 200
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"] == 'attachment; filename="city-magazine-shanghai-2026-10.pdf"'
    assert body.startswith(b"%PDF-")

    client.get(edition.get_download_url())
    edition.refresh_from_db()
    assert edition.download_count == 2


def test_edition_uploaded_in_the_admin_lands_in_the_bucket_named_by_content(
    bucket, editor_client, django_capture_on_commit_callbacks
):
    city = CityEditionFactory(name="Beijing", slug="beijing")
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(reverse("admin:magazine_edition_add"), edition_post(city))

    assert response.status_code == 302
    edition = Edition.objects.get()
    assert edition.pdf.name.endswith(".pdf") and edition.cover.name.endswith(".jpg")
    assert {edition.pdf.name, edition.cover.name} <= keys(bucket)
    assert edition.page_count == 4


def test_deleting_an_image_or_an_edition_removes_its_objects(bucket, editor_client, django_capture_on_commit_callbacks):
    image = ImageFactory.build(file=ContentFile(image_bytes(900, 600), name="gone.jpg"))
    with django_capture_on_commit_callbacks(execute=True):
        services.image_save(image=image)
    edition = EditionFactory()
    assert len(keys(bucket)) > 3

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(reverse("admin:articles_image_delete", args=[image.pk]), {"post": "yes"})
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(reverse("admin:magazine_edition_delete", args=[edition.pk]), {"post": "yes"})
    assert response.status_code == 302

    assert not Image.objects.exists() and not Rendition.objects.exists() and not Edition.objects.exists()
    assert keys(bucket) == set()


def test_copy_command_copies_disk_media_once_and_resumes(bucket, settings):
    root = Path(settings.MEDIA_ROOT)
    files = {
        "images/2026/10/photo.jpg": image_bytes(300, 200),
        "renditions/2026/10/1-400.webp": b"RIFF....WEBP",
        "editions/pdf/2026/issue.pdf": pdf_bytes(2),
    }
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(content)
    # A run interrupted after one file: that object is already whole in the bucket.
    bucket["client"].put_object(Bucket=bucket["name"], Key="images/2026/10/photo.jpg", Body=files["images/2026/10/photo.jpg"])

    first = _run_copy()
    second = _run_copy()

    assert "copied 2 files" in first and "skipped 1 already in the bucket, failed 0" in first
    assert "copied 0 files (0 bytes), skipped 3" in second
    assert keys(bucket) == set(files)
    assert head(bucket, "editions/pdf/2026/issue.pdf")["ContentType"] == "application/pdf"
    status, _, body = fetch(bucket["url"] + "editions/pdf/2026/issue.pdf")
    assert status == 200 and body == files["editions/pdf/2026/issue.pdf"]

    (root / "editions/pdf/2026/issue.pdf").write_bytes(pdf_bytes(5))  # changed on disk: copied again
    assert "copied 1 files" in _run_copy()


def test_copy_command_refuses_to_run_without_a_bucket(settings):
    with pytest.raises(CommandError, match="set MEDIA_STORAGE_URL"):
        call_command("copy_media_to_bucket")


def _run_copy() -> str:
    from io import StringIO

    out = StringIO()
    call_command("copy_media_to_bucket", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_a_bucket_that_refuses_the_upload_gives_the_editor_a_message_and_keeps_the_form(
    s3_endpoint, editor_client, settings
):
    _use_bucket(settings, s3_endpoint, f"no-such-bucket-{uuid.uuid4().hex[:8]}")

    response = editor_client.post(reverse("admin:articles_image_add"), image_post(title="Typed title stays"))

    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert REFUSED_MESSAGE in html
    assert 'value="Typed title stays"' in html and "A pavilion over a pond" in html
    assert not Image.objects.exists()


def test_a_storage_server_that_is_down_gives_the_edition_form_a_message_quickly(editor_client, settings):
    _use_bucket(settings, f"http://127.0.0.1:{free_port()}", "media")  # nothing listens there
    city = CityEditionFactory()

    started = time.monotonic()
    response = editor_client.post(reverse("admin:magazine_edition_add"), edition_post(city, title="Kept title"))

    assert time.monotonic() - started < 15
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert REFUSED_MESSAGE in html and 'value="Kept title"' in html
    assert not Edition.objects.exists()


def test_body_editor_upload_refused_by_the_bucket_is_a_400_with_the_message(s3_endpoint, editor_client, settings):
    _use_bucket(settings, s3_endpoint, f"no-such-bucket-{uuid.uuid4().hex[:8]}")
    data = image_post()
    data.pop("renditions-TOTAL_FORMS")
    data.pop("renditions-INITIAL_FORMS")

    response = editor_client.post(reverse("articles:image_upload"), data)

    assert response.status_code == 400
    assert response.json()["errors"]["file"] == [REFUSED_MESSAGE]


def test_edition_delete_service_survives_a_bucket_that_is_gone(bucket, settings, django_capture_on_commit_callbacks):
    edition = EditionFactory()
    bucket["client"].delete_object(Bucket=bucket["name"], Key=edition.pdf.name)
    with django_capture_on_commit_callbacks(execute=True):
        assert archive_services.edition_delete(editions=[edition]) == 1
    assert not Edition.objects.exists()


# --- In chromium: what a reader and an editor see.

SCREENSHOTS = os.environ.get("S3_SCREENSHOTS", "")
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


def shot(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / name), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_phone_reader_sees_the_hero_picture_loaded_from_the_bucket(bucket, live_server, browser_page, settings):
    settings.IMAGE_RENDITION_WIDTHS = (400, 800)
    image = ImageFactory.build(file=ContentFile(image_bytes(1200, 700, color=(30, 120, 170)), name="hero.jpg"))
    services.image_save(image=image)  # outside a test transaction: the renditions are made at once
    article = ArticleFactory(hero_image=image)
    page = browser_page(width=390)
    page.add_init_script(CSP_LISTENER)

    page.goto(live_server.url + article.get_absolute_url())

    hero = page.locator("img[src*='/renditions/']").first
    hero.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=hero.element_handle())
    assert hero.evaluate("img => img.currentSrc").startswith(bucket["url"])
    assert page.evaluate("window.__cspViolations") == []
    shot(page, "article-390.png")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_editor_sees_the_refused_upload_message_with_the_typed_text_kept(
    s3_endpoint, live_server, browser_page, settings
):
    _use_bucket(settings, s3_endpoint, f"no-such-bucket-{uuid.uuid4().hex[:8]}")
    UserFactory(username="s3-browser-editor", groups=["Editor"])
    page = browser_page(width=1280)
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", "s3-browser-editor")
    page.fill("#id_password", ADMIN_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + reverse("admin:index"))

    page.goto(live_server.url + reverse("admin:articles_image_add"))
    page.fill("#id_title", "Bund at night")
    page.fill("#id_alt_text", "The Bund's lights over the river")
    page.set_input_files(
        "#id_file", files=[{"name": "bund.jpg", "mimeType": "image/jpeg", "buffer": image_bytes(800, 600)}]
    )
    page.click("input[name=_save]")

    page.wait_for_selector(".errorlist")
    assert REFUSED_MESSAGE in page.inner_text(".field-file")
    assert page.input_value("#id_title") == "Bund at night"
    assert page.input_value("#id_alt_text") == "The Bund's lights over the river"
    shot(page, "admin-refused-1280.png")
    assert not Image.objects.exists()
