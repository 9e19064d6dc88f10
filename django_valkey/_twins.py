"""Which async client the ``a*`` methods of a sync cache run on: one table for the shipped pairs.

A custom sync client names its own twin with an ``ASYNC_CLIENT_CLASS`` class attribute; a subclass
of a shipped client inherits that client's twin. ``OPTIONS["ASYNC_OPTIONS"]["CLIENT_CLASS"]``
overrides both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings

__all__ = [
    "ASYNC_FACTORY_TWINS",
    "ASYNC_TWINS",
    "DEFAULT_ASYNC_CLIENT",
    "async_factory_twin",
    "async_twin",
    "with_async_factory",
]

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


#: sync connection factory (as OPTIONS names it, or its class's module path) -> the async factory
#: a sync cache's async client uses: a driver chosen once serves both ``get`` and ``aget``.
ASYNC_FACTORY_TWINS: dict[str, str] = {
    "django_valkey.glide.GlideConnectionFactory": "django_valkey.glide.AsyncGlideConnectionFactory",
    "django_valkey._sync.glide.GlideConnectionFactory": "django_valkey.glide.AsyncGlideConnectionFactory",
    "django_valkey.glide.GlideClusterConnectionFactory": "django_valkey.glide.AsyncGlideClusterConnectionFactory",
    "django_valkey._sync.glide_cluster.GlideClusterConnectionFactory": (
        "django_valkey.glide.AsyncGlideClusterConnectionFactory"
    ),
}


def async_factory_twin(factory: object) -> str | None:
    """The async twin of ``OPTIONS["CONNECTION_FACTORY"]`` (a dotted path or a class), if it has one."""
    if isinstance(factory, str):
        return ASYNC_FACTORY_TWINS.get(factory)
    if isinstance(factory, type):
        return ASYNC_FACTORY_TWINS.get(f"{factory.__module__}.{factory.__qualname__}")
    return None


def with_async_factory(options: Mapping[str, Any]) -> Mapping[str, Any]:
    """``options`` for an async client: a sync factory with an async twin, named by
    ``OPTIONS["CONNECTION_FACTORY"]`` or the ``DJANGO_VALKEY_CONNECTION_FACTORY`` setting, is
    replaced by the twin (``AsyncValkeyCache`` takes ``GlideConnectionFactory`` as it is)."""
    named: object = options.get("CONNECTION_FACTORY") or getattr(settings, "DJANGO_VALKEY_CONNECTION_FACTORY", None)
    twin = async_factory_twin(named)
    return options if twin is None else {**options, "CONNECTION_FACTORY": twin}
