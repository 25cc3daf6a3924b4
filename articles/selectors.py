"""Discovery rules, in one place: views, template tags, feeds and digests all read from here."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from articles.models import Article, Author, ReadMoreLink, Region, Topic
from magazine.cache import cache_version, cache_versions


def published_articles():
    return Article.objects.published()


def cards():
    """Published articles, newest first, with everything a card needs."""
    return published_articles().with_cards().newest_first()


def more_news(*, article: Article, limit: int | None = None) -> list[Article]:
    """The newest published articles of the article's region, topped up from its topic.

    Never the article itself, never twice, never a draft or a scheduled article; ties on the
    publish time are broken by id, newest first, so the block is the same on every request.
    One query: same-region articles sort before same-topic ones. The result is cached under
    the region's and topic's version keys, which every publish, edit and unpublish bumps.
    """
    limit = settings.MORE_NEWS_LIMIT if limit is None else limit
    if limit <= 0:
        return []
    region_version, topic_version = cache_versions(("region", article.region_id), ("topic", article.topic_id))
    key = f"more_news:{article.pk}:{limit}:{region_version}:{topic_version}"
    found = cache.get(key)
    if found is None:
        found = list(
            published_articles()
            .with_cards()
            .filter(Q(region_id=article.region_id) | Q(topic_id=article.topic_id))
            .exclude(pk=article.pk)
            .annotate(
                same_region=Case(When(region_id=article.region_id, then=Value(1)), default=Value(0))
            )
            .order_by("-same_region", "-published_at", "-id")[:limit]
        )
        cache.set(key, found, settings.DISCOVERY_CACHE_SECONDS)
    return found


def read_more(*, article: Article) -> list[Article]:
    """The hand-picked READ MORE articles that are live, in the order the editor set."""
    links = (
        ReadMoreLink.objects.filter(article=article, target__in=published_articles())
        .select_related("target__region")
        .order_by("sort_order", "id")
    )
    return [link.target for link in links]


def in_case_you_missed_it(*, exclude_ids=(), limit: int = 4, days: int | None = None) -> list[Article]:
    """Featured articles of the past weeks that the page does not already show."""
    days = settings.ICYMI_DAYS if days is None else days
    since = timezone.now() - timedelta(days=days)
    return list(
        cards()
        .filter(featured=True, published_at__gte=since)
        .exclude(pk__in=list(exclude_ids))[:limit]
    )


def lead_story() -> Article | None:
    return cards().filter(featured=True).first() or cards().first()


def latest_by_region(*, per: int = 4, exclude_ids=()) -> list[tuple[Region, list[Article]]]:
    """For each region with live articles, its newest ``per`` articles: one query for all."""
    rows = list(cards().exclude(pk__in=list(exclude_ids)).top_per("region_id", per))
    return _group(rows, "region")


def topic_strips(*, per: int = 4, exclude_ids=()) -> list[tuple[Topic, list[Article]]]:
    rows = list(cards().exclude(pk__in=list(exclude_ids)).top_per("topic_id", per))
    return _group(rows, "topic")


def _group(rows: list[Article], attr: str):
    groups: dict[int, tuple] = {}
    for article in rows:
        term = getattr(article, attr)
        groups.setdefault(term.pk, (term, []))[1].append(article)
    for _, items in groups.values():
        items.sort(key=lambda a: (a.published_at, a.pk), reverse=True)
    return sorted(groups.values(), key=lambda pair: (pair[0].ordering, pair[0].name))


def region_articles(*, region: Region):
    return cards().in_region(region)


def topic_articles(*, topic: Topic):
    return cards().in_topic(topic)


def region_topic_articles(*, region: Region, topic: Topic):
    return cards().in_region(region).in_topic(topic)


def author_articles(*, author: Author):
    return cards().filter(bylines__author=author)


def tag_articles(*, tag):
    return cards().filter(tags__slug=tag.slug)


def latest(*, limit: int = 30):
    return cards()[:limit]


def navigation() -> dict[str, list]:
    """Regions and topics for the menus, cached until a region or topic changes."""
    version = cache_version("taxonomy")
    key = f"navigation:{version}"
    nav = cache.get(key)
    if nav is None:
        nav = {
            "regions": list(Region.objects.filter(parent__isnull=True).order_by("ordering", "name")),
            "topics": list(Topic.objects.order_by("ordering", "name")),
        }
        cache.set(key, nav, 3600)
    return nav


def next_scheduled_publish() -> float | None:
    """When the next scheduled article goes live (a Unix time), or None; cached until a write.

    Cached pages that list articles may not outlive this moment (``pagecache.expires_by``).
    """
    key = f"next-scheduled:{cache_version('articles', 'all')}"
    found = cache.get(key)
    if found is None or (found and found <= timezone.now().timestamp()):
        when = (
            Article.objects.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())
            .order_by("published_at")
            .values_list("published_at", flat=True)
            .first()
        )
        found = when.timestamp() if when else 0
        cache.set(key, found, settings.PAGE_CACHE_SECONDS)
    return found or None
