"""A Redis outage is not a site outage: pages, public POSTs, sign-ins and rate limits carry on
without the cache, one line in the log says so, and the site uses Redis again by itself once it
answers, with nothing stale from before (magazine/cache_backend.py, magazine/cache.py).

Runs only in the PostgreSQL/Redis pass (DATABASE_URL=postgres://... and REDIS_URL set), with the
production cache settings. Each test starts a Redis server of its own on a free port and stops,
pauses or restarts it to cause the outage: in-process tests point every cache alias at it; the
last test runs gunicorn with production settings (DEBUG off) against it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
import redis
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.cache import cache, caches
from django.test import Client
from django.urls import reverse

from articles import services as article_services
from articles.models import Article
from articles.tests.factories import ArticleFactory, AuthorFactory, RegionFactory, TopicFactory, UserFactory
from comments.models import Comment
from comments.tests.helpers import form_data, post_url
from magazine import ratelimit
from magazine.models import OutboxTask
from magazine.tests.factories import EditionFactory
from newsletter.models import Newsletter, Subscriber
from newsletter.tests.factories import NewsletterFactory
from tests import tools
from tests.test_scale_out import (
    PUBLIC_HOST,
    SECRET,
    AppServer,
    _csrf_token,
    _database_url,
    _free_port,
    _NoRedirect,
    read,
)

_on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
pytestmark = [
    pytest.mark.skipif(
        not (_on_postgres and os.environ.get("REDIS_URL")),
        reason="cache outages run only in the PostgreSQL/Redis pass: set DATABASE_URL=postgres://... and REDIS_URL",
    ),
    pytest.mark.django_db,
]


@pytest.fixture(autouse=True)
def _redis_server_installed():
    tools.need("redis-server", "apt-get install redis-server")

STAFF_PASSWORD = "outage-editor-password-1"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/140.0"
DOWN = "is not answering"
BACK = "answers again"


class RedisServer:
    """A redis-server of the test's own on a free port: started, stopped (with or without its
    data, saved to the test's folder), paused and resumed; always stopped by ``close()``."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 10) -> None:
        with open(self.folder / "redis.log", "a") as log:
            self.process = subprocess.Popen(
                [
                    "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--dir", str(self.folder), "--dbfilename", "dump.rdb",
                ],
                stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"redis-server exited with {self.process.returncode}")
            try:
                if self.client().ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        pytest.fail(f"redis-server did not answer on port {self.port} within {timeout:.0f} s")

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=5, socket_connect_timeout=5)

    def stop(self, *, keep_data: bool = False) -> None:
        """Shut the server down; with ``keep_data`` the next ``start()`` loads what it held."""
        if keep_data:
            self.client().shutdown(save=True)
        else:
            (self.folder / "dump.rdb").unlink(missing_ok=True)
            self.process.terminate()
        self.process.wait(timeout=10)

    def pause(self) -> None:
        """Stop the process without closing its port: connections open, nothing answers."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def close(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGCONT)
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


@pytest.fixture
def own_redis(tmp_path, settings):
    """The production cache settings, every alias pointed at a Redis server of this test's own."""
    assert settings.CACHES["default"]["BACKEND"] == "magazine.cache_backend.ResilientRedisCache"
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    server = RedisServer(tmp_path)
    server.start()
    settings.CACHES = {alias: {**conf, "LOCATION": server.url} for alias, conf in settings.CACHES.items()}
    settings.PAGE_CACHE_ENABLED = True
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    try:
        yield server
    finally:
        server.close()


def wait_for_retry() -> None:
    """Past the circuit breaker's pause, so the next cache call tries Redis again."""
    time.sleep(float(caches["default"].health.retry_after) + 0.2)


def outage_lines(caplog, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "magazine.cache" and text in r.getMessage()]


@pytest.fixture
def content():
    region = RegionFactory(name="Riverside", slug="riverside")
    topic = TopicFactory(name="Food", slug="food")
    author = AuthorFactory()
    article = ArticleFactory(
        region=region, topic=topic, authors=[author], tags=["dumplings"], title="Dumplings by the river",
    )
    ArticleFactory(region=region, topic=topic, title="Noodles at noon")
    edition = EditionFactory()
    Newsletter.objects.get_or_create(slug="7-days-in-china", defaults={"name": "7 Days in China", "is_default": True})
    return {"region": region, "topic": topic, "author": author, "article": article, "edition": edition}


