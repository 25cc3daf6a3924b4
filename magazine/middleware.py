"""Response headers that Django's SecurityMiddleware does not set.

SecurityMiddleware already sends HSTS (on HTTPS), X-Content-Type-Options, Referrer-Policy and
Cross-Origin-Opener-Policy from settings; this adds Permissions-Policy.
"""

from __future__ import annotations

from django.conf import settings

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
