"""Cluster connection factories: ``ClusterConnectionFactory`` (``BoundedValkeyCluster``, a
``valkey.cluster.ValkeyCluster``) and ``AsyncClusterConnectionFactory`` (``LoopValkeyCluster``, a
``valkey.asyncio.cluster.ValkeyCluster``, one per event loop).

Both cluster clients are bounded: at most ``max_connections`` commands (or pipelines) in flight at
once per client, the others waiting in line up to ``timeout`` seconds. Each of those uses at most
one connection per node, so no node ever has more than ``max_connections`` connections from the
process. (valkey-py's own per-node ``max_connections`` fails at once instead of waiting, and in
the sync client a failure to get a connection counts as a node failure: topology refresh and
retries. The wait here happens before valkey-py is called.)

Both put a circuit around each command they send to a node (``cluster_cache.circuits``), unless
``OPTIONS["CIRCUIT_BREAKER"]`` is ``False``.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Mapping
from typing import Any, cast
from urllib.parse import urlsplit

from valkey.asyncio.cluster import ClusterNode as AsyncClusterNode
from valkey.asyncio.cluster import ClusterPipeline as AsyncClusterPipeline
from valkey.asyncio.cluster import ValkeyCluster as AsyncValkeyCluster
from valkey.cluster import ClusterNode, ClusterPipeline, ValkeyCluster
from valkey.connection import DefaultParser

from django_valkey._async.io import probe_with_connection
from django_valkey._async.io import spawn as spawn_task
from django_valkey._core.breaker import Circuit, circuit_settings
from django_valkey._core.guard import unavailable
from django_valkey._options import DEFAULT_MAX_CONNECTIONS, DEFAULT_POOL_TIMEOUT, call_timeouts
from django_valkey._slots import AsyncSlots, Slots, no_free_connection, wait_timeout
from django_valkey._sync.deadline import outside_deadline
from django_valkey._sync.io import probe_until as probe_thread
from django_valkey._sync.io import spawn as spawn_thread
from django_valkey.async_cache.pool import AsyncConnectionFactory
from django_valkey.base_pool import BaseConnectionFactory, check_url, url_hostname_check
from django_valkey.cluster_cache.circuits import NodeCircuits
from django_valkey.pool import BoundedConnectionPool

__all__ = [
    "AsyncClusterConnectionFactory",
    "BoundedValkeyCluster",
    "ClusterConnectionFactory",
    "LoopValkeyCluster",
    "node_circuits",
    "startup_nodes",
]


def startup_nodes(location: str) -> tuple[str, list[tuple[str, int]]]:
    """The first URL of a comma-separated cluster LOCATION and the (host, port) of the others."""
    urls = [url.strip() for url in location.split(",") if url.strip()]
    for url in urls:
        check_url(url)
    others: list[tuple[str, int]] = []
    for url in urls[1:]:
        parts = urlsplit(url)
        others.append((parts.hostname or "127.0.0.1", parts.port or 6379))
    return urls[0], others


def _cluster_params(factory: BaseConnectionFactory[Any, Any], url: str | None) -> dict[str, Any]:
    first = startup_nodes(url)[0] if url is not None else None  # checks every URL's scheme
    params = BaseConnectionFactory.make_connection_params(factory, None)  # timeouts, password, defaults
    params.pop("parser_class", None)  # ValkeyCluster picks its own parser
    params["url"] = url
    params.update(url_hostname_check(first, factory.pool_cls_kwargs))  # the first URL's scheme decides TLS
    if factory.uses_own_pool():
        # The bound is the cluster client's (see the module docstring): valkey-py's per-node
        # limit is left as it is unless CONNECTION_POOL_KWARGS sets it.
        params.pop("max_connections", None)
        params.pop("timeout", None)
    return params


def sync_cluster_kwargs(params: Mapping[str, Any], pool_kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` and ``pool_kwargs`` merged for the sync ``ValkeyCluster``, which drops
    ``ssl_check_hostname`` and ``health_check_interval`` from the options of its node connections:
    they are bound to the node pools' class (``connection_pool_class``) instead. The node pools
    are ``BoundedConnectionPool``s without a bound of their own unless ``max_connections`` says
    otherwise (the cluster client bounds them)."""
    kwargs = {**params, **pool_kwargs}
    kwargs.pop("timeout", None)  # the cluster client's wait, not a ValkeyCluster argument
    cut = kwargs.pop("cut_at_deadline", False)
    node_pool: Any = kwargs.get("connection_pool_class", functools.partial(BoundedConnectionPool, max_connections=None))
    bound: dict[str, Any] = {}
    if cut and "connection_pool_class" not in kwargs:  # OPTIONS["DEADLINE"]: see _sync.deadline
        bound["cut_at_deadline"] = True
    if kwargs.pop("ssl_check_hostname", False):
        bound["ssl_check_hostname"] = True
    if kwargs.get("health_check_interval"):
        bound["health_check_interval"] = kwargs.pop("health_check_interval")
    kwargs.pop("health_check_interval", None)
    kwargs["connection_pool_class"] = functools.partial(node_pool, **bound) if bound else node_pool
    return kwargs


