"""The other shipped clients, factories and caches against their Protocols (positive cases)."""

from __future__ import annotations

from typing import Any

from typing_extensions import assert_type
from valkey import Valkey
from valkey.cluster import ValkeyCluster
from valkey.connection import ConnectionPool

from django_valkey import get_cluster_cache
from django_valkey.client.herd import HerdClient
from django_valkey.client.sentinel import SentinelClient
from django_valkey.client.sharded import ShardClient
from django_valkey.cluster_cache.cache import ClusterValkeyCache
from django_valkey.cluster_cache.client import DefaultClusterClient
from django_valkey.cluster_cache.pool import ClusterConnectionFactory
from django_valkey.pool import SentinelConnectionFactory
from django_valkey.protocols import (
    CacheProtocol,
    ClientClass,
    ClientProtocol,
    ConnectionFactoryClass,
    ConnectionFactoryProtocol,
)

# ---------------------------------------------------------------- sync clients


def herd_client(client: HerdClient) -> ClientProtocol[Valkey]:
    return client


def sentinel_client(client: SentinelClient) -> ClientProtocol[Valkey]:
    return client


def shard_client(client: ShardClient) -> ClientProtocol[Valkey]:
    return client


def sync_client_classes() -> list[ClientClass[Valkey]]:
    return [HerdClient, SentinelClient, ShardClient]


def shard_server_for_key(client: ShardClient) -> None:
    assert_type(client.get_server_for_key("k"), Valkey)


def sentinel_factory(factory: SentinelConnectionFactory) -> ConnectionFactoryProtocol[Valkey, ConnectionPool]:
    return factory


def sentinel_factory_class() -> ConnectionFactoryClass[Valkey]:
    return SentinelConnectionFactory


# ---------------------------------------------------------------- cluster


def cluster_client(client: DefaultClusterClient) -> ClientProtocol[ValkeyCluster]:
    return client


def cluster_client_class() -> ClientClass[ValkeyCluster]:
    return DefaultClusterClient


def cluster_factory(factory: ClusterConnectionFactory) -> ConnectionFactoryProtocol[ValkeyCluster, Any]:
    return factory


def cluster_factory_class() -> ConnectionFactoryClass[ValkeyCluster]:
    return ClusterConnectionFactory


def cluster_cache(cache: ClusterValkeyCache) -> CacheProtocol[ValkeyCluster]:
    return cache


def cluster_accessor() -> None:
    assert_type(get_cluster_cache(), ClusterValkeyCache)
    assert_type(get_cluster_cache("cluster").client, DefaultClusterClient)
    assert_type(get_cluster_cache().get_client(), ValkeyCluster)
