"""``DefaultClusterClient``: the sync client of ``ClusterValkeyCache``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from valkey.cluster import ValkeyCluster

from django_valkey._core.commands import Request
from django_valkey._core.grouping import GroupedCommands, Move, gather
from django_valkey._core.guard import cluster_unavailable
from django_valkey._sync.cluster_client_commands import ClusterClientCommands
from django_valkey.base_client import BaseClient, split_servers
from django_valkey.client_cache import TrackedServer
from django_valkey.cluster_cache.slots import slot_of
from django_valkey.cluster_cache.tracking import cluster_trackers
from django_valkey.protocols import CacheContext, Timeout

__all__ = ["DefaultClusterClient"]


class DefaultClusterClient(BaseClient[ValkeyCluster], ClusterClientCommands):
    """Runs every command on one ``ValkeyCluster`` (LOCATION entries are its startup nodes).

    Multi-key operations are split by hash slot (one MGET / MSET / DEL per slot) and sent in one
    cluster pipeline, which makes one round trip per node. Keys sharing a hash tag (``{user1}:a``,
    ``{user1}:b``) share a slot, so they travel in one command. ``keys``, ``iter_keys``,
    ``delete_pattern`` and ``clear`` visit every primary. Commands over several keys (``sdiff``,
    ``smove``, ``lmove``, ``blpop``, ``msetnx``...) need the keys in one slot: use a hash tag.
    The cluster's own commands (``keys(target_nodes=)``, ``msetnx``, ``readonly``...) come from
    ``ClusterClientCommands``.
    """

    CONNECTION_FACTORY_PATH: ClassVar[str] = "django_valkey.cluster_cache.pool.ClusterConnectionFactory"
    TRACKER_FACTORY_PATH: ClassVar[str | None] = "django_valkey.pool.ConnectionFactory"  # one per primary

    def __init__(self, server: str | Sequence[str], params: Mapping[str, Any], backend: CacheContext) -> None:
        super().__init__([",".join(split_servers(server))], params, backend)
        self._grouped = GroupedCommands(self._cmd, slot_of)

    def _trackers(self, factory_path: str) -> tuple[Callable[[], list[TrackedServer]], bool]:
        # The client cache tracks every primary, and asks the cluster again once per heartbeat.
        return cluster_trackers(self._server[0], self._options), True

    def _counts_against_circuit(self, error: Exception) -> bool:
        # One circuit stands for the whole cluster: only the cluster's own unavailability opens
        # it. A hung or dead node fails the calls for its slots; the other nodes' keep working.
        return cluster_unavailable(error)

    def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        return self._run(gather(self._grouped.get_many(keys, version), write=False))

    def set_many(
        self, data: Mapping[str, Any], timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[str]:
        return self._run(gather(self._grouped.set_many(data, timeout, version), write=True))

    def delete_many(self, keys: Iterable[str], version: int | None = None) -> int:
        return self._run(gather(self._grouped.delete_many(keys, version), write=True))

    def incr_version(self, key: str, delta: int = 1, version: int | None = None) -> int:
        move = Move(self._cmd, key, delta, version)
        if slot_of(move.old) == slot_of(move.new):
            return super().incr_version(key, delta, version)
        # RENAME cannot cross slots: copy the value with its TTL, then drop the old key.
        new_version = self._run(move.restore(self._run(move.dump)))
        self._run(move.delete)
        return new_version

    def _delete_stored(self, stored: list[Any]) -> Request[int]:
        """One DEL per slot for a page of scanned keys."""
        return gather(self._grouped.delete_stored(stored), write=True)
