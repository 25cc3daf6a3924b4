import datetime
import io
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core.cache import cache
from django.core.paginator import InvalidPage, Paginator
from django.db import connection
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from articles import search as site_search
from articles import selectors
from magazine import pagecache, services
from magazine import selectors as archive_selectors
from magazine import storage as media_storage
from magazine.forms import ArchiveFilterForm, PageForm, SearchForm
from magazine.models import Edition, SiteSettings


def home(request):
    pagecache.depends_on(("articles", "all"))
    pagecache.expires_by(selectors.next_scheduled_publish())
    front = selectors.front_page()
    context = {
        "front": front,
        "lead": front.lead,
        # The page has its own sign-up box (newsletter_promo): one form is enough, the footer's goes.
        "newsletter_in_page": True,
        "canonical_url": request.build_absolute_uri("/"),
    }
    return render(request, "magazine/home.html", context)


@require_GET
def robots_txt(request):
    pagecache.depends_on(("site", "all"))
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


class PartDown(Exception):
    """A health check's own finding; its message is shown as is."""


def _database_answers() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache_answers() -> None:
    check = getattr(cache, "check", None)
    if check is not None:  # magazine.cache_backend: asks Redis itself, past the circuit breaker
        check()
        return
    cache.set("healthz", "ok", 10)
    if cache.get("healthz") != "ok":
        raise PartDown("read back failed")


def _tasks_keep_up() -> None:
    """Promised work (mails, sends) is being done: nothing waits past a lease and a sweep.

    A worker that is down shows here as soon as work waits for it; failed work (given up after
    every retry) is staff's to retry in the admin and is reported too.
    """
    from magazine import workers

    found = workers.backlog()
    problems = []
    if found["overdue"]:
        waiting = int((timezone.now() - found["oldest_overdue"]).total_seconds())
        seen = "no worker seen lately" if not found["workers"] else f"{found['workers']} worker(s) seen"
        problems.append(f"{found['overdue']} promised task(s) overdue, the oldest by {waiting} s; {seen}")
    if found["failed"]:
        problems.append(f"{found['failed']} promised task(s) failed for good (retry them in the admin)")
    if problems:
        raise PartDown("; ".join(problems))


# The parts /healthz reports, each a function that raises when its part is down.
HEALTH_CHECKS = {
    "database": _database_answers,
    "cache": _cache_answers,
    "tasks": _tasks_keep_up,
}


@require_GET
def healthz(request):
    """JSON with "ok" or "error: ..." for each part; 503 when any part is down."""
    checks = {}
    for part, check in HEALTH_CHECKS.items():
        try:
            check()
            checks[part] = "ok"
        except PartDown as exc:
            checks[part] = f"error: {exc}"
        except Exception as exc:  # noqa: BLE001 - a health check reports any failure
            checks[part] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


EDITIONS_PER_PAGE = 24


def edition_archive(request):
    """Every published print issue, newest first, filtered by city edition and year."""
    pagecache.depends_on(("editions", "all"))
    form = ArchiveFilterForm(request.GET)
    if not form.is_valid():
        raise Http404(form.first_error())
    city, year = form.cleaned_data["city"], form.cleaned_data["year"]
    paginator = Paginator(archive_selectors.archive(city=city, year=year), EDITIONS_PER_PAGE)
    try:
        page = paginator.page(form.cleaned_data["page"] or 1)
    except InvalidPage as exc:
        raise Http404("No such page of the archive.") from exc
    context = {
        "page_obj": page,
        "editions": page.object_list,
        "cities": archive_selectors.city_editions(),
        "years": archive_selectors.archive_years(city=city),
        "city": city,
        "year": year,
        "pager_query": urlencode([(k, v) for k, v in (("city", city and city.slug), ("year", year)) if v]),
        "canonical_url": request.build_absolute_uri(request.path),
    }
    return render(request, "magazine/edition_archive.html", context)


def _edition(city: str, month: str) -> Edition:
    try:
        year, month_number = (int(part) for part in month.split("-"))
        issue_month = datetime.date(year, month_number, 1)
    except ValueError as exc:
        raise Http404("No such issue.") from exc
    return get_object_or_404(archive_selectors.editions(), city__slug=city, issue_month=issue_month)


def edition_detail(request, city: str, month: str):
    pagecache.depends_on(("editions", "all"))
    edition = _edition(city, month)
    more = archive_selectors.archive(city=edition.city).exclude(pk=edition.pk)[:6]
    return render(
        request,
        "magazine/edition_detail.html",
        {"edition": edition, "more_editions": more, "canonical_url": request.build_absolute_uri(request.path)},
    )


@require_GET
def edition_download(request, city: str, month: str):
    edition = _edition(city, month)
    if not edition.pdf:
        raise Http404("This issue has no PDF.")
    link = media_storage.download_link(edition.pdf, filename=edition.download_name, content_type="application/pdf")
    if link:
        # In a bucket: count, then send the reader to a signed link that works for a few minutes
        # and makes the bucket answer with the download's name and type. The PDF (up to
        # EDITION_PDF_MAX_BYTES) never ties up an app server's worker while it downloads.
        if request.method == "GET":
            services.edition_record_download(edition=edition)
        response = HttpResponseRedirect(link)
        response["Cache-Control"] = "private, no-store"
        return response
    try:
        handle = edition.pdf.open("rb")
    except FileNotFoundError as exc:
        raise Http404("This issue's PDF is missing.") from exc
    if request.method == "GET":
        services.edition_record_download(edition=edition)
    return FileResponse(handle, as_attachment=True, filename=edition.download_name, content_type="application/pdf")


@require_GET
def search(request):
    """Site search: ranked results for the reader's words, filtered by region, topic and dates."""
    form = SearchForm(request.GET, nav=selectors.navigation())
    valid = form.is_valid()
    query = site_search.parse_query(form.cleaned_data.get("q", ""))
    page_number = PageForm(request.GET).page_number()
    if page_number is None:
        raise Http404("No such page of search results.")
    page = None
    if valid and query:
        data = form.cleaned_data
        results = site_search.search(
            query,
            region=data["region"],
            topic=data["topic"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            newest_first=data["sort"] == "newest",
        )
        paginator = Paginator(results, getattr(settings, "SEARCH_RESULTS_PER_PAGE", settings.ARTICLES_PER_PAGE))
        try:
            page = paginator.page(page_number)
        except InvalidPage as exc:
            raise Http404("No such page of search results.") from exc
    context = {
        "form": form,
        "query": query,
        "page_obj": page,
        "hits": page.object_list if page else [],
        # The pager keeps the search's own fields, as sent; nothing else.
        "pager_query": urlencode([(name, v) for name in form.fields if name in form.data for v in form.data.getlist(name)]),
        "canonical_url": request.build_absolute_uri(reverse("search")),
        "sort": form.cleaned_data.get("sort", "") if valid else "",
        "sorts": SearchForm.SORTS,
        "rank_window": site_search.RANK_WINDOW,
    }
    return render(request, "magazine/search.html", context)


def site_page(request, slug: str):
    """About, Contact, Privacy policy …: a page staff write in the admin."""
    pagecache.depends_on(("sitepages", "all"))
    page = archive_selectors.site_page(slug=slug)
    if page is None:
        raise Http404("No such page.")
    return render(
        request, "magazine/site_page.html", {"page": page, "canonical_url": request.build_absolute_uri(request.path)}
    )


def bench_floor(request):
    """A fixed string, routed only with BENCH_FLOOR=1: what bench/pages compares pages with."""
    return HttpResponse("ok")
