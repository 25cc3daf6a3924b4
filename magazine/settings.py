"""Settings for the magazine site.

One module for every deployment: each knob is read from the environment, with defaults
that run the site on SQLite, the local-memory cache and the database task queue.
"""

import datetime
import os
import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

from articles.embeds import FRAME_SOURCES as EMBED_FRAME_SOURCES
from magazine.storage import media_origin, storage_from_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
TESTING = "pytest" in sys.modules or env_bool("TESTING")

_DEV_SECRET = "dev-only-insecure-secret-key-change-me-in-production-0123456789"
# Without SECRET_KEY in production it stays empty: commands that do not sign anything
# (migrate, makemigrations) still run, while the web server refuses to start (magazine/wsgi.py)
# and anything that signs raises Django's "The SECRET_KEY setting must not be empty".
SECRET_KEY = os.environ.get("SECRET_KEY", "") or (_DEV_SECRET if DEBUG or TESTING else "")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The public origin, used in email links, feeds and canonical URLs when no request is at hand.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = os.environ.get("SITE_NAME", "City Magazine")
SITE_ID = 1

INSTALLED_APPS = [
    "magazine.apps.MagazineAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "articles.apps.ArticleTagsConfig",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks",
    "django_tasks_db",
    "magazine",
    "articles",
    "comments",
    "newsletter",
    "anymail",
    "simple_history",
    "axes",
]

MIDDLEWARE = [
    # First: every log line of a request carries its id, and every response is counted and timed.
    "magazine.middleware.RequestIdMiddleware",
    "magazine.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "magazine.middleware.PermissionsPolicyMiddleware",
    "magazine.middleware.RejectNulInQueryMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses the finished text responses: after WhiteNoise (static files come pre-compressed),
    # outside every middleware that reads or writes the body (the page cache's CSRF tokens,
    # ConditionalGet's ETag); an ETag it compresses becomes weak, and 304s still match.
    "magazine.middleware.TextGZipMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Article revisions record the staff user who saved them.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # After sessions, auth, messages and CSRF: it decides from them who may get a cached page.
    "magazine.pagecache.PageCacheMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "magazine.urls"
WSGI_APPLICATION = "magazine.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "magazine.context_processors.site_chrome",
                "magazine.pagecache.csrf_placeholder",
            ],
        },
    },
]

