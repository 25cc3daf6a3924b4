"""A Redis cache the site can lose: while Redis does not answer, every call is a miss or a no-op.

The cache is an optimisation, never a dependency. ``ResilientRedisCache`` is Django's
``RedisCache`` with one difference: when Redis cannot be reached (``ConnectionError``,
``TimeoutError``, ``OSError``) a read is a miss (``get`` gives the default, ``get_many``
nothing, ``incr`` raises ``ValueError`` as for a missing key) and a write is dropped (``add``
answers False). Callers need no try/except of their own.

- Short socket timeouts (``OPTIONS``: ``socket_connect_timeout``, ``socket_timeout``) and a
  circuit breaker: after a failure the backend skips Redis for ``RETRY_AFTER`` seconds
  (default 2), then one call tries again. A request never waits a timeout per cache call.
- One warning when Redis stops answering and one when it answers again, per process and
  server (logger ``magazine.cache``), not a traceback per request.
- ``LOCAL_FALLBACK: True``: while Redis is away, the calls go to a local-memory cache of this
  process instead of nowhere (rate limits: per-process counts rather than none). Back on Redis
  as soon as it answers.
- ``FORGET_LOST_WRITES: True``: for copies of data kept elsewhere (sessions, whose truth is
  the database). Keys whose write or delete did not reach Redis are deleted there before
  anything else once it answers, so the copy can miss but never hand back what changed
  meanwhile (a session ended during the outage stays ended).

The state is shared by every alias and thread of the process that use the same server:
``health`` (``available``, ``outages``) tells ``magazine.cache`` when to move every version on
after an outage, and ``check()`` (for /healthz) talks to Redis whatever the breaker says.
"""

from __future__ import annotations

import logging
import threading
import time
from urllib.parse import urlsplit, urlunsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("magazine.cache")

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)
# Keys a process remembers to forget after an outage; past this many, the rest are only logged.
MAX_LOST_WRITES = 10_000


def _readable(location: str) -> str:
    """The server's address for logs, without a password."""
    parts = urlsplit(location)
    if parts.password is None:
        return location
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class ServerHealth:
    """Whether one Redis server answers, as this process last saw it (shared by threads)."""

    def __init__(self, location: str, retry_after: float):
        self.location = _readable(location)
        self.retry_after = retry_after
        self.outages = 0  # times this process saw the server stop answering
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._retry_at = 0.0
        self._lost: set[str] = set()
        self._lost_uncounted = 0

    @property
    def available(self) -> bool:
        return self._down_since is None

    def attempt(self) -> str:
        """"call" while up; while down, "probe" for one caller every ``retry_after`` seconds, else "skip"."""
        if self._down_since is None:
            return "call"
        with self._lock:
            if self._down_since is None:
                return "call"
            now = time.monotonic()
            if now < self._retry_at:
                return "skip"
            self._retry_at = now + self.retry_after
            return "probe"

    def failed(self, exc: Exception) -> None:
        with self._lock:
            now = time.monotonic()
            self._retry_at = now + self.retry_after
            if self._down_since is not None:
                return
            self._down_since = now
            self.outages += 1
        logger.warning(
            "Redis cache at %s is not answering (%s: %s); serving without it",
            self.location, exc.__class__.__name__, exc,
        )

    def recovered(self) -> None:
        with self._lock:
            if self._down_since is None:
                return
            seconds = time.monotonic() - self._down_since
            self._down_since = None
            uncounted, self._lost_uncounted = self._lost_uncounted, 0
        logger.warning("Redis cache at %s answers again after %.1f s; using it again", self.location, seconds)
        if uncounted:
            logger.warning(
                "%d writes to the Redis cache at %s were lost during the outage and could not be forgotten: "
                "those keys may answer with what they held before it until they expire",
                uncounted, self.location,
            )

    def remember_lost(self, keys) -> None:
        with self._lock:
            for key in keys:
                if len(self._lost) < MAX_LOST_WRITES:
                    self._lost.add(key)
                else:
                    self._lost_uncounted += 1

    def forget_lost(self, client) -> None:
        """Delete the remembered keys on Redis; raises (keeping them) if it still does not answer."""
        with self._lock:
            lost, self._lost = list(self._lost), set()
        try:
            for start in range(0, len(lost), 1000):
                client.delete_many(lost[start : start + 1000])
        except UNAVAILABLE:
            self.remember_lost(lost)
            raise


