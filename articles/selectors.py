"""Discovery rules, in one place: views, template tags, feeds and digests all read from here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, Count, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from articles.body import image_ids
from articles.models import Article, ArticleNote, Author, Image, ReadMoreLink, Region, Topic
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
    One query, cached under the region's and topic's version keys, which every publish, edit
    and unpublish bumps.
    """
    limit = settings.MORE_NEWS_LIMIT if limit is None else limit
    if limit <= 0:
        return []
    region_version, topic_version = cache_versions(("region", article.region_id), ("topic", article.topic_id))
    key = f"more_news:{article.pk}:{limit}:{region_version}:{topic_version}"
    found = cache.get(key)
    if found is None:
        # The candidates' subqueries apply the publish rule; the outer query only fetches by id.
        found = _pick_more_news(
            Article.objects.with_cards().filter(_more_news_candidates(article, limit)), article, limit
        )
        cache.set(key, found, settings.DISCOVERY_CACHE_SECONDS)
    return found


def _more_news_candidates(article: Article, limit: int) -> Q:
    """The newest ``limit`` of the region and the newest ``limit`` of the topic: each an index
    range read with a LIMIT, so the cost does not grow with the site (ordering all of a region's
    and topic's articles by "same region first" read tens of thousands of rows at 100,000)."""
    newest = published_articles().exclude(pk=article.pk).newest_first().values("pk")
    return Q(pk__in=newest.filter(region_id=article.region_id)[:limit]) | Q(
        pk__in=newest.filter(topic_id=article.topic_id)[:limit]
    )


def _pick_more_news(rows, article: Article, limit: int) -> list[Article]:
    """The region's newest first, then the topic's newest as top-up; never twice."""
    newest_first = sorted(rows, key=lambda a: (a.published_at, a.pk), reverse=True)
    region = [a for a in newest_first if a.region_id == article.region_id]
    topic = [a for a in newest_first if a.region_id != article.region_id and a.topic_id == article.topic_id]
    return (region + topic)[:limit]


def read_more(*, article: Article, slots: int | None = None) -> list[Article]:
    """The article's READ MORE links: the hand-picked ones that are live, in the order the editor
    set, then one related article for each ``[read more]`` slot no hand-picked link is left for.

    ``slots`` is the number of ``[read more]`` slots to fill (by default, those of the saved
    body). A filled link (``read_more_filled`` is True on it) comes from the article's region and
    topic, newest first, or else shares tags with it, most shared tags first (its own region
    first): never from another city merely because it is new. A slot nothing fits stays empty.
    """
    links = ReadMoreLink.objects.filter(article=article)
    picked = list(
        published_articles()
        .filter(pk__in=links.values("target_id"))
        .select_related("region")
        .defer("body", "body_html", "body_blocks")
        .annotate(_link_order=Subquery(links.filter(target=OuterRef("pk")).values("sort_order")[:1]))
        .order_by("_link_order", "pk")
    )
    slots = read_more_slots(article) if slots is None else slots
    missing = slots - len(picked)
    if missing > 0 and article.pk is not None:
        picked += read_more_fill(article=article, count=missing, exclude_ids=[a.pk for a in picked])
    return picked


def read_more_slots(article: Article) -> int:
    """How many ``[read more]`` slots the saved body has."""
    return sum(1 for block in article.body_blocks or [] if block.get("type") == "read_more")


def read_more_fill(*, article: Article, count: int, exclude_ids=()) -> list[Article]:
    """Up to ``count`` live articles related to ``article`` for READ MORE slots left empty.

    First the newest of the same region and topic; then articles sharing tags with it, most
    shared tags first, its own region before others, newest first. Never the article itself
    nor one of ``exclude_ids``. At most two queries, each with a LIMIT.
    """
    if count <= 0 or article.pk is None:
        return []
    excluded = {article.pk, *exclude_ids}
    candidates = (
        published_articles().exclude(pk__in=excluded).select_related("region").defer("body", "body_html", "body_blocks")
    )
    found = list(
        candidates.filter(region_id=article.region_id, topic_id=article.topic_id).newest_first()[:count]
    )
    for item in found:
        item.read_more_filled = "region_topic"
    if len(found) < count:
        from taggit.models import TaggedItem

        tag_ids = TaggedItem.objects.filter(
            content_type__app_label="articles", content_type__model="article", object_id=article.pk
        ).values("tag_id")
        shared = (
            candidates.exclude(pk__in=[a.pk for a in found])
            .filter(tagged_items__tag_id__in=tag_ids)
            .annotate(
                _shared_tags=Count("tagged_items", distinct=True),
                _same_region=Case(When(region_id=article.region_id, then=Value(1)), default=Value(0)),
            )
            .order_by("-_shared_tags", "-_same_region", "-published_at", "-pk")[: count - len(found)]
        )
        for item in shared:
            item.read_more_filled = "tags"
            found.append(item)
    return found


