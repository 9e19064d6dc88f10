"""Consistent hashing with virtual nodes, for ``ShardClient``. Pure, no I/O.

Each node is placed on a ring at ``replicas`` points (its virtual nodes); a key belongs to the
node of the point next to the key's own hash. Adding a node takes over about ``1/N`` of the keys
and leaves every other key where it was. Two rings:

- ``CompatHashRing``: django-valkey 0.4's placement (SHA-256, 128 points per node, hash tags), so
  that a sharded cache moved from 0.4 finds every key where 0.4 put it. ``ShardClient``'s default.
- ``HashRing``: an evener spread (BLAKE2b, 1024 points per node), ``OPTIONS["SHARD_PLACEMENT"] = "even"``.
"""

from __future__ import annotations

from bisect import bisect
from collections.abc import Iterable
from hashlib import blake2b, sha256
from typing import Generic, TypeVar

from django_valkey._redact import safe_repr

__all__ = ["COMPAT_REPLICAS", "CompatHashRing", "HashRing", "hash_tag", "ring_hash"]

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
        """The ring positions of ``node``'s virtual nodes."""
        name = str(node)
        return [ring_hash(f"{name}#{index}") for index in range(self.replicas)]

    def _position(self, key: str | bytes) -> int:
        """The ring position of ``key``."""
        return ring_hash(key)

    def _owner_index(self, position: int) -> int:
        """The index (in ``_points``) of the point that owns ``position``: the first one after it."""
        index = bisect(self._points, position)
        return index if index < len(self._points) else 0

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
        return self._owners[self._owner_index(self._position(key))]


COMPAT_REPLICAS = 128


def _sha256_position(text: str) -> int:
    return int.from_bytes(sha256(text.encode()).digest(), "big")


def hash_tag(key: str) -> str:
    """The part of ``key`` that django-valkey 0.4's ring hashes: on the key's first line, the
    text between the last ``{`` that a ``}`` follows and the last ``}``, braces excluded (it may
    be empty); the whole key when there is no such pair."""
    line = key.split("\n", 1)[0]
    close = line.rfind("}")
    start = line.rfind("{", 0, close) if close > 0 else -1
    return key if start < 0 else line[start + 1 : close]


class CompatHashRing(HashRing[N]):
    """django-valkey 0.4's ring, point for point, so that keys stay on the servers 0.4 chose.

    A node ``name`` (its LOCATION URL) is placed at the SHA-256 of ``f"{name}:{i}"`` for ``i`` in
    ``range(128)``; a key at the SHA-256 of its hash tag (``hash_tag``: ``{user1}:a`` and
    ``{user1}:b`` share a server); positions compare as 256-bit numbers, as 0.4's hexadecimal
    digests did. A key belongs to the last point at or before its own position, or, before the
    first point, to the last point of the ring.
    """

    def __init__(self, nodes: Iterable[N] = (), replicas: int = COMPAT_REPLICAS) -> None:
        super().__init__(nodes, replicas)

    def _node_points(self, node: N) -> list[int]:
        name = str(node)
        return [_sha256_position(f"{name}:{index}") for index in range(self.replicas)]

    def _position(self, key: str | bytes) -> int:
        return _sha256_position(hash_tag(key.decode() if isinstance(key, bytes) else key))

    def _owner_index(self, position: int) -> int:
        return bisect(self._points, position) - 1  # -1: the last point, before the first one
