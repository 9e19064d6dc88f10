"""``ClusterValkeyCache`` and ``AsyncClusterValkeyCache``: the Valkey Cluster backends."""

from __future__ import annotations

from typing import ClassVar

from valkey.asyncio.cluster import ValkeyCluster as AsyncValkeyCluster
from valkey.cluster import ValkeyCluster

from django_valkey._async.cluster_cache_commands import AsyncClusterCacheCommands
from django_valkey._async.plain_cluster_cache_commands import AsyncPlainClusterCacheCommands
from django_valkey._sync.cluster_cache_commands import ClusterCacheCommands
from django_valkey.base import AsyncBackendCommands, BackendCommands, BaseValkeyCache
from django_valkey.cluster_cache.client import AsyncDefaultClusterClient, DefaultClusterClient
from django_valkey.protocols import AsyncClientProtocol

__all__ = ["AsyncClusterValkeyCache", "ClusterValkeyCache"]


class ClusterValkeyCache(
    BaseValkeyCache[DefaultClusterClient, ValkeyCluster],
    ClusterCacheCommands,
    AsyncClusterCacheCommands,
    BackendCommands[ValkeyCluster],
):
    """``"BACKEND": "django_valkey.cluster_cache.cache.ClusterValkeyCache"``; LOCATION lists one or
    more nodes of the cluster (startup nodes). Django's cache API plus the extended API, and
    django-valkey 0.4's cluster commands (``keys(target_nodes=)``, ``msetnx``, ``mget_nonatomic``,
    ``mset_nonatomic``, ``readonly``, ``readwrite``, ``keyslot``, ``flushall``); the ``a*``
    methods run on ``AsyncDefaultClusterClient``."""

    DEFAULT_CLIENT_CLASS: ClassVar[str] = "django_valkey.cluster_cache.client.DefaultClusterClient"


# As for AsyncValkeyCache: the plain names are coroutines (0.4's async API), which conflicts with
# BaseCache's sync signatures by design; both checkers report that once, on this line.
class AsyncClusterValkeyCache(  # type: ignore[misc]  # pyright: ignore[reportIncompatibleMethodOverride]
    AsyncPlainClusterCacheCommands,
    AsyncClusterCacheCommands,
    AsyncBackendCommands,
    BaseValkeyCache[AsyncDefaultClusterClient, AsyncValkeyCluster],
):
    """``"BACKEND": "django_valkey.cluster_cache.cache.AsyncClusterValkeyCache"``: the Valkey
    Cluster backend on ``valkey.asyncio`` (``await cache.get("k")``), one cluster client per loop."""

    DEFAULT_CLIENT_CLASS: ClassVar[str] = "django_valkey.cluster_cache.client.AsyncDefaultClusterClient"
    CLIENT_PROTOCOL: ClassVar[type] = AsyncClientProtocol
