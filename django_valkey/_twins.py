"""Which async client the ``a*`` methods of a sync cache run on: one table for the shipped pairs.

A custom sync client names its own twin with an ``ASYNC_CLIENT_CLASS`` class attribute; a subclass
of a shipped client inherits that client's twin. ``OPTIONS["ASYNC_OPTIONS"]["CLIENT_CLASS"]``
overrides both.
"""

from __future__ import annotations

__all__ = ["ASYNC_TWINS", "DEFAULT_ASYNC_CLIENT", "async_twin"]

DEFAULT_ASYNC_CLIENT = "django_valkey.async_cache.client.AsyncDefaultClient"

#: sync client (module path of its class) -> its async twin (the dotted path OPTIONS would use).
ASYNC_TWINS: dict[str, str] = {
    "django_valkey.client.default.DefaultClient": DEFAULT_ASYNC_CLIENT,
    "django_valkey.client.herd.HerdClient": "django_valkey.async_cache.client.AsyncHerdClient",
    "django_valkey.client.sentinel.SentinelClient": "django_valkey.async_cache.client.AsyncSentinelClient",
    "django_valkey.client.sharded.ShardClient": "django_valkey.async_cache.client.AsyncShardClient",
    "django_valkey.cluster_cache.client.default.DefaultClusterClient": (
        "django_valkey.cluster_cache.client.AsyncDefaultClusterClient"
    ),
}


def async_twin(client_class: object) -> str:
    """The dotted path of ``client_class``'s async twin: its own (or an ancestor's)
    ``ASYNC_CLIENT_CLASS``, else the shipped twin of the nearest shipped ancestor, else the
    default async client."""
    mro: tuple[type, ...] = client_class.__mro__ if isinstance(client_class, type) else ()
    for cls in mro:
        declared: object = cls.__dict__.get("ASYNC_CLIENT_CLASS")
        if isinstance(declared, str):
            return declared
        twin = ASYNC_TWINS.get(f"{cls.__module__}.{cls.__qualname__}")
        if twin is not None:
            return twin
    return DEFAULT_ASYNC_CLIENT
