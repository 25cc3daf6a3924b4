"""Response headers that Django's SecurityMiddleware does not set.

SecurityMiddleware already sends HSTS (on HTTPS), X-Content-Type-Options, Referrer-Policy and
Cross-Origin-Opener-Policy from settings; this adds Permissions-Policy.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseBadRequest


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
