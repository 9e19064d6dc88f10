"""The GLIDE driver conforms to the factory and raw-client Protocols without inheriting, for a
server and for a cluster; a ``GlideNode`` is a cluster ``target_nodes`` value."""

from __future__ import annotations

from django_valkey.cluster_cache.targets import ClusterNodeProtocol, ClusterTarget
from django_valkey.glide import (
    AsyncGlideClusterConnectionFactory,
    AsyncGlideClusterRawClient,
    AsyncGlideConnectionFactory,
    AsyncGlideRawClient,
    GlideClusterConnectionFactory,
    GlideClusterRawClient,
    GlideConnectionFactory,
    GlideNode,
    GlideRawClient,
)
from django_valkey.protocols import (
    AsyncConnectionFactoryProtocol,
    AsyncRawClient,
    ConnectionFactoryProtocol,
    RawClient,
)

factory: ConnectionFactoryProtocol[GlideRawClient, GlideRawClient] = GlideConnectionFactory({})
async_factory: AsyncConnectionFactoryProtocol[AsyncGlideRawClient, AsyncGlideRawClient] = AsyncGlideConnectionFactory(
    {}
)
cluster_factory: ConnectionFactoryProtocol[GlideClusterRawClient, GlideClusterRawClient] = (
    GlideClusterConnectionFactory({})
)
async_cluster_factory: AsyncConnectionFactoryProtocol[AsyncGlideClusterRawClient, AsyncGlideClusterRawClient] = (
    AsyncGlideClusterConnectionFactory({})
)


def sync_raw(raw: GlideRawClient) -> RawClient:
    return raw


def async_raw(raw: AsyncGlideRawClient) -> AsyncRawClient:
    return raw


def sync_cluster_raw(raw: GlideClusterRawClient) -> RawClient:
    return raw


def async_cluster_raw(raw: AsyncGlideClusterRawClient) -> AsyncRawClient:
    return raw


def a_node(raw: GlideClusterRawClient) -> ClusterNodeProtocol:
    return raw.get_node("127.0.0.1", 7000)


def primaries(raw: GlideClusterRawClient) -> ClusterTarget:
    found: list[GlideNode] = raw.list_nodes("primary")
    return found