def reader_urls(content) -> list[str]:
    article, region, topic = content["article"], content["region"], content["topic"]
    return [
        "/",
        article.get_absolute_url(),
        reverse("articles:region", args=[region.slug]),
        reverse("articles:region_topic", args=[region.slug, topic.slug]),
        reverse("articles:topic", args=[topic.slug]),
        reverse("articles:author", args=[content["author"].slug]),
        reverse("articles:tag", args=["dumplings"]),
        "/search/?q=dumplings",
        "/magazine/",
        content["edition"].get_absolute_url(),
        reverse("articles:feed_latest_rss"),
        reverse("articles:feed_region_atom", args=[region.slug]),
        reverse("articles:feed_topic_rss", args=[topic.slug]),
        "/sitemap.xml",
        "/sitemap-articles.xml",
        "/sitemap-news.xml",
        "/robots.txt",
        "/wechat-qr.svg",
        reverse("articles:share_qr", args=[article.pk]),
    ]


def test_every_reader_page_is_served_while_redis_is_down_with_one_line_in_the_log(own_redis, content, caplog):
    reader = Client(HTTP_USER_AGENT=BROWSER)
    urls = reader_urls(content)
    for url in urls[:3]:  # some pages cached before the outage
        assert reader.get(url).status_code == 200
    own_redis.stop()
    caplog.set_level(logging.INFO)
    for _ in range(3):
        for url in urls:
            response = reader.get(url)
            assert response.status_code == 200, url
    assert content["article"].title in reader.get(content["article"].get_absolute_url()).content.decode()
    assert len(outage_lines(caplog, DOWN)) == 1, "one warning for the whole outage"
    assert f"Redis cache at {own_redis.url} is not answering (ConnectionError" in outage_lines(caplog, DOWN)[0]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info], "no error, no traceback"
    assert not outage_lines(caplog, BACK)


def test_public_posts_work_while_redis_is_down(own_redis, content, django_capture_on_commit_callbacks):
    article = content["article"]
    staff = UserFactory(username="outage-staff")
    own_redis.stop()
    reader = Client(HTTP_USER_AGENT=BROWSER)
    with django_capture_on_commit_callbacks(execute=True):
        comment = reader.post(post_url(article), form_data(article, body="Said while the cache was away"))
    assert comment.status_code == 302
    assert Comment.objects.filter(body="Said while the cache was away").exists()
    with django_capture_on_commit_callbacks(execute=True):
        signup = Client().post(reverse("newsletter:subscribe"), {"email": "outage@example.org", "consent": "on"})
    assert (signup.status_code, signup["Location"]) == (302, reverse("newsletter:check_inbox"))
    assert Subscriber.objects.filter(email="outage@example.org").exists()
    share = Client().post(reverse("articles:share", args=[article.pk]), {"network": "weibo"})
    assert share.status_code == 200 and share.json()["counted"] is True
    staff_client = Client()
    login = staff_client.post("/admin/login/", {"username": staff.username, "password": "correct-horse-battery", "next": "/admin/"})
    assert (login.status_code, login["Location"]) == (302, "/admin/")
    assert staff_client.get("/admin/").status_code == 200


def test_signed_in_staff_stay_signed_in_when_redis_stops_and_when_it_restarts_empty(own_redis):
    staff = UserFactory(username="outage-editor")
    client = Client()
    login = client.post("/admin/login/", {"username": staff.username, "password": "correct-horse-battery", "next": "/admin/"})
    assert login.status_code == 302
    assert client.get("/admin/").status_code == 200
    own_redis.stop()
    assert client.get("/admin/").status_code == 200, "signed in while Redis is down"
    own_redis.start()  # empty
    wait_for_retry()
    assert client.get("/admin/").status_code == 200, "signed in after Redis came back empty"
    assert staff.username in client.get("/admin/").content.decode()


def test_a_session_ended_during_the_outage_stays_ended_when_redis_returns_with_its_old_data(own_redis):
    staff = UserFactory(username="outage-leaver")
    client = Client()
    client.post("/admin/login/", {"username": staff.username, "password": "correct-horse-battery", "next": "/admin/"})
    old_cookie = client.cookies["sessionid"].value
    assert client.get("/admin/").status_code == 200  # the session is in Redis now
    own_redis.stop(keep_data=True)
    assert client.post("/admin/logout/").status_code == 200
    own_redis.start()  # with the session it held before the outage
    wait_for_retry()
    replay = Client()
    replay.cookies["sessionid"] = old_cookie
    response = replay.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), "the old cookie is dead"


