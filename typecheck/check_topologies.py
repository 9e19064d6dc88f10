"""Topology helpers and accessors (positive cases; checked, never run).

The clients, factories and caches themselves are checked against their Protocols in
``check_variants.py`` and ``check_async_variants.py``; this file covers the public helpers that
the topologies add.
"""

from __future__ import annotations

from typing import Any

from typing_extensions import assert_type
from valkey.asyncio import Valkey as AsyncValkey
from valkey.cluster import ValkeyCluster

from django_valkey.async_cache.client import AsyncShardClient
from django_valkey.client import ShardClient
from django_valkey.cluster_cache.pool import AsyncClusterConnectionFactory, ClusterConnectionFactory
from django_valkey.cluster_cache.slots import slot_of
from django_valkey.hash_ring import CompatHashRing, HashRing, hash_tag
from django_valkey.protocols import AsyncConnectionFactoryClass, ConnectionFactoryClass


def hash_ring() -> None:
    ring = HashRing(["valkey://a:6379/0", "valkey://b:6379/0"])
    assert_type(ring, HashRing[str])
    assert_type(ring.get_node("key"), str)
    assert_type(ring.get_node(b"key"), str)
    numbered = HashRing([1, 2, 3], replicas=64)
    assert_type(numbered.get_node("key"), int)
    assert_type(numbered.nodes, list[int])


def compat_ring() -> None:
    ring = CompatHashRing(["valkey://a:6379/0", "valkey://b:6379/0"])
    assert_type(ring, CompatHashRing[str])
    assert_type(ring.get_node(":1:{user1}:a"), str)
    as_base: HashRing[str] = ring  # a HashRing with 0.4's placement
    assert_type(as_base.get_node("k"), str)
    assert_type(hash_tag(":1:{user1}:a"), str)
    CompatHashRing(["a"], replicas="128")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


def shard_ring(client: ShardClient) -> None:
    assert_type(client.ring, HashRing[str])


async def async_shard_server(client: AsyncShardClient) -> None:
    assert_type(await client.get_server_for_key("k"), AsyncValkey)


def slots() -> None:
    assert_type(slot_of("{user}:1"), int)
    assert_type(slot_of(b"raw"), int)


def cluster_factory_classes() -> tuple[ConnectionFactoryClass[ValkeyCluster], AsyncConnectionFactoryClass[Any]]:
    return ClusterConnectionFactory, AsyncClusterConnectionFactory


def cluster_connect(factory: ClusterConnectionFactory) -> None:
    assert_type(factory.connect("valkey://127.0.0.1:7000"), ValkeyCluster)
