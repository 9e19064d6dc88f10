"""Async conformance cases (checked by mypy --strict and pyright strict, never run).

Positive: the async classes satisfy the async Protocols, and awaited results have the documented
types. Negative (each line must fail, so both checkers carry their own targeted ignore): a sync
client or factory is not an async one, and an async one is not sync.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from django.core.cache.backends.base import BaseCache
from typing_extensions import assert_type
from valkey import Valkey
from valkey.asyncio import Valkey as AsyncValkey
from valkey.asyncio.connection import ConnectionPool as AsyncConnectionPool

from django_valkey.async_cache.cache import AsyncValkeyCache
from django_valkey.async_cache.client import AsyncDefaultClient
from django_valkey.async_cache.pool import AsyncConnectionFactory
from django_valkey.base import AsyncBackendCommands, NativeAsyncMethods
from django_valkey.cache import ValkeyCache
from django_valkey.client import DefaultClient
from django_valkey.pool import ConnectionFactory
from django_valkey.protocols import (
    AsyncCacheProtocol,
    AsyncClientClass,
    AsyncClientProtocol,
    AsyncConnectionFactoryClass,
    AsyncConnectionFactoryProtocol,
    AsyncLockProtocol,
    AsyncRawClient,
    CacheContext,
    ClientProtocol,
    ConnectionFactoryProtocol,
    RawClient,
)

# ---------------------------------------------------------------- positive: conformance


def async_default_client(client: AsyncDefaultClient) -> AsyncClientProtocol[AsyncValkey]:
    return client


def async_default_client_class() -> AsyncClientClass[AsyncValkey]:
    return AsyncDefaultClient


def async_factory(factory: AsyncConnectionFactory) -> AsyncConnectionFactoryProtocol[AsyncValkey, AsyncConnectionPool]:
    return factory


def async_factory_class() -> AsyncConnectionFactoryClass[AsyncValkey]:
    return AsyncConnectionFactory


def async_cache(cache: AsyncValkeyCache) -> AsyncCacheProtocol[Any]:
    return cache


def async_cache_is_client_context(cache: AsyncValkeyCache) -> CacheContext:
    return cache


def async_cache_client(cache: AsyncValkeyCache) -> AsyncDefaultClient:
    return cache.client


def async_backend_commands(cache: AsyncBackendCommands) -> AsyncCacheProtocol[Any]:
    return cache


def sync_cache_async_client(cache: ValkeyCache) -> AsyncClientProtocol[Any]:
    return cache.async_client


def sync_cache_native_async(cache: ValkeyCache) -> NativeAsyncMethods:
    return cache


# ---------------------------------------------------------------- negative: sync is not async, async is not sync


def sync_client_is_not_async(client: DefaultClient) -> AsyncClientProtocol[Any]:
    return client  # type: ignore[return-value]  # pyright: ignore[reportReturnType]


def async_client_is_not_sync(client: AsyncDefaultClient) -> ClientProtocol[Any]:
    return client  # type: ignore[return-value]  # pyright: ignore[reportReturnType]


def sync_factory_is_not_async(factory: ConnectionFactory) -> AsyncConnectionFactoryProtocol[Any, Any]:
    return factory  # type: ignore[return-value]  # pyright: ignore[reportReturnType]


def async_factory_is_not_sync(factory: AsyncConnectionFactory) -> ConnectionFactoryProtocol[Any, Any]:
    return factory  # type: ignore[return-value]  # pyright: ignore[reportReturnType]


def sync_raw_is_not_async(raw: Valkey) -> AsyncRawClient:
    return raw  # type: ignore[return-value]  # pyright: ignore[reportReturnType]


def async_raw_is_not_sync(raw: AsyncValkey) -> RawClient:
    return raw  # type: ignore[return-value]  # pyright: ignore[reportReturnType]


def sync_cache_is_not_async_cache(cache: ValkeyCache) -> AsyncCacheProtocol[Any]:
    return cache  # type: ignore[return-value]  # pyright: ignore[reportReturnType]


# ---------------------------------------------------------------- awaited result types


async def sync_cache_a_methods(cache: ValkeyCache) -> None:
    assert_type(await cache.aget("k"), Any)
    assert_type(await cache.aset("k", 1), None)
    assert_type(await cache.aset("k", 1, nx=True), bool)
    assert_type(await cache.aadd("k", 1), bool)
    assert_type(await cache.aget_many(["k"]), dict[str, Any])
    assert_type(await cache.aset_many({"k": 1}), list[str])
    assert_type(await cache.adelete_many(["k"]), None)
    assert_type(await cache.ahas_key("k"), bool)
    assert_type(await cache.aincr("k"), int)
    assert_type(await cache.adecr_version("k"), int)
    assert_type(await cache.attl("k"), int | None)
    assert_type(await cache.alock("lock"), AsyncLockProtocol)
    assert_type(await cache.akeys("*"), list[str])
    assert_type(cache.aiter_keys("*"), AsyncIterator[str])
    assert_type(await cache.asmembers("s"), set[Any])
    assert_type(await cache.aspop("s", 2), set[Any])
    assert_type(await cache.ahkeys("h"), list[str])
    assert_type(await cache.aclose(), None)


async def async_cache_plain_names(cache: AsyncValkeyCache) -> None:
    assert_type(await cache.get("k"), Any)
    assert_type(await cache.set("k", 1), None)
    assert_type(await cache.set("k", 1, xx=True), bool)
    assert_type(await cache.get_many(["k"]), dict[str, Any])
    assert_type(await cache.incr("k"), int)
    assert_type(await cache.ttl("k"), int | None)
    assert_type(await cache.get_or_set("k", 1), Any | None)
    assert_type(cache.iter_keys("*"), AsyncIterator[str])
    assert_type(await cache.lock("lock"), AsyncLockProtocol)
    assert_type(await cache.aget("k"), Any)
    assert_type(await cache.adelete("k"), bool)
    assert_type(cache.close(), None)


async def async_client_results(client: AsyncDefaultClient) -> None:
    assert_type(await client.get_client(), AsyncValkey)
    assert_type(await client.set("k", 1), bool)
    assert_type(await client.delete_many(["k"]), int)
    assert_type(await client.srandmember("s", 3), list[Any])


def django_sees_a_base_cache(cache: ValkeyCache) -> BaseCache:
    return cache
