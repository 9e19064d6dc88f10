"""django-valkey: a fully typed Django cache backend for Valkey."""

from __future__ import annotations

from typing import Any

__all__ = ["get_cache", "get_valkey_connection", "__version__"]

__version__ = "0.5.0.dev0"


def get_cache(alias: str = "default") -> Any:
    """The cache ``alias``, checked to be a django-valkey cache."""
    from django.core.cache import caches

    from django_valkey.base import BackendCommands

    cache = caches[alias]
    if not isinstance(cache, BackendCommands):
        raise TypeError(f"CACHES[{alias!r}] is {type(cache).__qualname__}, not a django-valkey cache")
    return cache


def get_valkey_connection(alias: str = "default", write: bool = True, key: str | None = None) -> Any:
    """The raw valkey-py client behind cache ``alias`` (the primary when ``write``).

    ``key`` is accepted for compatibility with ShardClient, whose raw client depends on the key.
    """
    cache = get_cache(alias)
    client = cache.client
    if key is not None and hasattr(client, "get_server_for_key"):
        return client.get_server_for_key(key)
    return cache.get_client(write)