def read_more_cache_dependencies(*, article: Article, links: list[Article]) -> list[tuple[str, object]]:
    """What a page showing ``links`` (from ``read_more``) must be re-rendered for.

    Each linked article; and, when the body has more slots than hand-picked links, every
    publish: a newly published article sharing tags may fill a slot (a new one of the same
    region and topic is already covered by the page's region and topic versions).
    """
    pairs: list[tuple[str, object]] = [("article", linked.pk) for linked in links]
    if any(getattr(linked, "read_more_filled", None) for linked in links) or len(links) < read_more_slots(article):
        pairs.append(("articles", "all"))
    return pairs


@dataclass
class ReadMoreSlotReport:
    slots: int
    picked: int
    filled: int
    source: str  # where filled links come from, e.g. "Shanghai/Food & Drink"

    @property
    def message(self) -> str | None:
        """The admin's warning about slots with no hand-picked article, or None when all have one."""
        empty = self.slots - self.picked
        if empty <= 0:
            return None
        slots = f"{self.slots} [read more] slot{'s' if self.slots != 1 else ''}"
        picked = f"only {self.picked} hand-picked article{'s' if self.picked != 1 else ''}" if self.picked else (
            "no hand-picked article"
        )
        head = f"The body has {slots} but {picked}; "
        if self.filled >= empty:
            return head + f"{empty} will be filled from {self.source}."
        if self.filled:
            stay = empty - self.filled
            return head + (
                f"{self.filled} will be filled from {self.source} and {stay} will stay empty "
                "(no other live article of the same region and topic, or with shared tags)."
            )
        return head + (
            f"{'they' if empty != 1 else 'it'} will stay empty: no other live article of the same region "
            "and topic, or with shared tags, fits."
        )


def read_more_slot_report(*, article: Article) -> ReadMoreSlotReport:
    """How the saved body's ``[read more]`` slots will be filled, for the admin's warning."""
    links = read_more(article=article)
    filled = [linked for linked in links if getattr(linked, "read_more_filled", None)]
    sources = []
    if any(linked.read_more_filled == "region_topic" for linked in filled):
        sources.append(f"{article.region.name}/{article.topic.name}")
    if any(linked.read_more_filled == "tags" for linked in filled):
        sources.append("articles with shared tags")
    return ReadMoreSlotReport(
        slots=read_more_slots(article),
        picked=len(links) - len(filled),
        filled=len(filled),
        source=" and ".join(sources) or f"{article.region.name}/{article.topic.name}",
    )


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
    return _front_strips("region", per=per, exclude_ids=exclude_ids)


def topic_strips(*, per: int = 4, exclude_ids=()) -> list[tuple[Topic, list[Article]]]:
    """For each topic with live articles, its newest ``per`` articles: one query for all."""
    return _front_strips("topic", per=per, exclude_ids=exclude_ids)


def _front_strips(attr: str, *, per: int, exclude_ids):
    """Strips of the newest articles per region or topic, cached until any article changes.

    Ranking every live article per region or topic costs a few hundred milliseconds at
    100,000 articles; the cache makes that once per publish, not once per page render.
    """
    exclude = sorted(exclude_ids)
    key = f"strips:{attr}:{per}:{exclude}:{cache_version('articles', 'all')}"
    found = cache.get(key)
    if found is None:
        nav = navigation()
        values = nav["region_ids"] if attr == "region" else [topic.pk for topic in nav["topics"]]
        newest = published_articles().exclude(pk__in=exclude).newest_per(f"{attr}_id", values, per)
        rows = list(Article.objects.with_cards().filter(newest))
        found = _group(rows, attr)
        cache.set(key, found, _discovery_timeout())
    return found


# --- The front page ----------------------------------------------------------------------------

FRONT_SECONDARY = 4  # the stories beside the lead
FRONT_REGION_PER = 2  # stories in each region block
FRONT_TOPIC_PER = 2  # stories in each topic block
FRONT_MOST_READ = 5


