"""The contracts of django-valkey: read this module and you know the architecture.

A cache backend (``CacheProtocol``) delegates every command to a client (``ClientProtocol``). The
client makes keys, encodes values with a serializer (``SerializerProtocol``) and a compressor
(``CompressorProtocol``), and talks to raw valkey-py clients (``RawClient``) that a connection
factory (``ConnectionFactoryProtocol``) hands it.

The classes in ``django_valkey.base``, ``django_valkey.base_client`` and ``django_valkey.base_pool``
are reference implementations of these Protocols. Your own client, factory, serializer or
compressor does not need to inherit from anything: if it has the members below, mypy and pyright
accept it wherever django-valkey expects one, and django-valkey checks it once when it is loaded
from settings.

Every ``key`` parameter is the user's key: the client turns it into the stored key with
``make_key`` (prefix and version). ``version=None`` means the cache's ``VERSION``.
"""

from __future__ import annotations

import builtins

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, overload, runtime_checkable

from typing_extensions import TypeVar

from django_valkey.util import CacheKey

__all__ = [
    "AsyncClientProtocol",
    "AsyncConnectionFactoryProtocol",
    "AsyncRawClient",
    "AsyncRawPipeline",
    "CacheContext",
    "CacheProtocol",
    "ClientClass",
    "ClientProtocol",
    "CompressorClass",
    "CompressorProtocol",
    "ConnectionFactoryClass",
    "ConnectionFactoryProtocol",
    "ExpiryTime",
    "LockProtocol",
    "AsyncLockProtocol",
    "RawClient",
    "RawPipeline",
    "SerializerClass",
    "SerializerProtocol",
    "Timeout",
]

Timeout = float | None
"""A timeout in seconds: ``None`` keeps the value forever, ``0`` or less expires it at once.

Where a parameter defaults to Django's ``DEFAULT_TIMEOUT`` sentinel, the cache's ``TIMEOUT`` is used.
"""

ExpiryTime = int | float | timedelta
"""A relative expiry for ``expire``: seconds, or a ``timedelta``."""

AbsoluteTime = int | datetime
"""An absolute expiry for ``expire_at``: a Unix timestamp, or a ``datetime``."""


# --------------------------------------------------------------------------------------------
# Values: serializer and compressor
# --------------------------------------------------------------------------------------------


@runtime_checkable
class SerializerProtocol(Protocol):
    """Turns a cache value into bytes and back.

    The client calls ``dumps`` for every value it stores (except plain ``int``, stored as digits so
    that INCR works) and ``loads`` for every value it reads. Both run on the hot path: keep them
    lean. Errors propagate; the client wraps them in ``SerializerError`` naming the key.
    """

    def dumps(self, value: Any) -> bytes: ...

    def loads(self, value: bytes) -> Any: ...


@runtime_checkable
class CompressorProtocol(Protocol):
    """Compresses serialized bytes before they are stored.

    ``compress`` may return its input unchanged (values under the minimum length are not worth
    compressing). ``decompress`` must raise ``django_valkey.exceptions.CompressorError`` when its
    input is not in its format: the client then reads the bytes as stored uncompressed.
    """

    def compress(self, value: bytes) -> bytes: ...

    def decompress(self, value: bytes) -> bytes: ...


SerializerClass = Callable[[Mapping[str, Any]], SerializerProtocol]
"""What ``OPTIONS["SERIALIZER"]`` names: called once with the cache's ``OPTIONS``."""

CompressorClass = Callable[[Mapping[str, Any]], CompressorProtocol]
"""What ``OPTIONS["COMPRESSOR"]`` names: called once with the cache's ``OPTIONS``."""


# --------------------------------------------------------------------------------------------
# The raw valkey-py boundary
# --------------------------------------------------------------------------------------------


class LockProtocol(Protocol):
    """A distributed lock, as ``valkey.lock.Lock`` provides it."""

    def acquire(
        self,
        sleep: float | None = None,
        blocking: bool | None = None,
        blocking_timeout: float | None = None,
        token: str | bytes | None = None,
    ) -> bool: ...

    def release(self) -> None: ...

    def locked(self) -> bool: ...

    def owned(self) -> bool: ...

    def extend(self, additional_time: float, replace_ttl: bool = False) -> bool: ...

    def __enter__(self) -> Any: ...

    def __exit__(self, *exc_info: object) -> None: ...


