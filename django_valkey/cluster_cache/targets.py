"""The nodes a cluster command may be sent to (``target_nodes=``), as valkey-py names them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Protocol, cast

from valkey.asyncio.cluster import ClusterNode as AsyncClusterNode
from valkey.asyncio.cluster import ValkeyCluster as AsyncValkeyCluster
from valkey.cluster import ValkeyCluster

__all__ = [
    "NODE_FLAGS",
    "AsyncClusterNode",
    "AsyncClusterTarget",
    "AsyncValkeyCluster",
    "ClusterNodeProtocol",
    "ClusterTarget",
    "NodeFlag",
    "ValkeyCluster",
    "target_arg",
]

NodeFlag = Literal["primaries", "replicas", "all", "random", "default-node"]
"""valkey-py's node flags: every primary, every replica, every node, one random node, or the
cluster client's default node."""

NODE_FLAGS: frozenset[str] = frozenset({"primaries", "replicas", "all", "random", "default-node"})


class ClusterNodeProtocol(Protocol):
    """A node of the sync cluster client: a ``valkey.cluster.ClusterNode``, as
    ``cache.get_client().get_node(host, port)`` or ``get_primaries()`` give them (valkey-py leaves
    that class untyped, so it is described here by its ``name``, ``"host:port"``)."""

    @property
    def name(self) -> str: ...


ClusterTarget = NodeFlag | ClusterNodeProtocol | Sequence[ClusterNodeProtocol]
"""``target_nodes`` of ``ClusterValkeyCache``: a node flag, a ``valkey.cluster.ClusterNode``,
or a list of them."""

AsyncClusterTarget = NodeFlag | AsyncClusterNode | Sequence[AsyncClusterNode]
"""``target_nodes`` of the async cluster cache: a node flag, a ``valkey.asyncio.cluster.ClusterNode``,
or a list of them."""


def target_arg(target: object) -> Any:
    """``target_nodes`` as valkey-py takes it: a node flag (a mistyped one is a ValueError naming
    the flags), a node, or a list of nodes (any other sequence becomes a list); ``None`` means
    the default node. Typed ``Any``: valkey-py's parameter is a constrained TypeVar that no
    union of those satisfies."""
    if isinstance(target, str):
        if target not in NODE_FLAGS:
            flags = ", ".join(repr(flag) for flag in sorted(NODE_FLAGS))
            raise ValueError(f"target_nodes must be one of {flags}, a ClusterNode or a list of them, got {target!r}")
        return target
    if isinstance(target, tuple):
        return list(cast("tuple[object, ...]", target))
    return target