@dataclass
class FrontBlock:
    """A region's or a topic's block on the front page: its stories not shown higher up.

    A region block holds the stories of the region and of the regions inside it; ``children``
    names those inner regions (Tianjin in North China), each with a page of its own.
    """

    term: Region | Topic
    articles: list[Article]
    children: list[Region] = field(default_factory=list)


@dataclass
class FrontPage:
    """The front page, top to bottom; every story in it appears exactly once."""

    lead: Article | None
    secondary: list[Article]
    regions: list[FrontBlock]
    most_read: list[Article]
    topics: list[FrontBlock]

    def articles(self) -> list[Article]:
        """Every story on the page, in page order."""
        found = [self.lead] if self.lead else []
        found += self.secondary
        for block in self.regions:
            found += block.articles
        found += self.most_read
        for block in self.topics:
            found += block.articles
        return found


def front_page(
    *,
    secondary: int = FRONT_SECONDARY,
    region_per: int = FRONT_REGION_PER,
    topic_per: int = FRONT_TOPIC_PER,
    most_read_limit: int = FRONT_MOST_READ,
) -> FrontPage:
    """The front page: the lead story, the latest beside it, a block per region, the week's
    most read and a block per topic; each block skips what the page already shows above it.

    The stories are handed out once, top to bottom. Three queries whatever the size of the
    site: one for the lead, the latest and the regions' candidates (each region's newest
    ``region_per`` plus as many as can be shown above the region blocks, so a region whose
    newest stories lead the page still fills its block), the most-read ranking (its own
    cache), and one for the topics, which leaves out everything handed out before. Cached
    until an article changes, the view counts are folded, or a scheduled story goes live.
    """
    since = _read_window_start(MOST_READ_DAYS)
    versions = cache_versions(("articles", "all"), ("most_read", "all"), ("taxonomy", "all"))
    # The next scheduled publish is part of the key: once its time comes (by this process's clock,
    # whatever the cache server's expiry says) the key moves on and the story is on the page.
    upcoming = int(next_scheduled_publish() or 0)
    key = f"front:{secondary}:{region_per}:{topic_per}:{most_read_limit}:{since:%Y%m%d}:{upcoming}:" + ":".join(map(str, versions))
    found = cache.get(key)
    if found is None:
        found = _build_front_page(secondary, region_per, topic_per, most_read_limit)
        cache.set(key, found, _discovery_timeout())
    return found


def _build_front_page(secondary: int, region_per: int, topic_per: int, most_read_limit: int) -> FrontPage:
    nav = navigation()
    live = published_articles().newest_first()
    above_regions = 1 + secondary
    candidates = (
        Q(pk__in=live.filter(featured=True).values("pk")[:1])
        | Q(pk__in=live.values("pk")[:above_regions])
        | published_articles().newest_per("region_id", nav["region_ids"], region_per + above_regions)
    )
    rows = _newest_first(Article.objects.with_cards().filter(candidates))
    lead = next((a for a in rows if a.featured), rows[0] if rows else None)
    shown = {lead.pk} if lead else set()
    latest = _hand_out(rows, shown, secondary)

    regions = []
    top_of = _top_level_regions(nav["all_regions"])
    for top, children in nav["region_tree"]:
        picked = _hand_out([a for a in rows if top_of.get(a.region_id) == top.pk], shown, region_per)
        if picked:
            regions.append(FrontBlock(term=top, articles=picked, children=children))

    ranked = most_read(limit=most_read_limit + len(shown)) if most_read_limit > 0 else []
    read = _hand_out(ranked, shown, most_read_limit)

    topics = []
    if topic_per > 0 and nav["topics"]:
        newest = published_articles().exclude(pk__in=sorted(shown)).newest_per(
            "topic_id", [topic.pk for topic in nav["topics"]], topic_per
        )
        by_topic = _newest_first(Article.objects.with_cards().filter(newest))
        for topic in nav["topics"]:
            picked = _hand_out([a for a in by_topic if a.topic_id == topic.pk], shown, topic_per)
            if picked:
                topics.append(FrontBlock(term=topic, articles=picked))
    return FrontPage(lead=lead, secondary=latest, regions=regions, most_read=read, topics=topics)


def _newest_first(rows) -> list[Article]:
    return sorted(rows, key=lambda a: (a.published_at, a.pk), reverse=True)


def _hand_out(candidates, shown: set[int], limit: int) -> list[Article]:
    """The first ``limit`` of ``candidates`` not yet shown; they count as shown from now on."""
    picked = []
    for article in candidates:
        if len(picked) >= limit:
            break
        if article.pk not in shown:
            shown.add(article.pk)
            picked.append(article)
    return picked


