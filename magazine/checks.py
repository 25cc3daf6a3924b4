"""System checks of the site's own production settings (run by `manage.py check --deploy`)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def check_site_url(app_configs, **kwargs) -> list[Error]:
    """Mail links, List-Unsubscribe headers, Message-IDs and feeds are built from SITE_URL: in
    production it must be the site's public https origin (RFC 8058 one-click unsubscribe needs https)."""
    url = getattr(settings, "SITE_URL", "") or ""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return []
    if not os.environ.get("SITE_URL"):
        problem = f"SITE_URL is not set, so links in the mail the site sends point at {url or 'nothing'}"
    else:
        problem = f"SITE_URL is {url!r}, not the site's https origin: links in the mail the site sends point there"
    return [
        Error(
            f"{problem}, and List-Unsubscribe headers need https.",
            hint="Set SITE_URL in the environment to the site's public https origin, e.g. SITE_URL=https://www.example.com.",
            id="magazine.E001",
        )
    ]
