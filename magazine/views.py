import io

import qrcode
import qrcode.image.svg
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from articles import selectors
from magazine.models import SiteSettings


def home(request):
    lead = selectors.lead_story()
    shown = [lead.pk] if lead else []
    by_region = selectors.latest_by_region(per=4, exclude_ids=shown)
    context = {
        "lead": lead,
        "by_region": by_region,
        "topic_strips": selectors.topic_strips(per=4, exclude_ids=shown),
        "canonical_url": request.build_absolute_uri("/"),
    }
    return render(request, "magazine/home.html", context)


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /preview/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_GET
@cache_control(public=True, max_age=3600)
def wechat_qr(request):
    """The WeChat follow code as SVG, drawn from the account id or follow URL in site settings."""
    target = SiteSettings.load().wechat_qr_target
    key = f"wechat-qr:{target}"
    svg = cache.get(key)
    if svg is None:
        image = qrcode.make(target, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
        buffer = io.BytesIO()
        image.save(buffer)
        svg = buffer.getvalue()
        cache.set(key, svg, 86400)
    return HttpResponse(svg, content_type="image/svg+xml")


@require_GET
def healthz(request):
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - a health check reports any failure
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        cache.set("healthz", "ok", 10)
        checks["cache"] = "ok" if cache.get("healthz") == "ok" else "error: read back failed"
    except Exception as exc:  # noqa: BLE001
        checks["cache"] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)