def _top_level_regions(regions: list[Region]) -> dict[int, int]:
    """Each region's id mapped to the id of the outermost region it lies in (itself at the top)."""
    parents = {region.pk: region.parent_id for region in regions}
    top = {}
    for pk in parents:
        outer, seen = pk, set()
        while parents.get(outer) is not None and outer not in seen:
            seen.add(outer)
            outer = parents[outer]
        top[pk] = outer
    return top


def _discovery_timeout() -> int:
    """How long a cached list of articles may live: short, and never past a scheduled publish."""
    timeout = settings.DISCOVERY_CACHE_SECONDS
    upcoming = next_scheduled_publish()
    if upcoming is not None:
        timeout = min(timeout, max(1, int(upcoming - timezone.now().timestamp())))
    return timeout


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
    """Regions (outermost ones with the regions inside them) and topics for the menus,
    cached until a region or topic changes."""
    version = cache_version("taxonomy")
    key = f"navigation:tree:{version}"
    nav = cache.get(key)
    if nav is None:
        regions = list(Region.objects.order_by("ordering", "name"))
        top_of = _top_level_regions(regions)
        tops = [region for region in regions if top_of[region.pk] == region.pk]
        nav = {
            "regions": tops,
            # Each outermost region with the regions inside it (at any depth), for grouped menus.
            "region_tree": [(top, [r for r in regions if r.pk != top.pk and top_of[r.pk] == top.pk]) for top in tops],
            "all_regions": regions,
            "region_ids": [region.pk for region in regions],
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


def article_moved_from(*, path: str, slug: str) -> Article | None:
    """The live article that used to be at ``path`` (or, failing that, had ``slug``), if any."""
    from articles.models import ArticleRedirect

    moves = ArticleRedirect.objects.filter(article__in=published_articles()).select_related("article__region")
    found = moves.filter(old_path=path).first() or moves.filter(old_slug=slug).order_by("-created_at", "-id").first()
    return found.article if found else None


def live_share_count(*, article_id: int) -> int | None:
    """The share count of a live article, or None when no live article has this id."""
    return published_articles().filter(pk=article_id).values_list("share_count", flat=True).first()


MOST_READ_CACHE_SECONDS = 600
MOST_READ_DAYS = 7


def _read_window_start(days: int):
    """The first day (site time zone) of a ``days``-day window that ends today."""
    return timezone.localdate() - timedelta(days=days - 1)


def _read_ranking(*, since, region: Region | None = None, exclude_id: int | None = None):
    """Ids of live articles by their views since ``since``, most first (newer first on ties)."""
    from articles.models import ArticleViewDay

    live = published_articles()
    if region is not None:
        live = live.in_region(region)
    if exclude_id is not None:
        live = live.exclude(pk=exclude_id)
    return (
        ArticleViewDay.objects.filter(day__gte=since, article__in=live.values("pk"))
        .order_by()
        .values("article")
        .annotate(total=Sum("views"))
        .order_by("-total", "-article__published_at", "-article")
        .values("article")
    )


def _week_views(since):
    from articles.models import ArticleViewDay

    per_article = (
        ArticleViewDay.objects.filter(article=OuterRef("pk"), day__gte=since)
        .order_by()
        .values("article")
        .annotate(total=Sum("views"))
        .values("total")
    )
    return Coalesce(Subquery(per_article), Value(0))


def _by_views(articles) -> list[Article]:
    return sorted(articles, key=lambda a: (a.week_views, a.published_at, a.pk), reverse=True)


def most_read(*, days: int = MOST_READ_DAYS, region: Region | None = None, limit: int = 5) -> list[Article]:
    """The live articles with the most page views in the last ``days`` days (today included).

    Site-wide, or for a region and the regions inside it. One query whatever the number of
    articles or view rows, cached under version keys that a fold of the view counters and
    every publish or edit bump (and the first day of the window, so it moves at midnight).
    Each article carries ``week_views``; ties go to the newer article.
    """
    if limit <= 0:
        return []
    since = _read_window_start(days)
    read_version, articles_version = cache_versions(("most_read", "all"), ("articles", "all"))
    key = f"most_read:{days}:{region.pk if region else 'all'}:{limit}:{since:%Y%m%d}:{read_version}:{articles_version}"
    found = cache.get(key)
    if found is None:
        ids = _read_ranking(since=since, region=region)[:limit]
        found = _by_views(cards().filter(pk__in=ids).annotate(week_views=_week_views(since)))
        cache.set(key, found, MOST_READ_CACHE_SECONDS)
    return found


@dataclass
class ArticleAside:
    more_news: list[Article]
    most_read: list[Article]


def article_aside(*, article: Article, news_limit: int | None = None, read_limit: int = 5) -> ArticleAside:
    """An article page's sidebar: "More news" and "Most read" in its region, in one query.

    ``more_news`` is exactly ``more_news(article=article)``; ``most_read`` is
    ``most_read(region=article.region)`` without the article itself. Each list's ids come
    from a subquery with its own order and limit, and one query loads the cards of both,
    flagged by the list they belong to, so the page pays one query, not two. Cached under
    the versions of the region, the topic, the view counts and the articles.
    """
    news_limit = settings.MORE_NEWS_LIMIT if news_limit is None else news_limit
    since = _read_window_start(MOST_READ_DAYS)
    versions = cache_versions(
        ("region", article.region_id), ("topic", article.topic_id), ("most_read", "all"), ("articles", "all")
    )
    key = f"article_aside:{article.pk}:{news_limit}:{read_limit}:{since:%Y%m%d}:" + ":".join(map(str, versions))
    found = cache.get(key)
    if found is not None:
        return found
    news = _more_news_candidates(article, max(news_limit, 0))
    read_ids = _read_ranking(since=since, region=article.region, exclude_id=article.pk)[: max(read_limit, 0)]
    rows = list(
        Article.objects.with_cards()  # by id: the subqueries apply the publish rule
        .filter(news | Q(pk__in=read_ids))
        .annotate(
            in_news=Case(When(news, then=Value(True)), default=Value(False)),
            in_read=Case(When(pk__in=read_ids, then=Value(True)), default=Value(False)),
            week_views=_week_views(since),
        )
    )
    found = ArticleAside(
        more_news=_pick_more_news([a for a in rows if a.in_news], article, max(news_limit, 0)),
        most_read=_by_views(a for a in rows if a.in_read),
    )
    cache.set(key, found, settings.DISCOVERY_CACHE_SECONDS)
    return found


# --- The newsroom's workflow (admin only) -----------------------------------------------------


def articles_in_review_count() -> int:
    """How many stories wait for an editor."""
    return Article.objects.filter(status=Article.Status.IN_REVIEW).count()


def article_sent_back_note(*, article: Article):
    """The editor's note on a draft that was sent back to its writer; None for any other article."""
    if article.pk is None or article.status != Article.Status.DRAFT:
        return None
    return (
        ArticleNote.objects.filter(article=article, kind=ArticleNote.Kind.SENT_BACK)
        .select_related("created_by")
        .order_by("-created_at", "-id")
        .first()
    )


def body_images(*, blocks: list[dict]) -> dict[int, Image]:
    """The library pictures a body shows (inline and in galleries), by number, in one query.

    The renditions travel in ``rendition_summary``, so the pictures cost nothing more.
    """
    ids = image_ids(blocks)
    return Image.objects.in_bulk(ids) if ids else {}


def image_library(*, search: str = "", limit: int = 24) -> list[Image]:
    """The newest pictures of the library, or those whose title, alt text, caption or credit
    holds ``search``: what the body editor offers to pick from."""
    images = Image.objects.order_by("-created_at", "-pk")
    for word in search.split():
        images = images.filter(
            Q(title__icontains=word) | Q(alt_text__icontains=word) | Q(caption__icontains=word) | Q(credit__icontains=word)
        )
    return list(images[:limit])


def articles_showing_image(image, *, exclude: Q | None = None) -> list[Article]:
    """The articles that show ``image``, as their hero or in their body (``[image N]``, galleries).

    Body lines are found by a text match on the image's number, then checked on the stored
    blocks, so ``[image 42]`` is not taken for ``[image 420]``.
    """
    from articles.body import image_ids

    articles = Article.objects.all() if exclude is None else Article.objects.exclude(exclude)
    showing = list(articles.filter(hero_image=image).only("pk", "title"))
    seen = {article.pk for article in showing}
    candidates = (
        articles.filter(Q(body__contains="[image") | Q(body__contains="[gallery"), body__contains=str(image.pk))
        .exclude(pk__in=seen)
        .only("pk", "title", "body_blocks")
    )
    showing.extend(article for article in candidates if image.pk in image_ids(article.body_blocks))
    return showing