# --- Database: SQLite in the project folder unless DATABASE_URL says otherwise.
DATABASES = {
    # An empty DATABASE_URL counts as unset.
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run while the task worker writes; IMMEDIATE avoids lock upgrades.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": float(os.environ.get("SQLITE_TIMEOUT", "20")),  # seconds a writer waits for the lock
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and task queue: Redis + RQ when REDIS_URL is set; local memory + database queue otherwise.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL and TESTING and os.environ.get("PYTEST_XDIST_WORKER"):
    # Parallel test workers each get a Redis database of their own, so flushes do not collide.
    from urllib.parse import urlsplit, urlunsplit

    _worker = int(os.environ["PYTEST_XDIST_WORKER"].removeprefix("gw") or 0)
    REDIS_URL = urlunsplit(urlsplit(REDIS_URL)._replace(path=f"/{1 + _worker}"))
if REDIS_URL:
    # A Redis outage is not a site outage (magazine/cache_backend.py): short timeouts, then every
    # cache call is a miss or a no-op, with Redis skipped for RETRY_AFTER seconds between tries.
    _REDIS_TIMEOUT = float(os.environ.get("REDIS_TIMEOUT", "0.5"))
    _redis_cache = {
        "BACKEND": "magazine.cache_backend.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "magazine"),
        "OPTIONS": {"socket_connect_timeout": _REDIS_TIMEOUT, "socket_timeout": _REDIS_TIMEOUT, "RETRY_AFTER": 2},
    }
    CACHES = {
        "default": _redis_cache,
        # Rate limits count in each process's memory while Redis is away: per-process limits, not none.
        "ratelimit": {**_redis_cache, "OPTIONS": {**_redis_cache["OPTIONS"], "LOCAL_FALLBACK": True}},
        # Sessions are rows in the database, read through Redis; what Redis missed is forgotten there.
        "sessions": {**_redis_cache, "OPTIONS": {**_redis_cache["OPTIONS"], "FORGET_LOST_WRITES": True}},
    }
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    # Short timeouts for queueing from a request: a Redis that hangs must not hold the reader
    # (the work is in the outbox anyway); the worker raises the read timeout for its blocking pops.
    _rq_url = REDIS_URL + ("&" if "?" in REDIS_URL else "?") + "socket_connect_timeout=1&socket_timeout=2"
    RQ_QUEUES = {"default": {"URL": _rq_url}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    # Every app server knows every signed-in user (the database), and a Redis restart signs no one out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    SESSION_CACHE_ALIAS = "sessions"
else:
    # "ratelimit" names the same local-memory store (same LOCATION), so clearing one clears both.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
if TESTING:
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Promised work (magazine/outbox.py): a worker holds a claimed task for TASKS_LEASE_SECONDS (long
# work renews it); every worker sweeps every TASKS_SWEEP_SECONDS for work whose worker died, that the
# queue lost, or whose retry fell due. A failure is retried after TASKS_RETRY_BASE_SECONDS, doubling
# up to TASKS_RETRY_MAX_SECONDS, TASKS_MAX_ATTEMPTS times. So work a killed worker held is taken up
# again within about TASKS_LEASE_SECONDS + TASKS_SWEEP_SECONDS (a minute by default).
TASKS_LEASE_SECONDS = float(os.environ.get("TASKS_LEASE_SECONDS", "50"))
TASKS_SWEEP_SECONDS = float(os.environ.get("TASKS_SWEEP_SECONDS", "10"))
TASKS_RETRY_BASE_SECONDS = float(os.environ.get("TASKS_RETRY_BASE_SECONDS", "10"))
TASKS_RETRY_MAX_SECONDS = float(os.environ.get("TASKS_RETRY_MAX_SECONDS", "900"))
TASKS_MAX_ATTEMPTS = int(os.environ.get("TASKS_MAX_ATTEMPTS", "12"))
TASKS_KEEP_DAYS = int(os.environ.get("TASKS_KEEP_DAYS", "14"))  # done work and queue results are forgotten after this

# Admin sign-in: django-axes counts wrong passwords per username on one address; after
# AXES_FAILURE_LIMIT of them that pair is locked out for AXES_COOLOFF_TIME (another user, or the
# same user elsewhere, can still sign in). A successful sign-in clears the count.
AUTHENTICATION_BACKENDS = [
    # Under pytest a subclass that also lets the test client's request-less login() through.
    "magazine.auth.RequestlessTestLoginBackend" if TESTING else "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "magazine.auth.client_ip"
AXES_USERNAME_CALLABLE = "magazine.auth.lockout_username"
AXES_LOCKOUT_CALLABLE = "magazine.auth.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media files.
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Uploads and renditions on the local disk, or in an S3-compatible bucket when MEDIA_STORAGE_URL
# names one (s3://BUCKET?endpoint_url=…&region=…; magazine/storage.py).
MEDIA_STORAGE_URL = os.environ.get("MEDIA_STORAGE_URL", "")
STORAGES = {
    "default": storage_from_url(MEDIA_STORAGE_URL),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Upload limits: images above these bounds are refused with a clear message.
IMAGE_MAX_PIXELS = int(os.environ.get("IMAGE_MAX_PIXELS", str(40_000_000)))
IMAGE_MAX_BYTES = int(os.environ.get("IMAGE_MAX_BYTES", str(20 * 1024 * 1024)))
IMAGE_RENDITION_WIDTHS = (400, 800, 1200)
EDITION_PDF_MAX_BYTES = int(os.environ.get("EDITION_PDF_MAX_BYTES", str(150 * 1024 * 1024)))

# --- Email.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
# A mail server that stops answering fails the attempt (retried later) instead of holding the worker.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "City Magazine <newsletter@example.com>")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# Comment mails (confirmations, reply notices, the moderation digest) have a sender of their
# own; left empty it is "SITE_NAME <comments@…>" in the domain of SITE_URL (magazine/mail.py).
COMMENTS_FROM_EMAIL = os.environ.get("COMMENTS_FROM_EMAIL", "")
# Newsroom mails to staff (a story to review, sent back, published) likewise: empty means
# "SITE_NAME <newsroom@…>".
ARTICLES_FROM_EMAIL = os.environ.get("ARTICLES_FROM_EMAIL", "")

# --- Forms.
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Site features.
WECHAT_ACCOUNT_ID = os.environ.get("WECHAT_ACCOUNT_ID", "citymagazine")
WECHAT_FOLLOW_URL = os.environ.get("WECHAT_FOLLOW_URL", "")
ARTICLES_PER_PAGE = 12
# Reading time shown in the admin's body editor; a Han character counts as a word.
READING_WORDS_PER_MINUTE = int(os.environ.get("READING_WORDS_PER_MINUTE", "230"))
MORE_NEWS_LIMIT = 6
ICYMI_DAYS = 21
DISCOVERY_CACHE_SECONDS = 60
# Anonymous reader pages are cached (magazine/pagecache.py); writes re-render exactly the pages
# they affect through version keys, so this is only an upper bound on an entry's life.
PAGE_CACHE_ENABLED = env_bool("PAGE_CACHE_ENABLED", not TESTING)
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))
# /bench/floor/ (a view returning a fixed string) exists only with BENCH_FLOOR=1, for bench/pages.
BENCH_FLOOR = env_bool("BENCH_FLOOR")
# An edge cache (Varnish + xkey, deploy/varnish/) in front (magazine/edge.py): pages the page cache
# stores say "public, s-maxage=EDGE_MAX_AGE" with their keys (0: off, pages stay private); every
# write purges its keys at each of EDGE_PURGE_URLS (e.g. http://127.0.0.1:6081/), retried by the outbox.
EDGE_MAX_AGE = int(os.environ.get("EDGE_MAX_AGE", "0"))
EDGE_PURGE_URLS = env_list("EDGE_PURGE_URLS")
EDGE_PURGE_TIMEOUT = float(os.environ.get("EDGE_PURGE_TIMEOUT", "3"))
# A form posted without its CSRF token (an edge-served page read without JavaScript) is offered again.
CSRF_FAILURE_VIEW = "magazine.edge.csrf_failure"

# --- Reader comments (comments/). The client IP is REMOTE_ADDR: a reverse proxy in front of
# the site must set it to the reader's address (e.g. uWSGI/gunicorn behind nginx with
# real_ip), or every reader shares the proxy's rate limits and flags.
COMMENTS_CLOSE_AFTER_DAYS = int(os.environ.get("COMMENTS_CLOSE_AFTER_DAYS", "0") or 0)  # 0: never close
COMMENTS_MAX_LENGTH = int(os.environ.get("COMMENTS_MAX_LENGTH", "3000"))
COMMENTS_MAX_LINKS = int(os.environ.get("COMMENTS_MAX_LINKS", "3"))
COMMENTS_MIN_SUBMIT_SECONDS = int(os.environ.get("COMMENTS_MIN_SUBMIT_SECONDS", "3"))
COMMENTS_FORM_MAX_AGE = int(os.environ.get("COMMENTS_FORM_MAX_AGE", str(12 * 3600)))
COMMENTS_RATE_LIMIT_IP = (int(os.environ.get("COMMENTS_RATE_LIMIT_IP", "6")), 600)  # (comments, seconds)
COMMENTS_RATE_LIMIT_EMAIL = (int(os.environ.get("COMMENTS_RATE_LIMIT_EMAIL", "4")), 600)
COMMENTS_FLAG_RATE_LIMIT = (int(os.environ.get("COMMENTS_FLAG_RATE_LIMIT", "10")), 3600)
COMMENTS_PER_PAGE = 50  # top-level comments per page; their replies come with them
COMMENTS_MAX_DEPTH = 4  # deeper replies are shown at this depth
COMMENTS_REPLIES_SHOWN = 5  # replies to one comment shown before "show more"
COMMENTS_CONFIRM_MAX_AGE = 7 * 24 * 3600
COMMENTS_DELETE_MAX_AGE = 180 * 24 * 3600

# --- Newsletters (newsletter/). Links in mails start with SITE_URL (https in production:
# RFC 8058 one-click unsubscribe needs an https List-Unsubscribe URL).
NEWSLETTER_CONFIRM_MAX_AGE = int(os.environ.get("NEWSLETTER_CONFIRM_MAX_AGE", str(3 * 24 * 3600)))
NEWSLETTER_LINK_MAX_AGE = int(os.environ.get("NEWSLETTER_LINK_MAX_AGE", str(400 * 24 * 3600)))
NEWSLETTER_CONFIRM_RESEND_SECONDS = 3600  # at most one confirmation mail per address per hour
NEWSLETTER_BATCH_SIZE = int(os.environ.get("NEWSLETTER_BATCH_SIZE", "200"))  # mails per task and SMTP connection
NEWSLETTER_LEASE_SECONDS = float(os.environ.get("NEWSLETTER_LEASE_SECONDS") or TASKS_LEASE_SECONDS)  # a killed worker's batch is free again after this; renewed as it sends
NEWSLETTER_PREPARE_CHUNK = int(os.environ.get("NEWSLETTER_PREPARE_CHUNK", "2000"))  # delivery rows made per transaction
NEWSLETTER_MAX_ATTEMPTS = int(os.environ.get("NEWSLETTER_MAX_ATTEMPTS", "5"))
NEWSLETTER_RETRY_BASE_SECONDS = int(os.environ.get("NEWSLETTER_RETRY_BASE_SECONDS", "60"))  # doubles per attempt
NEWSLETTER_DIGEST_ARTICLES = 8
NEWSLETTER_DIGEST_DAYS = 7
NEWSLETTER_CONSENT_TEXT = os.environ.get(
    "NEWSLETTER_CONSENT_TEXT",
    "I agree to receive the newsletters I chose by email. Every mail has a link to change or stop them.",
)
# Disposable-mail domains refused at sign-up (extend with NEWSLETTER_BLOCKED_DOMAINS=a.com,b.net).
NEWSLETTER_BLOCKED_DOMAINS = {
    "mailinator.com", "guerrillamail.com", "guerrillamail.net", "sharklasers.com", "10minutemail.com",
    "yopmail.com", "trashmail.com", "tempmail.com", "temp-mail.org", "throwawaymail.com", "getnada.com",
    "dispostable.com", "maildrop.cc", "mailnesia.com", "fakeinbox.com", "spamgourmet.com",
} | set(env_list("NEWSLETTER_BLOCKED_DOMAINS"))
# List-Unsubscribe also offers mailto:<this address>?subject=unsubscribe TOKEN (RFC 2369); left
# empty it is unsubscribe@ the domain of SITE_URL. Mail to it reaches the site through the
# Postmark inbound webhook at /newsletter/webhooks/postmark/inbound/.
NEWSLETTER_UNSUBSCRIBE_EMAIL = os.environ.get("NEWSLETTER_UNSUBSCRIBE_EMAIL", "")
# Bounces and complaints: the Postmark tracking webhook at /newsletter/webhooks/postmark/tracking/,
# protected by HTTP basic auth "user:password" from ANYMAIL_WEBHOOK_SECRET (as is the inbound one).
ANYMAIL = {"WEBHOOK_SECRET": os.environ.get("ANYMAIL_WEBHOOK_SECRET", "")}

# --- Security. Production values come on with DEBUG off.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Sent by magazine.middleware.PermissionsPolicyMiddleware: features no page uses stay off.
PERMISSIONS_POLICY = {
    "accelerometer": "()",
    "camera": "()",
    "geolocation": "()",
    "gyroscope": "()",
    "interest-cohort": "()",
    "magnetometer": "()",
    "microphone": "()",
    "payment": "()",
    "usb": "()",
}
# Public POST endpoints: (requests, seconds) per client address, by purpose; the defaults are
# in magazine/ratelimit.py (DEFAULT_LIMITS), and any purpose named here replaces its default.
RATE_LIMITS: dict[str, tuple[int, int]] = {}
if not DEBUG and not TESTING and env_bool("HTTPS", True):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *filter(None, [media_origin(STORAGES["default"])])],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
        # The players of the providers an article may embed (articles/embeds.py), and no other;
        # a page loads one only when the reader asks for it.
        "frame-src": EMBED_FRAME_SOURCES,
    }
}

# Logs: one line per record on stdout, each with the id of the request (or of the request that
# promised the task) it belongs to (magazine/logs.py). LOG_FORMAT=json for production log
# collectors (one JSON object per line); text for people at a terminal.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
if LOG_FORMAT not in ("json", "text"):
    # Not ImproperlyConfigured, which manage.py would set aside and carry on without settings.
    raise ValueError(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "magazine.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "magazine.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": sys.stdout,
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
# The Prometheus scrape at /metrics (magazine/metrics.py): a 404 except to a bearer token equal to
# METRICS_TOKEN, or to a direct connection (no proxy header) from METRICS_ALLOWED_IPS (addresses or
# networks). Off (404 for everyone) until one is set; `make run` (DEBUG) lets this machine in.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1" if DEBUG else "")
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG or TESTING)
