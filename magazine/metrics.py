"""Numbers to watch: the Prometheus metrics the site exposes at ``/metrics``.

Two kinds of numbers:

- **Counted as things happen** (requests and their latency by view, page-cache hits and misses,
  edge purges sent and failed): prometheus_client counters and histograms, incremented in the
  process where the thing happened. Under gunicorn each worker process counts on its own; with
  ``PROMETHEUS_MULTIPROC_DIR`` set (an empty folder, the same one for the app servers and the
  task workers on that machine) every process writes its counts there and a scrape of any one
  of them adds up all of them. Without it a scrape shows only the process that answered.
- **Read at scrape time** (the task queue, newsletter deliveries, comments waiting for
  moderation): gauges computed from the database when Prometheus asks, so they are the same
  whichever process answers and need no bookkeeping on the write paths.

Other modules count with the objects below, e.g. ``metrics.PURGES_SENT.inc()``.
"""

from __future__ import annotations

import functools
import ipaddress
import os
from datetime import timedelta

from django.conf import settings
from django.core.signals import setting_changed
from django.db.models import Count, Min, Q
from django.dispatch import receiver
from django.http import Http404, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

REQUESTS = Counter(
    "magazine_http_requests",
    "Requests answered, by view (URL name), method and status code.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "magazine_http_request_duration_seconds",
    "Time from the first middleware to the response, by view (URL name).",
    ["view"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
PAGE_CACHE = Counter(
    "magazine_page_cache_requests",
    "Reader pages answered by the page cache (hit) or rendered and stored (miss).",
    ["outcome"],
)
PURGES_SENT = Counter("magazine_edge_purges_sent", "Purge requests the edge cache accepted.")
PURGES_FAILED = Counter("magazine_edge_purges_failed", "Purge requests that failed (they are retried).")

# Sends finished longer ago than this are no longer reported per send.
RECENT_SENDS = timedelta(days=1)
UNMATCHED = "<unmatched>"  # the view label of addresses no URL pattern matches (one label, not one per path)


def view_label(request) -> str:
    """The URL name of the view that answered (one label per view, never per path)."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or UNMATCHED
    path = request.path_info
    if path.startswith(settings.STATIC_URL):
        return "static"  # answered by WhiteNoise before URL resolution
    # A page-cache hit answers before URL resolution: resolve its path here, remembering the
    # answers for the paths seen most (a resolve costs more than everything else here).
    return _view_name(path) if len(path) <= 300 else _resolve_view_name(path)


def _resolve_view_name(path: str) -> str:
    try:
        return resolve(path).view_name or UNMATCHED
    except Resolver404:
        return UNMATCHED


_view_name = functools.lru_cache(maxsize=2048)(_resolve_view_name)


@receiver(setting_changed)
def _forget_view_names(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _view_name.cache_clear()


_children: dict[tuple, tuple] = {}


def count_response(view: str, method: str, status: int, seconds: float) -> None:
    """Count and time one response (the label children are looked up once per combination)."""
    key = (view, method, status)
    children = _children.get(key)
    if children is None:
        children = _children[key] = (REQUESTS.labels(view, method, str(status)), LATENCY.labels(view))
    children[0].inc()
    children[1].observe(seconds)


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "") or os.environ.get("prometheus_multiproc_dir", "")


class _ThisProcess:
    """The default registry's metrics (this process only), for a scrape without multiprocess mode."""

    def collect(self):
        yield from REGISTRY.collect()


class DatabaseCollector:
    """Gauges read from the database at scrape time: a handful of aggregate queries."""

    def collect(self):
        now = timezone.now()
        yield from task_queue_metrics(now=now)
        yield delivery_metrics(now=now)
        yield comment_metrics()


def task_queue_metrics(*, now):
    from magazine.models import OutboxTask

    depth = GaugeMetricFamily(
        "magazine_tasks_pending", "Promised tasks due and not done yet, by task.", labels=["task"]
    )
    scheduled = GaugeMetricFamily(
        "magazine_tasks_scheduled", "Promised tasks waiting for a later time (scheduled sends, retries).", labels=["task"]
    )
    failed = GaugeMetricFamily("magazine_tasks_failed", "Promised tasks that failed for good, by task.", labels=["task"])
    oldest = GaugeMetricFamily(
        "magazine_tasks_oldest_pending_age_seconds",
        "How long the longest-waiting due task has been due (0 when none is).",
        labels=["task"],
    )
    pending = Q(state=OutboxTask.State.PENDING)
    due = pending & Q(run_after__lte=now)
    rows = (
        OutboxTask.objects.filter(Q(state=OutboxTask.State.PENDING) | Q(state=OutboxTask.State.FAILED))
        .values("task_path")
        .annotate(
            due=Count("id", filter=due),
            later=Count("id", filter=pending & Q(run_after__gt=now)),
            failed=Count("id", filter=Q(state=OutboxTask.State.FAILED)),
            oldest=Min("run_after", filter=due),
        )
        .order_by("task_path")
    )
    for row in rows:
        task = row["task_path"]
        depth.add_metric([task], row["due"])
        scheduled.add_metric([task], row["later"])
        failed.add_metric([task], row["failed"])
        oldest.add_metric([task], _age(now, row["oldest"]))
    return depth, scheduled, failed, oldest


def _age(now, since) -> float:
    return max((now - since).total_seconds(), 0.0) if since is not None else 0.0


def delivery_metrics(*, now):
    """Deliveries per send and state, for sends in progress or finished within RECENT_SENDS."""
    from newsletter.models import Delivery, Send

    family = GaugeMetricFamily(
        "magazine_newsletter_deliveries",
        "Deliveries of each send in progress or finished lately, by state (sent, failed, pending, skipped).",
        labels=["send", "state"],
    )
    current = Q(send__status=Send.Status.SENDING) | Q(
        send__status=Send.Status.SENT, send__finished_at__gte=now - RECENT_SENDS
    )
    counts: dict[int, dict[str, int]] = {}
    for row in Delivery.objects.filter(current).values("send_id", "state").annotate(n=Count("id")).order_by():
        counts.setdefault(row["send_id"], {})[row["state"]] = row["n"]
    names = {Delivery.State.QUEUED: "pending"}
    for send_id in sorted(counts):
        for state in Delivery.State.values:
            family.add_metric([str(send_id), names.get(state, state)], counts[send_id].get(state, 0))
    return family


def comment_metrics():
    from comments.models import Comment

    family = GaugeMetricFamily("magazine_comments_awaiting_moderation", "Comments waiting for a moderator.")
    family.add_metric([], Comment.objects.filter(state=Comment.State.PENDING).count())
    return family


def scrape() -> tuple[bytes, str]:
    """The text a Prometheus scrape gets, and its content type."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(DatabaseCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


# --- The endpoint


def _forwarded(request) -> bool:
    """Whether a proxy relayed the request: then REMOTE_ADDR is the proxy's, not the caller's."""
    meta = request.META
    return "HTTP_X_FORWARDED_FOR" in meta or "HTTP_FORWARDED" in meta or "HTTP_X_REAL_IP" in meta


def scrape_allowed(request) -> bool:
    """A bearer token equal to METRICS_TOKEN, or a direct connection from METRICS_ALLOWED_IPS.

    An address is trusted only on a request no proxy relayed: behind Varnish or nginx on the
    same machine every reader arrives from 127.0.0.1, so there only the token lets a scrape in.
    """
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() == "bearer" and constant_time_compare(given.strip(), token):
            return True
    if not settings.METRICS_ALLOWED_IPS or _forwarded(request):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    for allowed in settings.METRICS_ALLOWED_IPS:
        try:
            if address in ipaddress.ip_network(allowed, strict=False):
                return True
        except ValueError:
            continue  # an entry that is no address or network lets no one in
    return False


@never_cache
@require_GET
def metrics_endpoint(request):
    """The Prometheus scrape: 404 to anyone not allowed (the public sees no such page)."""
    if not scrape_allowed(request):
        raise Http404("No such page.")
    body, content_type = scrape()
    return HttpResponse(body, content_type=content_type)
