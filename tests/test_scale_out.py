"""Two app servers sharing PostgreSQL and Redis: a publish through one is seen at once through the other.

Runs only in the PostgreSQL/Redis pass (DATABASE_URL=postgres://... and REDIS_URL set). Two
gunicorn processes run the site with production settings (DEBUG off, page cache on) against
this test's database and the Redis database this test process uses for its cache; the data
is committed (transactional test) so they see it. An editor signs in through server A's admin
and publishes a draft with the admin's "publish" action; readers asking server B get the new
article on the very next request, although B had the region page cached.
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
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from articles.models import Article
from articles.tests.factories import ArticleFactory, RegionFactory, TopicFactory, UserFactory
from comments.tests.helpers import ensure_staff_groups

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "scale-out-editor-password-1"
SECRET = "scale-out-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF"
TIMEOUT = 20
# Readers reach both servers under one public name, as through a load balancer; the page
# cache keys pages by host, so this is what lets B serve what A cached.
PUBLIC_HOST = "www.magazine.test"

_on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
pytestmark = [
    pytest.mark.skipif(
        not (_on_postgres and os.environ.get("REDIS_URL")),
        reason="scale-out runs only in the PostgreSQL/Redis pass: set DATABASE_URL=postgres://... and REDIS_URL",
    ),
    # Committed data, so the servers see it; the groups from the data migration come back afterwards.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    user = urllib.parse.quote(db["USER"] or "", safe="")
    password = ":" + urllib.parse.quote(db["PASSWORD"], safe="") if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class AppServer:
    def __init__(self, name: str, env: dict, logdir: Path):
        self.name = name
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = logdir / f"gunicorn-{name}.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")), "magazine.wsgi:application",
                "--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--timeout", "30",
                # gunicorn 27 otherwise writes a control socket under $HOME/.gunicorn/, shared by all.
                "--no-control-socket",
                "--error-logfile", "-",
            ],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text()[-3000:]

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"server {self.name} exited with {self.process.returncode}:\n{self.log()}")
            try:
                if read(self.base + "/healthz", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        pytest.fail(f"server {self.name} did not answer /healthz within {timeout:.0f} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log.close()


@pytest.fixture
def two_servers(static_root, tmp_path, settings):
    """Servers A and B: one gunicorn worker each, sharing this test's database and Redis."""
    cache = settings.CACHES["default"]
    assert cache["BACKEND"].endswith("RedisCache"), "the servers must share the Redis cache this test uses"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "TESTING"))}
    env.update(
        DATABASE_URL=_database_url(),
        CONN_MAX_AGE="0",
        REDIS_URL=cache["LOCATION"],
        CACHE_KEY_PREFIX=cache.get("KEY_PREFIX", ""),
        PAGE_CACHE_ENABLED="1",
        DEBUG="0",
        HTTPS="0",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS=f"{PUBLIC_HOST},127.0.0.1",
        STATIC_ROOT=str(static_root),
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        LOG_LEVEL="WARNING",
    )
    servers = []
    try:
        for name in ("A", "B"):
            servers.append(AppServer(name, env, tmp_path))
        for server in servers:
            server.wait_healthy()
        yield servers
    finally:
        for server in servers:
            server.stop()


def read(url: str, *, opener=None, data: dict | None = None, timeout: float = TIMEOUT):
    """GET (or POST ``data``) to the site's public name, without following redirects: (status, headers, text)."""
    body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={"Host": PUBLIC_HOST})
    try:
        with (opener or urllib.request.build_opener(_NoRedirect())).open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _csrf_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "the form carries a CSRF token"
    return match.group(1)


def _editor_signs_in(server: AppServer):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect())
    status, _, html = read(server.base + "/admin/login/?next=/admin/", opener=opener)
    assert status == 200
    status, headers, _ = read(
        server.base + "/admin/login/?next=/admin/",
        opener=opener,
        data={"username": "scale-editor", "password": PASSWORD, "csrfmiddlewaretoken": _csrf_token(html), "next": "/admin/"},
    )
    assert (status, headers.get("Location")) == (302, "/admin/"), "the editor is signed in"
    return opener


def test_a_publish_through_one_app_server_is_seen_at_once_through_the_other(two_servers):
    server_a, server_b = two_servers
    region = RegionFactory(name="Harbour District", slug="harbour-district")
    topic = TopicFactory()
    ArticleFactory(region=region, topic=topic, title="Yesterday on the harbour")
    draft = ArticleFactory(region=region, topic=topic, draft=True, title="Ferry terminal opens at dawn")
    ensure_staff_groups()  # a transactional test run before this one on the worker may have flushed them
    editor = UserFactory(username="scale-editor", groups=["Editor"])
    # The servers run production settings, whose password hashers do not include the tests' MD5.
    hasher = PBKDF2PasswordHasher()
    editor.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    editor.save(update_fields=["password"])
    region_url = f"/region/{region.slug}/"

    status, headers, html = read(server_a.base + region_url)
    assert (status, headers["X-Page-Cache"]) == (200, "miss")
    assert "Yesterday on the harbour" in html and "Ferry terminal opens at dawn" not in html
    status, headers, html = read(server_b.base + region_url)
    assert (status, headers["X-Page-Cache"]) == (200, "hit"), "B is served the page A cached: the cache is shared"
    assert "Ferry terminal opens at dawn" not in html

    admin = _editor_signs_in(server_a)
    status, _, _ = read(server_b.base + "/admin/", opener=admin)
    assert status == 200, "the session made on A is known to B: sessions are shared"
    status, _, changelist = read(server_a.base + "/admin/articles/article/", opener=admin)
    assert status == 200
    status, headers, _ = read(
        server_a.base + "/admin/articles/article/",
        opener=admin,
        data={
            "action": "publish_selected",
            "_selected_action": [str(draft.pk)],
            "index": "0",
            "csrfmiddlewaretoken": _csrf_token(changelist),
        },
    )
    assert status == 302, "the publish action ran and went back to the list"

    published = Article.objects.get(pk=draft.pk)
    assert published.is_live
    status, headers, html = read(server_b.base + region_url)
    assert status == 200
    assert headers["X-Page-Cache"] == "miss", "B re-rendered the region page it had cached"
    assert "Ferry terminal opens at dawn" in html
    status, _, html = read(server_b.base + published.get_absolute_url())
    assert status == 200
    assert "Ferry terminal opens at dawn" in html
    status, _, html = read(server_b.base + "/")
    assert status == 200
    assert "Ferry terminal opens at dawn" in html
