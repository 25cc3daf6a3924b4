"""The print archive and site settings in the admin."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from articles.tests.factories import UserFactory, image_bytes
from magazine.models import Edition
from magazine.tests.factories import CityEditionFactory, EditionFactory, pdf_bytes

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


@pytest.fixture
def admin_client_(client):
    root = UserFactory(username="archive-admin", is_superuser=True)
    client.login(username=root.username, password=PASSWORD)
    return client


def edition_post(city, **fields):
    data = {
        "city": str(city.pk),
        "issue_month": "2026-10-15",
        "title": "The Food Issue",
        "cover": SimpleUploadedFile("cover.jpg", image_bytes(600, 800), content_type="image/jpeg"),
        "pdf": SimpleUploadedFile("issue.pdf", pdf_bytes(4), content_type="application/pdf"),
        "page_count": "",
        "published": "on",
    }
    data.update(fields)
    return data


def test_admin_uploads_an_edition_and_reads_its_page_count(admin_client_, django_capture_on_commit_callbacks):
    city = CityEditionFactory(name="Shanghai", slug="shanghai")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_.post(reverse("admin:magazine_edition_add"), edition_post(city))

    assert response.status_code == 302
    edition = Edition.objects.get()
    assert edition.issue_month == datetime.date(2026, 10, 1)
    assert edition.page_count == 4


def test_admin_refuses_an_svg_cover_and_a_fake_pdf_keeping_the_title(admin_client_):
    city = CityEditionFactory()
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'

    response = admin_client_.post(
        reverse("admin:magazine_edition_add"),
        edition_post(
            city,
            title="Typed title stays",
            cover=SimpleUploadedFile("cover.svg", svg, content_type="image/svg+xml"),
            pdf=SimpleUploadedFile("issue.pdf", b"just text", content_type="application/pdf"),
        ),
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "SVG files are not accepted" in html
    assert "is not a PDF" in html
    assert 'value="Typed title stays"' in html
    assert not Edition.objects.exists()


def test_archive_actions_report_counts(admin_client_):
    shown = EditionFactory.create_batch(2, published=True)
    hidden = EditionFactory(published=False)

    response = admin_client_.post(
        reverse("admin:magazine_edition_changelist"),
        {"action": "hide_from_archive", "_selected_action": [str(e.pk) for e in [*shown, hidden]]},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        "2 editions hidden from the archive.",
        "1 edition was already hidden from the archive.",
    ]
    assert not Edition.objects.filter(published=True).exists()


@pytest.mark.parametrize("count", [5, 40])
def test_edition_changelist_is_bounded(admin_client_, count, django_assert_max_num_queries):
    for _ in range(count):
        EditionFactory()

    with django_assert_max_num_queries(12):
        assert admin_client_.get(reverse("admin:magazine_edition_changelist")).status_code == 200
