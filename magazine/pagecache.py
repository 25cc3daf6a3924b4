"""The anonymous page cache: reader pages served from the cache, never stale.

A page is rendered once and stored with the *versions* of everything it showed (an
article, a region, the menus ...). Views and context processors name those things with
``depends_on(("region", 3), ...)`` while they render; writes bump the versions
(``magazine.cache.bump_versions``). On every request the stored versions are compared with
the current ones in one ``get_many``: if any moved, the page is rendered again. Nothing is
ever flushed, and a publish is seen at once by every process that shares the cache.

What is cached: GET/HEAD requests for the URL names in ``CACHEABLE`` by readers with no
session and no pending messages (staff, commenters with a session and anyone just shown a
message see fresh pages), answered 200. The key is the path plus the query parameters that
page reads (``QUERY_KEYS``); any other parameter (``?utm_source=…``, ``?x=random``, ``?page=``
on a page without pages) is left out of the key, so it can neither fill the cache nor bypass
it. A parameter the page reads in an odd spelling (``?page=01``, ``?page=2.0``, which the
paginator accepts too) is answered fresh and not stored, so spellings add no entries either.

Every parameter a page reads must be part of its key, or one reader's ``?comments_page=2``
would be every reader's page. So while a page renders for the cache, ``request.GET`` records
the names the view reads (``RecordingQueryDict``), whether they were sent or not; a page that
read a name outside its key, or went through every parameter, is served but never stored, and
a warning names the page and the parameter. A view that shows something other than what a
keyed parameter asked for (a comments page past the last one) calls ``do_not_store()``.

Forms on cached pages still carry a valid CSRF token: pages are stored with a marker in its
place, and every response gets the reader's own token put in (setting their CSRF cookie).
Responses carry an ETag and Last-Modified and answer conditional GETs with 304 (through
``ConditionalGetMiddleware``). A scheduled article's publish time is the latest moment any
entry made before it may be served: a page can never miss an article whose time has come.
"""

from __future__ import annotations

import contextvars
import copy
import hashlib
import logging
import re
import time
from importlib import import_module

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.urls import Resolver404, resolve
from django.utils.http import http_date

from magazine import edge
from magazine.cache import cache_versions

logger = logging.getLogger(__name__)

CSRF_MARKER = "csrf-token-for-this-reader"

CACHEABLE = {
    "home",
    "edition_archive",
    "edition",
    "robots",
    "sitemap",
    "django.contrib.sitemaps.views.sitemap",
    "news_sitemap",
    "site_page",
    "articles:article",
    "articles:region",
    "articles:region_topic",
    "articles:topic",
    "articles:author",
    "articles:tag",
    "articles:feed_latest_rss",
    "articles:feed_latest_atom",
    "articles:feed_region_rss",
    "articles:feed_region_atom",
    "articles:feed_topic_rss",
    "articles:feed_topic_atom",
}
_PAGED = {"articles:region", "articles:region_topic", "articles:topic", "articles:author", "articles:tag"}
# The query parameters each page reads, and the one spelling of each value that is cached.
# A page that reads any other parameter is not stored (see RecordingQueryDict).
QUERY_KEYS = (
    {name: ("page",) for name in _PAGED}
    | {
        "edition_archive": ("page", "city", "year"),
        "articles:article": ("comments_page",),
        # Django's sitemap view: a section longer than its limit has pages ?p=2, ?p=3 …
        "django.contrib.sitemaps.views.sitemap": ("p",),
        "news_sitemap": ("p",),
    }
)
PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,5}")  # what magazine.forms.PAGE_NUMBER_MAX allows
CANONICAL_VALUES = {
    "page": PAGE_NUMBER,
    "comments_page": PAGE_NUMBER,
    "p": PAGE_NUMBER,
    "city": re.compile(r"[-a-zA-Z0-9_]{1,100}"),
    "year": re.compile(r"[0-9]{4}"),
}
STORED_HEADERS = ("Content-Type", "Content-Language", "X-Robots-Tag", "Content-Disposition")


EVERY_PARAMETER = "*"  # recorded when a view goes through all the parameters (items(), urlencode() …)


