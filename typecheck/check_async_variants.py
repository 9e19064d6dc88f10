"""The other async clients, factories and caches against their Protocols (positive cases)."""

from __future__ import annotations

from typing import Any

from typing_extensions import assert_type
from valkey.asyncio import Valkey as AsyncValkey
from valkey.asyncio.cluster import ValkeyCluster as AsyncValkeyCluster

from django_valkey import get_async_cluster_cache
from django_valkey.async_cache.client.herd import AsyncHerdClient
from django_valkey.async_cache.client.sentinel import AsyncSentinelClient
from django_valkey.async_cache.client.sharded import AsyncShardClient
from django_valkey.async_cache.pool import AsyncSentinelConnectionFactory
from django_valkey.cluster_cache.cache import AsyncClusterValkeyCache
from django_valkey.cluster_cache.client import AsyncDefaultClusterClient
from django_valkey.cluster_cache.pool import AsyncClusterConnectionFactory, LoopValkeyCluster
from django_valkey.protocols import (
    AsyncCacheProtocol,
    AsyncClientClass,
    AsyncClientProtocol,
    AsyncConnectionFactoryClass,
    AsyncConnectionFactoryProtocol,
    AsyncRawClient,
)


def async_herd_client(client: AsyncHerdClient) -> AsyncClientProtocol[AsyncValkey]:
    return client


def async_sentinel_client(client: AsyncSentinelClient) -> AsyncClientProtocol[AsyncValkey]:
    return client


def async_shard_client(client: AsyncShardClient) -> AsyncClientProtocol[AsyncValkey]:
    return client


def async_client_classes() -> list[AsyncClientClass[AsyncValkey]]:
    return [AsyncHerdClient, AsyncSentinelClient, AsyncShardClient]


def async_sentinel_factory(factory: AsyncSentinelConnectionFactory) -> AsyncConnectionFactoryProtocol[AsyncValkey, Any]:
    return factory


def async_sentinel_factory_class() -> AsyncConnectionFactoryClass[AsyncValkey]:
    return AsyncSentinelConnectionFactory


def async_cluster_client(client: AsyncDefaultClusterClient) -> AsyncClientProtocol[AsyncValkeyCluster]:
    return client


def async_cluster_client_class() -> AsyncClientClass[AsyncValkeyCluster]:
    return AsyncDefaultClusterClient


def async_cluster_factory(
    factory: AsyncClusterConnectionFactory,
) -> AsyncConnectionFactoryProtocol[AsyncValkeyCluster, Any]:
    return factory


def loop_cluster_raw_client(raw: LoopValkeyCluster) -> AsyncRawClient:
    return raw


def async_cluster_cache(cache: AsyncClusterValkeyCache) -> AsyncCacheProtocol[Any]:
    return cache


def async_cluster_accessor() -> None:
    assert_type(get_async_cluster_cache(), AsyncClusterValkeyCache)
    assert_type(get_async_cluster_cache("acluster").client, AsyncDefaultClusterClient)