class AsyncLockProtocol(Protocol):
    """A distributed lock, as ``valkey.asyncio.lock.Lock`` provides it."""

    async def acquire(
        self,
        blocking: bool | None = None,
        blocking_timeout: float | None = None,
        token: str | bytes | None = None,
    ) -> bool: ...

    def release(self) -> Awaitable[None]: ...

    async def locked(self) -> bool: ...

    async def owned(self) -> bool: ...

    def extend(self, additional_time: float, replace_ttl: bool = False) -> Awaitable[bool]: ...

    async def __aenter__(self) -> Any: ...

    async def __aexit__(self, *exc_info: object) -> None: ...


class RawPipeline(Protocol):
    """The part of a valkey-py pipeline that django-valkey uses."""

    def execute_command(self, *args: Any, **options: Any) -> Any: ...

    def execute(self, raise_on_error: bool = True) -> list[Any]: ...


class RawClient(Protocol):
    """The part of a sync valkey-py client (``Valkey``, ``ValkeyCluster``) that django-valkey uses.

    valkey-py types every command as ``Awaitable[Any] | Any``; django-valkey sends commands through
    ``execute_command`` and types each reply where it parses it, so this is the whole boundary.
    """

    def execute_command(self, *args: Any, **options: Any) -> Any: ...

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> RawPipeline: ...

    def scan_iter(
        self,
        match: str | None = None,
        count: int | None = None,
        _type: str | None = None,
        **kwargs: Any,
    ) -> Iterator[Any]: ...

    def lock(
        self,
        name: str,
        timeout: float | None = None,
        sleep: float = 0.1,
        blocking: bool = True,
        blocking_timeout: float | None = None,
        lock_class: Any = None,
        thread_local: bool = True,
    ) -> Any: ...

    def close(self) -> None: ...


class AsyncRawPipeline(Protocol):
    """The part of a ``valkey.asyncio`` pipeline that django-valkey uses."""

    def execute_command(self, *args: Any, **options: Any) -> Any: ...

    async def execute(self, raise_on_error: bool = True) -> list[Any]: ...