class RecordingQueryDict(QueryDict):
    """``request.GET`` while a page renders for the cache: the same parameters, and a record of
    every name the view (its forms, template tags, templates) asked for, sent or not.

    Asking for a name (``get``, ``getlist``, ``[]``, ``in``) records that name; anything that
    goes through all of them records ``EVERY_PARAMETER``. The reads are collected in ``reads``.
    """

    def __init__(self, original: QueryDict, reads: set[str]):
        super().__init__(mutable=True, encoding=original.encoding)
        for key, values in original.lists():
            self.setlist(key, values)
        self._mutable = False
        self.reads = reads

    def __getitem__(self, key):
        self.reads.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.reads.add(key)
        return super().__contains__(key)

    def get(self, key, default=None):
        self.reads.add(key)
        return super().get(key, default)

    def getlist(self, key, default=None):
        self.reads.add(key)
        return super().getlist(key, default)

    # Whatever goes through all the parameters depends on all of them.
    def __iter__(self):
        self.reads.add(EVERY_PARAMETER)
        return super().__iter__()

    def __len__(self):
        self.reads.add(EVERY_PARAMETER)
        return super().__len__()

    def keys(self):
        self.reads.add(EVERY_PARAMETER)
        return super().keys()

    def items(self):
        self.reads.add(EVERY_PARAMETER)
        return super().items()

    def lists(self):
        self.reads.add(EVERY_PARAMETER)
        return super().lists()

    def values(self):
        self.reads.add(EVERY_PARAMETER)
        return super().values()

    def dict(self):
        self.reads.add(EVERY_PARAMETER)
        return super().dict()

    def urlencode(self, safe=None):
        self.reads.add(EVERY_PARAMETER)
        return super().urlencode(safe)

    def __copy__(self):
        # A plain QueryDict (also for copy()): what is done with the copy is not recorded.
        self.reads.add(EVERY_PARAMETER)
        result = QueryDict(mutable=True, encoding=self.encoding)
        for key, values in super().lists():
            result.setlist(key, values)
        return result

    def __deepcopy__(self, memo):
        return self.__copy__()  # the values are strings


class _Render:
    """What one rendering depends on, collected while the view runs."""

    def __init__(self):
        self.deps: set[tuple[str, object]] = set()
        self.expires: float | None = None
        self.on_serve: list[tuple[str, tuple]] = []
        self.reads: set[str] = set()
        self.do_not_store: str | None = None


_current: contextvars.ContextVar[_Render | None] = contextvars.ContextVar("page_render", default=None)


def depends_on(*pairs: tuple[str, object]) -> None:
    """Name what the page being rendered shows; a bump of any of these versions re-renders it."""
    render = _current.get()
    if render is not None:
        render.deps.update(pairs)


def expires_by(timestamp: float | None) -> None:
    """The page may not be served from the cache after ``timestamp`` (a Unix time)."""
    render = _current.get()
    if render is not None and timestamp is not None:
        render.expires = timestamp if render.expires is None else min(render.expires, timestamp)


def on_serve(function_path: str, *args) -> None:
    """Call ``function_path(request, *args)`` every time the page is served from the cache.

    For side effects a cache hit must not skip, such as counting a page view. The view does
    the same work itself when it renders.
    """
    render = _current.get()
    if render is not None:
        render.on_serve.append((function_path, args))


def do_not_store(reason: str) -> None:
    """The page being rendered must not be stored, e.g. it shows another page of comments than
    the one the address asks for: stored, every such address would be an entry of its own."""
    render = _current.get()
    if render is not None:
        render.do_not_store = reason


def is_rendering_for_cache(request) -> bool:
    return getattr(request, "_page_cache_render", None) is not None


def parameters_read(request) -> frozenset[str]:
    """The query parameter names the page asked for while it rendered for the cache."""
    render = getattr(request, "_page_cache_render", None)
    return frozenset(render.reads) if render is not None else frozenset()


def csrf_placeholder(request) -> dict:
    """Context processor: on a page rendered for the cache, forms get a marker for the token."""
    if is_rendering_for_cache(request):
        # With an edge cache the stored page leaves the token empty and edge.js fills it.
        return {"csrf_token": CSRF_MARKER, "edge_csrf": edge.enabled()}
    return {}


def _url_name(request) -> str | None:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return match.view_name


def _query_params(request, url_name: str | None) -> list[tuple[str, str]] | None:
    """The parameters that name this page, or None when one is spelled in a way not cached."""
    params = []
    for name in QUERY_KEYS.get(url_name, ()):
        values = request.GET.getlist(name)
        if not values or values == [""]:
            continue
        if len(values) > 1 or not CANONICAL_VALUES[name].fullmatch(values[0]):
            return None
        params.append((name, values[0]))
    return params


def cache_key(request) -> str:
    params = _query_params(request, _url_name(request)) or []
    raw = f"{request.method == 'HEAD' and 'GET' or request.method}:{request.get_host()}:{request.path}?{params}"
    return "page:" + hashlib.sha256(raw.encode()).hexdigest()


def _candidate(request) -> bool:
    if not getattr(settings, "PAGE_CACHE_ENABLED", True):
        return False
    if request.method not in ("GET", "HEAD"):
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
        return False
    url_name = _url_name(request)
    return url_name in CACHEABLE and _query_params(request, url_name) is not None


def _reads_within_key(request, reads: set[str]) -> bool:
    """Whether every parameter the page read is part of its key; if not, a warning names them."""
    url_name = _url_name(request)
    outside = reads - set(QUERY_KEYS.get(url_name, ()))
    for name in sorted(outside):
        if name == EVERY_PARAMETER:
            logger.warning("page cache: %s went through every query parameter; the page is not stored", url_name)
        else:
            logger.warning(
                "page cache: %s read the query parameter %r, which is not in its key (QUERY_KEYS); "
                "the page is not stored",
                url_name,
                name,
            )
    return not outside


