"""The edge cache (Varnish with the xkey module) in front of the site, purged by key.

Pages the page cache stores (``magazine/pagecache.py``) are also the pages an edge may keep:
their response says ``Cache-Control: public, max-age=0, s-maxage=EDGE_MAX_AGE`` and names
what they show in ``xkey`` and ``Surrogate-Key`` (the page cache's dependency pairs, spelled
``article-12 region-3 featured-all``). Browsers keep nothing; the edge keeps the page until a
write purges one of its keys, at most ``EDGE_MAX_AGE`` seconds, and never past the next
scheduled publish time the page depends on.

Every ``bump_versions`` (the writes that re-render pages) promises a purge of exactly those
keys (``magazine/outbox.py``): a row written with the write, sent after the commit to every
``EDGE_PURGE_URLS`` as ``PURGE`` with an ``xkey-purge`` header, retried with the outbox's
backoff when an edge does not answer. The save never waits on the edge.

A page the edge keeps is the same for every reader, so it carries no reader's CSRF token: the
token's place is left empty and ``static/js/edge.js`` fills every empty token from
``/edge/csrf/`` (never cached; it sets the reader's CSRF cookie). The same request does what a
page cache hit does besides answering (``on_serve``: counting an article's view), since a page
the edge serves never reaches Django. A form posted without a token
(no JavaScript) gets ``csrf_failure``: the form's fields again, with a valid token, and one
button to send them, so nothing typed is lost.
"""

from __future__ import annotations

import logging
import math
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponseForbidden, JsonResponse
from django.middleware.csrf import REASON_BAD_ORIGIN, get_token
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)

# Sent with every edge-cacheable page; a purge of it empties the whole edge (after a cache outage).
EVERYTHING = "everything"
# Keys per PURGE request: keeps the header well under Varnish's limits.
PURGE_CHUNK = 100
# Counters of purge requests (shared cache), for monitoring.
SENT_COUNTER = "edge:purges:sent"
FAILED_COUNTER = "edge:purges:failed"


def enabled() -> bool:
    return settings.EDGE_MAX_AGE > 0


def surrogate_key(namespace: str, ident) -> str:
    return f"{namespace}-{ident}"


def surrogate_keys(pairs) -> list[str]:
    return sorted({surrogate_key(namespace, ident) for namespace, ident in pairs}) + [EVERYTHING]


def edge_seconds(expires: float | None, *, now: float | None = None) -> int:
    """How long the edge may keep a page: EDGE_MAX_AGE, cut to the whole seconds left before
    ``expires`` (a scheduled publish time the page must not outlive). 0 means not at all."""
    seconds = settings.EDGE_MAX_AGE
    if expires is not None:
        seconds = min(seconds, math.floor(expires - (time.time() if now is None else now)))
    return max(seconds, 0)


def mark_cacheable(response, *, deps, expires: float | None) -> bool:
    """Give a stored page its edge headers; False (and a private page) when the edge may not keep it."""
    seconds = edge_seconds(expires)
    if seconds <= 0:
        return False
    keys = " ".join(surrogate_keys(deps))
    response["Cache-Control"] = f"public, max-age=0, s-maxage={seconds}"
    response["xkey"] = keys
    response["Surrogate-Key"] = keys
    return True


# --- Purging ---------------------------------------------------------------------------------


def purge_later(pairs) -> None:
    """Promise a purge of the keys of ``pairs`` at every configured edge (after the commit)."""
    if not settings.EDGE_PURGE_URLS or not pairs:
        return
    from magazine.outbox import promise  # the outbox imports models; this module is imported early

    promise("magazine.edge.purge_keys", sorted({surrogate_key(namespace, ident) for namespace, ident in pairs}))


def purge_everything_later() -> None:
    if settings.EDGE_PURGE_URLS:
        from magazine.outbox import promise

        promise("magazine.edge.purge_keys", [EVERYTHING])


def _count(key: str) -> None:
    from magazine import metrics

    # Prometheus (the /metrics scrape), and a shared cache count any process can read.
    (metrics.PURGES_FAILED if key == FAILED_COUNTER else metrics.PURGES_SENT).inc()
    try:
        if not cache.add(key, 1, timeout=None):
            cache.incr(key)
    except Exception:  # noqa: BLE001 — a counter is never worth failing the purge for
        logger.debug("edge: could not count %s", key)


class PurgeFailed(Exception):
    pass


def purge_keys(keys: list[str]) -> None:
    """Send ``PURGE`` with ``xkey-purge: <keys>`` to every edge; raise (the outbox retries) if any failed.

    Purging is idempotent, so a retry sends to every edge again."""
    failures = []
    for url in settings.EDGE_PURGE_URLS:
        for start in range(0, len(keys), PURGE_CHUNK):
            chunk = keys[start : start + PURGE_CHUNK]
            request = urllib.request.Request(url, method="PURGE", headers={"xkey-purge": " ".join(chunk)})
            try:
                with urllib.request.urlopen(request, timeout=settings.EDGE_PURGE_TIMEOUT) as response:  # noqa: S310 — URLs from settings
                    response.read()
            except (OSError, urllib.error.HTTPError) as error:
                failures.append(f"{url}: {error}")
                _count(FAILED_COUNTER)
                logger.warning("edge purge of %d keys at %s failed: %s", len(chunk), url, error)
                break
            _count(SENT_COUNTER)
    if failures:
        raise PurgeFailed("; ".join(failures))


# --- CSRF tokens for pages the edge keeps ------------------------------------------------------


class ServedPageForm(forms.Form):
    """Which page the browser shows: its path and query, as ``location`` gives them."""

    path = forms.CharField(max_length=2000, required=False)

    def clean_path(self) -> tuple[str, str]:
        value = self.cleaned_data["path"]
        if not value.startswith("/") or value.startswith("//"):
            return "", ""
        path, _, query = value.partition("?")
        return path, query


@never_cache
def csrf_token(request):
    """For a page the edge served: the reader's CSRF token (and cookie) for its forms, and what
    serving it from the page cache would have done (counting a view of an article)."""
    form = ServedPageForm(request.GET)
    if form.is_valid() and form.cleaned_data["path"][0]:
        from magazine.pagecache import serve_effects  # pagecache imports this module

        serve_effects(request, *form.cleaned_data["path"])
    return JsonResponse({"token": get_token(request)})


_NOT_RESENT = {"csrfmiddlewaretoken"}


def _same_site(request) -> bool:
    """The post came from one of our pages (Origin, else Referer): only then is it offered again."""
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source:
        return False
    host = urlsplit(source).netloc
    return bool(host) and url_has_allowed_host_and_scheme(source, allowed_hosts={request.get_host()})


def csrf_failure(request, reason=""):
    """A form posted without a valid token (an edge-served page read without JavaScript, or an old
    tab): the fields again with a fresh token and one button, so nothing typed is lost. Posts from
    other sites get Django's usual 403."""
    if reason == REASON_BAD_ORIGIN or request.method != "POST" or not _same_site(request):
        return django_csrf_failure(request, reason)
    fields = [(name, value) for name, values in request.POST.lists() if name not in _NOT_RESENT for value in values]
    html = render_to_string(
        "edge/resend.html", {"fields": fields, "action": request.get_full_path()}, request=request
    )
    return HttpResponseForbidden(html)
