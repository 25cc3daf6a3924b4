"""Writes of the print archive."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from magazine.cache import bump_versions
from magazine.models import Edition, SitePage, SiteSettings
from magazine.storage import delete_stored_files
from magazine.validators import count_pdf_pages


def edition_save(*, edition: Edition) -> Edition:
    """Save an edition from the admin: read its page count from the PDF if left blank."""
    if not edition.page_count and edition.pdf:
        edition.page_count = count_pdf_pages(edition.pdf)
    edition.full_clean()
    edition.save()
    transaction.on_commit(lambda: bump_versions(("editions", "all")))
    return edition


def edition_delete(*, editions) -> int:
    """Delete editions and, once that is committed, their cover and PDF files."""
    editions = list(editions)
    files = [f for edition in editions for f in (edition.cover, edition.pdf) if f]
    with transaction.atomic():
        Edition.objects.filter(pk__in=[edition.pk for edition in editions]).delete()

    def after_commit():
        delete_stored_files(files)
        bump_versions(("editions", "all"))

    transaction.on_commit(after_commit)
    return len(editions)


def edition_record_download(*, edition: Edition) -> None:
    Edition.objects.filter(pk=edition.pk).update(download_count=F("download_count") + 1)


def site_settings_save(*, site_settings: SiteSettings) -> SiteSettings:
    site_settings.full_clean()
    site_settings.save()
    transaction.on_commit(lambda: bump_versions(("sitesettings", "all")))
    return site_settings


def site_page_save(*, page: SitePage) -> SitePage:
    """Save a site page: its Markdown rendered by the article body's renderer, then shown at once."""
    from articles.body import render_body

    page.full_clean(exclude=["body_html"])
    page.body_html = "\n".join(block["html"] for block in render_body(page.body) if block["type"] == "html")
    page.save()
    transaction.on_commit(lambda: bump_versions(("sitepages", "all")))
    return page


def site_page_delete(*, page: SitePage) -> None:
    page.delete()
    transaction.on_commit(lambda: bump_versions(("sitepages", "all")))