def _from_url(cluster_cls: Any, node_cls: Any, params: Mapping[str, Any], pool_kwargs: Mapping[str, Any]) -> Any:
    kwargs = {**params, **pool_kwargs}
    first, others = startup_nodes(kwargs.pop("url"))
    if others:
        kwargs["startup_nodes"] = [node_cls(host, port) for host, port in others]
    return cluster_cls.from_url(first, **kwargs)


def node_circuits(factory: BaseConnectionFactory[Any, Any], url: str | None) -> NodeCircuits | None:
    """The node circuits of a cluster client made by ``factory`` for ``url`` (its first URL's
    scheme names them); ``None`` when ``OPTIONS["CIRCUIT_BREAKER"]`` is ``False``."""
    settings = circuit_settings(factory.options.get("CIRCUIT_BREAKER"))
    if settings is None:
        return None
    scheme = urlsplit(startup_nodes(url)[0]).scheme if url else "valkey"
    return NodeCircuits(settings, scheme, call_timeouts(factory.options)[1])


def _circuit_key(factory: BaseConnectionFactory[Any, Any]) -> Hashable:
    """What of ``OPTIONS["CIRCUIT_BREAKER"]`` tells two cluster clients apart (each holds its node circuits)."""
    settings = circuit_settings(factory.options.get("CIRCUIT_BREAKER"))
    return None if settings is None else settings.key()


def _split_limits(kwargs: dict[str, Any]) -> tuple[int | None, float | None]:
    """Take the cluster client's bound and wait out of ``kwargs`` (the merged keyword arguments):
    ``max_connections`` (default 50; ``None`` or 0: not bounded) and ``timeout``. A positive
    ``max_connections`` stays in ``kwargs``: it was given, so valkey-py's per-node limit gets it too."""
    size: Any = kwargs.get("max_connections", DEFAULT_MAX_CONNECTIONS)
    if not kwargs.get("max_connections", True):
        del kwargs["max_connections"]  # valkey-py's async nodes take no None
    timeout: Any = kwargs.pop("timeout", DEFAULT_POOL_TIMEOUT)
    return (size or None), timeout


