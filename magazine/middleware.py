"""Site-wide middleware: response headers that Django's SecurityMiddleware does not set, NUL
characters in query strings, compression of text responses, request ids and request metrics.

SecurityMiddleware already sends HSTS (on HTTPS), X-Content-Type-Options, Referrer-Policy and
Cross-Origin-Opener-Policy from settings; this adds Permissions-Policy.
"""

from __future__ import annotations

import re
import time

from django.conf import settings
from django.core.signals import request_finished
from django.http import HttpResponseBadRequest
from django.middleware.gzip import GZipMiddleware

from magazine import metrics
from magazine.logs import end_request, request_id_from, start_request


def permissions_policy_header(policy: dict[str, str]) -> str:
    return ", ".join(f"{feature}={allow}" for feature, allow in policy.items())


class PermissionsPolicyMiddleware:
    """Adds ``Permissions-Policy`` from ``settings.PERMISSIONS_POLICY`` to every response.

    A view that sets the header itself keeps its own value.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", None)
        if policy:
            response.setdefault("Permissions-Policy", permissions_policy_header(policy))
        return response


class RejectNulInQueryMiddleware:
    """Answers 400 to a query string holding a NUL character (``?city=%00``).

    No page has a use for one, and PostgreSQL refuses NUL in text: a lookup such as
    ``get_object_or_404(CityEdition, slug=request.GET["city"])`` would raise DataError and
    answer 500 instead of 404. Checked once here rather than before every lookup.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "%00" in request.META.get("QUERY_STRING", "") or _has_nul(request.GET):
            return HttpResponseBadRequest(
                "The address has a NUL character (%00) in it. Remove it and try again.\n",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


def _has_nul(query) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in query.lists())


# HTML, feeds, sitemaps, robots.txt, JSON: what compresses well. Files (PDF downloads, media
# served by Django in development) are left as they are, with their Content-Length.
COMPRESSIBLE_TYPE = re.compile(r"^(text/|application/(json|xml|javascript|[\w.+-]*\+(xml|json))\b)", re.IGNORECASE)


class TextGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware for text responses only.

    Django's middleware adds up to 100 random bytes to each compressed response (the gzip
    header's file name field, "Heal the BREACH", since Django 4.2), so the compressed length of
    a page with a CSRF token in it cannot be used to guess the token (BREACH). Place it after
    WhiteNoise (which serves its own pre-compressed static files) and before every middleware
    that reads or changes the body: the page cache puts each reader's CSRF token into cached
    pages, and ConditionalGetMiddleware computes ETags from the uncompressed body.
    """

    def process_response(self, request, response):
        if response.streaming or not COMPRESSIBLE_TYPE.match(response.get("Content-Type", "")):
            return response
        return super().process_response(request, response)


class RequestIdMiddleware:
    """Gives every request an id for its log lines and the work it promises (magazine/logs.py).

    The caller's ``X-Request-ID`` is kept when it is a sane token (a proxy or load balancer in
    front may set one), otherwise a new one is made; either way it is sent back in the
    response's ``X-Request-ID``. First in MIDDLEWARE, so every log line of the request has it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = request_id
        start_request(request_id)  # until request_finished: Django logs "Not Found: …" after us
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


request_finished.connect(end_request, dispatch_uid="magazine.logs.end_request")


# Methods counted under their own name; anything else a client makes up is counted as "other",
# so no one can add labels (time series) by inventing methods.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetricsMiddleware:
    """Counts every response by view, method and status, times it, and counts page-cache hits
    and misses (from the ``X-Page-Cache`` header the page cache sets). No query, no I/O: a few
    in-memory (or, in multiprocess mode, memory-mapped) increments per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        view = metrics.view_label(request)
        method = request.method if request.method in _METHODS else "other"
        metrics.count_response(view, method, response.status_code, elapsed)
        outcome = response.headers.get("X-Page-Cache")
        if outcome in ("hit", "miss"):
            metrics.PAGE_CACHE.labels(outcome).inc()
        return response
