"""django-valkey: a fully typed Django cache backend for Valkey.

The typed accessors below give editors and type checkers the concrete cache class behind an
alias (``django.core.cache.caches[alias]`` is only a ``BaseCache``), and the raw valkey-py client.
They import what they need when called, so importing ``django_valkey`` stays cheap and cycle-free.
"""

from __future__ import annotations

from inspect import iscoroutinefunction
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast, runtime_checkable

if TYPE_CHECKING:
    from valkey import Valkey

    from django_valkey.async_cache.cache import AsyncValkeyCache
    from django_valkey.cache import ValkeyCache
    from django_valkey.cluster_cache.cache import AsyncClusterValkeyCache, ClusterValkeyCache

__all__ = [
    "get_async_cache",
    "get_async_cluster_cache",
    "get_cache",
    "get_cluster_cache",
    "get_valkey_connection",
    "__version__",
]

__version__ = "0.5.0.dev0"

_C = TypeVar("_C")

# Backend class -> the accessor that returns it (matched by name so nothing is imported early).
_ACCESSORS = {
    "django_valkey.cache.ValkeyCache": "get_cache",
    "django_valkey.async_cache.cache.AsyncValkeyCache": "get_async_cache",
    "django_valkey.cluster_cache.cache.ClusterValkeyCache": "get_cluster_cache",
    "django_valkey.cluster_cache.cache.AsyncClusterValkeyCache": "get_async_cluster_cache",
}


def _cache_as(alias: str, cls: type[_C], accessor: str) -> _C:
    """``caches[alias]`` if it is a ``cls``; else a TypeError naming what it is and what to call."""
    from django.core.cache import caches

    cache = caches[alias]
    if isinstance(cache, cls):
        return cache
    kind = type(cache)
    names = (_ACCESSORS.get(f"{base.__module__}.{base.__qualname__}") for base in kind.__mro__)
    hint = next((f"; use django_valkey.{name}({alias!r})" for name in names if name and name != accessor), "")
    raise TypeError(
        f"django_valkey.{accessor}({alias!r}): CACHES[{alias!r}] is "
        f"{kind.__module__}.{kind.__qualname__}, not a {cls.__module__}.{cls.__qualname__}{hint}"
    )


def get_cache(alias: str = "default") -> ValkeyCache:
    """The cache ``alias``, typed as ``ValkeyCache`` (Django's API plus the extended API).

    TypeError if ``CACHES[alias]`` is not a ``django_valkey.cache.ValkeyCache`` (or subclass).
    """
    from django_valkey.cache import ValkeyCache as cls

    return _cache_as(alias, cls, "get_cache")


def get_async_cache(alias: str = "default") -> AsyncValkeyCache:
    """The cache ``alias``, typed as ``AsyncValkeyCache`` (``await cache.get("k")``).

    TypeError if ``CACHES[alias]`` is not a ``django_valkey.async_cache.cache.AsyncValkeyCache``.
    """
    from django_valkey.async_cache.cache import AsyncValkeyCache as cls

    return _cache_as(alias, cls, "get_async_cache")


def get_cluster_cache(alias: str = "default") -> ClusterValkeyCache:
    """The cache ``alias``, typed as ``ClusterValkeyCache``; its ``get_client()`` is a ``ValkeyCluster``.

    TypeError if ``CACHES[alias]`` is not a ``django_valkey.cluster_cache.cache.ClusterValkeyCache``.
    """
    from django_valkey.cluster_cache.cache import ClusterValkeyCache as cls

    return _cache_as(alias, cls, "get_cluster_cache")


def get_async_cluster_cache(alias: str = "default") -> AsyncClusterValkeyCache:
    """The cache ``alias``, typed as ``AsyncClusterValkeyCache`` (``await cache.get("k")``).

    TypeError if ``CACHES[alias]`` is not a ``django_valkey.cluster_cache.cache.AsyncClusterValkeyCache``.
    """
    from django_valkey.cluster_cache.cache import AsyncClusterValkeyCache as cls

    return _cache_as(alias, cls, "get_async_cluster_cache")


@runtime_checkable
class _KeyRouted(Protocol):
    """A client whose raw client depends on the key (``ShardClient``)."""

    def get_server_for_key(self, key: str, version: int | None = None) -> Any: ...


def get_valkey_connection(alias: str = "default", write: bool = True, key: str | None = None) -> Valkey:
    """The raw ``valkey.Valkey`` client behind the sync cache ``alias``.

    ``write`` picks the primary (else a read replica, if any). ``key`` picks the server that owns
    it when the client shards keys (``ShardClient``). TypeError if the alias is not a django-valkey
    cache, or if its raw client is not a ``valkey.Valkey`` (use ``get_cluster_cache(alias)`` or
    ``get_async_cache(alias)`` and their ``get_client()`` for those).
    """
    from django.core.cache import caches
    from valkey import Valkey

    from django_valkey.base import BackendCommands

    cache = caches[alias]
    where = f"django_valkey.get_valkey_connection({alias!r})"
    if iscoroutinefunction(getattr(cache, "get_client", None)):
        raise TypeError(f"{where}: CACHES[{alias!r}] is async; use await get_async_cache({alias!r}).get_client()")
    if not isinstance(cache, BackendCommands):
        kind = type(cache)
        raise TypeError(
            f"{where}: CACHES[{alias!r}] is {kind.__module__}.{kind.__qualname__}, not a django-valkey cache"
        )
    commands = cast("BackendCommands[object]", cache)  # its raw type is only known at runtime
    client: object = commands.client
    raw: object = (
        client.get_server_for_key(key)
        if key is not None and isinstance(client, _KeyRouted)
        else commands.get_client(write)
    )
    if not isinstance(raw, Valkey):
        raw_kind = type(raw)
        raise TypeError(
            f"{where}: the raw client is {raw_kind.__module__}.{raw_kind.__qualname__}, not a valkey.Valkey; "
            f"use get_cluster_cache({alias!r}).get_client() for a cluster"
        )
    return raw