class BoundedValkeyCluster(ValkeyCluster):
    """``valkey.cluster.ValkeyCluster`` with at most ``max_connections`` commands and pipelines in
    flight at once (threads beyond that wait in line up to ``pool_timeout`` seconds, then get a
    ``MaxConnectionsError``). ``bound()`` sets the limit; without it the client is not bounded."""

    turns: Slots | None = None
    pool_timeout: float | None = DEFAULT_POOL_TIMEOUT
    node_circuits: NodeCircuits | None = None
    """A circuit per node around each command (``None``: none)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        base: Any = super()
        base.__init__(*args, **kwargs)
        manager: Any = self.nodes_manager
        manager.initialize = outside_deadline(manager.initialize)

    def bound(self, max_connections: int | None, timeout: float | None) -> None:
        """At most ``max_connections`` commands in flight (``None``: no bound), waiting up to
        ``timeout`` seconds (``None``: no limit) for a turn."""
        self.turns = None if max_connections is None else Slots(max_connections)
        self.pool_timeout = timeout

    def _execute_command(self, target_node: Any, *args: Any, **kwargs: Any) -> Any:
        base: Any = super()
        circuits = self.node_circuits
        if circuits is None:
            return base._execute_command(target_node, *args, **kwargs)
        circuit = circuits.of(target_node)
        if circuit.open_until:
            target_node, circuit = self._through_open(circuits, target_node, circuit, args)
        try:
            reply = base._execute_command(target_node, *args, **kwargs)
        except Exception as error:
            circuits.failed(circuit, error)
            raise
        if circuit.failures:
            circuit.succeeded()
        return reply

    def _through_open(self, circuits: NodeCircuits, node: Any, circuit: Circuit, args: Any) -> tuple[Any, Circuit]:
        """A command for ``node``, whose circuit is open: another node of the slot for a
        replica's read, else ``CircuitOpen`` (the probe started if it is due)."""
        other = circuits.stand_in(node, self._slot_nodes(args))
        if other is not None:
            return other, circuits.of(other)
        if circuit.enter():
            spawn_thread(self._probe, node, circuit)
            raise circuit.rejection()
        return node, circuit  # it closed meanwhile

    def _slot_nodes(self, args: Any) -> Any:
        this: Any = self  # valkey-py's sync cluster client is not annotated
        try:
            return this.nodes_manager.slots_cache.get(this.determine_slot(*args))
        except Exception:  # a command without a key: no slot to stand in for
            return None

    def _probe(self, node: Any, circuit: Circuit) -> None:
        """PING ``node`` through valkey-py's own path (which refreshes the slot map when it fails)."""
        base: Any = super()
        probe_thread(circuit, lambda: base._execute_command(node, "PING"), unavailable)

    def wait_for_turn(self, limit: Slots) -> None:
        """Wait in line for one of ``turns`` (``MaxConnectionsError`` once ``pool_timeout`` passed)."""
        timeout = wait_timeout(self.pool_timeout)
        if not limit.acquire(timeout):
            raise no_free_connection(limit.size, timeout)

    def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        base: Any = super()  # valkey-py's sync cluster client is not annotated
        limit = self.turns
        if limit is None:
            return base.execute_command(*args, **kwargs)
        if not limit.acquire_nowait():
            self.wait_for_turn(limit)
        try:
            return base.execute_command(*args, **kwargs)
        finally:
            limit.release()

    def pipeline(self, transaction: Any | None = None, shard_hint: Any | None = None) -> ClusterPipeline:
        base: Any = super()
        pipe: Any = base.pipeline(transaction, shard_hint)
        if self.turns is not None:
            # valkey-py builds the pipeline from a dozen of this client's attributes: rather than
            # rebuilding it here, it becomes the subclass whose ``execute`` takes a turn.
            pipe.__class__ = _BoundedClusterPipeline
            pipe.dv_cluster = self
        result: ClusterPipeline = pipe
        return result


class _BoundedClusterPipeline(ClusterPipeline):
    """A sync cluster pipeline whose ``execute`` takes a turn of its ``BoundedValkeyCluster``."""

    dv_cluster: BoundedValkeyCluster

    def execute(self, raise_on_error: bool = True) -> list[Any]:
        cluster = self.dv_cluster
        limit = cluster.turns
        if limit is not None and not limit.acquire_nowait():
            cluster.wait_for_turn(limit)
        base: Any = super()
        try:
            result: list[Any] = base.execute(raise_on_error)
            return result
        finally:
            if limit is not None:
                limit.release()


