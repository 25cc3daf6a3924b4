"""The Prometheus scrape at /metrics: who may read it, and what the numbers say."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from articles.tests.factories import ArticleFactory
from comments.tests.factories import CommentFactory
from magazine import metrics
from magazine.middleware import RequestIdMiddleware, RequestMetricsMiddleware
from magazine.models import OutboxTask
from newsletter.models import Delivery, Send
from newsletter.tests.factories import SendFactory, SubscriberFactory

pytestmark = pytest.mark.django_db

PUBLIC = "203.0.113.9"


@pytest.fixture(autouse=True)
def _metrics_settings(settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1", "::1"]
    settings.METRICS_TOKEN = ""


def scrape(client, **extra) -> dict[tuple[str, tuple], float]:
    """The scraped samples as {(name, sorted labels): value}."""
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.status_code
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


# --- who may read it


def test_the_public_gets_a_404_and_this_machine_the_numbers(client):
    assert client.get("/metrics", REMOTE_ADDR=PUBLIC).status_code == 404
    response = client.get("/metrics")  # the test client comes from 127.0.0.1
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert "magazine_http_requests_total" in response.content.decode()


def test_production_default_lets_no_one_in(client, settings):
    settings.METRICS_ALLOWED_IPS = []
    assert client.get("/metrics").status_code == 404


def test_allowed_networks_are_matched_and_nonsense_entries_let_no_one_in(client, settings):
    settings.METRICS_ALLOWED_IPS = ["not-an-address", "10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="11.0.0.1").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="garbage").status_code == 404


@pytest.mark.parametrize("header", ["HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP"])
def test_a_request_relayed_by_a_proxy_on_an_allowed_address_is_refused(client, header):
    """Behind Varnish or nginx on this machine every reader arrives from 127.0.0.1."""
    assert client.get("/metrics", **{header: PUBLIC}).status_code == 404


def test_the_bearer_token_lets_a_scrape_in_from_anywhere(client, settings):
    settings.METRICS_TOKEN = "s3cret-scrape-token"
    assert client.get("/metrics", REMOTE_ADDR=PUBLIC, HTTP_AUTHORIZATION="Bearer s3cret-scrape-token").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR=PUBLIC, HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR=PUBLIC, HTTP_AUTHORIZATION="Basic s3cret-scrape-token").status_code == 404
    forwarded = client.get("/metrics", HTTP_X_FORWARDED_FOR=PUBLIC, HTTP_AUTHORIZATION="Bearer s3cret-scrape-token")
    assert forwarded.status_code == 200


def test_the_scrape_is_never_cached(client):
    for _ in range(2):
        response = client.get("/metrics")
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
        assert "X-Page-Cache" not in response
    assert client.post("/metrics").status_code == 405


# --- what is counted as it happens


def test_requests_latency_and_page_cache_hits_are_counted_by_view(client, settings):
    settings.PAGE_CACHE_ENABLED = True
    ArticleFactory(title="First story")
    before = scrape(client)
    assert client.get(reverse("home")).status_code == 200  # rendered and stored
    assert client.get(reverse("home"))["X-Page-Cache"] == "hit"
    assert client.get("/no/such/page/").status_code == 404
    after = scrape(client)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("magazine_http_requests_total", view="home", method="GET", status="200") == 2
    assert moved("magazine_http_requests_total", view=metrics.UNMATCHED, method="GET", status="404") == 1
    assert moved("magazine_http_request_duration_seconds_count", view="home") == 2
    assert moved("magazine_http_request_duration_seconds_sum", view="home") > 0
    assert moved("magazine_page_cache_requests_total", outcome="miss") == 1
    assert moved("magazine_page_cache_requests_total", outcome="hit") == 1
    # The first scrape itself was counted under its own view.
    assert moved("magazine_http_requests_total", view="metrics", method="GET", status="200") == 1


def test_made_up_methods_add_no_labels(client):
    before = scrape(client)
    status = client.generic("BREW", reverse("home")).status_code
    after = scrape(client)
    assert not any(dict(labels).get("method") == "BREW" for _, labels in after)
    key = ("magazine_http_requests_total", (("method", "other"), ("status", str(status)), ("view", "home")))
    assert after.get(key, 0) - before.get(key, 0) == 1


def test_purge_counters_are_exported_for_the_edge_purge(client):
    before = scrape(client)
    metrics.PURGES_SENT.inc()
    metrics.PURGES_SENT.inc()
    metrics.PURGES_FAILED.inc()
    after = scrape(client)
    assert value(after, "magazine_edge_purges_sent_total") - value(before, "magazine_edge_purges_sent_total") == 2
    assert value(after, "magazine_edge_purges_failed_total") - value(before, "magazine_edge_purges_failed_total") == 1


def test_a_purge_with_the_edge_down_counts_as_failed_and_one_accepted_as_sent(client, settings):
    import http.server
    import socket
    import threading

    from magazine import edge

    with socket.socket() as probe:  # a port nothing listens on: the edge is down
        probe.bind(("127.0.0.1", 0))
        down = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    settings.EDGE_PURGE_URLS = [down]
    before = scrape(client)
    with pytest.raises(edge.PurgeFailed):
        edge.purge_keys(["article-1"])

    class Edge(http.server.BaseHTTPRequestHandler):
        def do_PURGE(self):  # noqa: N802 — the method's name is the HTTP verb
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Edge)
    threading.Thread(target=server.handle_request, daemon=True).start()
    settings.EDGE_PURGE_URLS = [f"http://127.0.0.1:{server.server_port}/"]
    edge.purge_keys(["article-1"])
    server.server_close()
    after = scrape(client)
    assert value(after, "magazine_edge_purges_failed_total") - value(before, "magazine_edge_purges_failed_total") == 1
    assert value(after, "magazine_edge_purges_sent_total") - value(before, "magazine_edge_purges_sent_total") == 1


def test_the_middleware_makes_no_query(rf: RequestFactory, django_assert_num_queries):
    chain = RequestIdMiddleware(RequestMetricsMiddleware(lambda request: HttpResponse("ok")))
    with django_assert_num_queries(0):
        for path in ("/", "/no/such/page/", "/static/css/site.css"):
            response = chain(rf.get(path))
            assert response.status_code == 200 and response["X-Request-ID"]


def test_counts_of_every_process_add_up_in_multiprocess_mode(client, tmp_path, monkeypatch):
    """Under gunicorn each worker counts in its own file in PROMETHEUS_MULTIPROC_DIR; a scrape
    answered by any process reports the sum."""
    root = Path(__file__).resolve().parents[2]
    script = "from magazine import metrics; metrics.PURGES_SENT.inc(3); metrics.PURGES_FAILED.inc()"
    for _ in range(2):
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=root,
            env={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
            check=True,
            timeout=60,
        )
    assert len(list(tmp_path.glob("counter_*.db"))) == 2
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    samples = scrape(client)
    assert value(samples, "magazine_edge_purges_sent_total") == 6
    assert value(samples, "magazine_edge_purges_failed_total") == 2
    assert value(samples, "magazine_comments_awaiting_moderation") == 0  # read from the database as ever


# --- what is read from the database at scrape time


def test_queue_depth_and_age_of_the_oldest_due_task(client):
    now = timezone.now()
    mail = "comments.tasks.send_comment_confirmation"
    OutboxTask.objects.create(task_path=mail, args=[1], run_after=now - timedelta(hours=1))
    OutboxTask.objects.create(task_path=mail, args=[2], run_after=now - timedelta(minutes=5))
    OutboxTask.objects.create(task_path=mail, args=[3], run_after=now + timedelta(hours=2))
    OutboxTask.objects.create(task_path=mail, args=[4], state=OutboxTask.State.DONE, run_after=now - timedelta(days=2))
    OutboxTask.objects.create(task_path="newsletter.tasks.send_batch", args=[5], state=OutboxTask.State.FAILED)

    samples = scrape(client)
    assert value(samples, "magazine_tasks_pending", task=mail) == 2
    assert value(samples, "magazine_tasks_scheduled", task=mail) == 1
    assert value(samples, "magazine_tasks_failed", task=mail) == 0
    assert 3600 <= value(samples, "magazine_tasks_oldest_pending_age_seconds", task=mail) < 3700
    assert value(samples, "magazine_tasks_failed", task="newsletter.tasks.send_batch") == 1
    assert value(samples, "magazine_tasks_oldest_pending_age_seconds", task="newsletter.tasks.send_batch") == 0

    OutboxTask.objects.filter(args=[1]).update(state=OutboxTask.State.DONE)
    age = value(scrape(client), "magazine_tasks_oldest_pending_age_seconds", task=mail)
    assert 300 <= age < 400


def test_deliveries_sent_failed_and_pending_per_send_in_progress_or_recent(client):
    now = timezone.now()
    sending = SendFactory(status=Send.Status.SENDING, started_at=now)
    recent = SendFactory(status=Send.Status.SENT, finished_at=now - timedelta(hours=3))
    old = SendFactory(status=Send.Status.SENT, finished_at=now - timedelta(days=3))
    states = {
        sending: ["sent", "sent", "sent", "failed", "queued", "queued"],
        recent: ["sent", "skipped"],
        old: ["sent"],
    }
    for send, send_states in states.items():
        for state in send_states:
            Delivery.objects.create(send=send, subscriber=SubscriberFactory(), state=state)

    samples = scrape(client)
    delivered = "magazine_newsletter_deliveries"
    assert value(samples, delivered, send=str(sending.pk), state="sent") == 3
    assert value(samples, delivered, send=str(sending.pk), state="failed") == 1
    assert value(samples, delivered, send=str(sending.pk), state="pending") == 2
    assert (delivered, (("send", str(recent.pk)), ("state", "failed"))) in samples  # zeros are reported too
    assert value(samples, delivered, send=str(recent.pk), state="sent") == 1
    assert value(samples, delivered, send=str(recent.pk), state="skipped") == 1
    assert not any(name == delivered and dict(labels)["send"] == str(old.pk) for name, labels in samples)


def test_comments_waiting_for_moderation(client):
    CommentFactory(pending=True)
    CommentFactory(pending=True)
    CommentFactory()
    CommentFactory(spam=True)
    assert value(scrape(client), "magazine_comments_awaiting_moderation") == 2


def test_the_scrape_reads_the_database_in_a_fixed_number_of_queries(client, django_assert_num_queries):
    for n in range(3):
        OutboxTask.objects.create(task_path=f"magazine.tests.task_{n}", args=[n])
        send = SendFactory(status=Send.Status.SENDING)
        Delivery.objects.create(send=send, subscriber=SubscriberFactory())
        CommentFactory(pending=True)
    with django_assert_num_queries(3):  # tasks, deliveries, comments
        scrape(client)
