# Generated from django_valkey/_async/glide_cluster.py by tools/unasync.py: do not edit.
# Change the source and run `python tools/unasync.py`.
"""The GLIDE driver on a Valkey Cluster: a raw client and a connection factory on valkey-glide's
cluster client, for ``ClusterValkeyCache`` and ``AsyncClusterValkeyCache``.

GLIDE's cluster client keeps one multiplexed connection per node, follows ``MOVED``/``ASK``
itself, routes each command by its key (keyless ones by the command's documented policy:
``FLUSHDB``, ``DBSIZE`` and ``SCRIPT LOAD`` on every primary, their replies combined) and splits a
non-atomic batch by node. ``GlideClusterRawClient`` gives it the shape of valkey-py's
cluster client that the cluster clients use: ``execute_command(..., target_nodes=)``,
``pipeline(transaction=False)``, ``scan_iter`` over every primary, ``readonly``/``readwrite`` and
``lock``. This module is the asyncio source; unasync writes the sync twin
(``django_valkey/_sync/glide_cluster.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal, Protocol

from glide_shared.constants import TEncodable
from glide_shared.exceptions import GlideError
from glide_shared.routes import Route
from glide_sync import Batch, ClusterBatch, ClusterScanCursor, GlideClusterClient, ObjectType, RandomNode

from django_valkey._core.glide import (
    GlideNode,
    GlideSettings,
    cluster_config,
    cluster_nodes,
    encode_args,
    glide_cluster_settings,
    merge_nodes,
    node_replies,
    reply,
    route_of,
    translate,
)
from django_valkey._sync.glide import GlidePipeline, LeasedClient, SharedClientFactory

__all__ = ["GlideClusterConnectionFactory", "GlideClusterRawClient"]

_TYPES = {kind.value.lower(): kind for kind in ObjectType}


class NativeClusterClient(Protocol):
    """The part of GLIDE's cluster client used here, replies typed as values for ``reply``."""

    def custom_command(self, command_args: list[TEncodable], route: Route | None = None) -> object: ...

    def exec(self, batch: ClusterBatch, raise_on_error: bool) -> Sequence[object] | None: ...

    def scan(
        self,
        cursor: ClusterScanCursor,
        match: TEncodable | None = None,
        count: int | None = None,
        type: ObjectType | None = None,
    ) -> list[Any]: ...

    def close(self) -> None: ...


class GlideClusterRawClient(LeasedClient[NativeClusterClient]):
    """A raw client on the process's (for asyncio: the event loop's) GLIDE cluster client: one
    multiplexed connection per node, whatever the number of callers."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.settings.host}:{self.settings.port} (cluster)>"

    def build(self) -> NativeClusterClient:
        """GLIDE's cluster client for the startup nodes."""
        built: NativeClusterClient = GlideClusterClient.create(cluster_config(self.settings))
        return built

    def execute_command(self, *args: Any, target_nodes: Any = None, **options: Any) -> Any:
        """Send one command (to ``target_nodes`` if given: a node flag, a node or a list of
        them) and return its reply as valkey-py's cluster client would."""
        name = str(args[0])
        if target_nodes == "replicas":
            target_nodes = self.list_nodes("replica")
            if not target_nodes:
                raise ValueError("target_nodes='replicas': the cluster has no replica up")
        route = route_of(target_nodes)
        encoded = encode_args(args)
        native = self.lend()
        try:
            if isinstance(route, list):
                per_node: dict[str, Any] = {}
                for node, one in zip(target_nodes, route):
                    per_node[node.name] = reply(name, native.custom_command(encoded, one))
                return merge_nodes(name, per_node)
            value = native.custom_command(encoded, route)
        except GlideError as exc:
            raise translate(exc) from None
        finally:
            self.give_back(native)
        return node_replies(name, value, several=route is not None and not isinstance(route, RandomNode))

    def pipeline(self, transaction: bool = False, shard_hint: Any = None) -> GlidePipeline:
        """A non-atomic batch GLIDE splits by node: one round trip per node. A transaction cannot
        span nodes; the cluster clients refuse ``transaction=True`` before asking."""
        if transaction:
            raise ValueError("a pipeline on a cluster cannot be a transaction (MULTI/EXEC cannot span nodes)")
        return GlidePipeline(self, ClusterBatch(is_atomic=False))

    def run_batch(self, batch: Batch | ClusterBatch, raise_on_error: bool) -> Sequence[object] | None:
        """Send ``batch`` (a ``ClusterBatch``) on the GLIDE cluster client."""
        assert isinstance(batch, ClusterBatch)
        native = self.lend()
        try:
            return native.exec(batch, raise_on_error)
        finally:
            self.give_back(native)

    def scan_iter(
        self,
        match: str | None = None,
        count: int | None = None,
        _type: str | None = None,
        **kwargs: Any,
    ) -> Iterator[Any]:
        """Every key matching ``match`` on every primary, by GLIDE's cluster ``SCAN``."""
        kind = None
        if _type is not None:
            kind = _TYPES.get(_type.lower())
            if kind is None:
                raise ValueError(f"_type {_type!r} is not a key type ({', '.join(sorted(_TYPES))})")
        cursor = ClusterScanCursor()  # type: ignore[no-untyped-call]  # GLIDE leaves its __init__ unannotated
        while not cursor.is_finished():
            native = self.lend()
            try:
                cursor, keys = native.scan(cursor, match=match, count=count, type=kind)
            except GlideError as exc:
                raise translate(exc) from None
            finally:
                self.give_back(native)
            for key in keys:
                yield key

    def list_nodes(self, role: Literal["primary", "replica"] | None = None) -> list[GlideNode]:
        """The cluster's connected nodes (``CLUSTER NODES`` asked of one node), primaries first;
        only the primaries or the replicas with ``role``. Each is a ``target_nodes`` value."""
        nodes = cluster_nodes(self.execute_command("CLUSTER NODES", target_nodes="random"))
        return [node for node in nodes if role is None or node.server_type == role]

    def get_node(self, host: str, port: int) -> GlideNode:
        """The node at ``host``:``port`` as a ``target_nodes`` value (nothing is asked)."""
        return GlideNode(host, port)

    def readonly(self, target_nodes: Any = None) -> Any:
        """READONLY to ``target_nodes``. GLIDE picks the node of a read itself: replica reads are
        ``CONNECTION_POOL_KWARGS["read_from_replicas"]``, set when the client is built."""
        return self.execute_command("READONLY", target_nodes=target_nodes or "random")

    def readwrite(self, target_nodes: Any = None) -> Any:
        """READWRITE to ``target_nodes``."""
        return self.execute_command("READWRITE", target_nodes=target_nodes or "random")


class GlideClusterConnectionFactory(SharedClientFactory[GlideClusterRawClient]):
    """Connection factory for a cluster cache's ``OPTIONS["CONNECTION_FACTORY"]``: raw clients on
    GLIDE's cluster client. Conforms to ``ConnectionFactoryProtocol`` without inheriting
    from it; every cache object of a process (for asyncio: of an event loop) with the same nodes
    and settings shares one ``GlideClusterRawClient``."""

    raw_client: Callable[[GlideSettings], GlideClusterRawClient] = GlideClusterRawClient

    def settings(self, url: str) -> GlideSettings:
        """The cluster LOCATION ``url`` (its startup nodes, comma-separated) and OPTIONS."""
        return glide_cluster_settings(url, self.options)
