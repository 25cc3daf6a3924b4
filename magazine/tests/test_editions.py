import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from magazine import selectors, services
from magazine.models import Edition
from magazine.tests.factories import CityEditionFactory, EditionFactory, pdf_bytes
from magazine.validators import count_pdf_pages, validate_pdf_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def shanghai():
    return CityEditionFactory(name="Shanghai", slug="shanghai", ordering=1)


@pytest.fixture
def beijing():
    return CityEditionFactory(name="Beijing", slug="beijing", ordering=2)


def test_archive_lists_published_issues_newest_first(client, shanghai, beijing):
    old = EditionFactory(city=shanghai, issue_month=datetime.date(2025, 10, 1))
    new = EditionFactory(city=beijing, issue_month=datetime.date(2026, 11, 1))
    EditionFactory(city=shanghai, issue_month=datetime.date(2026, 9, 1), published=False)
    response = client.get(reverse("edition_archive"))
    assert list(response.context["editions"]) == [new, old]
    assert response.context["years"] == [2026, 2025]


def test_archive_filters_by_city_edition_and_year(client, shanghai, beijing):
    sh_2026 = EditionFactory(city=shanghai, issue_month=datetime.date(2026, 3, 1))
    EditionFactory(city=shanghai, issue_month=datetime.date(2025, 3, 1))
    EditionFactory(city=beijing, issue_month=datetime.date(2026, 3, 1))
    response = client.get(reverse("edition_archive"), {"city": "shanghai", "year": "2026"})
    assert list(response.context["editions"]) == [sh_2026]
    assert 'value="shanghai" selected' in response.content.decode()


@pytest.mark.parametrize("query", [{"city": "atlantis"}, {"year": "20x6"}, {"year": "99999"}, {"page": "9"}])
def test_archive_answers_bad_filters_with_404(client, shanghai, query):
    EditionFactory(city=shanghai)
    assert client.get(reverse("edition_archive"), query).status_code == 404


def test_issue_page_shows_cover_title_and_download(client, shanghai):
    edition = EditionFactory(city=shanghai, issue_month=datetime.date(2026, 10, 1), title="The Food Issue")
    response = client.get(edition.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "The Food Issue" in html and "October 2026" in html
    assert edition.get_download_url() in html and edition.cover.url in html


def test_download_is_a_pdf_attachment_with_a_readable_name_and_is_counted(client, shanghai, settings):
    settings.SITE_NAME = "City Magazine"
    edition = EditionFactory(city=shanghai, issue_month=datetime.date(2026, 10, 1))
    response = client.get(edition.get_download_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="city-magazine-shanghai-2026-10.pdf"'
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    client.get(edition.get_download_url())
    edition.refresh_from_db()
    assert edition.download_count == 2


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "1999-01"])
def test_unknown_or_impossible_issue_months_are_404(client, shanghai, month):
    EditionFactory(city=shanghai, issue_month=datetime.date(2026, 10, 1))
    assert client.get(f"/magazine/shanghai/{month}/").status_code == 404
    assert client.get(f"/magazine/shanghai/{month}/download/").status_code == 404


def test_unpublished_issues_cannot_be_seen_or_downloaded(client, shanghai):
    edition = EditionFactory(city=shanghai, published=False)
    assert client.get(edition.get_absolute_url()).status_code == 404
    assert client.get(edition.get_download_url()).status_code == 404


def test_a_pdf_upload_must_be_a_pdf(settings):
    fake = SimpleUploadedFile("issue.pdf", b"GIF89a not a pdf at all", content_type="application/pdf")
    with pytest.raises(ValidationError, match="is not a PDF"):
        validate_pdf_file(fake)
    validate_pdf_file(SimpleUploadedFile("issue.pdf", pdf_bytes(), content_type="application/pdf"))


def test_a_pdf_upload_must_be_within_the_size_bound(settings):
    settings.EDITION_PDF_MAX_BYTES = 100
    big = SimpleUploadedFile("issue.pdf", pdf_bytes(pages=20), content_type="application/pdf")
    with pytest.raises(ValidationError, match="issues may be at most 100"):
        validate_pdf_file(big)


def test_saving_an_edition_reads_the_page_count_and_refreshes_the_latest_issue(
    shanghai, django_capture_on_commit_callbacks
):
    first = EditionFactory(city=shanghai, issue_month=datetime.date(2026, 9, 1))
    assert selectors.latest_edition() == first
    edition = Edition(
        city=shanghai,
        issue_month=datetime.date(2026, 11, 17),
        title="Winter",
        cover=SimpleUploadedFile("c.jpg", first.cover.read(), content_type="image/jpeg"),
        pdf=SimpleUploadedFile("w.pdf", pdf_bytes(pages=7), content_type="application/pdf"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.edition_save(edition=edition)
    assert edition.page_count == 7
    assert edition.issue_month == datetime.date(2026, 11, 1)
    assert selectors.latest_edition() == edition


def test_count_pdf_pages_reads_page_objects():
    assert count_pdf_pages(SimpleUploadedFile("x.pdf", pdf_bytes(pages=5))) == 5
    assert count_pdf_pages(SimpleUploadedFile("x.pdf", b"%PDF-1.4 nothing")) is None


def test_latest_issue_promo_appears_on_reader_pages(client, shanghai):
    edition = EditionFactory(city=shanghai, issue_month=datetime.date(2026, 11, 1))
    for url in ("/", "/robots.txt"):
        client.get(url)
    html = client.get("/").content.decode()
    assert 'id="latest-edition-title"' in html
    assert edition.get_download_url() in html


def test_archive_runs_a_fixed_number_of_queries(client, shanghai, beijing, django_assert_max_num_queries):
    for n in range(30):
        EditionFactory(city=shanghai if n % 2 else beijing)
    # 9 with every cache empty, the footer's site pages included; flat in the number of editions.
    with django_assert_max_num_queries(9):
        assert client.get(reverse("edition_archive")).status_code == 200


def test_archive_pages_keep_the_city_and_year_filters(client, shanghai, beijing):
    for month in range(1, 13):
        EditionFactory(city=shanghai, issue_month=datetime.date(2025, month, 1))
        EditionFactory(city=shanghai, issue_month=datetime.date(2024, month, 1))
        EditionFactory(city=beijing, issue_month=datetime.date(2025, month, 1))
    for month in range(1, 13):  # 36 Shanghai issues in all: two pages of 24
        EditionFactory(city=shanghai, issue_month=datetime.date(2023, month, 1))

    first = client.get(reverse("edition_archive"), {"city": "shanghai", "junk": "<x>"}).content.decode()
    assert 'href="?city=shanghai&amp;page=2"' in first

    second = client.get(reverse("edition_archive"), {"city": "shanghai", "page": 2})
    assert second.context["page_obj"].object_list and all(e.city_id == shanghai.pk for e in second.context["editions"])
    assert 'href="?city=shanghai&amp;page=1"' in second.content.decode()
