# Generated from django_valkey/_async/cluster_cache_commands.py by tools/unasync.py: do not edit.
# Change the source and run `python tools/unasync.py`.
"""The cluster caches' own commands (django-valkey 0.4's ``ClusterValkeyCache`` API), written once:
each a call of the cluster client inside the error guard, with its fallback value.

This module is the asyncio source, under the ``a*`` names; ``tools/unasync.py`` writes from it
the sync methods of ``ClusterValkeyCache`` (``django_valkey/_sync/cluster_cache_commands.py``)
and the plain-name coroutines of ``AsyncClusterValkeyCache`` (``plain_cluster_cache_commands.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django_valkey._async.plain_cache_commands import AsyncPlainCacheCommands
from django_valkey.cluster_cache.targets import AsyncClusterTarget
from django_valkey.protocols import AsyncClusterCommandsProtocol

__all__ = ["AsyncPlainClusterCacheCommands"]


class AsyncPlainClusterCacheCommands(AsyncPlainCacheCommands):
    """What a cluster cache adds to the cache API: ``keys`` on chosen nodes, ``msetnx``,
    ``mget_nonatomic``, ``mset_nonatomic``, ``readonly``, ``readwrite``, ``keyslot``, ``flushall``."""

    @property
    def _async_cluster(self) -> AsyncClusterCommandsProtocol:
        client = self.async_client
        if not isinstance(client, AsyncClusterCommandsProtocol):
            raise TypeError(
                f"{type(client).__qualname__} is not a cluster client: the cluster commands need a client "
                "with the members of django_valkey.protocols.AsyncClusterCommandsProtocol"
            )
        return client

    async def keys(
        self, search: str, version: int | None = None, target_nodes: AsyncClusterTarget = "primaries"
    ) -> list[str]:
        """User keys matching ``search`` on ``target_nodes`` (every primary by default)."""
        with self._guard:
            return await self._async_cluster.keys(search, version, target_nodes)
        return []

    async def msetnx(self, data: Mapping[str, Any], version: int | None = None) -> bool:
        """Store every value (no expiry) unless one key exists; the keys must share a hash slot."""
        with self._guard:
            return await self._async_cluster.msetnx(data, version)
        return False

    async def mget_nonatomic(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        """``get_many`` (one MGET per slot), under 0.4's name."""
        with self._guard:
            return await self._async_cluster.mget_nonatomic(keys, version)
        return {}

    async def mset_nonatomic(self, data: Mapping[str, Any], version: int | None = None) -> list[bool]:
        """One MSET per slot, the values kept for ever (as in 0.4): ``True`` per slot stored."""
        with self._guard:
            return await self._async_cluster.mset_nonatomic(data, version)
        return []

    async def readonly(self, target_nodes: AsyncClusterTarget | None = None) -> bool:
        """READONLY to ``target_nodes``; ``"replicas"`` or ``"all"`` also turns on replica reads."""
        with self._guard:
            return await self._async_cluster.readonly(target_nodes)
        return False

    async def readwrite(self, target_nodes: AsyncClusterTarget | None = None) -> bool:
        """READWRITE to ``target_nodes``; reads go to the primaries again."""
        with self._guard:
            return await self._async_cluster.readwrite(target_nodes)
        return False

    def keyslot(self, key: str, version: int | None = None) -> int:
        """The hash slot of the stored key for ``key`` (plain: nothing is sent)."""
        return self._async_cluster.keyslot(key, version)

    async def flushall(self, asynchronous: bool = False) -> bool:
        """FLUSHALL on every primary: every key of the cluster, not only this cache's."""
        with self._guard:
            return await self._async_cluster.flushall(asynchronous)
        return False
