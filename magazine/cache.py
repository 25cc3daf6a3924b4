"""Version keys: a cached value's key carries a version that writes bump, so nothing is flushed.

``cache_version("region", 3)`` reads the version of region 3; ``bump_versions(("region", 3))``
makes every key built with the old version unreachable at once, in every process that shares
the cache.
"""

from django.core.cache import cache


def _key(namespace: str, ident) -> str:
    return f"v:{namespace}:{ident}"


def cache_version(namespace: str, ident="all") -> int:
    key = _key(namespace, ident)
    version = cache.get(key)
    if version is None:
        cache.add(key, 1, timeout=None)
        version = cache.get(key, 1)
    return version


def cache_versions(*pairs) -> list[int]:
    keys = [_key(namespace, ident) for namespace, ident in pairs]
    found = cache.get_many(keys)
    missing = {key: 1 for key in keys if key not in found}
    if missing:
        for key in missing:
            cache.add(key, 1, timeout=None)
        found.update(cache.get_many(list(missing)))
    return [found.get(key, 1) for key in keys]


def bump_versions(*pairs) -> None:
    for namespace, ident in pairs:
        key = _key(namespace, ident)
        if cache.add(key, 2, timeout=None):
            continue
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 2, timeout=None)