class ClusterConnectionFactory(BaseConnectionFactory[ValkeyCluster, ValkeyCluster]):
    """One ``ValkeyCluster`` per distinct set of options, shared process-wide.

    The cluster client keeps a pool per node and follows MOVED/ASK redirections itself. Every
    LOCATION entry is a startup node (any node of the cluster will do; more is safer).
    ``CONNECTION_POOL_KWARGS`` go to ``ValkeyCluster`` (e.g. ``{"read_from_replicas": True}``);
    valkey-py's cluster client does not take ``PARSER_CLASS``.
    """

    path_pool_cls = "django_valkey.cluster_cache.pool.BoundedValkeyCluster"
    path_base_cls = "django_valkey.cluster_cache.pool.BoundedValkeyCluster"

    def make_connection_params(self, url: str | None) -> dict[str, Any]:
        return _cluster_params(self, url)

    def pool_key(self, params: dict[str, Any]) -> Hashable:
        return (super().pool_key(params), _circuit_key(self))

    def get_parser_cls(self) -> type[Any]:
        """valkey-py's default parser (``ValkeyCluster`` picks its own; ``PARSER_CLASS`` is not used)."""
        return DefaultParser

    def get_connection_pool(self, params: dict[str, Any]) -> ValkeyCluster:
        kwargs = {**params, **self.pool_cls_kwargs}
        limits = _split_limits(kwargs) if self.uses_own_pool() else None
        if self.deadline is not None:
            kwargs["cut_at_deadline"] = True
        cluster: ValkeyCluster = _from_url(self.pool_cls, ClusterNode, sync_cluster_kwargs(kwargs, {}), {})
        if isinstance(cluster, BoundedValkeyCluster):
            if limits is not None:
                cluster.bound(*limits)
            cluster.node_circuits = node_circuits(self, params.get("url"))
        return cluster

    def get_connection(self, params: dict[str, Any]) -> ValkeyCluster:
        """The shared ``ValkeyCluster`` for ``params`` (it is its own pool of node pools)."""
        return self.get_or_create_connection_pool(params)

    def connect(self, url: str) -> ValkeyCluster:
        return self.get_connection(self.make_connection_params(url))

    def disconnect(self, connection: Any) -> None:
        connection.disconnect_connection_pools()


class LoopValkeyCluster(AsyncValkeyCluster):
    """``valkey.asyncio.cluster.ValkeyCluster`` with the ``disconnect()`` that the per-event-loop
    pool registry calls when its loop shuts down (it closes the cluster client for good), and
    with at most ``max_connections`` commands and pipelines in flight at once (tasks beyond that
    wait in line up to ``pool_timeout`` seconds, then get a ``MaxConnectionsError``). ``bound()``
    sets the limit; without it the client is not bounded. One client serves one event loop."""

    turns: AsyncSlots | None = None
    pool_timeout: float | None = DEFAULT_POOL_TIMEOUT
    node_circuits: NodeCircuits | None = None
    """A circuit per node around each command (``None``: none)."""

    def bound(self, max_connections: int | None, timeout: float | None) -> None:
        """At most ``max_connections`` commands in flight (``None``: no bound), waiting up to
        ``timeout`` seconds (``None``: no limit) for a turn."""
        self.turns = None if max_connections is None else AsyncSlots(max_connections)
        self.pool_timeout = timeout

    async def _execute_command(self, target_node: AsyncClusterNode, *args: Any, **kwargs: Any) -> Any:
        circuits = self.node_circuits
        if circuits is None:
            return await super()._execute_command(target_node, *args, **kwargs)
        circuit = circuits.of(target_node)
        if circuit.open_until:
            target_node, circuit = await self._through_open(circuits, target_node, circuit, args)
        try:
            reply = await super()._execute_command(target_node, *args, **kwargs)
        except Exception as error:
            circuits.failed(circuit, error)
            raise
        if circuit.failures:
            circuit.succeeded()
        return reply

    async def _through_open(
        self, circuits: NodeCircuits, node: AsyncClusterNode, circuit: Circuit, args: Any
    ) -> tuple[AsyncClusterNode, Circuit]:
        """A command for ``node``, whose circuit is open: another node of the slot for a
        replica's read, else ``CircuitOpen`` (the probe started if it is due)."""
        other = circuits.stand_in(node, await self._slot_nodes(args))
        if isinstance(other, AsyncClusterNode):
            return other, circuits.of(other)
        if circuit.enter():
            spawn_task(self._probe, node, circuit)
            raise circuit.rejection()
        return node, circuit  # it closed meanwhile

    async def _slot_nodes(self, args: Any) -> list[AsyncClusterNode] | None:
        try:
            return self.nodes_manager.slots_cache.get(await self._determine_slot(*args))
        except Exception:  # a command without a key: no slot to stand in for
            return None

    async def _probe(self, node: AsyncClusterNode, circuit: Circuit) -> None:
        """PING ``node`` on a connection of the probe loop's own (``spawn``: this client's
        connections belong to its event loop). If the node stays unavailable, this client
        refreshes its map of slots on its next command, as valkey-py does after a failure."""
        await probe_with_connection(circuit, node.connection_class, node.connection_kwargs, unavailable)
        if circuit.open_until:
            self._initialize = True  # read by this client's next command, on its own loop

    async def wait_for_turn(self, limit: AsyncSlots) -> None:
        """Wait in line for one of ``turns`` (``MaxConnectionsError`` once ``pool_timeout`` passed)."""
        timeout = wait_timeout(self.pool_timeout)
        if not await limit.acquire(timeout):
            raise no_free_connection(limit.size, timeout)

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        limit = self.turns
        if limit is None:
            return await super().execute_command(*args, **kwargs)
        if not limit.acquire_nowait():
            await self.wait_for_turn(limit)
        try:
            return await super().execute_command(*args, **kwargs)
        finally:
            limit.release()

    def pipeline(self, transaction: Any | None = None, shard_hint: Any | None = None) -> AsyncClusterPipeline:
        pipe: Any = super().pipeline(transaction, shard_hint)
        if self.turns is not None:
            pipe.__class__ = _AsyncBoundedClusterPipeline  # the same layout: no state of its own
        result: AsyncClusterPipeline = pipe
        return result

    async def disconnect(self, inuse_connections: bool = True) -> None:
        await self.aclose()