def test_rate_limits_count_per_process_while_redis_is_down_and_shared_again_after(own_redis, settings):
    from comments.tests.helpers import ensure_staff_groups

    ensure_staff_groups()  # the default newsletter the sign-up form needs, if a flush took it
    settings.RATE_LIMITS = {"newsletter-signup": (1, 600)}
    assert [ratelimit.hit("outage-test", 3, 600) for _ in range(2)] == [True, True]  # counted in Redis
    own_redis.stop(keep_data=True)
    assert [ratelimit.hit("outage-test", 3, 600) for _ in range(4)] == [True, True, True, False], "counted here"
    first = Client().post(reverse("newsletter:subscribe"), {"email": "one@example.org", "consent": "on"})
    second = Client().post(reverse("newsletter:subscribe"), {"email": "two@example.org", "consent": "on"})
    assert (first.status_code, second.status_code) == (302, 429), "the sign-up limit holds during the outage"
    own_redis.start()  # Redis still holds the count of 2 from before
    wait_for_retry()
    assert [ratelimit.hit("outage-test", 3, 600) for _ in range(2)] == [True, False], "the shared count again"
    stored = {int(own_redis.client().get(key)) for key in own_redis.client().keys("*ratelimit:*")}
    assert 4 in stored


def test_a_page_cached_before_an_outage_is_fresh_after_it_when_its_article_changed_meanwhile(
    own_redis, content, django_capture_on_commit_callbacks, caplog
):
    article, reader = content["article"], Client()
    url = article.get_absolute_url()
    assert reader.get(url)["X-Page-Cache"] == "miss"
    assert reader.get(url)["X-Page-Cache"] == "hit"
    own_redis.stop(keep_data=True)
    editor = UserFactory(username="outage-fixer", is_superuser=True)
    article.title = "Dumplings by the river, corrected"
    with django_capture_on_commit_callbacks(execute=True):
        article_services.article_save(article=article, by=editor)
    assert "corrected" in reader.get(url).content.decode(), "rendered without the cache"
    own_redis.start()  # with the page and the versions it held before the outage
    wait_for_retry()
    caplog.set_level(logging.INFO)
    fresh = reader.get(url)
    assert "Dumplings by the river, corrected" in fresh.content.decode(), "not the page cached before the outage"
    assert fresh["X-Page-Cache"] == "miss"
    assert reader.get(url)["X-Page-Cache"] == "hit", "the page cache works on Redis again"
    assert len(outage_lines(caplog, BACK)) == 1


def test_cache_calls_stay_fast_while_redis_hangs(own_redis, content, caplog):
    caplog.set_level(logging.INFO)
    assert cache.get("anything") is None
    own_redis.pause()
    started = time.monotonic()
    assert cache.get("anything", "default") == "default"
    first = time.monotonic() - started
    assert first < 2, f"a short socket timeout, not Redis's default 5 s ({first:.2f} s)"
    started = time.monotonic()
    for n in range(100):
        cache.set(f"key{n}", n)
        assert cache.get(f"key{n}") is None
        assert cache.get_many([f"key{n}", "other"]) == {}
        assert cache.add(f"new{n}", 1) is False
        with pytest.raises(ValueError):
            cache.incr(f"key{n}")
    assert time.monotonic() - started < 0.5, "the circuit breaker skips Redis: no timeout per call"
    started = time.monotonic()
    assert Client().get("/").status_code == 200
    # Some twenty cache calls: with a timeout each it would take 10 s; the breaker skips them all.
    assert time.monotonic() - started < 4, "a whole page waits one timeout at most"
    own_redis.resume()
    wait_for_retry()
    cache.set("after", "back")
    assert cache.get("after") == "back"
    assert (len(outage_lines(caplog, DOWN)), len(outage_lines(caplog, BACK))) == (1, 1)
    assert "(TimeoutError" in outage_lines(caplog, DOWN)[0]


def test_healthz_says_the_cache_is_down_then_ok(own_redis, client):
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "cache": "ok", "tasks": "ok"}
    own_redis.stop()
    down = client.get("/healthz")
    assert down.status_code == 503
    assert down.json() == {"status": "error", "database": "ok", "cache": "error: ConnectionError", "tasks": "ok"}
    own_redis.start()
    up = client.get("/healthz")  # asks Redis itself, without waiting for the circuit breaker
    assert (up.status_code, up.json()["cache"]) == (200, "ok")


# --- A real server with production settings.


def _sign_in(server: AppServer, username: str):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect())
    status, _, html = read(server.base + "/admin/login/?next=/admin/", opener=opener)
    assert status == 200
    status, headers, _ = read(
        server.base + "/admin/login/?next=/admin/",
        opener=opener,
        data={"username": username, "password": STAFF_PASSWORD, "csrfmiddlewaretoken": _csrf_token(html), "next": "/admin/"},
    )
    assert (status, headers.get("Location")) == (302, "/admin/"), "signed in"
    return opener


