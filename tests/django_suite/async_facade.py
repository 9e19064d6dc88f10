"""A test-only backend for the conformance run: ``ValkeyCache`` whose Django sync methods run its
native ``a*`` methods (through asgiref's ``async_to_sync``), so Django's own cache tests exercise
the asyncio path end to end."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync

from django_valkey.cache import ValkeyCache

# Django's cache API: each has an ``a``-prefixed native coroutine twin on ValkeyCache.
DJANGO_API = (
    "get", "set", "add", "get_or_set", "touch", "delete", "get_many", "set_many", "delete_many",
    "has_key", "incr", "decr", "incr_version", "decr_version", "clear", "close",
)  # fmt: skip


class AsyncFacadeCache(ValkeyCache):
    """``cache.get(...)`` is ``async_to_sync(cache.aget)(...)``, and so on for Django's API."""


def _through_async(name: str) -> Callable[..., Any]:
    def method(self: AsyncFacadeCache, *args: Any, **kwargs: Any) -> Any:
        return async_to_sync(getattr(self, "a" + name))(*args, **kwargs)

    method.__name__ = name
    return method


for _name in DJANGO_API:
    setattr(AsyncFacadeCache, _name, _through_async(_name))
