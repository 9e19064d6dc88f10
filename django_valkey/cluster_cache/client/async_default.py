"""``AsyncDefaultClusterClient``: the asyncio client of ``AsyncClusterValkeyCache``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from valkey.asyncio.cluster import ValkeyCluster as AsyncValkeyCluster

from django_valkey._async.cluster_client_commands import AsyncClusterClientCommands
from django_valkey._core.commands import Request
from django_valkey._core.grouping import GroupedCommands, Move, gather
from django_valkey._core.guard import cluster_unavailable
from django_valkey.base_client import BaseClient, encode_off_loop, split_servers
from django_valkey.client_cache import TrackedServer
from django_valkey.cluster_cache.slots import slot_of
from django_valkey.cluster_cache.tracking import cluster_trackers
from django_valkey.exceptions import SerializerError
from django_valkey.protocols import AsyncConnectionFactoryProtocol, CacheContext, Timeout

__all__ = ["AsyncDefaultClusterClient"]


class AsyncDefaultClusterClient(
    BaseClient[AsyncValkeyCluster, AsyncConnectionFactoryProtocol[Any, Any]], AsyncClusterClientCommands
):
    """The asyncio twin of ``DefaultClusterClient`` on ``valkey.asyncio.cluster.ValkeyCluster``
    (one per event loop): the same slot grouping, one cluster pipeline per multi-key call."""

    CONNECTION_FACTORY_PATH: ClassVar[str] = "django_valkey.cluster_cache.pool.AsyncClusterConnectionFactory"
    TRACKER_FACTORY_PATH: ClassVar[str | None] = "django_valkey.pool.ConnectionFactory"  # one per primary
    FACTORY_PROTOCOL: ClassVar[type] = AsyncConnectionFactoryProtocol

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

    async def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        return await self._run(gather(self._grouped.get_many(keys, version), write=False))

    async def set_many(
        self, data: Mapping[str, Any], timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[str]:
        try:
            grouped = self._grouped.set_many(data, timeout, version)
        except SerializerError as exc:
            grouped = await encode_off_loop(exc, self._grouped.set_many, data, timeout, version)
        return await self._run(gather(grouped, write=True))

    async def delete_many(self, keys: Iterable[str], version: int | None = None) -> int:
        return await self._run(gather(self._grouped.delete_many(keys, version), write=True))

    async def incr_version(self, key: str, delta: int = 1, version: int | None = None) -> int:
        move = Move(self._cmd, key, delta, version)
        if slot_of(move.old) == slot_of(move.new):
            return await super().incr_version(key, delta, version)
        new_version = await self._run(move.restore(await self._run(move.dump)))
        await self._run(move.delete)
        return new_version

    def _delete_stored(self, stored: list[Any]) -> Request[int]:
        """One DEL per slot for a page of scanned keys."""
        return gather(self._grouped.delete_stored(stored), write=True)
