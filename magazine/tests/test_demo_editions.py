"""The demo print archive that `make run` loads: real covers and PDFs, added once."""

import datetime
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from magazine import demo_editions
from magazine.models import Edition
from magazine.tests.factories import EditionFactory
from magazine.validators import count_pdf_pages, validate_image_file, validate_pdf_file

pytestmark = pytest.mark.django_db


def test_demo_editions_add_last_months_issues_with_valid_covers_and_pdfs_once():
    out = StringIO()
    call_command("seed_demo_editions", months=2, stdout=out)

    assert "4 demo issues added" in out.getvalue()
    last_month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    editions = list(Edition.objects.order_by("city__ordering", "-issue_month"))
    assert [(e.city.slug, e.issue_month) for e in editions][:1] == [("shanghai", last_month)]
    for edition in editions:
        assert edition.page_count == 4
        assert edition.title == demo_editions.issue_title(edition.issue_month)
        # Checked as the admin checks an upload (a SimpleUploadedFile is a new upload).
        with edition.pdf.open("rb") as pdf:
            validate_pdf_file(SimpleUploadedFile("issue.pdf", pdf.read(), content_type="application/pdf"))
        with edition.cover.open("rb") as cover:
            validate_image_file(SimpleUploadedFile("cover.jpg", cover.read(), content_type="image/jpeg"))

    again = StringIO()
    call_command("seed_demo_editions", months=2, stdout=again)
    assert "0 demo issues added; 4 in all" in again.getvalue()


def test_demo_editions_leave_an_issue_staff_made_alone():
    last_month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    call_command("seed_demo_editions", months=0, stdout=StringIO())  # makes the city editions only
    own = EditionFactory(city__slug="shanghai", issue_month=last_month, title="Our own cover story")

    call_command("seed_demo_editions", months=1, stdout=StringIO())

    own.refresh_from_db()
    assert own.title == "Our own cover story"
    assert Edition.objects.filter(issue_month=last_month).count() == 2


def test_a_reader_downloads_last_months_demo_issue(client):
    call_command("seed_demo_editions", months=1, stdout=StringIO())
    edition = Edition.objects.get(city__slug="beijing")

    archive = client.get(reverse("edition_archive")).content.decode()
    assert edition.title in archive
    response = client.get(edition.get_download_url())

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF-") and count_pdf_pages(ContentFile(body)) == 4
    edition.refresh_from_db()
    assert edition.download_count == 1


def test_an_empty_archive_says_so_without_offering_to_drop_filters(client):
    body = client.get(reverse("edition_archive")).content.decode()

    assert "No issues are in the archive yet." in body
    assert "See every issue" not in body
