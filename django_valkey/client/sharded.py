"""``ShardClient``: client-side sharding over the LOCATION entries with a consistent hash ring."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from valkey import Valkey

from django_valkey._core.commands import Args, Request
from django_valkey._core.grouping import Grouped, Move, ShardRouter, shard_placement
from django_valkey.base_client import BaseClient, ClientCommands
from django_valkey.hash_ring import HashRing
from django_valkey.protocols import CacheContext, RawClient, Timeout

__all__ = ["ShardClient"]

R = TypeVar("R")


class ShardClient(BaseClient[Valkey], ClientCommands[Valkey]):
    """Every LOCATION entry is an independent server that owns part of the keys.

    A key's server is chosen on a consistent hash ring by its stored key (prefix and version
    included), so adding a server moves only about ``1/N`` of the keys: by default
    django-valkey 0.4's ring (``django_valkey.hash_ring.CompatHashRing``, which places keys that
    share a hash tag, ``{user1}:a`` and ``{user1}:b``, on one server), or with
    ``OPTIONS["SHARD_PLACEMENT"] = "even"`` ``HashRing``'s evener spread. Multi-key operations
    send one request per server. Commands over several keys (``sdiff``,
    ``smove``, ``lmove``, ``blpop``...) need all their keys on one server; ``clear``, ``keys``, ``iter_keys`` and
    ``delete_pattern`` visit every server. There are no replicas: ``get_client(write)`` ignores
    ``write`` and returns the first server's client; use ``get_server_for_key`` for a key's server.
    """

    CONNECTION_FACTORY_PATH: ClassVar[str] = "django_valkey.pool.ConnectionFactory"

    def __init__(self, server: str | Sequence[str], params: Mapping[str, Any], backend: CacheContext) -> None:
        super().__init__(server, params, backend)
        self._router = ShardRouter(self._server, self._cmd, shard_placement(self._options))
        self._replica_reads = False  # every server is a shard: none answers for another

    def _tracked_servers(self) -> list[str]:
        return list(self._server)  # every server owns keys

    @property
    def ring(self) -> HashRing[str]:
        """The hash ring over the LOCATION URLs (a ``CompatHashRing`` unless ``SHARD_PLACEMENT`` is ``"even"``)."""
        return self._router.ring

    def get_server_for_key(self, key: str, version: int | None = None) -> Valkey:
        """The raw client of the server that owns ``key``."""
        return self._client_at(self._router.node_of(self._keys.make_key(key, version)))

    def get_client(self, write: bool = True) -> Valkey:
        """The first server's raw client (shards have no replicas); see ``get_server_for_key``."""
        return self._client_at(0)

    def _pipeline_client(self, commands: list[Args]) -> Valkey:
        return self._client_at(self._router.route_pipeline(commands))

    def _run(self, req: Request[R]) -> R:
        index = self._router.route(req)
        return req.parse(None) if index is None else self._send(index, req)

    def _run_grouped(self, grouped: Grouped[int, R]) -> R:
        """One request per server, each through that server's circuit (and deadline)."""
        results = [self._send(index, req) for index, req in grouped.parts.items()]
        return grouped.merge(results)

    def _each_server(self) -> Iterator[Valkey]:
        for index in range(len(self._server)):
            yield self._client_at(index)

    # ---------------------------------------------------------------- multi-key

    def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        return self._run_grouped(self._router.grouped.get_many(keys, version))

    def set_many(
        self, data: Mapping[str, Any], timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[str]:
        return self._run_grouped(self._router.grouped.set_many(data, timeout, version))

    def delete_many(self, keys: Iterable[str], version: int | None = None) -> int:
        return self._run_grouped(self._router.grouped.delete_many(keys, version))

    def incr_version(self, key: str, delta: int = 1, version: int | None = None) -> int:
        move = Move(self._cmd, key, delta, version)
        source, target = self._router.node_of(move.old), self._router.node_of(move.new)
        if source == target:
            return super().incr_version(key, delta, version)
        # The new key lives on another server: copy the value (with its TTL), then drop the old one.
        dumped = self._send(source, move.dump)
        new_version = self._send(target, move.restore(dumped))
        self._send(source, move.delete)
        return new_version

    # ---------------------------------------------------------------- every server

    def clear(self) -> None:
        for client in self._each_server():
            self._execute(client, self._cmd.clear())

    def keys(self, search: str, version: int | None = None) -> list[str]:
        request = self._cmd.keys_matching(search, version)
        return [key for client in self._each_server() for key in self._execute(client, request)]

    def iter_keys(self, search: str, itersize: int | None = None, version: int | None = None) -> Iterator[str]:
        pattern = self._keys.make_pattern(search, version)
        original = self._keys.original
        count = itersize or self._scan_itersize
        for client in self._each_server():
            for stored in self._scan(client, pattern, count):
                yield original(stored)

    def _key_space_clients(self) -> list[Valkey]:
        return list(self._each_server())

    def _lock_client(self, key: str, version: int | None) -> RawClient:
        return self.get_server_for_key(key, version)
