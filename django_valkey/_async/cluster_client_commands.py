"""The commands only a cluster client has (django-valkey 0.4's ``ClusterValkeyCache`` API),
written once. This module is the asyncio source; ``tools/unasync.py`` writes the sync
``ClusterClientCommands`` from it (``django_valkey/_sync/cluster_client_commands.py``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar, cast

from django_valkey._async.client_commands import AsyncClientCommands
from django_valkey._async.io import encode_off_loop
from django_valkey._core.commands import Args, Request, all_ok, key_list
from django_valkey._core.grouping import GroupedCommands, gather
from django_valkey.cluster_cache.circuits import NodeCircuits
from django_valkey.cluster_cache.slots import slot_of
from django_valkey.cluster_cache.targets import AsyncClusterTarget, AsyncValkeyCluster, target_arg
from django_valkey.exceptions import SerializerError
from django_valkey.protocols import AsyncRawClient

__all__ = ["AsyncClusterClientCommands"]

R = TypeVar("R")


class AsyncClusterClientCommands(AsyncClientCommands[AsyncValkeyCluster]):
    """``AsyncClientCommands`` on a cluster, plus what only a cluster has; mixed into a
    ``BaseClient`` subclass that sets ``_grouped`` (the multi-key operations split by slot)."""

    _grouped: GroupedCommands[int]

    async def _execute(self, client: Any, req: Request[R]) -> R:
        if req.batch is not None:
            _check_slots(client, req.batch)
        return await super()._execute(client, req)

    async def _send_pipeline(self, commands: list[Args], transaction: bool) -> list[Any]:
        if transaction:
            raise ValueError(
                "a pipeline on a cluster cannot be a transaction (MULTI/EXEC cannot span nodes): "
                "use cache.pipeline(transaction=False)"
            )
        return await super()._send_pipeline(commands, transaction)

    async def keys(
        self, search: str, version: int | None = None, target_nodes: AsyncClusterTarget = "primaries"
    ) -> list[str]:
        """User keys matching ``search`` (KEYS: prefer ``iter_keys``) on ``target_nodes``: every
        primary by default (django-valkey 0.4 asked the default node only), each key once."""
        req = self._cmd.keys_matching(search, version)
        assert req.args is not None
        raw = cast(AsyncRawClient, await self.get_client())
        found = req.parse(await raw.execute_command(*req.args, target_nodes=target_arg(target_nodes)))
        return list(dict.fromkeys(found))  # a replica repeats its primary's keys

    async def msetnx(self, data: Mapping[str, Any], version: int | None = None) -> bool:
        """MSETNX: store every value (with no expiry) unless one of the keys exists; ``True`` if
        stored. Every key must be in one hash slot (a hash tag: ``{user1}:a``, ``{user1}:b``)."""
        slots = {slot_of(self._keys.make_key(key, version)) for key in data}
        if len(slots) > 1:
            raise ValueError(
                f"msetnx needs every key in one hash slot (give them a hash tag, e.g. '{{user1}}:a'); "
                f"{key_list(data)} are in {len(slots)} slots"
            )
        try:
            req = self._cmd.msetnx(data, version)
        except SerializerError as exc:
            req = await encode_off_loop(exc, self._cmd.msetnx, data, version)
        return await self._run(req)

    async def mget_nonatomic(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        """``get_many``: one MGET per slot, in one cluster pipeline."""
        return await self.get_many(keys, version)

    async def mset_nonatomic(self, data: Mapping[str, Any], version: int | None = None) -> list[bool]:
        """One MSET per slot, in one cluster pipeline, the values kept for ever (as in 0.4; use
        ``set_many`` for the cache's TIMEOUT): ``True`` per slot stored."""
        try:
            grouped = self._grouped.set_without_expiry(data, version)
        except SerializerError as exc:
            grouped = await encode_off_loop(exc, self._grouped.set_without_expiry, data, version)
        return await self._run(gather(grouped, write=True))

    async def readonly(self, target_nodes: AsyncClusterTarget | None = None) -> bool:
        """valkey-py's ``readonly``: READONLY to ``target_nodes`` (the default node if ``None``);
        with ``"replicas"`` or ``"all"`` the cluster client also starts reading from replicas.
        That client is shared by every cache with the same options."""
        raw = await self.get_client()
        return all_ok(await raw.readonly(target_nodes=target_arg(target_nodes)))

    async def readwrite(self, target_nodes: AsyncClusterTarget | None = None) -> bool:
        """valkey-py's ``readwrite``: READWRITE to ``target_nodes``; reads go to primaries again."""
        raw = await self.get_client()
        return all_ok(await raw.readwrite(target_nodes=target_arg(target_nodes)))

    def keyslot(self, key: str, version: int | None = None) -> int:
        """The hash slot (0-16383) of the stored key for ``key``; computed here, nothing is sent."""
        return slot_of(self._keys.make_key(key, version))

    async def flushall(self, asynchronous: bool = False) -> bool:
        """FLUSHALL on every primary (``asynchronous``: the servers free the memory in the background)."""
        return await self._run(self._cmd.flushall(asynchronous))


def _check_slots(client: Any, batch: list[Args]) -> None:
    """``CircuitOpen`` if a command of ``batch`` (one per slot, its key first) is for a node whose
    circuit is open: the pipeline fails at once rather than wait for that node."""
    circuits: NodeCircuits | None = getattr(client, "node_circuits", None)
    if circuits is None:
        return
    slots = client.nodes_manager.slots_cache
    blocked = circuits.blocked_primary([slots.get(slot_of(args[1])) for args in batch if len(args) > 1])
    if blocked is not None:
        raise blocked.rejection()
