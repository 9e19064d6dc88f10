"""``HashRing``: consistent hashing with virtual nodes, for ``ShardClient``. Pure, no I/O.

Each node is placed on a 64-bit ring at ``replicas`` points (its virtual nodes); a key belongs to
the first point at or after the key's own hash. Adding a node takes over about ``1/N`` of the keys
and leaves every other key where it was.
"""

from __future__ import annotations

from bisect import bisect
from collections.abc import Iterable
from hashlib import blake2b
from typing import Generic, TypeVar

from django_valkey._redact import safe_repr

__all__ = ["HashRing", "ring_hash"]

N = TypeVar("N")

DEFAULT_REPLICAS = 1024


def ring_hash(data: str | bytes) -> int:
    """The 64-bit ring position of ``data`` (stable across processes and Python versions)."""
    raw = data.encode() if isinstance(data, str) else data
    return int.from_bytes(blake2b(raw, digest_size=8).digest(), "big")


class HashRing(Generic[N]):
    """A consistent hash ring over ``nodes``; ``get_node(key)`` picks the node for a key.

    Nodes are placed by ``str(node)``, so two processes given the same node names agree on where
    every key lives. ``replicas`` is the number of virtual nodes per node (more: a more even spread).
    """

    def __init__(self, nodes: Iterable[N] = (), replicas: int = DEFAULT_REPLICAS) -> None:
        if replicas < 1:
            raise ValueError(f"replicas must be at least 1, got {replicas!r}")
        self.replicas = replicas
        self.nodes: list[N] = []
        self._points: list[int] = []
        self._owners: list[N] = []
        self._place(list(nodes))

    def __len__(self) -> int:
        return len(self.nodes)

    def _node_points(self, node: N) -> list[int]:
        name = str(node)
        return [ring_hash(f"{name}#{index}") for index in range(self.replicas)]

    def _place(self, nodes: list[N]) -> None:
        for node in nodes:
            if node in self.nodes:
                raise ValueError(f"{safe_repr(node)} is already on the ring")
            self.nodes.append(node)
        pairs = list(zip(self._points, self._owners))
        pairs.extend((point, node) for node in nodes for point in self._node_points(node))
        pairs.sort(key=lambda pair: pair[0])
        self._points = [point for point, _ in pairs]
        self._owners = [owner for _, owner in pairs]

    def add_node(self, node: N) -> None:
        """Place ``node`` on the ring; ValueError if it is there already."""
        self._place([node])

    def remove_node(self, node: N) -> None:
        """Take ``node`` off the ring; its keys move to the next nodes along it."""
        if node not in self.nodes:
            raise ValueError(f"{safe_repr(node)} is not on the ring")
        self.nodes.remove(node)
        kept = [(point, owner) for point, owner in zip(self._points, self._owners) if owner != node]
        self._points = [point for point, _ in kept]
        self._owners = [owner for _, owner in kept]

    def get_node(self, key: str | bytes) -> N:
        """The node that owns ``key``; LookupError on an empty ring."""
        if not self._points:
            raise LookupError("the hash ring has no nodes")
        index = bisect(self._points, ring_hash(key))
        return self._owners[index if index < len(self._points) else 0]
