"""``ClusterValkeyCache`` and ``AsyncClusterValkeyCache``: the Valkey Cluster backends."""

from __future__ import annotations

from typing import ClassVar

from valkey.asyncio.cluster import ValkeyCluster as AsyncValkeyCluster
from valkey.cluster import ValkeyCluster

from django_valkey.base import AsyncBackendCommands, BackendCommands, BaseValkeyCache
from django_valkey.cluster_cache.client import AsyncDefaultClusterClient, DefaultClusterClient
from django_valkey.protocols import AsyncClientProtocol

__all__ = ["AsyncClusterValkeyCache", "ClusterValkeyCache"]


class ClusterValkeyCache(BaseValkeyCache[DefaultClusterClient, ValkeyCluster], BackendCommands[ValkeyCluster]):
    """``"BACKEND": "django_valkey.cluster_cache.cache.ClusterValkeyCache"``; LOCATION lists one or
    more nodes of the cluster (startup nodes). Django's cache API plus the extended API; the
    ``a*`` methods run on ``AsyncDefaultClusterClient``."""

    DEFAULT_CLIENT_CLASS: ClassVar[str] = "django_valkey.cluster_cache.client.DefaultClusterClient"


# As for AsyncValkeyCache: the plain names are coroutines (0.4's async API), which conflicts with
# BaseCache's sync signatures by design; both checkers report that once, on this line.
class AsyncClusterValkeyCache(  # type: ignore[misc]  # pyright: ignore[reportIncompatibleMethodOverride]
    AsyncBackendCommands, BaseValkeyCache[AsyncDefaultClusterClient, AsyncValkeyCluster]
):
    """``"BACKEND": "django_valkey.cluster_cache.cache.AsyncClusterValkeyCache"``: the Valkey
    Cluster backend on ``valkey.asyncio`` (``await cache.get("k")``), one cluster client per loop."""

    DEFAULT_CLIENT_CLASS: ClassVar[str] = "django_valkey.cluster_cache.client.AsyncDefaultClusterClient"
    CLIENT_PROTOCOL: ClassVar[type] = AsyncClientProtocol
