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

from django_valkey._sync.cache_commands import CacheCommands
from django_valkey.cluster_cache.targets import ClusterTarget
from django_valkey.protocols import ClusterCommandsProtocol

__all__ = ["ClusterCacheCommands"]


class ClusterCacheCommands(CacheCommands):
    """What a cluster cache adds to the cache API: ``keys`` on chosen nodes, ``msetnx``,
    ``mget_nonatomic``, ``mset_nonatomic``, ``readonly``, ``readwrite``, ``keyslot``, ``flushall``."""

    @property
    def _cluster(self) -> ClusterCommandsProtocol:
        client = self.client
        if not isinstance(client, ClusterCommandsProtocol):
            raise TypeError(
                f"{type(client).__qualname__} is not a cluster client: the cluster commands need a client "
                "with the members of django_valkey.protocols.ClusterCommandsProtocol"
            )
        return client

    def keys(self, search: str, version: int | None = None, target_nodes: ClusterTarget = "primaries") -> list[str]:
        """User keys matching ``search`` on ``target_nodes`` (every primary by default)."""
        with self._guard:
            return self._cluster.keys(search, version, target_nodes)
        return []

    def msetnx(self, data: Mapping[str, Any], version: int | None = None) -> bool:
        """Store every value (no expiry) unless one key exists; the keys must share a hash slot."""
        with self._guard:
            return self._cluster.msetnx(data, version)
        return False

    def mget_nonatomic(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        """``get_many`` (one MGET per slot), under 0.4's name."""
        with self._guard:
            return self._cluster.mget_nonatomic(keys, version)
        return {}

    def mset_nonatomic(self, data: Mapping[str, Any], version: int | None = None) -> list[bool]:
        """One MSET per slot, the values kept for ever (as in 0.4): ``True`` per slot stored."""
        with self._guard:
            return self._cluster.mset_nonatomic(data, version)
        return []

    def readonly(self, target_nodes: ClusterTarget | None = None) -> bool:
        """READONLY to ``target_nodes``; ``"replicas"`` or ``"all"`` also turns on replica reads."""
        with self._guard:
            return self._cluster.readonly(target_nodes)
        return False

    def readwrite(self, target_nodes: ClusterTarget | None = None) -> bool:
        """READWRITE to ``target_nodes``; reads go to the primaries again."""
        with self._guard:
            return self._cluster.readwrite(target_nodes)
        return False

    def keyslot(self, key: str, version: int | None = None) -> int:
        """The hash slot of the stored key for ``key`` (plain: nothing is sent)."""
        return self._cluster.keyslot(key, version)

    def flushall(self, asynchronous: bool = False) -> bool:
        """FLUSHALL on every primary: every key of the cluster, not only this cache's."""
        with self._guard:
            return self._cluster.flushall(asynchronous)
        return False