_servers: dict[str, ServerHealth] = {}
_servers_lock = threading.Lock()


def server_health(location: str, retry_after: float = 2.0) -> ServerHealth:
    with _servers_lock:
        if location not in _servers:
            _servers[location] = ServerHealth(location, retry_after)
        return _servers[location]


class ResilientRedisCache(RedisCache):
    """``RedisCache`` whose calls degrade to a miss or a no-op while Redis does not answer."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        retry_after = float(options.pop("RETRY_AFTER", 2))
        local_fallback = bool(options.pop("LOCAL_FALLBACK", False))
        self.forgets_lost_writes = bool(options.pop("FORGET_LOST_WRITES", False))
        super().__init__(server, {**params, "OPTIONS": options})
        location = server if isinstance(server, str) else ",".join(server)
        self.health = server_health(location, retry_after)
        self._local = None
        if local_fallback:
            # One store per process and server (LocMemCache shares storage by name across threads).
            self._local = LocMemCache(f"magazine-fallback:{location}", {**params, "OPTIONS": {}})

    # --- The one place where a Redis failure is turned into a miss.

    def _run(self, name: str, args: tuple, miss, *, written=()):
        """Call ``RedisCache.<name>(*args)``; while Redis is away, the local fallback or ``miss()``."""
        attempt = self.health.attempt()
        if attempt == "skip":
            return self._without_redis(name, args, miss, written)
        try:
            if attempt == "probe":
                self.health.forget_lost(self._cache)
            result = getattr(super(), name)(*args)
        except UNAVAILABLE as exc:
            self.health.failed(exc)
            return self._without_redis(name, args, miss, written)
        except Exception:
            if attempt == "probe":  # Redis answered, with an error of the caller's making
                self.health.recovered()
            raise
        if attempt == "probe":
            self.health.recovered()
        return result

    def _without_redis(self, name: str, args: tuple, miss, written):
        if self.forgets_lost_writes and written:
            self.health.remember_lost(written)
        if self._local is not None:
            return getattr(self._local, name)(*args)
        return miss()

    def _keys(self, keys, version) -> list[str]:
        if not self.forgets_lost_writes:
            return []
        return [self.make_and_validate_key(key, version=version) for key in keys]

    def check(self) -> None:
        """Write and read back a key on Redis itself, whatever the breaker says; raises if Redis does not.

        For health checks: a success ends an outage as any other successful call does.
        """
        try:
            if not self.health.available:
                self.health.forget_lost(self._cache)
            super().set("healthz", "ok", 10)
            if super().get("healthz") != "ok":
                raise RedisConnectionError("the value written could not be read back")
        except UNAVAILABLE as exc:
            self.health.failed(exc)
            raise
        self.health.recovered()

    # --- The cache API.

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run("add", (key, value, timeout, version), lambda: False)

    def get(self, key, default=None, version=None):
        return self._run("get", (key, default, version), lambda: default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._run("set", (key, value, timeout, version), lambda: None, written=self._keys([key], version))

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run("touch", (key, timeout, version), lambda: False, written=self._keys([key], version))

    def delete(self, key, version=None):
        return self._run("delete", (key, version), lambda: False, written=self._keys([key], version))

    def get_many(self, keys, version=None):
        return self._run("get_many", (keys, version), dict)

    def has_key(self, key, version=None):
        return self._run("has_key", (key, version), lambda: False)

    def incr(self, key, delta=1, version=None):
        def missing():
            raise ValueError(f"Key '{key}' not found (the cache is not answering).")

        return self._run("incr", (key, delta, version), missing)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run(
            "set_many", (data, timeout, version), lambda: list(data), written=self._keys(list(data), version)
        )

    def delete_many(self, keys, version=None):
        keys = list(keys)
        self._run("delete_many", (keys, version), lambda: None, written=self._keys(keys, version))

    def clear(self):
        return self._run("clear", (), lambda: False)
