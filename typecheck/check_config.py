"""``cache_options``: the typed configuration path accepts matching classes and rejects the rest."""

from __future__ import annotations

from typing import Any

from valkey.asyncio import Valkey as AsyncValkey

from django_valkey.async_cache.client import AsyncDefaultClient
from django_valkey.async_cache.pool import AsyncConnectionFactory
from django_valkey.client import DefaultClient
from django_valkey.client.sharded import ShardClient
from django_valkey.cluster_cache.client import DefaultClusterClient
from django_valkey.cluster_cache.pool import ClusterConnectionFactory
from django_valkey.compressors.lz4 import Lz4Compressor
from django_valkey.config import cache_options
from django_valkey.observers import CircuitEvent, Observer, OperationEvent
from django_valkey.pool import ConnectionFactory, SentinelConnectionFactory
from django_valkey.protocols import AsyncClientProtocol
from django_valkey.serializers.msgpack import MSGPackSerializer

# ---------------------------------------------------------------- positive


def sync_options() -> dict[str, Any]:
    return cache_options(client_class=ShardClient, connection_factory=ConnectionFactory, compressor=Lz4Compressor)


def sentinel_options() -> dict[str, Any]:
    return cache_options(client_class=DefaultClient, connection_factory=SentinelConnectionFactory)


def cluster_options() -> dict[str, Any]:
    return cache_options(client_class=DefaultClusterClient, connection_factory=ClusterConnectionFactory)


def async_options() -> dict[str, Any]:
    return cache_options(
        client_class=AsyncDefaultClient, connection_factory=AsyncConnectionFactory, serializer=MSGPackSerializer
    )


def async_client_is_async(client: AsyncDefaultClient) -> AsyncClientProtocol[AsyncValkey]:
    return client


class Timings:
    """An observer that does not inherit from anything."""

    def on_operation(self, event: OperationEvent) -> None:
        print(event.operation, event.duration)

    def on_circuit_change(self, event: CircuitEvent) -> None:
        print(event.server, event.state)


class OnlyOperations:
    def on_operation(self, event: OperationEvent) -> None:
        pass


def observer_options() -> dict[str, Any]:
    return cache_options(observer=[Timings(), Observer, Timings])


def one_observer_options() -> dict[str, Any]:
    return cache_options(client_class=DefaultClient, observer=Timings())


# ---------------------------------------------------------------- negative: mismatched pairs
# (The raw client types of client and factory are joined, not matched exactly: the Protocols are
# covariant in them, so a cluster factory with a plain client is accepted as Valkey | ValkeyCluster.)


def sync_client_with_async_factory() -> None:
    cache_options(client_class=DefaultClient, connection_factory=AsyncConnectionFactory)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]


def async_client_with_sync_factory() -> None:
    cache_options(client_class=AsyncDefaultClient, connection_factory=ConnectionFactory)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]


def a_serializer_as_compressor() -> None:
    cache_options(compressor=MSGPackSerializer)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


def an_observer_without_on_circuit_change() -> None:
    cache_options(observer=OnlyOperations())  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType]
