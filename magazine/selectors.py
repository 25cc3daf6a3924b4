"""Reads of the print archive."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models.functions import ExtractYear

from magazine.cache import cache_version
from magazine.models import CityEdition, Edition, SitePage


def editions():
    return Edition.objects.published().select_related("city")


def latest_edition() -> Edition | None:
    """The newest published issue, for the promo on every page; cached until an edition changes."""
    key = f"latest-edition:{cache_version('editions')}"
    found = cache.get(key)
    if found is None:
        found = editions().order_by("-issue_month", "city__ordering", "-id").first() or False
        cache.set(key, found, 3600)
    return found or None


def archive(*, city: CityEdition | None = None, year: int | None = None):
    found = editions().order_by("-issue_month", "city__ordering", "city__name")
    if city is not None:
        found = found.filter(city=city)
    if year is not None:
        found = found.filter(issue_month__year=year)
    return found


def archive_years(*, city: CityEdition | None = None) -> list[int]:
    found = Edition.objects.published()
    if city is not None:
        found = found.filter(city=city)
    return list(
        found.annotate(year=ExtractYear("issue_month")).values_list("year", flat=True).distinct().order_by("-year")
    )


def city_editions() -> list[CityEdition]:
    return list(CityEdition.objects.filter(editions__published=True).distinct().order_by("ordering", "name"))


def site_pages() -> list[SitePage]:
    """The site pages for the footer (titles and addresses), cached until one changes."""
    key = f"site-pages:{cache_version('sitepages')}"
    found = cache.get(key)
    if found is None:
        found = list(SitePage.objects.only("title", "slug", "ordering"))
        cache.set(key, found, 3600)
    return found


def site_page(*, slug: str) -> SitePage | None:
    return SitePage.objects.filter(slug=slug).first()
