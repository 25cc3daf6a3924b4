"""Version keys: a cached value's key carries a version that writes bump, so nothing is flushed.

``cache_version("region", 3)`` reads the version of region 3; ``bump_versions(("region", 3))``
makes every key built with the old version unreachable at once, in every process that shares
the cache.

Every version also carries the cache's *epoch*, read in the same ``get_many``: a version is
``epoch * EPOCH_STEP + count``. A bump made while the cache was not answering never reached
it, so what the cache held from before could be served as current once it is back. A process
that saw the cache fail (``magazine.cache_backend``) therefore bumps the epoch once the cache
answers again, which moves every version on in every process at once.
"""

from django.core.cache import cache

from magazine import edge

EPOCH_STEP = 10**12
_EPOCH_KEY = "v:epoch:all"
# Per cache server: how many of its outages this process has answered with an epoch bump.
_outages_settled: dict[object, int] = {}


def _key(namespace: str, ident) -> str:
    return f"v:{namespace}:{ident}"


def _settle_outages() -> None:
    """Bump the epoch once after each outage this process saw, as soon as the cache answers."""
    health = getattr(cache, "health", None)
    if health is None:
        return
    outages = health.outages
    if outages == _outages_settled.get(health, 0) or not health.available:
        return
    if not cache.add(_EPOCH_KEY, 2, timeout=None):
        try:
            cache.incr(_EPOCH_KEY)
        except ValueError:
            cache.add(_EPOCH_KEY, 2, timeout=None)
    if health.available and health.outages == outages:
        _outages_settled[health] = outages
    # Purges of that time never happened either: the edge forgets everything.
    edge.purge_everything_later()


def cache_version(namespace: str, ident="all") -> int:
    return cache_versions((namespace, ident))[0]


def cache_versions(*pairs) -> list[int]:
    _settle_outages()
    keys = [_EPOCH_KEY] + [_key(namespace, ident) for namespace, ident in pairs]
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        for key in missing:
            cache.add(key, 1, timeout=None)
        found.update(cache.get_many(missing))
    epoch = found.get(_EPOCH_KEY, 1)
    return [epoch * EPOCH_STEP + found.get(key, 1) for key in keys[1:]]


def bump_versions(*pairs) -> None:
    """New versions for ``pairs``; pages cached under the old ones, here and at the edge, are
    stale at once (the edge's purge is promised with the write and sent after its commit)."""
    _settle_outages()
    edge.purge_later(pairs)
    for namespace, ident in pairs:
        key = _key(namespace, ident)
        if cache.add(key, 2, timeout=None):
            continue
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 2, timeout=None)
