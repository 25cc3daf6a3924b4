"""The edge cache: headers and purges (Django test client, both passes), and the shipped VCL
run by a real ``varnishd`` in front of a gunicorn server (PostgreSQL + Redis pass).

The varnish tests start ``varnishd`` on a free 127.0.0.1 port with its own work directory and
``deploy/varnish/default.vcl`` (SITE_HOST and the backend port filled in). Writes happen in this
process through the services, as the admin would make them: the purge task runs at once (the
tests' immediate task backend) against the running Varnish. Requests that reach Django are
counted in gunicorn's access log.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from articles import services as article_services
from articles.tests.factories import ArticleFactory, RegionFactory, TopicFactory, UserFactory
from comments import services as comment_services
from comments.models import Comment
from comments.tests.factories import CommentFactory
from comments.tests.helpers import ensure_staff_groups, form_data, post_url
from magazine import edge, outbox
from magazine.cache import bump_versions
from magazine.models import OutboxTask
from tests.tools import need

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_HOST = "www.magazine.test"
SECRET = "edge-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"


@pytest.fixture
def edge_on(settings):
    settings.PAGE_CACHE_ENABLED = True
    settings.EDGE_MAX_AGE = 300
    settings.EDGE_PURGE_URLS = []
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    return settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Headers and purges, through the Django test client ---------------------------------------


@pytest.mark.django_db
def test_stored_page_says_public_s_maxage_and_names_its_keys(client, edge_on):
    article = ArticleFactory(featured=False)
    response = client.get(article.get_absolute_url())
    assert response["X-Page-Cache"] == "miss"
    assert response["Cache-Control"] == "public, max-age=0, s-maxage=300"
    keys = response["xkey"].split()
    assert response["Surrogate-Key"] == response["xkey"]
    assert {f"article-{article.pk}", f"region-{article.region_id}", f"topic-{article.topic_id}", "featured-all"} <= set(keys)
    assert not response.cookies, "nothing of this reader's is set by a page the edge keeps"
    html = response.content.decode()
    assert 'name="csrfmiddlewaretoken" value=""' in html and "js/edge" in html
    again = client.get(article.get_absolute_url())
    assert again["X-Page-Cache"] == "hit" and again["xkey"] == response["xkey"] and not again.cookies


@pytest.mark.django_db
def test_edge_off_keeps_pages_private_with_the_readers_token(client, settings):
    settings.PAGE_CACHE_ENABLED = True
    settings.EDGE_MAX_AGE = 0
    article = ArticleFactory()
    response = client.get(article.get_absolute_url())
    assert response["Cache-Control"] == "private, no-cache" and not response.has_header("xkey")
    assert 'name="csrfmiddlewaretoken" value=""' not in response.content.decode()


@pytest.mark.django_db
def test_no_edge_headers_for_staff_sessions_messages_posts_unknown_queries_or_unstored_pages(client, edge_on):
    article = ArticleFactory()
    url = article.get_absolute_url()
    assert client.get(url).has_header("xkey")
    assert not client.get(url + "?utm_source=x").has_header("xkey"), "another spelling is not an edge entry"
    assert not client.get("/search/?q=metro").has_header("xkey")
    assert "public" not in client.post(url).get("Cache-Control", "")
    client.cookies["messages"] = "x"
    assert not client.get(url).has_header("xkey")
    del client.cookies["messages"]
    client.cookies["commenter"] = "proof"
    assert not client.get(url).has_header("xkey"), "a cookie of the reader's: answered privately"
    del client.cookies["commenter"]
    staff = client.__class__()
    staff.force_login(UserFactory(is_staff=True))
    response = staff.get(url)
    assert not response.has_header("xkey") and "public" not in response.get("Cache-Control", "")


@pytest.mark.django_db
def test_s_maxage_never_outlives_the_next_scheduled_publish(client, edge_on):
    region = RegionFactory()
    ArticleFactory(region=region)
    ArticleFactory(region=region, published_at=timezone.now() + timedelta(seconds=40))
    response = client.get(f"/region/{region.slug}/")
    seconds = int(re.search(r"s-maxage=(\d+)", response["Cache-Control"]).group(1))
    assert 35 <= seconds <= 40
    assert edge.edge_seconds(time.time() + 0.5) == 0 and edge.edge_seconds(None) == 300


@pytest.mark.django_db
def test_reader_gets_own_token_from_the_no_store_endpoint_and_the_form_posts(edge_on, policy_row):
    article = ArticleFactory()
    first, second = (_csrf_client() for _ in range(2))
    html = first.get(article.get_absolute_url()).content.decode()
    assert 'name="csrfmiddlewaretoken" value=""' in html
    tokens = []
    for reader in (first, second):
        response = reader.get("/edge/csrf/")
        assert "no-store" in response["Cache-Control"] and "csrftoken" in response.cookies
        tokens.append(response.json()["token"])
    assert tokens[0] != tokens[1]
    data = form_data(article) | {"csrfmiddlewaretoken": tokens[0]}
    response = first.post(post_url(article), data)
    assert response.status_code in (200, 302) and Comment.objects.filter(article=article).count() == 1


@pytest.mark.django_db
def test_form_posted_without_token_is_offered_again_with_everything_typed(edge_on, policy_row):
    article = ArticleFactory()
    reader = _csrf_client()
    reader.get(article.get_absolute_url())
    data = form_data(article) | {"body": "Typed without JavaScript <b>really</b>", "csrfmiddlewaretoken": ""}
    response = reader.post(post_url(article), data, HTTP_ORIGIN="http://testserver")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Please send it again" in html
    assert 'value="Typed without JavaScript &lt;b&gt;really&lt;/b&gt;"' in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    fields = {name: value.replace("&lt;", "<").replace("&gt;", ">") for name, value in fields.items()}
    response = reader.post(post_url(article), fields | {"csrfmiddlewaretoken": token})
    assert response.status_code in (200, 302)
    assert Comment.objects.get(article=article).body == "Typed without JavaScript <b>really</b>"
    # From another site: Django's plain refusal, nothing offered to send.
    response = reader.post(post_url(article), data, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403 and "Please send it again" not in response.content.decode()


def _csrf_client():
    from django.test import Client

    return Client(enforce_csrf_checks=True)


@pytest.fixture
def policy_row(db):
    from comments.models import CommentPolicy

    ensure_staff_groups()
    return CommentPolicy.objects.get_or_create(pk=1)[0]


@pytest.mark.django_db
def test_bump_promises_a_purge_of_exactly_its_keys_and_a_dead_edge_is_retried(
    edge_on, caplog, django_capture_on_commit_callbacks
):
    dead = f"http://127.0.0.1:{_free_port()}/"
    edge_on.EDGE_PURGE_URLS = [dead]
    edge_on.EDGE_PURGE_TIMEOUT = 1
    with django_capture_on_commit_callbacks(execute=True):
        bump_versions(("article", 7), ("region", 3))  # never raises, whatever the edge does
    row = OutboxTask.objects.get(task_path="magazine.edge.purge_keys")
    assert row.args == [["article-7", "region-3"]]
    assert row.state == OutboxTask.State.PENDING and row.attempts == 1 and "Connection refused" in row.last_error
    assert "edge purge of 2 keys" in caplog.text
    received = []
    with _purge_listener(received) as url:
        edge_on.EDGE_PURGE_URLS = [url]
        OutboxTask.objects.filter(pk=row.pk).update(run_after=timezone.now())
        assert outbox.execute(row.pk) == "done"
    assert received == [("PURGE", "article-7 region-3")]


class _purge_listener:
    """A tiny HTTP server on 127.0.0.1 recording PURGE requests."""

    def __init__(self, received):
        self.received = received

    def __enter__(self):
        import http.server
        import threading

        received = self.received

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_PURGE(self):  # noqa: N802 - the HTTP method's name
                received.append(("PURGE", self.headers["xkey-purge"]))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_port}/"

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


# --- The shipped VCL in a real varnishd ------------------------------------------------------

_on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
postgres_and_redis = pytest.mark.skipif(
    not (_on_postgres and os.environ.get("REDIS_URL")),
    reason="the Varnish tests run in the PostgreSQL/Redis pass: set DATABASE_URL=postgres://... and REDIS_URL",
)


def _database_url() -> str:
    db = connection.settings_dict
    user = urllib.parse.quote(db["USER"] or "", safe="")
    password = ":" + urllib.parse.quote(db["PASSWORD"], safe="") if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{process.args[0]} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"nothing answers on port {port}:\n{log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


class Edge:
    """gunicorn (one worker, access log) behind varnishd running deploy/varnish/default.vcl."""

    def __init__(self, tmp_path: Path, env: dict, varnishd: str):
        self.app_port, self.port = _free_port(), _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.access_log = tmp_path / "access.log"
        self.access_log.touch()
        app_log = tmp_path / "gunicorn.log"
        self.app = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")), "magazine.wsgi:application",
                "--bind", f"127.0.0.1:{self.app_port}", "--workers", "1", "--timeout", "30",
                "--no-control-socket", "--access-logfile", str(self.access_log),
                "--access-logformat", "%(m)s %(U)s%(q)s %(s)s", "--error-logfile", str(app_log),
            ],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
        )
        vcl = (ROOT / "deploy/varnish/default.vcl").read_text()
        vcl = vcl.replace("SITE_HOST", PUBLIC_HOST).replace('.port = "8000";', f'.port = "{self.app_port}";')
        (tmp_path / "site.vcl").write_text(vcl)
        varnish_log = tmp_path / "varnishd.log"
        self.varnish_log = open(varnish_log, "w")  # noqa: SIM115 - closed in stop()
        self.varnish = subprocess.Popen(
            [
                varnishd, "-F", "-n", str(tmp_path / "varnish"), "-a", f"127.0.0.1:{self.port}",
                "-f", str(tmp_path / "site.vcl"), "-s", "malloc,64m", "-T", "none", "-j", "none",
                "-p", "thread_pool_min=5", "-p", "thread_pool_max=50",
            ],
            stdout=self.varnish_log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        _wait_port(self.app_port, self.app, app_log)
        _wait_port(self.port, self.varnish, varnish_log)

    def backend_hits(self, path: str, *, at_least: int = 1) -> int:
        """Requests for ``path`` that reached gunicorn (its access log is written just after the
        response, so this waits a moment for ``at_least`` of them)."""
        deadline = time.monotonic() + 3
        while True:
            count = sum(1 for line in self.access_log.read_text().splitlines() if line.split(" ")[1] == path)
            if count >= at_least or time.monotonic() > deadline:
                return count
            time.sleep(0.05)

    def stop(self) -> None:
        _stop(self.varnish)
        _stop(self.app)
        self.varnish_log.close()


@pytest.fixture
def edge_site(static_root, tmp_path, settings):
    varnishd = need("varnishd", "apt-get install varnish varnish-modules")
    cache = settings.CACHES["default"]
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "TESTING"))}
    env.update(
        DATABASE_URL=_database_url(), CONN_MAX_AGE="0", REDIS_URL=cache["LOCATION"],
        CACHE_KEY_PREFIX=cache.get("KEY_PREFIX", ""), PAGE_CACHE_ENABLED="1", EDGE_MAX_AGE="300",
        DEBUG="0", HTTPS="0", SECRET_KEY=SECRET, ALLOWED_HOSTS=f"{PUBLIC_HOST},127.0.0.1",
        STATIC_ROOT=str(static_root), MEDIA_ROOT=str(settings.MEDIA_ROOT), LOG_LEVEL="WARNING",
    )
    site = Edge(tmp_path, env, varnishd)
    settings.PAGE_CACHE_ENABLED = True
    settings.EDGE_MAX_AGE = 300
    settings.EDGE_PURGE_URLS = [site.url + "/"]
    settings.EDGE_PURGE_TIMEOUT = 2
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    ensure_staff_groups()
    try:
        yield site
    finally:
        site.stop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(site: Edge, path: str, *, headers: dict | None = None, data: bytes | None = None, opener=None):
    """(status, headers, text) through Varnish, as a reader of the public host."""
    request = urllib.request.Request(site.url + path, data=data, headers={"Host": PUBLIC_HOST, **(headers or {})})
    try:
        with (opener or urllib.request.build_opener(_NoRedirect())).open(request, timeout=20) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@postgres_and_redis
def test_varnish_serves_cached_pages_and_writes_purge_exactly_the_affected_ones(edge_site):
    site = edge_site
    harbour, hills = RegionFactory(slug="harbour"), RegionFactory(slug="hills")
    news, food = TopicFactory(), TopicFactory()
    ferry = ArticleFactory(region=harbour, topic=news, featured=False, title="Ferry timetable changes")
    walk = ArticleFactory(region=hills, topic=food, featured=False, title="A walk in the tea hills")
    draft = ArticleFactory(region=harbour, topic=news, featured=False, draft=True, title="New pier opens")
    pages = {"harbour": "/region/harbour/", "hills": "/region/hills/", "ferry": ferry.get_absolute_url(), "walk": walk.get_absolute_url()}

    for path in pages.values():
        status, headers, _ = fetch(site, path)
        assert (status, headers["X-Cache"]) == (200, "MISS")
        assert "xkey" not in headers and "Surrogate-Key" not in headers and "Set-Cookie" not in headers
    for path in pages.values():
        status, headers, _ = fetch(site, path)
        assert (status, headers["X-Cache"]) == (200, "HIT"), path
        assert site.backend_hits(path) == 1, f"{path} was served by Varnish without reaching Django"

    def fresh():
        return {name for name, path in pages.items() if fetch(site, path)[1]["X-Cache"] == "MISS"}

    editor = UserFactory(is_staff=True, is_superuser=True)
    article_services.article_publish(article=draft, by=editor)
    # The harbour story's page shows "more news" from its region: it shows the new story too.
    assert fresh() == {"harbour", "ferry"}, "a publish purges its region's pages, not the other region's"
    assert "New pier opens" in fetch(site, pages["harbour"])[2]

    ferry.title = "Ferry timetable changes again"
    article_services.article_save(article=ferry, by=editor)
    assert fresh() == {"harbour", "ferry"}, "an edit purges the article and the pages listing it"
    assert "Ferry timetable changes again" in fetch(site, pages["ferry"])[2]

    comment = CommentFactory(article=ferry, body="The 7:40 boat is gone", pending=True)
    comment_services.comment_approve(comment=comment, by=editor)
    assert fresh() == {"harbour", "ferry"}, "an approved comment refreshes its article and the card counts"
    assert "The 7:40 boat is gone" in fetch(site, pages["ferry"])[2]
    assert fetch(site, pages["walk"])[1]["X-Cache"] == "HIT" and site.backend_hits(pages["walk"]) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@postgres_and_redis
def test_a_scheduled_time_arriving_shows_the_story_through_varnish_at_once(edge_site):
    site = edge_site
    region = RegionFactory(slug="riverside")
    ArticleFactory(region=region, featured=False, title="Old news by the river")
    when = timezone.now() + timedelta(seconds=4)
    ArticleFactory(region=region, featured=False, published_at=when, title="Bridge reopens at noon")
    status, headers, html = fetch(site, "/region/riverside/")
    assert status == 200 and "Bridge reopens at noon" not in html
    assert fetch(site, "/region/riverside/")[1]["X-Cache"] == "HIT"
    time.sleep(max(0.0, (when - timezone.now()).total_seconds()) + 0.3)
    status, headers, html = fetch(site, "/region/riverside/")
    assert "Bridge reopens at noon" in html, "the edge kept the page no longer than the scheduled time"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@postgres_and_redis
def test_staff_posts_and_readers_tokens_pass_through_and_nothing_personal_is_cached(edge_site):
    site = edge_site
    article = ArticleFactory(featured=False, title="Night markets return")
    path = article.get_absolute_url()
    first = fetch(site, path)[1]
    again = fetch(site, path)[1]
    assert again["X-Cache"] == "HIT"
    # A hit does not hand the first reader's request id to the next; the scrape is not served here.
    assert again["X-Request-ID"] != first["X-Request-ID"] and again["X-Request-ID"].startswith("varnish-")
    assert fetch(site, "/metrics")[0] == 404
    hits = site.backend_hits(path)
    status, headers, _ = fetch(site, path, headers={"Cookie": "sessionid=someone"})
    assert headers["X-Cache"] == "PASS" and site.backend_hits(path, at_least=hits + 1) == hits + 1, "a session goes to Django"
    status, headers, _ = fetch(site, path, headers={"Cookie": "messages=abc"})
    assert headers["X-Cache"] == "PASS"
    status, headers, _ = fetch(site, path, data=b"x=1")
    assert headers["X-Cache"] == "PASS" and status in (403, 405)

    tokens, cookies = set(), set()
    for _ in range(2):
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
        status, headers, html = fetch(site, path, opener=opener)
        assert 'name="csrfmiddlewaretoken" value=""' in html and "Set-Cookie" not in headers
        status, headers, body = fetch(site, "/edge/csrf/", opener=opener)
        assert headers["X-Cache"] == "PASS" and "no-store" in headers["Cache-Control"]
        tokens.add(body)
        cookies |= {cookie.value for cookie in jar if cookie.name == "csrftoken"}
    assert len(tokens) == 2 and len(cookies) == 2, "two readers, two tokens and cookies"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@postgres_and_redis
def test_a_purge_with_the_edge_down_is_retried_and_later_succeeds(edge_site, settings):
    site = edge_site
    article = ArticleFactory(featured=False, title="Tram line 3 opens")
    path = article.get_absolute_url()
    fetch(site, path)
    assert fetch(site, path)[1]["X-Cache"] == "HIT"
    settings.EDGE_PURGE_URLS = [f"http://127.0.0.1:{_free_port()}/"]  # the edge is down
    article.title = "Tram line 3 opens on Monday"
    article_services.article_save(article=article, by=UserFactory(is_staff=True, is_superuser=True))
    row = OutboxTask.objects.filter(task_path="magazine.edge.purge_keys").latest("pk")
    assert row.state == OutboxTask.State.PENDING and row.last_error, "the failed purge waits for its retry"
    assert "on Monday" not in fetch(site, path)[2], "(the edge still has the old page)"
    settings.EDGE_PURGE_URLS = [site.url + "/"]  # the edge is back
    OutboxTask.objects.filter(pk=row.pk).update(run_after=timezone.now())
    assert outbox.sweep(grace_seconds=0) >= 1
    row.refresh_from_db()
    assert row.state == OutboxTask.State.DONE
    assert "on Monday" in fetch(site, path)[2]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@postgres_and_redis
def test_host_forwarded_headers_and_unknown_queries_do_not_poison_other_readers(edge_site):
    site = edge_site
    article = ArticleFactory(featured=False, title="Harbour lights festival")
    path = article.get_absolute_url()
    status, _, _ = fetch(site, path, headers={"Host": "evil.example"})
    assert status == 421
    status, headers, html = fetch(site, path, headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Port": "666"})
    assert status == 200 and "evil.example" not in html and ":666" not in html
    status, headers, html = fetch(site, path + "?x=<script>evil</script>")
    assert headers["X-Cache"] == "PASS" and "<script>evil" not in html
    status, headers, html = fetch(site, path + "?utm_source=wechat&utm_medium=share")
    assert headers["X-Cache"] == "HIT", "tracking parameters are dropped: the one entry serves"
    status, headers, html = fetch(site, path)
    assert headers["X-Cache"] == "HIT" and "evil" not in html


@pytest.mark.django_db
def test_views_of_edge_served_articles_are_counted_once_from_the_browser(client, edge_on):
    from articles import page_views

    article = ArticleFactory()
    url = article.get_absolute_url()
    browser = {"HTTP_USER_AGENT": "Mozilla/5.0 (iPhone) Safari"}
    client.get(url, **browser)  # rendered: the view counts itself
    client.get(url, **browser)  # a page cache hit the edge may keep: the browser will count it
    assert page_views.pending([timezone.localdate()]).get((article.pk, timezone.localdate())) == 1
    response = client.get("/edge/csrf/", {"path": url}, **browser)
    assert response.status_code == 200 and response.json()["token"]
    assert page_views.pending([timezone.localdate()]).get((article.pk, timezone.localdate())) == 2
    for odd in ("//evil.example/x", "no-slash", "/no/such/page/", "x" * 3000, url + "?comments_page=01"):
        assert client.get("/edge/csrf/", {"path": odd}, **browser).status_code == 200
    assert page_views.pending([timezone.localdate()]).get((article.pk, timezone.localdate())) == 2
    client.get(url + "?utm_source=x", **browser)  # not edge-cacheable: counted by the site itself
    assert page_views.pending([timezone.localdate()]).get((article.pk, timezone.localdate())) == 3


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_readers_post_comments_from_edge_pages_with_and_without_javascript(live_server, browser_page, settings, tmp_path):
    """In chromium: the page the edge would keep has no token; edge.js fills it and the comment
    posts. Without JavaScript the post is offered again with the text kept, and then goes in."""
    from comments.models import CommentPolicy

    settings.PAGE_CACHE_ENABLED = True
    settings.EDGE_MAX_AGE = 300
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    ensure_staff_groups()
    CommentPolicy.objects.get_or_create(pk=1)
    article = ArticleFactory(title="Ferries to Chongming return")
    url = live_server.url + article.get_absolute_url()

    for javascript, words in ((True, "Bikes go on the lower deck."), (False, "Typed with no scripts at all.")):
        reader = browser_page(width=390, java_script_enabled=javascript)
        reader.goto(url)
        token = reader.locator('#comment-form input[name="csrfmiddlewaretoken"]')
        if javascript:
            reader.wait_for_function(
                "() => document.querySelector('#comment-form input[name=csrfmiddlewaretoken]').value !== ''"
            )
            assert any(cookie["name"] == "csrftoken" for cookie in reader.context.cookies())
        else:
            assert token.get_attribute("value") == ""
        reader.fill("#id_name", "Wang Fang")
        reader.fill("#id_email", "wang.fang@example.com")
        reader.fill("#id_body", words)
        reader.click("text=Post comment")
        if not javascript:
            reader.get_by_text("Please send it again").wait_for()
            reader.screenshot(path=str(tmp_path / "resend-390.png"), full_page=True)
            reader.get_by_role("button", name="Send it again").click()
        reader.get_by_text("awaits moderation").first.wait_for()
        assert Comment.objects.filter(article=article, body=words).exists()
