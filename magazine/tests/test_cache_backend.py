"""The Redis cache backend on a port where nothing answers: every call is a miss or a no-op,
one warning per outage, and the local fallback counts in this process meanwhile. Outages of a
real Redis server (stopped, paused, restarted) are in tests/test_cache_outage.py."""

import logging
import socket

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from magazine.cache_backend import ResilientRedisCache


def _closed_port_url(password: str = "") -> str:
    """A local address nothing listens on, different for every test (each has its own outage state)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://{':' + password + '@' if password else ''}127.0.0.1:{port}/0"


def _cache(location: str, **options) -> ResilientRedisCache:
    return ResilientRedisCache(
        location, {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, **options}}
    )


def _warnings(caplog, text):
    return [r for r in caplog.records if r.name == "magazine.cache" and text in r.getMessage()]


def test_every_call_is_a_miss_or_a_no_op_when_redis_does_not_answer(caplog):
    caplog.set_level(logging.WARNING)
    cache = _cache(_closed_port_url())
    assert cache.get("k") is None
    assert cache.get("k", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("k", 1) is False
    assert cache.set("k", 1) is None
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.touch("k") is False
    assert cache.has_key("k") is False
    assert "k" not in cache
    assert cache.delete("k") is False
    assert cache.delete_many(["a", "b"]) is None
    assert cache.get_or_set("k", "made") == "made"
    with pytest.raises(ValueError):
        cache.incr("k")
    with pytest.raises(ValueError):
        cache.decr("k")
    assert cache.clear() is False
    assert not cache.health.available
    assert cache.health.outages == 1
    assert len(_warnings(caplog, "is not answering")) == 1, "one warning for the outage, not one per call"
    assert not [r for r in caplog.records if r.exc_info], "no traceback"


def test_the_warning_names_the_server_without_its_password(caplog):
    caplog.set_level(logging.WARNING)
    location = _closed_port_url(password="s3cret-word")
    _cache(location).get("k")
    [record] = _warnings(caplog, "is not answering")
    message = record.getMessage()
    assert location.replace("s3cret-word", "***") in message
    assert "s3cret-word" not in message
    assert "ConnectionError" in message and "serving without it" in message


def test_aliases_of_one_server_share_one_outage_and_one_warning(caplog):
    caplog.set_level(logging.WARNING)
    location = _closed_port_url()
    default, counters = _cache(location), _cache(location, LOCAL_FALLBACK=True)
    default.get("k")
    counters.get("k")
    assert default.health is counters.health
    assert len(_warnings(caplog, "is not answering")) == 1


def test_the_local_fallback_counts_in_this_process_while_redis_does_not_answer():
    cache = _cache(_closed_port_url(), LOCAL_FALLBACK=True)
    assert cache.add("hits", 1, timeout=60) is True
    assert cache.incr("hits") == 2
    assert cache.add("hits", 1, timeout=60) is False
    assert cache.get("hits") == 2
    cache.clear()
    assert cache.get("hits") is None


def test_check_asks_redis_itself_and_raises_what_it_raised():
    cache = _cache(_closed_port_url())
    with pytest.raises(RedisConnectionError):
        cache.check()
    with pytest.raises(RedisConnectionError):
        cache.check()  # past the circuit breaker: a health check always asks
    assert cache.health.outages == 1
