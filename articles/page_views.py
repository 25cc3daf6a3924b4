"""Page views counted in the cache, never with a database write per request.

Each reader's view of an article adds one to a counter for (article, day) in the shared
cache. ``services.page_views_fold`` (run by ``manage.py fold_page_views`` or the
``fold_page_views`` task every few minutes) adds the counters to ``ArticleViewDay`` rows and
takes what it added off the counters with ``decr``, so views counted while it runs are kept
for the next fold.

The cache cannot list its keys, so each day also keeps an index: the first view of an article
on a day (the one that creates its counter) appends the article id to the day's list, numbered
by an atomic counter. A fold reads the list and then all counters in two ``get_many`` calls.

The counters must live in a cache every process shares: Redis (``REDIS_URL``) in production.
The local-memory cache used without ``REDIS_URL`` is private to each process, so there the
fold command only sees views counted in its own process (tests, a single dev server).
"""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta

from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)

# Crawlers, link-preview fetchers and monitors: their visits are not readers' views.
BOT_USER_AGENT = re.compile(
    r"bot|crawl|spider|slurp|preview|facebookexternalhit|embedly|wechat-?bot|bingpreview|"
    r"headless|lighthouse|pingdom|uptime|monitor|curl|wget|python-requests|httpx|go-http-client|"
    r"java/|okhttp|scrapy|feedfetcher|mediapartners",
    re.IGNORECASE,
)
# Counters and indexes outlive the folds that read them by a comfortable margin.
KEY_TIMEOUT = 3 * 24 * 3600
# A fold looks at today and the days before it, in case a fold was missed around midnight.
FOLD_DAYS = 2


def is_bot(user_agent: str) -> bool:
    """True for an empty user agent or one that names a crawler, previewer or script."""
    return not user_agent.strip() or bool(BOT_USER_AGENT.search(user_agent))


def counter_key(article_id: int, day: date) -> str:
    return f"pv:{day:%Y%m%d}:{article_id}"


def index_size_key(day: date) -> str:
    return f"pv:{day:%Y%m%d}:n"


def index_entry_key(day: date, number: int) -> str:
    return f"pv:{day:%Y%m%d}:i:{number}"


def _incr_or_none(key: str) -> int | None:
    try:
        return cache.incr(key)
    except ValueError:  # the key does not exist (yet, or any more)
        return None


def record_view(article_id: int, *, day: date | None = None) -> None:
    """Add one view of the article today; the first view of the day also indexes the article."""
    day = day or timezone.localdate()
    key = counter_key(article_id, day)
    if _incr_or_none(key) is not None:
        return
    if not cache.add(key, 1, timeout=KEY_TIMEOUT):
        # Another request created the counter between our incr and add: count on it.
        if _incr_or_none(key) is None:
            cache.set(key, 1, timeout=KEY_TIMEOUT)
        return
    size_key = index_size_key(day)
    number = 1 if cache.add(size_key, 1, timeout=KEY_TIMEOUT) else _incr_or_none(size_key)
    if number is None:
        number = 1
        cache.set(size_key, 1, timeout=KEY_TIMEOUT)
    cache.set(index_entry_key(day, number), article_id, timeout=KEY_TIMEOUT)


def counts_request(request) -> bool:
    """Whether this request is a reader's view: a GET from a browser that is not staff."""
    if request.method != "GET":
        return False
    if is_bot(request.META.get("HTTP_USER_AGENT", "")):
        return False
    purpose = request.headers.get("Sec-Purpose", "") or request.headers.get("Purpose", "")
    if "prefetch" in purpose.lower():
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated and user.is_staff)


def count_view(request, article_id: int) -> None:
    """Count the request as a view of the article if a reader made it.

    Takes ``(request, article_id)`` so a page cache can call it for pages served without the
    view. A cache failure never costs the reader the page.
    """
    if not counts_request(request):
        return
    try:
        record_view(article_id)
    except Exception:  # noqa: BLE001 - counting is best effort; the page matters more
        logger.warning("Could not count a view of article %s", article_id, exc_info=True)


def pending(days: list[date]) -> dict[tuple[int, date], int]:
    """The counted views not yet folded, by (article id, day); zero counters left out."""
    sizes = cache.get_many([index_size_key(day) for day in days])
    entry_keys = {}
    for day in days:
        for number in range(1, int(sizes.get(index_size_key(day)) or 0) + 1):
            entry_keys[index_entry_key(day, number)] = day
    if not entry_keys:
        return {}
    ids = cache.get_many(list(entry_keys))
    counter_keys = {
        counter_key(article_id, entry_keys[key]): (int(article_id), entry_keys[key]) for key, article_id in ids.items()
    }
    counts = cache.get_many(list(counter_keys))
    return {counter_keys[key]: int(value) for key, value in counts.items() if int(value) > 0}


def take(folded: dict[tuple[int, date], int]) -> None:
    """Take folded views off their counters; views counted meanwhile stay for the next fold."""
    for (article_id, day), views in folded.items():
        try:
            cache.decr(counter_key(article_id, day), views)
        except ValueError:  # the counter expired; nothing is left to take
            pass


def fold_days(today: date | None = None) -> list[date]:
    today = today or timezone.localdate()
    return [today - timedelta(days=n) for n in range(FOLD_DAYS)]
