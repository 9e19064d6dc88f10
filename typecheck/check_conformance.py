"""Every shipped class against its Protocol (positive cases: these must type-check).

Conformance functions return their argument as the Protocol type: no instance is built, and the
checkers compare every member (names, parameter kinds and types, return types).
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.base import BaseCache
from valkey import Valkey
from valkey.asyncio import Valkey as AsyncValkey
from valkey.cluster import ValkeyCluster
from valkey.connection import ConnectionPool

from django_valkey.base import BackendCommands, BaseValkeyCache
from django_valkey.base_client import BaseClient, ClientCommands
from django_valkey.cache import ValkeyCache
from django_valkey.client import DefaultClient
from django_valkey.compressors.base import BaseCompressor
from django_valkey.compressors.brotli import BrotliCompressor
from django_valkey.compressors.bz2 import Bz2Compressor
from django_valkey.compressors.gzip import GzipCompressor
from django_valkey.compressors.identity import IdentityCompressor
from django_valkey.compressors.lz4 import Lz4Compressor
from django_valkey.compressors.lzma import LzmaCompressor
from django_valkey.compressors.zlib import ZlibCompressor
from django_valkey.compressors.zstd import ZStdCompressor
from django_valkey.pool import ConnectionFactory
from django_valkey.protocols import (
    AsyncRawClient,
    CacheContext,
    CacheProtocol,
    ClientClass,
    ClientProtocol,
    CompressorClass,
    CompressorProtocol,
    ConnectionFactoryClass,
    ConnectionFactoryProtocol,
    RawClient,
    SerializerClass,
    SerializerProtocol,
)
from django_valkey.serializers.base import BaseSerializer
from django_valkey.serializers.json import JSONSerializer
from django_valkey.serializers.msgpack import MSGPackSerializer
from django_valkey.serializers.msgspec import MsgSpecJsonSerializer, MsgSpecMsgPackSerializer
from django_valkey.serializers.pickle import PickleSerializer

# ---------------------------------------------------------------- the raw-client boundary


def raw_valkey(raw: Valkey) -> RawClient:
    return raw


def raw_cluster(raw: ValkeyCluster) -> RawClient:
    return raw


def raw_async_valkey(raw: AsyncValkey) -> AsyncRawClient:
    return raw


# ---------------------------------------------------------------- caches


def cache_protocol(cache: ValkeyCache) -> CacheProtocol[Valkey]:
    return cache


def cache_is_django_cache(cache: ValkeyCache) -> BaseCache:
    return cache


def cache_gives_client_context(cache: ValkeyCache) -> CacheContext:
    return cache


def cache_client(cache: ValkeyCache) -> DefaultClient:
    return cache.client


def bare_base_cache(cache: BaseValkeyCache) -> BaseValkeyCache[ClientProtocol[Any], RawClient]:
    """A bare ``BaseValkeyCache`` means its defaults."""
    return cache


def backend_commands(cache: BackendCommands) -> CacheProtocol[Any]:
    """The command mixin alone already has the whole cache API."""
    return cache


# ---------------------------------------------------------------- clients


def default_client(client: DefaultClient) -> ClientProtocol[Valkey]:
    return client


def default_client_class() -> ClientClass[Valkey]:
    return DefaultClient


def bare_client_protocol(client: DefaultClient) -> ClientProtocol:
    """A bare ``ClientProtocol`` means ``ClientProtocol[RawClient]``."""
    return client


def client_commands(client: ClientCommands[Valkey]) -> Valkey:
    return client.get_client()


def base_client_factory(client: BaseClient[Valkey]) -> ConnectionFactoryProtocol[Any, Any]:
    """A bare second type argument means a sync factory."""
    return client.connection_factory


# ---------------------------------------------------------------- connection factories


def connection_factory(factory: ConnectionFactory) -> ConnectionFactoryProtocol[Valkey, ConnectionPool]:
    return factory


def connection_factory_class() -> ConnectionFactoryClass[Valkey]:
    return ConnectionFactory


# ---------------------------------------------------------------- serializers and compressors


def serializer_classes() -> list[SerializerClass]:
    return [PickleSerializer, JSONSerializer, MSGPackSerializer, MsgSpecJsonSerializer, MsgSpecMsgPackSerializer]


def serializer_instance(serializer: PickleSerializer) -> SerializerProtocol:
    return serializer


def reference_bases() -> tuple[SerializerClass, CompressorClass]:
    """The reference bases already have the Protocol's shape (their methods raise until overridden).

    ``BaseConnectionFactory`` is deliberately neither sync nor async: its ``connect`` is typed
    ``Base | Awaitable[Base]`` until a subclass picks one, so it is not checked here.
    """
    return BaseSerializer, BaseCompressor


def compressor_classes() -> list[CompressorClass]:
    return [
        IdentityCompressor,
        ZlibCompressor,
        GzipCompressor,
        LzmaCompressor,
        Bz2Compressor,
        Lz4Compressor,
        ZStdCompressor,
        BrotliCompressor,
    ]


def compressor_instance(compressor: ZlibCompressor) -> CompressorProtocol:
    return compressor