class AsyncRawClient(Protocol):
    """The part of a ``valkey.asyncio`` client that django-valkey uses.

    ``aclose`` is what tells it apart from a sync client, whose commands also claim to return
    awaitables in valkey-py's annotations.
    """

    async def execute_command(self, *args: Any, **options: Any) -> Any: ...

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> AsyncRawPipeline: ...

    def scan_iter(
        self,
        match: str | None = None,
        count: int | None = None,
        _type: str | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[Any]: ...

    def lock(
        self,
        name: str,
        timeout: float | None = None,
        sleep: float = 0.1,
        blocking: bool = True,
        blocking_timeout: float | None = None,
        lock_class: Any = None,
        thread_local: bool = True,
    ) -> Any: ...

    async def aclose(self, close_connection_pool: bool | None = None) -> None: ...


RawT_co = TypeVar("RawT_co", bound=RawClient, covariant=True, default=RawClient)
AsyncRawT_co = TypeVar("AsyncRawT_co", bound=AsyncRawClient, covariant=True, default=AsyncRawClient)
PoolT_co = TypeVar("PoolT_co", covariant=True, default=Any)


# --------------------------------------------------------------------------------------------
# Connection factories
# --------------------------------------------------------------------------------------------


@runtime_checkable
class ConnectionFactoryProtocol(Protocol[RawT_co, PoolT_co]):
    """Builds raw clients for a client, one per server URL.

    A client makes one factory (``OPTIONS["CONNECTION_FACTORY"]``, the
    ``DJANGO_VALKEY_CONNECTION_FACTORY`` setting, or its ``CONNECTION_FACTORY_PATH``) with the
    cache's ``OPTIONS`` and calls ``connect`` the first time it needs a server, then keeps the raw
    client. ``disconnect`` is called by ``close()`` when ``CLOSE_CONNECTION`` is on.
    """

    def connect(self, url: str) -> RawT_co: ...

    def disconnect(self, connection: Any) -> None: ...

    def get_or_create_connection_pool(self, params: dict[str, Any]) -> PoolT_co: ...


@runtime_checkable
class AsyncConnectionFactoryProtocol(Protocol[AsyncRawT_co, PoolT_co]):
    """The asyncio twin of ``ConnectionFactoryProtocol``; its pools belong to one event loop."""

    async def connect(self, url: str) -> AsyncRawT_co: ...

    async def disconnect(self, connection: Any) -> None: ...

    def get_or_create_connection_pool(self, params: dict[str, Any]) -> PoolT_co: ...


ConnectionFactoryClass = Callable[[Mapping[str, Any]], ConnectionFactoryProtocol[RawT_co, Any]]
"""What ``OPTIONS["CONNECTION_FACTORY"]`` names: called with the cache's ``OPTIONS``."""


# --------------------------------------------------------------------------------------------
# What a client reads from its cache
# --------------------------------------------------------------------------------------------


class CacheContext(Protocol):
    """The settings a client takes from the cache that owns it (Django's ``BaseCache`` has them)."""

    @property
    def key_prefix(self) -> str: ...

    @property
    def version(self) -> int: ...

    @property
    def key_func(self) -> Callable[..., Any]: ...

    @property
    def default_timeout(self) -> float | None: ...

    def validate_key(self, key: Any) -> None: ...


# --------------------------------------------------------------------------------------------
# Clients
# --------------------------------------------------------------------------------------------


@runtime_checkable
class ClientProtocol(Protocol[RawT_co]):
    """What a cache backend calls for every command; one instance per cache per process.

    Clients are built as ``ClientClass(server, params, backend)``: ``server`` is the LOCATION (a
    string or a list), ``params`` the whole ``CACHES`` entry, ``backend`` the owning cache. Methods
    take user keys and raise valkey-py's errors; the cache turns those into
    ``ConnectionInterrupted`` or ignores them (``IGNORE_EXCEPTIONS``).
    """

    def make_key(self, key: str, version: int | None = None, prefix: str | None = None) -> CacheKey: ...

    def make_pattern(self, pattern: str, version: int | None = None, prefix: str | None = None) -> CacheKey: ...

    def get_client(self, write: bool = True) -> RawT_co: ...

    # Django's API
    def get(self, key: str, default: Any = None, version: int | None = None) -> Any: ...

    def set(
        self,
        key: str,
        value: Any,
        timeout: Timeout = ...,
        version: int | None = None,
        nx: bool = False,
        xx: bool = False,
    ) -> bool: ...

    def add(self, key: str, value: Any, timeout: Timeout = ..., version: int | None = None) -> bool: ...

    def touch(self, key: str, timeout: Timeout = ..., version: int | None = None) -> bool: ...

    def delete(self, key: str, version: int | None = None) -> bool: ...

    def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]: ...

    def set_many(self, data: Mapping[str, Any], timeout: Timeout = ..., version: int | None = None) -> list[str]: ...

    def delete_many(self, keys: Iterable[str], version: int | None = None) -> int: ...

    def has_key(self, key: str, version: int | None = None) -> bool: ...

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int: ...

    def decr(self, key: str, delta: int = 1, version: int | None = None) -> int: ...

    def incr_version(self, key: str, delta: int = 1, version: int | None = None) -> int: ...

    def clear(self) -> None: ...

    def close(self) -> None: ...

    # Expiry
    def ttl(self, key: str, version: int | None = None) -> int | None: ...

    def pttl(self, key: str, version: int | None = None) -> int | None: ...

    def expire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> bool: ...

    def pexpire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> bool: ...

    def expire_at(self, key: str, when: AbsoluteTime, version: int | None = None) -> bool: ...

    def pexpire_at(self, key: str, when: AbsoluteTime, version: int | None = None) -> bool: ...

    def persist(self, key: str, version: int | None = None) -> bool: ...

    # Locks and key space
    def get_lock(
        self,
        key: str,
        version: int | None = None,
        timeout: float | None = None,
        sleep: float = 0.1,
        blocking: bool = True,
        blocking_timeout: float | None = None,
        thread_local: bool = True,
    ) -> LockProtocol: ...

    def keys(self, search: str, version: int | None = None) -> list[str]: ...

    def iter_keys(self, search: str, itersize: int | None = None, version: int | None = None) -> Iterator[str]: ...

    def delete_pattern(
        self,
        pattern: str,
        version: int | None = None,
        prefix: str | None = None,
        itersize: int | None = None,
    ) -> int: ...

    # Sets (members go through the serializer)
    def sadd(self, key: str, *values: Any, version: int | None = None) -> int: ...

    def srem(self, key: str, *members: Any, version: int | None = None) -> int: ...

    def scard(self, key: str, version: int | None = None) -> int: ...

    def sismember(self, key: str, member: Any, version: int | None = None) -> bool: ...

    def smismember(self, key: str, *members: Any, version: int | None = None) -> list[bool]: ...

    def smembers(self, key: str, version: int | None = None) -> builtins.set[Any]: ...

    def smove(self, source: str, destination: str, member: Any, version: int | None = None) -> bool: ...

    @overload
    def spop(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    def spop(self, key: str, count: int, version: int | None = None) -> builtins.set[Any]: ...

    @overload
    def srandmember(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    def srandmember(self, key: str, count: int, version: int | None = None) -> list[Any]: ...

    def sdiff(self, *keys: str, version: int | None = None) -> builtins.set[Any]: ...

    def sinter(self, *keys: str, version: int | None = None) -> builtins.set[Any]: ...

    def sunion(self, *keys: str, version: int | None = None) -> builtins.set[Any]: ...

    def sdiffstore(self, destination: str, *keys: str, version: int | None = None) -> int: ...

    def sinterstore(self, destination: str, *keys: str, version: int | None = None) -> int: ...

    def sunionstore(self, destination: str, *keys: str, version: int | None = None) -> int: ...

    def sscan(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> builtins.set[Any]: ...

    def sscan_iter(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> Iterator[Any]: ...

    # Hashes (the hash name is a key; fields are plain strings; values go through the serializer)
    def hset(self, name: str, key: str, value: Any, version: int | None = None) -> int: ...

    def hget(self, name: str, key: str, default: Any = None, version: int | None = None) -> Any: ...

    def hdel(self, name: str, key: str, version: int | None = None) -> int: ...

    def hlen(self, name: str, version: int | None = None) -> int: ...

    def hkeys(self, name: str, version: int | None = None) -> list[str]: ...

    def hexists(self, name: str, key: str, version: int | None = None) -> bool: ...


ClientClass = Callable[[str | Sequence[str], Mapping[str, Any], CacheContext], ClientProtocol[RawT_co]]
"""What ``OPTIONS["CLIENT_CLASS"]`` names: ``ClientClass(server, params, backend)``."""


@runtime_checkable
class AsyncClientProtocol(Protocol[AsyncRawT_co]):
    """The asyncio twin of ``ClientProtocol``: the same methods, as coroutines.

    Built as ``ClientClass(server, params, backend)`` like a sync client. ``get_client`` is a
    coroutine because connecting may need the event loop.
    """

    def make_key(self, key: str, version: int | None = None, prefix: str | None = None) -> CacheKey: ...

    def make_pattern(self, pattern: str, version: int | None = None, prefix: str | None = None) -> CacheKey: ...

    async def get_client(self, write: bool = True) -> AsyncRawT_co: ...

    async def get(self, key: str, default: Any = None, version: int | None = None) -> Any: ...

    async def set(
        self,
        key: str,
        value: Any,
        timeout: Timeout = ...,
        version: int | None = None,
        nx: bool = False,
        xx: bool = False,
    ) -> bool: ...

    async def add(self, key: str, value: Any, timeout: Timeout = ..., version: int | None = None) -> bool: ...

    async def touch(self, key: str, timeout: Timeout = ..., version: int | None = None) -> bool: ...

    async def delete(self, key: str, version: int | None = None) -> bool: ...

    async def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]: ...

    async def set_many(
        self, data: Mapping[str, Any], timeout: Timeout = ..., version: int | None = None
    ) -> list[str]: ...

    async def delete_many(self, keys: Iterable[str], version: int | None = None) -> int: ...

    async def has_key(self, key: str, version: int | None = None) -> bool: ...

    async def incr(self, key: str, delta: int = 1, version: int | None = None) -> int: ...

    async def decr(self, key: str, delta: int = 1, version: int | None = None) -> int: ...

    async def incr_version(self, key: str, delta: int = 1, version: int | None = None) -> int: ...

    async def clear(self) -> None: ...

    async def close(self) -> None: ...

    async def ttl(self, key: str, version: int | None = None) -> int | None: ...

    async def pttl(self, key: str, version: int | None = None) -> int | None: ...

    async def expire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> bool: ...

    async def pexpire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> bool: ...

    async def expire_at(self, key: str, when: AbsoluteTime, version: int | None = None) -> bool: ...

    async def pexpire_at(self, key: str, when: AbsoluteTime, version: int | None = None) -> bool: ...

    async def persist(self, key: str, version: int | None = None) -> bool: ...

    async def get_lock(
        self,
        key: str,
        version: int | None = None,
        timeout: float | None = None,
        sleep: float = 0.1,
        blocking: bool = True,
        blocking_timeout: float | None = None,
        thread_local: bool = True,
    ) -> AsyncLockProtocol: ...

    async def keys(self, search: str, version: int | None = None) -> list[str]: ...

    def iter_keys(
        self, search: str, itersize: int | None = None, version: int | None = None
    ) -> AsyncIterator[str]: ...

    async def delete_pattern(
        self,
        pattern: str,
        version: int | None = None,
        prefix: str | None = None,
        itersize: int | None = None,
    ) -> int: ...

    async def sadd(self, key: str, *values: Any, version: int | None = None) -> int: ...

    async def srem(self, key: str, *members: Any, version: int | None = None) -> int: ...

    async def scard(self, key: str, version: int | None = None) -> int: ...

    async def sismember(self, key: str, member: Any, version: int | None = None) -> bool: ...

    async def smismember(self, key: str, *members: Any, version: int | None = None) -> list[bool]: ...

    async def smembers(self, key: str, version: int | None = None) -> builtins.set[Any]: ...

    async def smove(self, source: str, destination: str, member: Any, version: int | None = None) -> bool: ...

    @overload
    async def spop(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    async def spop(self, key: str, count: int, version: int | None = None) -> builtins.set[Any]: ...

    @overload
    async def srandmember(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    async def srandmember(self, key: str, count: int, version: int | None = None) -> list[Any]: ...

    async def sdiff(self, *keys: str, version: int | None = None) -> builtins.set[Any]: ...

    async def sinter(self, *keys: str, version: int | None = None) -> builtins.set[Any]: ...

    async def sunion(self, *keys: str, version: int | None = None) -> builtins.set[Any]: ...

    async def sdiffstore(self, destination: str, *keys: str, version: int | None = None) -> int: ...

    async def sinterstore(self, destination: str, *keys: str, version: int | None = None) -> int: ...

    async def sunionstore(self, destination: str, *keys: str, version: int | None = None) -> int: ...

    async def sscan(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> builtins.set[Any]: ...

    def sscan_iter(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> AsyncIterator[Any]: ...

    async def hset(self, name: str, key: str, value: Any, version: int | None = None) -> int: ...

    async def hget(self, name: str, key: str, default: Any = None, version: int | None = None) -> Any: ...

    async def hdel(self, name: str, key: str, version: int | None = None) -> int: ...

    async def hlen(self, name: str, version: int | None = None) -> int: ...

    async def hkeys(self, name: str, version: int | None = None) -> list[str]: ...

    async def hexists(self, name: str, key: str, version: int | None = None) -> bool: ...


# --------------------------------------------------------------------------------------------
# Cache backends
# --------------------------------------------------------------------------------------------


class CacheProtocol(Protocol):
    """The sync cache backend as application code sees it: Django's API plus the extended API.

    ``django_valkey.cache.ValkeyCache`` implements it; return types follow Django's documentation
    (``set`` returns ``None`` unless ``nx``/``xx`` is given, ``set_many`` the keys that failed).
    """

    def make_key(self, key: str, version: int | None = None) -> str: ...

    def get(self, key: str, default: Any | None = None, version: int | None = None) -> Any: ...

    def set(self, key: str, value: Any, timeout: Timeout = ..., version: int | None = None) -> None: ...

    def add(self, key: str, value: Any, timeout: Timeout = ..., version: int | None = None) -> bool: ...

    def get_or_set(
        self, key: str, default: Any | None, timeout: Timeout = ..., version: int | None = None
    ) -> Any | None: ...

    def touch(self, key: str, timeout: Timeout = ..., version: int | None = None) -> bool: ...

    def delete(self, key: str, version: int | None = None) -> bool: ...

    def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]: ...

    def set_many(self, data: Mapping[str, Any], timeout: Timeout = ..., version: int | None = None) -> list[str]: ...

    def delete_many(self, keys: Iterable[str], version: int | None = None) -> None: ...

    def has_key(self, key: str, version: int | None = None) -> bool: ...

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int: ...

    def decr(self, key: str, delta: int = 1, version: int | None = None) -> int: ...

    def incr_version(self, key: str, delta: int = 1, version: int | None = None) -> int: ...

    def decr_version(self, key: str, delta: int = 1, version: int | None = None) -> int: ...

    def clear(self) -> None: ...

    def close(self, **kwargs: Any) -> None: ...

    def ttl(self, key: str, version: int | None = None) -> int | None: ...

    def pttl(self, key: str, version: int | None = None) -> int | None: ...

    def expire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> bool: ...

    def persist(self, key: str, version: int | None = None) -> bool: ...

    def keys(self, search: str, version: int | None = None) -> list[str]: ...

    def iter_keys(self, search: str, itersize: int | None = None, version: int | None = None) -> Iterator[str]: ...

    def delete_pattern(
        self,
        pattern: str,
        version: int | None = None,
        prefix: str | None = None,
        itersize: int | None = None,
    ) -> int: ...
