"""``AsyncShardClient``: the asyncio twin of ``ShardClient`` (same ring, same placement)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar, cast

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from valkey.asyncio import Valkey as AsyncValkey

from django_valkey._core.commands import Args, Request
from django_valkey._core.grouping import Grouped, Move, ShardRouter, shard_placement
from django_valkey.base_client import AsyncClientCommands, BaseClient, encode_off_loop
from django_valkey.exceptions import SerializerError
from django_valkey.protocols import AsyncConnectionFactoryProtocol, AsyncRawClient, CacheContext, Timeout

__all__ = ["AsyncShardClient"]

R = TypeVar("R")


class AsyncShardClient(
    BaseClient[AsyncValkey, AsyncConnectionFactoryProtocol[Any, Any]], AsyncClientCommands[AsyncValkey]
):
    """Client-side sharding on ``valkey.asyncio``: a key lives on the server ``ShardClient`` would
    pick for it, so sync and async code share the data. Multi-key operations send one request per
    server."""

    CONNECTION_FACTORY_PATH: ClassVar[str] = "django_valkey.async_cache.pool.AsyncConnectionFactory"
    FACTORY_PROTOCOL: ClassVar[type] = AsyncConnectionFactoryProtocol

    def __init__(self, server: str | Sequence[str], params: Mapping[str, Any], backend: CacheContext) -> None:
        super().__init__(server, params, backend)
        self._router = ShardRouter(self._server, self._cmd, shard_placement(self._options))
        self._replica_reads = False  # every server is a shard: none answers for another

    def _tracked_servers(self) -> list[str]:
        return list(self._server)  # every server owns keys

    async def get_server_for_key(self, key: str, version: int | None = None) -> AsyncValkey:
        """The running loop's raw client of the server that owns ``key``."""
        return await self._client_at(self._router.node_of(self._keys.make_key(key, version)))

    async def get_client(self, write: bool = True) -> AsyncValkey:
        """The first server's raw client (shards have no replicas); see ``get_server_for_key``."""
        return await self._client_at(0)

    async def _pipeline_client(self, commands: list[Args]) -> AsyncValkey:
        return await self._client_at(self._router.route_pipeline(commands))

    async def _run(self, req: Request[R]) -> R:
        index = self._router.route(req)
        return req.parse(None) if index is None else await self._send(index, req)

    async def _run_grouped(self, grouped: Grouped[int, R]) -> R:
        """One request per server, each through that server's circuit (and deadline)."""
        results = [await self._send(index, req) for index, req in grouped.parts.items()]
        return grouped.merge(results)

    async def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        return await self._run_grouped(self._router.grouped.get_many(keys, version))

    async def set_many(
        self, data: Mapping[str, Any], timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[str]:
        try:
            grouped = self._router.grouped.set_many(data, timeout, version)
        except SerializerError as exc:
            grouped = await encode_off_loop(exc, self._router.grouped.set_many, data, timeout, version)
        return await self._run_grouped(grouped)

    async def delete_many(self, keys: Iterable[str], version: int | None = None) -> int:
        return await self._run_grouped(self._router.grouped.delete_many(keys, version))

    async def incr_version(self, key: str, delta: int = 1, version: int | None = None) -> int:
        move = Move(self._cmd, key, delta, version)
        source, target = self._router.node_of(move.old), self._router.node_of(move.new)
        if source == target:
            return await super().incr_version(key, delta, version)
        dumped = await self._send(source, move.dump)
        new_version = await self._send(target, move.restore(dumped))
        await self._send(source, move.delete)
        return new_version

    async def clear(self) -> None:
        for index in range(len(self._server)):
            await self._send(index, self._cmd.clear())

    async def keys(self, search: str, version: int | None = None) -> list[str]:
        request = self._cmd.keys_matching(search, version)
        found: list[str] = []
        for index in range(len(self._server)):
            part: list[str] = await self._execute(await self._client_at(index), request)
            found.extend(part)
        return found

    async def iter_keys(
        self, search: str, itersize: int | None = None, version: int | None = None
    ) -> AsyncIterator[str]:
        pattern = self._keys.make_pattern(search, version)
        original = self._keys.original
        count = itersize or self._scan_itersize
        for index in range(len(self._server)):
            async for stored in self._scan(await self._client_at(index), pattern, count):
                yield original(stored)

    async def _key_space_clients(self) -> list[AsyncValkey]:
        return [await self._client_at(index) for index in range(len(self._server))]

    async def _lock_client(self, key: str, version: int | None) -> AsyncRawClient:
        return cast(AsyncRawClient, await self.get_server_for_key(key, version))