class _AsyncBoundedClusterPipeline(AsyncClusterPipeline):
    """An asyncio cluster pipeline whose ``execute`` takes a turn of its ``LoopValkeyCluster``."""

    __slots__ = ()

    async def execute(self, raise_on_error: bool = True, allow_redirections: bool = True) -> list[Any]:
        client = self._client
        limit = client.turns if isinstance(client, LoopValkeyCluster) else None
        if limit is not None and not limit.acquire_nowait():
            await cast(LoopValkeyCluster, client).wait_for_turn(limit)
        try:
            result: list[Any] = await super().execute(raise_on_error, allow_redirections)
            return result
        finally:
            if limit is not None:
                limit.release()


class AsyncClusterConnectionFactory(AsyncConnectionFactory):
    """The asyncio twin of ``ClusterConnectionFactory``: one ``valkey.asyncio`` cluster client per
    event loop and set of options, closed when its loop shuts down."""

    path_pool_cls = "django_valkey.cluster_cache.pool.LoopValkeyCluster"
    path_base_cls = "django_valkey.cluster_cache.pool.LoopValkeyCluster"

    def make_connection_params(self, url: str | None) -> dict[str, Any]:
        return _cluster_params(self, url)

    def pool_key(self, params: dict[str, Any]) -> Hashable:
        return (super().pool_key(params), _circuit_key(self))

    def get_connection_pool(self, params: dict[str, Any]) -> Any:
        kwargs = {**params, **self.pool_cls_kwargs}
        # As the sync cluster client does: no retries inside a node's connection (the cluster
        # client and the cache retry). valkey-py's asyncio default, 3, meets its health check
        # on a new connection to a hung node: each timeout reconnects one level deeper, and
        # the call never ends.
        kwargs.setdefault("connection_error_retry_attempts", 0)
        limits = _split_limits(kwargs) if self.uses_own_pool() else None
        cluster = _from_url(self.pool_cls, AsyncClusterNode, kwargs, {})
        if isinstance(cluster, LoopValkeyCluster):
            if limits is not None:
                cluster.bound(*limits)
            cluster.node_circuits = node_circuits(self, params.get("url"))
        return cluster

    async def get_connection(self, params: dict[str, Any]) -> Any:
        """The running loop's cluster client for ``params``."""
        return self.get_or_create_connection_pool(params)

    async def connect(self, url: str) -> Any:
        return await self.get_connection(self.make_connection_params(url))

    async def disconnect(self, connection: Any) -> None:
        """Close the idle connections of every node (the cluster client stays usable)."""
        for node in connection.get_nodes():
            idle: list[Any] = list(getattr(node, "_free", ()))
            for conn in idle:
                await conn.disconnect()