@pytest.mark.django_db(transaction=True)
def test_a_production_server_rides_out_a_redis_outage_and_uses_redis_again_after(
    own_redis, content, static_root, tmp_path, settings
):
    newsletter = NewsletterFactory(name="Outage weekly", slug="outage-weekly")
    editor = UserFactory(username="outage-night-editor")
    hasher = PBKDF2PasswordHasher()  # the servers' hashers do not include the tests' MD5
    editor.password = hasher.encode(STAFF_PASSWORD, hasher.salt(), iterations=1000)
    editor.save(update_fields=["password"])
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "TESTING"))}
    env.update(
        DATABASE_URL=_database_url(), CONN_MAX_AGE="0", REDIS_URL=own_redis.url, PAGE_CACHE_ENABLED="1",
        DEBUG="0", HTTPS="0", SECRET_KEY=SECRET, ALLOWED_HOSTS=f"{PUBLIC_HOST},127.0.0.1",
        STATIC_ROOT=str(static_root), MEDIA_ROOT=str(settings.MEDIA_ROOT), LOG_LEVEL="INFO",
        COMMENTS_MIN_SUBMIT_SECONDS="0",
    )
    server = AppServer("outage", env, tmp_path)
    try:
        server.wait_healthy()
        staff = _sign_in(server, editor.username)
        region_url = server.base + reverse("articles:region", args=[content["region"].slug])
        assert read(region_url)[1]["X-Page-Cache"] == "miss"
        assert read(region_url)[1]["X-Page-Cache"] == "hit"

        own_redis.stop()
        reader = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect())
        for _ in range(3):
            for url in reader_urls(content):
                status, _, _ = read(server.base + url, opener=reader, timeout=10)
                assert status == 200, url
            assert read(server.base + "/admin/", opener=staff)[0] == 200, "staff stay signed in"
        # Public POSTs: a share, a comment and a sign-up. The RQ queue is down with Redis: the
        # comment's receipt and the confirmation mail wait as promised rows for a worker's sweep.
        status, _, page = read(server.base + content["article"].get_absolute_url(), opener=reader)
        status, _, body = read(
            server.base + reverse("articles:share", args=[content["article"].pk]), opener=reader,
            data={"network": "weibo", "csrfmiddlewaretoken": _csrf_token(page)},
        )
        assert (status, json.loads(body)["counted"]) == (200, True)
        timestamp = re.search(r'name="timestamp" value="([^"]+)"', page).group(1)
        status, _, _ = read(
            server.base + reverse("comments:post", args=[content["article"].pk]), opener=reader,
            data={"name": "Night reader", "email": "night@example.org", "body": "Still reading in the outage.",
                  "timestamp": timestamp, "website": "", "parent": "", "csrfmiddlewaretoken": _csrf_token(page)},
        )
        assert status in (200, 302), "comment accepted"
        status, headers, _ = read(
            server.base + reverse("newsletter:subscribe"), opener=reader,
            data={"email": "late@example.org", "newsletters": str(newsletter.pk), "consent": "on",
                  "csrfmiddlewaretoken": _csrf_token(page)},
        )
        assert (status, headers.get("Location")) == (302, reverse("newsletter:check_inbox")), "sign-up accepted"
        _sign_in(server, editor.username)  # a new sign-in during the outage
        status, _, body = read(server.base + "/healthz")
        assert (status, json.loads(body)) == (503, {"status": "error", "database": "ok", "cache": "error: ConnectionError", "tasks": "ok"})
        log = server.log_path.read_text()
        assert log.count(DOWN) == 1, log
        # The line carries the request id in brackets after the logger's name, when there is one.
        assert re.search(
            rf"WARNING magazine\.cache (\[[^\]]*\] )?Redis cache at {re.escape(own_redis.url)} is not answering \(ConnectionError",
            log,
        ), log
        assert "Traceback" not in log and "Internal Server Error" not in log, log

        own_redis.start()  # empty
        time.sleep(2.2)  # the circuit breaker's pause
        assert read(server.base + "/healthz")[0] == 200
        assert read(server.base + "/admin/", opener=staff)[0] == 200, "still signed in after Redis came back empty"
        assert read(region_url)[1]["X-Page-Cache"] == "miss"
        assert read(region_url)[1]["X-Page-Cache"] == "hit", "pages are cached in Redis again"
        log = server.log_path.read_text()
        assert (log.count(DOWN), log.count(BACK)) == (1, 1), log
    finally:
        server.stop()
    assert Article.objects.get(pk=content["article"].pk).share_count == 1
    comment = Comment.objects.get(email="night@example.org")
    subscriber = Subscriber.objects.get(email="late@example.org")
    promised = {(row.task_path, tuple(row.args)) for row in OutboxTask.objects.filter(state=OutboxTask.State.PENDING)}
    assert ("comments.tasks.send_comment_confirmation", (comment.pk,)) in promised
    assert ("newsletter.tasks.send_confirmation", (subscriber.pk,)) in promised
    assert "Task queue unavailable" in server.log_path.read_text()
