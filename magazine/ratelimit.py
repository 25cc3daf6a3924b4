"""Rate limits for the public POST endpoints: fixed windows counted in the shared cache.

Counts live in the ``"ratelimit"`` cache (settings.CACHES): with Redis it is the shared
server, and while Redis does not answer the counting goes on in each process's own memory
(per-process limits rather than none) until Redis is back (magazine/cache_backend.py).

A limit is a purpose (``"newsletter-signup"``), a number of requests and a window in seconds,
from ``settings.RATE_LIMITS``. Requests are counted per client address (REMOTE_ADDR: a proxy
in front of the site must put the reader's address there; IPv6 readers are counted per /64,
which one household or phone usually holds whole) or per any other key the caller names.

Views call ``allowed(request, purpose)`` where they can answer with their own form and what
the reader typed (status 429), or wrap themselves in ``@limit_posts(purpose)``, which answers
an over-limit POST with the shared "too many requests" page. GETs are never counted: they
only show a page.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress

from django.conf import settings
from django.core.cache import caches
from django.http import JsonResponse
from django.shortcuts import render

# (requests, seconds) per client address; settings.RATE_LIMITS overrides any of them.
DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "comments-link": (30, 600),  # confirm / delete / unsubscribe buttons from comment mails
    "newsletter-signup": (10, 600),
    "newsletter-link": (30, 600),  # confirm, preference centre, unsubscribe, delete
    "newsletter-unsubscribe": (10, 600),  # per link, not per address: RFC 8058 POSTs come from mail providers
    "share": (30, 600),
}


COUNTER_CACHE = "ratelimit"


def counters():
    """The cache that counts: the ``"ratelimit"`` alias, or the default cache where it is not configured."""
    return caches[COUNTER_CACHE if COUNTER_CACHE in settings.CACHES else "default"]


def limit_for(purpose: str) -> tuple[int, int]:
    configured = getattr(settings, "RATE_LIMITS", {}) or {}
    if purpose in configured:
        return configured[purpose]
    return DEFAULT_LIMITS[purpose]


def client_key(request) -> str:
    """The reader's address as counted: an IPv4 address, an IPv6 /64, or "unknown"."""
    raw = request.META.get("REMOTE_ADDR", "") or ""
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        return "unknown"
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def hit(key: str, limit: int, window: int) -> bool:
    """Count one request under ``key``; True while the count stays within ``limit`` in the window.

    The window starts with the first request (``cache.add``) and the counter expires with it;
    ``incr`` keeps the expiry on both the local-memory and the Redis cache.
    """
    key = "ratelimit:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    cache = counters()
    if cache.add(key, 1, timeout=window):
        return limit >= 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit


def allowed(request, purpose: str, *, key: str | None = None) -> bool:
    """Count this request for ``purpose``; False once the reader is over the limit."""
    limit, window = limit_for(purpose)
    return hit(f"{purpose}:{key if key is not None else client_key(request)}", limit, window)


def too_many_requests(request, purpose: str, *, message: str | None = None, as_json: bool = False):
    """The shared 429 page (or JSON ``{"error": ...}``), with a Retry-After header."""
    _, window = limit_for(purpose)
    minutes = max(1, round(window / 60))
    message = message or (
        f"You have sent this many times in a short while. Please wait {minutes} minutes and try again."
    )
    if as_json:
        response = JsonResponse({"error": message}, status=429)
    else:
        response = render(request, "magazine/rate_limited.html", {"message": message, "minutes": minutes}, status=429)
    response["Retry-After"] = str(window)
    response["Cache-Control"] = "private, no-store"
    return response


def limit_posts(purpose: str, *, key=None, as_json: bool = False):
    """Decorator: POSTs to the view count towards ``purpose``; over the limit they get a 429 page
    (JSON for views that answer scripts: ``as_json=True``).

    ``key(request, *args, **kwargs)`` may name what is counted instead of the client address.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                counted = key(request, *args, **kwargs) if key is not None else None
                if not allowed(request, purpose, key=counted):
                    return too_many_requests(request, purpose, as_json=as_json)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
