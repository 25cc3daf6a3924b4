"""Security headers and cookies as production sends them, and a CSP that pages keep to."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from articles.tests.admin_helpers import ADMIN_PASSWORD
from articles.tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k3J9!vQ2#pL8zR5@wX1&nB7^tY4*hM6(cD0)fG-eS_aU+iO=rE-production-like",
    "ALLOWED_HOSTS": "example.com",
}
PRODUCTION_NAMES = [
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SECURE",
    "X_FRAME_OPTIONS",
    "PERMISSIONS_POLICY",
    "AUTHENTICATION_BACKENDS",
]


@pytest.fixture(scope="module")
def production_settings():
    """The values magazine/settings.py really gives with the production environment."""
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {PRODUCTION_NAMES!r}}}))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_SETTINGS", "TESTING"))}
    env.update(PRODUCTION_ENV, DJANGO_SETTINGS_MODULE="magazine.settings")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def production_like(settings, production_settings):
    """This process's settings set to the production values (the test server speaks https)."""
    for name in PRODUCTION_NAMES:
        if name in ("AUTHENTICATION_BACKENDS", "SECURE_SSL_REDIRECT"):
            continue
        value = production_settings[name]
        setattr(settings, name, tuple(value) if name == "SECURE_PROXY_SSL_HEADER" else value)
    settings.ALLOWED_HOSTS = ["example.com", "testserver"]
    return settings


def test_production_environment_turns_on_hsts_secure_cookies_and_https(production_settings):
    assert production_settings["SECURE_HSTS_SECONDS"] >= 31536000
    assert production_settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production_settings["SECURE_HSTS_PRELOAD"] is True
    assert production_settings["SECURE_SSL_REDIRECT"] is True
    assert production_settings["SESSION_COOKIE_SECURE"] is True
    assert production_settings["SESSION_COOKIE_HTTPONLY"] is True
    assert production_settings["CSRF_COOKIE_SECURE"] is True
    assert production_settings["AUTHENTICATION_BACKENDS"][0] == "axes.backends.AxesStandaloneBackend"


def test_every_response_carries_the_security_headers(client, production_like):
    article = ArticleFactory()
    for url in ["/", article.get_absolute_url(), "/newsletter/", "/no-such-page/"]:
        response = client.get(url, secure=True)
        assert response.status_code in (200, 404), url
        assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload", url
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        policy = response["Permissions-Policy"]
        for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()", "interest-cohort=()"):
            assert feature in policy, (url, feature)


def test_static_files_carry_the_security_headers_too(client, production_like):
    production_like.WHITENOISE_USE_FINDERS = True  # serve from static/ without collectstatic
    production_like.WHITENOISE_AUTOREFRESH = True
    response = client.get("/static/css/site.css", secure=True)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]


def test_plain_http_gets_no_hsts_header(client, production_like):
    # Browsers ignore HSTS over http; Django sends it on https only.
    assert "Strict-Transport-Security" not in client.get("/")


def test_session_cookie_is_secure_and_http_only_and_csrf_cookie_secure(client, production_like):
    staff = UserFactory(username="cookie-editor")
    signed_in = client.post(
        "/admin/login/", {"username": staff.username, "password": ADMIN_PASSWORD, "next": "/admin/"}, secure=True
    )
    assert signed_in.status_code == 302
    session = signed_in.cookies["sessionid"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"

    form_page = client.get("/newsletter/", secure=True)
    csrf = form_page.cookies.get("csrftoken") or signed_in.cookies.get("csrftoken")
    assert csrf is not None
    assert csrf["secure"] is True
    assert csrf["samesite"] == "Lax"


# --- Content-Security-Policy: complete, and no page needs an exception from it.

def _directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def test_csp_is_strict_and_names_every_directive(client):
    response = client.get("/")
    directives = _directives(response["Content-Security-Policy"])
    assert directives["default-src"] == ["'self'"]
    # 'self', plus a per-response nonce on pages that render a script carrying it.
    assert directives["script-src"][0] == "'self'"
    assert all(re.fullmatch(r"'nonce-[A-Za-z0-9+/=_-]+'", extra) for extra in directives["script-src"][1:])
    assert directives["style-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["connect-src"] == ["'self'"]
    assert directives["font-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header and "*" not in header


def test_csp_is_sent_on_error_and_rate_limit_pages(client, settings):
    settings.RATE_LIMITS = {"newsletter-signup": (0, 600)}
    for response in (client.get("/no-such-page/"), client.post("/newsletter/subscribe/", {"email": "a@example.com"})):
        assert response.status_code in (404, 429)
        assert "default-src 'self'" in response["Content-Security-Policy"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)


def _assert_no_inline_code(response, url):
    html = response.content.decode()
    nonces = [n[len("'nonce-"):-1] for n in _directives(response["Content-Security-Policy"])["script-src"][1:]]
    for tag in INLINE_SCRIPT.findall(html):
        assert any(f'nonce="{nonce}"' in tag for nonce in nonces), (url, tag)
    assert not re.search(r"<style[\s>]", html, re.I), url
    assert not re.search(r"\sstyle\s*=", html, re.I), url
    assert not EVENT_HANDLER.search(html), url
    assert "javascript:" not in html.lower(), url


def test_staff_pages_have_no_inline_script_style_or_event_handler(client):
    from comments.tests.factories import CommentFactory

    article = ArticleFactory()
    CommentFactory(article=article)
    assert client.get("/admin/login/").status_code == 200
    _assert_no_inline_code(client.get("/admin/login/"), "/admin/login/")
    client.force_login(UserFactory(username="csp-root", is_superuser=True))
    urls = [
        "/admin/",
        "/admin/articles/article/",
        "/admin/articles/article/add/",
        f"/admin/articles/article/{article.pk}/change/",
        "/admin/magazine/edition/add/",
        "/admin/comments/comment/",
        "/admin/newsletter/subscriber/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_no_inline_code(response, url)


def test_reader_pages_have_no_inline_script_style_or_event_handler(client):
    article = ArticleFactory()
    urls = [
        "/",
        article.get_absolute_url(),
        article.region.get_absolute_url(),
        article.topic.get_absolute_url(),
        "/newsletter/",
        "/magazine/",
        "/search/?q=city",
        "/no-such-page/",
    ]
    for url in urls:
        response = client.get(url)
        _assert_no_inline_code(response, url)