def serve_effects(request, path: str, query: str = "") -> bool:
    """Do what serving the stored page at ``path?query`` does besides answering (``on_serve``:
    counting a view), for a page an edge cache served; False when no such page is stored."""
    page = copy.copy(request)
    page.method, page.path, page.path_info = "GET", path, path
    page.GET = QueryDict(query)
    if _url_name(page) not in CACHEABLE or _query_params(page, _url_name(page)) is None:
        return False
    entry = cache.get(cache_key(page))
    if entry is None:
        return False
    for function_path, args in entry["on_serve"]:
        _call(function_path, request, args)
    return True


def _call(function_path: str, request, args) -> None:
    module, _, name = function_path.rpartition(".")
    getattr(import_module(module), name)(request, *args)


class PageCacheMiddleware:
    """Place after the authentication, message and CSRF middleware (see settings.MIDDLEWARE)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _candidate(request):
            return self.get_response(request)
        key = cache_key(request)
        entry = cache.get(key)
        if entry is not None and self._fresh(entry):
            # A page the edge may keep counts its views from the reader's browser instead
            # (edge.js asks /edge/csrf/, which calls serve_effects): counted here, a view the
            # edge served would be missed and one it fetched counted twice.
            if not (self._edge_cacheable(request) and edge.edge_seconds(entry["expires"]) > 0):
                for function_path, args in entry["on_serve"]:
                    _call(function_path, request, args)
            return self._finish(request, self._response(entry), entry, "hit")
        render = _Render()
        token = _current.set(render)
        request._page_cache_render = render
        original_get = request.GET
        request.GET = RecordingQueryDict(original_get, render.reads)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
            request.GET = original_get
        if not self._storable(request, response, render):
            if CSRF_MARKER.encode() in getattr(response, "content", b""):
                self._fill_csrf(request, response)
            return response
        deps = sorted(render.deps, key=str)
        entry = {
            "content": response.content,
            "headers": {name: response[name] for name in STORED_HEADERS if response.has_header(name)},
            "deps": deps,
            "versions": cache_versions(*deps),
            "expires": render.expires,
            "on_serve": render.on_serve,
            "created": time.time(),
            "etag": f'"{hashlib.md5(response.content, usedforsecurity=False).hexdigest()}"',
        }
        timeout = settings.PAGE_CACHE_SECONDS
        if render.expires is not None:
            timeout = max(1, min(timeout, int(render.expires - time.time())))
        cache.set(key, entry, timeout)
        return self._finish(request, response, entry, "miss")

    @staticmethod
    def _fresh(entry) -> bool:
        if entry["expires"] is not None and time.time() >= entry["expires"]:
            return False
        return cache_versions(*entry["deps"]) == entry["versions"]

    @staticmethod
    def _storable(request, response, render) -> bool:
        if response.status_code != 200 or response.streaming or not render.deps:
            return False
        if render.do_not_store or not _reads_within_key(request, render.reads):
            return False
        if response.has_header("Set-Cookie") or response.cookies:
            return False
        cache_control = response.get("Cache-Control", "")
        if "private" in cache_control or "no-store" in cache_control:
            return False
        user = getattr(request, "user", None)
        return not (user is not None and user.is_authenticated)

    @staticmethod
    def _response(entry) -> HttpResponse:
        response = HttpResponse(entry["content"])
        for name, value in entry["headers"].items():
            response[name] = value
        return response

    def _finish(self, request, response, entry, outcome: str):
        response["ETag"] = entry["etag"]
        response["Last-Modified"] = http_date(entry["created"])
        response["X-Page-Cache"] = outcome
        if self._edge_cacheable(request) and edge.mark_cacheable(
            response, deps=entry["deps"], expires=entry["expires"]
        ):
            # The same page for every reader: no token in it (static/js/edge.js fetches one).
            self._fill_csrf(request, response, token="")
            return response
        response["Cache-Control"] = "private, no-cache"
        self._fill_csrf(request, response)
        return response

    @staticmethod
    def _edge_cacheable(request) -> bool:
        """A shared cache may keep this response: the edge is on, and nothing of this reader's is
        in it or set by it (no cookie, no CSRF token asked for while it rendered)."""
        if not edge.enabled() or request.COOKIES.keys() - {settings.CSRF_COOKIE_NAME}:
            return False
        # Only the one spelling of the address: a shared cache keys by the whole URL, and other
        # parameters (?utm_source=…, ?x=random) would each be an entry of their own.
        if set(request.GET) - set(QUERY_KEYS.get(_url_name(request), ())):
            return False
        return not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")

    @staticmethod
    def _fill_csrf(request, response, token: str | None = None) -> None:
        marker = CSRF_MARKER.encode()
        if marker in response.content:
            if token is None:
                token = get_token(request)
            response.content = response.content.replace(marker, token.encode())
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
