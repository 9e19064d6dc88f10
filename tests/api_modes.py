"""The four modes of the cache API behind one awaitable ``Api``, for tests/test_async_api.py.

A case there is an ``async`` test taking ``api`` (a fixture parametrized over ``MODES``):
``await api.get("k")`` calls

- ``sync``:    ``ValkeyCache.get``   (the result wrapped in a finished coroutine),
- ``sync.a``:  ``ValkeyCache.aget``  (native asyncio on the sync backend),
- ``async``:   ``AsyncValkeyCache.get`` (django-valkey 0.4's coroutine names),
- ``async.a``: ``AsyncValkeyCache.aget`` (Django's async names on the async backend).

So the same assertions prove the sync and async paths agree. ``api.collect(name, ...)`` turns
``iter_keys`` / ``sscan_iter`` (sync or async iterators) into lists.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from django_valkey.async_cache.cache import AsyncValkeyCache
from django_valkey.cache import ValkeyCache
from tests.helpers import cache_params

MODES = ("sync", "sync.a", "async", "async.a")

AnyCache = ValkeyCache | AsyncValkeyCache


class Api:
    """A cache seen through ``await``, whichever API ``mode`` names."""

    def __init__(self, cache: AnyCache, mode: str) -> None:
        self.cache = cache
        self.mode = mode
        self.prefix = "a" if mode.endswith(".a") else ""
        self.awaits = mode != "sync"

    def __repr__(self) -> str:
        return f"<Api {self.mode}>"

    def __getattr__(self, name: str) -> Callable[..., Coroutine[Any, Any, Any]]:
        method = getattr(self.cache, self.prefix + name)
        if self.awaits:
            return method  # type: ignore[no-any-return]

        async def call(*args: Any, **kwargs: Any) -> Any:
            return method(*args, **kwargs)

        return call

    async def collect(self, name: str, *args: Any, **kwargs: Any) -> list[Any]:
        items = getattr(self.cache, self.prefix + name)(*args, **kwargs)
        if self.awaits:
            return [item async for item in items]
        return list(items)


def build_cache(mode: str, location: str, **options: Any) -> AnyCache:
    """A cache of the backend ``mode`` needs (``ValkeyCache`` or ``AsyncValkeyCache``)."""
    backend = ValkeyCache if mode.startswith("sync") else AsyncValkeyCache
    params = cache_params(location, backend, **options)
    return backend(params["LOCATION"], params)
