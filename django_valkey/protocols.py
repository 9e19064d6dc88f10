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

The Protocols that describe a thing built around a raw valkey-py client are Generic over that
client type, with a default so that the bare name means the common case: ``ClientProtocol`` is
``ClientProtocol[RawClient]``, ``ClientProtocol[valkey.Valkey]`` is the default client's exact type.

The ``*Class`` aliases (``ClientClass``, ``ConnectionFactoryClass``, ``SerializerClass``,
``CompressorClass`` and their async twins) type what ``OPTIONS`` names: a class (or any callable)
that builds the Protocol's object. ``django_valkey.config.cache_options`` takes them, so a class
given there is checked statically; a dotted path in ``OPTIONS`` is checked once at runtime when the
cache is built (``ImproperlyConfigured`` names the missing members).
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol, overload, runtime_checkable

from typing_extensions import TypeVar

from django_valkey.observers import CircuitEvent, OperationEvent
from django_valkey.util import CacheKey

if TYPE_CHECKING:
    from django_valkey.cluster_cache.targets import AsyncClusterTarget, ClusterTarget
    from django_valkey.pipeline import AsyncCachePipeline, CachePipeline

__all__ = [
    "AbsoluteTime",
    "AsyncCacheProtocol",
    "AsyncClientClass",
    "AsyncClientProtocol",
    "AsyncClusterCommandsProtocol",
    "AsyncCommandsProtocol",
    "AsyncConnectionFactoryClass",
    "AsyncConnectionFactoryProtocol",
    "AsyncLockProtocol",
    "AsyncRawClient",
    "AsyncRawPipeline",
    "AsyncRawT_co",
    "CacheContext",
    "CacheProtocol",
    "ClientClass",
    "ClientProtocol",
    "ClusterCommandsProtocol",
    "CommandsProtocol",
    "CompressorClass",
    "CompressorProtocol",
    "ConnectionFactoryClass",
    "ConnectionFactoryProtocol",
    "ExpiryTime",
    "InsertWhere",
    "ListEnd",
    "LockProtocol",
    "ObserverProtocol",
    "PoolT_co",
    "RawClient",
    "RawPipeline",
    "RawT_co",
    "ScoreBound",
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

ListEnd = Literal["LEFT", "RIGHT"]
"""The end of a list ``lmove`` and ``blmove`` take from (``src``) or push to (``dest``)."""

InsertWhere = Literal["BEFORE", "AFTER"]
"""Where ``linsert`` puts the value: before or after the pivot."""

ScoreBound = float | str
"""A bound of a sorted-set range: a score (an index for ``zrange`` by rank), or the server's text
form (``"(1.5"`` exclusive, ``"-inf"``, ``"+inf"``; ``"[a"``, ``"(a"``, ``"-"``, ``"+"`` by lex)."""


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

    def dumps(self, value: Any) -> bytes:
        """The bytes that ``value`` is stored as."""
        ...

    def loads(self, value: bytes) -> Any:
        """The value that ``dumps`` turned into ``value``."""
        ...


@runtime_checkable
class CompressorProtocol(Protocol):
    """Compresses serialized bytes before they are stored.

    ``compress`` may return its input unchanged (values under the minimum length are not worth
    compressing). ``decompress`` must raise ``django_valkey.exceptions.CompressorError`` when its
    input is not in its format: the client then reads the bytes as stored uncompressed.
    """

    def compress(self, value: bytes) -> bytes:
        """``value`` compressed, or ``value`` itself when compressing is not worth it."""
        ...

    def decompress(self, value: bytes) -> bytes:
        """The bytes ``compress`` was given; ``CompressorError`` if ``value`` is not compressed."""
        ...


SerializerClass = Callable[[Mapping[str, Any]], SerializerProtocol]
"""What ``OPTIONS["SERIALIZER"]`` names: called once per client with the cache's ``OPTIONS``."""

CompressorClass = Callable[[Mapping[str, Any]], CompressorProtocol]
"""What ``OPTIONS["COMPRESSOR"]`` names: called once per client with the cache's ``OPTIONS``."""


# --------------------------------------------------------------------------------------------
# The raw valkey-py boundary
# --------------------------------------------------------------------------------------------


class LockProtocol(Protocol):
    """A distributed lock, as ``valkey.lock.Lock`` provides it; ``cache.get_lock()`` returns one.

    Application code calls it; django-valkey only creates it (``RawClient.lock`` on the made key).
    """

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
    """A distributed lock, as ``valkey.asyncio.lock.Lock`` provides it; the async ``get_lock()``
    returns one. Use it with ``async with``."""

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


# ---- generated by tools/unasync.py from AsyncRawPipeline below: do not edit ----
class RawPipeline(Protocol):
    """The part of a valkey-py pipeline that django-valkey uses (``get_many``, ``set_many`` and
    other multi-command operations queue commands, then ``execute`` them in one round trip)."""

    def execute_command(self, *args: Any, **options: Any) -> Any: ...

    def execute(self, raise_on_error: bool = True) -> list[Any]: ...


# ---- end of generated code ----


# ---- generated by tools/unasync.py from AsyncRawClient below: do not edit ----
class RawClient(Protocol):
    """The part of a valkey-py client (``Valkey``, ``ValkeyCluster``, or their ``valkey.asyncio``
    twins) that django-valkey uses.

    A connection factory returns one from ``connect``; the client's commands call it. valkey-py
    types every command as ``Awaitable[Any] | Any``; django-valkey sends commands through
    ``execute_command`` and types each reply where it parses it, so this is the whole boundary.
    On the async side, its close coroutine is what tells it apart from a sync client, whose
    commands also claim to return awaitables in valkey-py's annotations.
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


# ---- end of generated code ----


class AsyncRawPipeline(Protocol):
    """The part of a valkey-py pipeline that django-valkey uses (``get_many``, ``set_many`` and
    other multi-command operations queue commands, then ``execute`` them in one round trip)."""

    def execute_command(self, *args: Any, **options: Any) -> Any: ...

    async def execute(self, raise_on_error: bool = True) -> list[Any]: ...


class AsyncRawClient(Protocol):
    """The part of a valkey-py client (``Valkey``, ``ValkeyCluster``, or their ``valkey.asyncio``
    twins) that django-valkey uses.

    A connection factory returns one from ``connect``; the client's commands call it. valkey-py
    types every command as ``Awaitable[Any] | Any``; django-valkey sends commands through
    ``execute_command`` and types each reply where it parses it, so this is the whole boundary.
    On the async side, its close coroutine is what tells it apart from a sync client, whose
    commands also claim to return awaitables in valkey-py's annotations.
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

    async def aclose(self) -> None: ...


RawT_co = TypeVar("RawT_co", bound=RawClient, covariant=True, default=RawClient)
"""The raw sync client type a client or factory works with (``valkey.Valkey``, ``ValkeyCluster``)."""

AsyncRawT_co = TypeVar("AsyncRawT_co", bound=AsyncRawClient, covariant=True, default=AsyncRawClient)
"""The raw asyncio client type (``valkey.asyncio.Valkey``)."""

PoolT_co = TypeVar("PoolT_co", covariant=True, default=Any)
"""The connection pool type a factory shares between raw clients."""


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
    ``django_valkey.base_pool.BaseConnectionFactory`` is the reference implementation.
    """

    def connect(self, url: str) -> RawT_co:
        """A raw client for the LOCATION entry ``url``; called once per server by a client."""
        ...

    def disconnect(self, connection: Any) -> None:
        """Release what ``connect`` opened for ``connection`` (its pool's sockets)."""
        ...

    def get_or_create_connection_pool(self, params: dict[str, Any]) -> PoolT_co:
        """The pool shared by raw clients made with the same ``params``.

        Reference factories build every raw client on it; code that must reach the pool itself
        (to inspect or reset it) calls it. Clients do not.
        """
        ...


@runtime_checkable
class AsyncConnectionFactoryProtocol(Protocol[AsyncRawT_co, PoolT_co]):
    """The asyncio twin of ``ConnectionFactoryProtocol``, used by async clients in the same way.

    ``connect`` and ``disconnect`` are coroutines; pools belong to one event loop.
    """

    async def connect(self, url: str) -> AsyncRawT_co:
        """A raw asyncio client for the LOCATION entry ``url``."""
        ...

    async def disconnect(self, connection: Any) -> None:
        """Release what ``connect`` opened for ``connection``."""
        ...

    def get_or_create_connection_pool(self, params: dict[str, Any]) -> PoolT_co:
        """The pool shared by raw clients made with the same ``params`` (see the sync twin)."""
        ...


ConnectionFactoryClass = Callable[[Mapping[str, Any]], ConnectionFactoryProtocol[RawT_co, Any]]
"""What ``OPTIONS["CONNECTION_FACTORY"]`` names for a sync client: called once per client with
the cache's ``OPTIONS``."""

AsyncConnectionFactoryClass = Callable[[Mapping[str, Any]], AsyncConnectionFactoryProtocol[AsyncRawT_co, Any]]
"""What ``OPTIONS["CONNECTION_FACTORY"]`` names for an async client."""


# --------------------------------------------------------------------------------------------
# Observers: metrics, tracing, the debug toolbar
# --------------------------------------------------------------------------------------------


class ObserverProtocol(Protocol):
    """What ``OPTIONS["OBSERVER"]`` names (an object, a class built once per process with no
    arguments, or the dotted path of either; or a list of them): told of every operation of the
    cache and of every state change of its servers' circuit breakers.

    Both methods are plain methods, called in the thread (or the task) that made the call, after
    it ended: keep them quick, and hand slow work (a network export) to a background worker, as
    OpenTelemetry's and Prometheus's clients do. An exception raised by an observer never reaches
    the cache call: it is logged once per observer, then ignored.

    ``django_valkey.observers`` has the events and an ``Observer`` base class whose methods do
    nothing; ``django_valkey.observers.otel``, ``.prometheus`` and ``.debug_toolbar`` are shipped.
    """

    def on_operation(self, event: OperationEvent) -> None:
        """One cache operation has ended: its name, alias, server, keys, hits and misses,
        duration, outcome and error (see ``OperationEvent``)."""
        ...

    def on_circuit_change(self, event: CircuitEvent) -> None:
        """A circuit breaker of a server this cache uses changed state; also called once with the
        current state the first time an operation of this cache goes through that circuit."""
        ...


# --------------------------------------------------------------------------------------------
# What a client reads from its cache
# --------------------------------------------------------------------------------------------


class CacheContext(Protocol):
    """The settings a client takes from the cache that owns it (Django's ``BaseCache`` has them).

    A client receives it as ``backend`` when it is built and reads it to make keys and timeouts.
    """

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
# Commands (shared by clients and caches) and clients
# --------------------------------------------------------------------------------------------


# ---- generated by tools/unasync.py from AsyncCommandsProtocol below: do not edit ----
class CommandsProtocol(Protocol[RawT_co]):
    """The commands a client and a cache both have, with the same signatures (coroutines on the
    async side, where ``iter_keys`` and ``sscan_iter`` are async iterators).

    Written from ``ClientCommands``, the reference implementation. The client and cache
    Protocols extend it: the cache's method of each name calls the client's, inside its error
    guard. ``get_client`` returns the raw client: the primary when ``write``, else a replica
    if there is one.
    """

    def get_client(self, write: bool = True) -> RawT_co:
        """The raw client for writes (the primary) or for reads (a replica, if any); an async
        client's are the running loop's."""
        ...

    # Django's API

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any: ...

    def add(self, key: str, value: Any, timeout: Timeout = ..., version: int | None = None) -> bool: ...

    def touch(self, key: str, timeout: Timeout = ..., version: int | None = None) -> bool: ...

    def delete(self, key: str, version: int | None = None) -> bool: ...

    def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]: ...

    def set_many(self, data: Mapping[str, Any], timeout: Timeout = ..., version: int | None = None) -> list[str]: ...

    def has_key(self, key: str, version: int | None = None) -> bool: ...

    def incr(self, key: str, delta: int = 1, version: int | None = None, ignore_key_check: bool = False) -> int:
        """Add ``delta`` atomically, keeping the TTL; ValueError if the key is missing, unless
        ``ignore_key_check`` (django-valkey 0.4's): then a missing key is created holding ``delta``."""
        ...

    def decr(self, key: str, delta: int = 1, version: int | None = None, ignore_key_check: bool = False) -> int:
        """``incr`` by ``-delta`` (with ``ignore_key_check``, a missing key is created holding ``-delta``)."""
        ...

    def incr_version(self, key: str, delta: int = 1, version: int | None = None) -> int: ...

    def clear(self) -> None: ...

    # Expiry

    def ttl(self, key: str, version: int | None = None) -> int | None: ...

    def pttl(self, key: str, version: int | None = None) -> int | None: ...

    def expire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> bool:
        """A new TTL in seconds (or a timedelta); Django's ``...`` means the cache's
        ``TIMEOUT`` (``None``: the key stops expiring)."""
        ...

    def pexpire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> bool:
        """A new TTL in milliseconds (or a timedelta); ``...`` means the cache's
        ``TIMEOUT``, which is in seconds."""
        ...

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
    ) -> LockProtocol:
        """A valkey-py ``Lock`` on the made key (so it follows KEY_PREFIX and VERSION)."""
        ...

    def keys(self, search: str, version: int | None = None) -> list[str]:
        """User keys matching the glob ``search`` (KEYS: prefer ``iter_keys`` on big databases)."""
        ...

    def iter_keys(self, search: str, itersize: int | None = None, version: int | None = None) -> Iterator[str]:
        """User keys matching the glob ``search``, fetched with SCAN ``itersize`` at a time.

        Every page comes from one server (a replica, if any). If that replica cannot be reached
        before the first key, the scan runs on the primary; a scan cut off halfway raises.
        """
        ...

    def delete_pattern(
        self,
        pattern: str,
        version: int | None = None,
        prefix: str | None = None,
        itersize: int | None = None,
    ) -> int:
        """Delete the keys matching the glob ``pattern``; SCAN and DEL ``itersize`` keys at a time."""
        ...

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

    def sdiffstore(
        self,
        destination: str,
        *keys: str,
        version: int | None = None,
        version_dest: int | None = None,
        version_keys: int | None = None,
    ) -> int: ...

    def sinterstore(
        self,
        destination: str,
        *keys: str,
        version: int | None = None,
        version_dest: int | None = None,
        version_keys: int | None = None,
    ) -> int: ...

    def sunionstore(
        self,
        destination: str,
        *keys: str,
        version: int | None = None,
        version_dest: int | None = None,
        version_keys: int | None = None,
    ) -> int: ...

    def sscan(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> builtins.set[Any]:
        """Every member of the set, fetched with SSCAN (``match`` filters the stored bytes)."""
        ...

    def sscan_iter(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> Iterator[Any]: ...

    # Hashes (the hash name is a key; fields are plain strings; values go through the serializer)

    def hset(
        self,
        name: str,
        key: str | None = None,
        value: Any = None,
        version: int | None = None,
        *,
        mapping: Mapping[str, Any] | None = None,
    ) -> int: ...

    def hsetnx(self, name: str, key: str, value: Any, version: int | None = None) -> bool: ...

    def hget(self, name: str, key: str, default: Any = None, version: int | None = None) -> Any: ...

    def hmget(self, name: str, *keys: str, version: int | None = None) -> list[Any]: ...

    def hgetall(self, name: str, version: int | None = None) -> dict[str, Any]: ...

    def hvals(self, name: str, version: int | None = None) -> list[Any]: ...

    def hdel(self, name: str, key: str, version: int | None = None) -> int: ...

    def hlen(self, name: str, version: int | None = None) -> int: ...

    def hkeys(self, name: str, version: int | None = None) -> list[str]: ...

    def hexists(self, name: str, key: str, version: int | None = None) -> bool: ...

    def hstrlen(self, name: str, key: str, version: int | None = None) -> int: ...

    def hincrby(self, name: str, key: str, amount: int = 1, version: int | None = None) -> int: ...

    def hincrbyfloat(self, name: str, key: str, amount: float = 1.0, version: int | None = None) -> float: ...

    def hscan(self, name: str, match: str | None = None, count: int = 10, version: int | None = None) -> dict[str, Any]:
        """Every field of the hash, fetched with HSCAN (``match`` filters the field names)."""
        ...

    def hscan_iter(
        self, name: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> Iterator[tuple[str, Any]]: ...

    def hexpire(self, name: str, timeout: ExpiryTime, *fields: str, version: int | None = None) -> list[bool]: ...

    def hpexpire(self, name: str, timeout: ExpiryTime, *fields: str, version: int | None = None) -> list[bool]: ...

    def httl(self, name: str, *fields: str, version: int | None = None) -> list[int | None]: ...

    def hpttl(self, name: str, *fields: str, version: int | None = None) -> list[int | None]: ...

    def hpersist(self, name: str, *fields: str, version: int | None = None) -> list[bool]: ...

    # Lists

    def lpush(self, key: str, *values: Any, version: int | None = None) -> int: ...

    def rpush(self, key: str, *values: Any, version: int | None = None) -> int: ...

    @overload
    def lpop(self, key: str, count: None = None, version: int | None = None) -> Any: ...

    @overload
    def lpop(self, key: str, count: int, version: int | None = None) -> list[Any]: ...

    @overload
    def rpop(self, key: str, count: None = None, version: int | None = None) -> Any: ...

    @overload
    def rpop(self, key: str, count: int, version: int | None = None) -> list[Any]: ...

    def lrange(self, key: str, start: int = 0, end: int = -1, version: int | None = None) -> list[Any]: ...

    def llen(self, key: str, version: int | None = None) -> int: ...

    def lindex(self, key: str, index: int, version: int | None = None) -> Any: ...

    def lset(self, key: str, index: int, value: Any, version: int | None = None) -> bool: ...

    def lrem(self, key: str, count: int, value: Any, version: int | None = None) -> int: ...

    def ltrim(self, key: str, start: int, end: int, version: int | None = None) -> bool: ...

    def linsert(self, key: str, where: InsertWhere, pivot: Any, value: Any, version: int | None = None) -> int: ...

    def lmove(
        self, source: str, destination: str, src: ListEnd = "LEFT", dest: ListEnd = "RIGHT", version: int | None = None
    ) -> Any: ...

    def blpop(self, *keys: str, timeout: float, version: int | None = None) -> tuple[str, Any] | None: ...

    def brpop(self, *keys: str, timeout: float, version: int | None = None) -> tuple[str, Any] | None: ...

    def blmove(
        self,
        source: str,
        destination: str,
        timeout: float,
        src: ListEnd = "LEFT",
        dest: ListEnd = "RIGHT",
        version: int | None = None,
    ) -> Any: ...

    # Sorted sets

    @overload
    def zadd(
        self,
        key: str,
        mapping: Mapping[Any, float],
        version: int | None = None,
        *,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
        ch: bool = False,
        incr: Literal[False] = False,
    ) -> int: ...

    @overload
    def zadd(
        self,
        key: str,
        mapping: Mapping[Any, float],
        version: int | None = None,
        *,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
        ch: bool = False,
        incr: Literal[True],
    ) -> float | None: ...

    @overload
    def zadd(
        self,
        key: str,
        mapping: Mapping[Any, float],
        version: int | None = None,
        *,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
        ch: bool = False,
        incr: bool = False,
    ) -> float | None: ...

    def zincrby(self, key: str, amount: float, member: Any, version: int | None = None) -> float: ...

    def zscore(self, key: str, member: Any, version: int | None = None) -> float | None: ...

    def zmscore(self, key: str, *members: Any, version: int | None = None) -> list[float | None]: ...

    def zrank(self, key: str, member: Any, version: int | None = None) -> int | None: ...

    def zrevrank(self, key: str, member: Any, version: int | None = None) -> int | None: ...

    @overload
    def zrange(
        self,
        key: str,
        start: ScoreBound = 0,
        end: ScoreBound = -1,
        version: int | None = None,
        *,
        byscore: bool = False,
        bylex: bool = False,
        rev: bool = False,
        offset: int | None = None,
        count: int | None = None,
        withscores: Literal[False] = False,
    ) -> list[Any]: ...

    @overload
    def zrange(
        self,
        key: str,
        start: ScoreBound = 0,
        end: ScoreBound = -1,
        version: int | None = None,
        *,
        byscore: bool = False,
        bylex: bool = False,
        rev: bool = False,
        offset: int | None = None,
        count: int | None = None,
        withscores: Literal[True],
    ) -> list[tuple[Any, float]]: ...

    @overload
    def zrange(
        self,
        key: str,
        start: ScoreBound = 0,
        end: ScoreBound = -1,
        version: int | None = None,
        *,
        byscore: bool = False,
        bylex: bool = False,
        rev: bool = False,
        offset: int | None = None,
        count: int | None = None,
        withscores: bool = False,
    ) -> list[Any]: ...

    def zrem(self, key: str, *members: Any, version: int | None = None) -> int: ...

    def zremrangebyscore(self, key: str, min: ScoreBound, max: ScoreBound, version: int | None = None) -> int: ...

    def zremrangebyrank(self, key: str, start: int, end: int, version: int | None = None) -> int: ...

    def zcard(self, key: str, version: int | None = None) -> int: ...

    def zcount(self, key: str, min: ScoreBound, max: ScoreBound, version: int | None = None) -> int: ...

    def zpopmin(self, key: str, count: int | None = None, version: int | None = None) -> list[tuple[Any, float]]: ...

    def zpopmax(self, key: str, count: int | None = None, version: int | None = None) -> list[tuple[Any, float]]: ...

    def zscan(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> list[tuple[Any, float]]:
        """Every ``(member, score)`` of the sorted set, fetched with ZSCAN (``match``: stored bytes)."""
        ...

    def zscan_iter(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> Iterator[tuple[Any, float]]: ...


# ---- end of generated code ----


class ClientProtocol(CommandsProtocol[RawT_co], Protocol[RawT_co]):
    """What a cache backend calls for every command; one instance per cache per process.

    The cache builds it on first use as ``ClientClass(server, params, backend)``: ``server`` is the
    LOCATION (a string or a list), ``params`` the whole ``CACHES`` entry, ``backend`` the owning
    cache. Each cache method calls the client method of the same name. Methods take user keys and
    raise valkey-py's errors; the cache turns those into ``ConnectionInterrupted`` or ignores them
    (``IGNORE_EXCEPTIONS``). ``set`` always returns whether the value was stored (the cache hides
    it unless ``nx``/``xx`` was given). ``BaseClient`` + ``ClientCommands`` is the reference
    implementation; ``DefaultClient`` conforms to ``ClientProtocol[valkey.Valkey]``.
    """

    def make_key(self, key: str, version: int | None = None, prefix: str | None = None) -> CacheKey: ...

    def make_pattern(self, pattern: str, version: int | None = None, prefix: str | None = None) -> CacheKey: ...

    def set(
        self,
        key: str,
        value: Any,
        timeout: Timeout = ...,
        version: int | None = None,
        nx: bool = False,
        xx: bool = False,
    ) -> bool: ...

    def delete_many(self, keys: Iterable[str], version: int | None = None) -> int: ...

    def close(self) -> None: ...


ClientClass = Callable[[str | Sequence[str], Mapping[str, Any], CacheContext], ClientProtocol[RawT_co]]
"""What ``OPTIONS["CLIENT_CLASS"]`` names for a sync cache: ``ClientClass(server, params, backend)``."""


# ---- generated by tools/unasync.py from AsyncClientCommands below: do not edit ----
class AsyncCommandsProtocol(Protocol[AsyncRawT_co]):
    """The commands a client and a cache both have, with the same signatures (coroutines on the
    async side, where ``iter_keys`` and ``sscan_iter`` are async iterators).

    Written from ``AsyncClientCommands``, the reference implementation. The client and cache
    Protocols extend it: the cache's method of each name calls the client's, inside its error
    guard. ``get_client`` returns the raw client: the primary when ``write``, else a replica
    if there is one.
    """

    async def get_client(self, write: bool = True) -> AsyncRawT_co:
        """The raw client for writes (the primary) or for reads (a replica, if any); an async
        client's are the running loop's."""
        ...

    # Django's API

    async def get(self, key: str, default: Any = None, version: int | None = None) -> Any: ...

    async def add(self, key: str, value: Any, timeout: Timeout = ..., version: int | None = None) -> bool: ...

    async def touch(self, key: str, timeout: Timeout = ..., version: int | None = None) -> bool: ...

    async def delete(self, key: str, version: int | None = None) -> bool: ...

    async def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]: ...

    async def set_many(
        self, data: Mapping[str, Any], timeout: Timeout = ..., version: int | None = None
    ) -> list[str]: ...

    async def has_key(self, key: str, version: int | None = None) -> bool: ...

    async def incr(self, key: str, delta: int = 1, version: int | None = None, ignore_key_check: bool = False) -> int:
        """Add ``delta`` atomically, keeping the TTL; ValueError if the key is missing, unless
        ``ignore_key_check`` (django-valkey 0.4's): then a missing key is created holding ``delta``."""
        ...

    async def decr(self, key: str, delta: int = 1, version: int | None = None, ignore_key_check: bool = False) -> int:
        """``incr`` by ``-delta`` (with ``ignore_key_check``, a missing key is created holding ``-delta``)."""
        ...

    async def incr_version(self, key: str, delta: int = 1, version: int | None = None) -> int: ...

    async def clear(self) -> None: ...

    # Expiry

    async def ttl(self, key: str, version: int | None = None) -> int | None: ...

    async def pttl(self, key: str, version: int | None = None) -> int | None: ...

    async def expire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> bool:
        """A new TTL in seconds (or a timedelta); Django's ``...`` means the cache's
        ``TIMEOUT`` (``None``: the key stops expiring)."""
        ...

    async def pexpire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> bool:
        """A new TTL in milliseconds (or a timedelta); ``...`` means the cache's
        ``TIMEOUT``, which is in seconds."""
        ...

    async def expire_at(self, key: str, when: AbsoluteTime, version: int | None = None) -> bool: ...

    async def pexpire_at(self, key: str, when: AbsoluteTime, version: int | None = None) -> bool: ...

    async def persist(self, key: str, version: int | None = None) -> bool: ...

    # Locks and key space

    async def get_lock(
        self,
        key: str,
        version: int | None = None,
        timeout: float | None = None,
        sleep: float = 0.1,
        blocking: bool = True,
        blocking_timeout: float | None = None,
        thread_local: bool = True,
    ) -> AsyncLockProtocol:
        """A valkey-py ``Lock`` on the made key (so it follows KEY_PREFIX and VERSION)."""
        ...

    async def keys(self, search: str, version: int | None = None) -> list[str]:
        """User keys matching the glob ``search`` (KEYS: prefer ``iter_keys`` on big databases)."""
        ...

    def iter_keys(self, search: str, itersize: int | None = None, version: int | None = None) -> AsyncIterator[str]:
        """User keys matching the glob ``search``, fetched with SCAN ``itersize`` at a time.

        Every page comes from one server (a replica, if any). If that replica cannot be reached
        before the first key, the scan runs on the primary; a scan cut off halfway raises.
        """
        ...

    async def delete_pattern(
        self,
        pattern: str,
        version: int | None = None,
        prefix: str | None = None,
        itersize: int | None = None,
    ) -> int:
        """Delete the keys matching the glob ``pattern``; SCAN and DEL ``itersize`` keys at a time."""
        ...

    # Sets (members go through the serializer)

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

    async def sdiffstore(
        self,
        destination: str,
        *keys: str,
        version: int | None = None,
        version_dest: int | None = None,
        version_keys: int | None = None,
    ) -> int: ...

    async def sinterstore(
        self,
        destination: str,
        *keys: str,
        version: int | None = None,
        version_dest: int | None = None,
        version_keys: int | None = None,
    ) -> int: ...

    async def sunionstore(
        self,
        destination: str,
        *keys: str,
        version: int | None = None,
        version_dest: int | None = None,
        version_keys: int | None = None,
    ) -> int: ...

    async def sscan(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> builtins.set[Any]:
        """Every member of the set, fetched with SSCAN (``match`` filters the stored bytes)."""
        ...

    def sscan_iter(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> AsyncIterator[Any]: ...

    # Hashes (the hash name is a key; fields are plain strings; values go through the serializer)

    async def hset(
        self,
        name: str,
        key: str | None = None,
        value: Any = None,
        version: int | None = None,
        *,
        mapping: Mapping[str, Any] | None = None,
    ) -> int: ...

    async def hsetnx(self, name: str, key: str, value: Any, version: int | None = None) -> bool: ...

    async def hget(self, name: str, key: str, default: Any = None, version: int | None = None) -> Any: ...

    async def hmget(self, name: str, *keys: str, version: int | None = None) -> list[Any]: ...

    async def hgetall(self, name: str, version: int | None = None) -> dict[str, Any]: ...

    async def hvals(self, name: str, version: int | None = None) -> list[Any]: ...

    async def hdel(self, name: str, key: str, version: int | None = None) -> int: ...

    async def hlen(self, name: str, version: int | None = None) -> int: ...

    async def hkeys(self, name: str, version: int | None = None) -> list[str]: ...

    async def hexists(self, name: str, key: str, version: int | None = None) -> bool: ...

    async def hstrlen(self, name: str, key: str, version: int | None = None) -> int: ...

    async def hincrby(self, name: str, key: str, amount: int = 1, version: int | None = None) -> int: ...

    async def hincrbyfloat(self, name: str, key: str, amount: float = 1.0, version: int | None = None) -> float: ...

    async def hscan(
        self, name: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> dict[str, Any]:
        """Every field of the hash, fetched with HSCAN (``match`` filters the field names)."""
        ...

    def hscan_iter(
        self, name: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> AsyncIterator[tuple[str, Any]]: ...

    async def hexpire(self, name: str, timeout: ExpiryTime, *fields: str, version: int | None = None) -> list[bool]: ...

    async def hpexpire(
        self, name: str, timeout: ExpiryTime, *fields: str, version: int | None = None
    ) -> list[bool]: ...

    async def httl(self, name: str, *fields: str, version: int | None = None) -> list[int | None]: ...

    async def hpttl(self, name: str, *fields: str, version: int | None = None) -> list[int | None]: ...

    async def hpersist(self, name: str, *fields: str, version: int | None = None) -> list[bool]: ...

    # Lists

    async def lpush(self, key: str, *values: Any, version: int | None = None) -> int: ...

    async def rpush(self, key: str, *values: Any, version: int | None = None) -> int: ...

    @overload
    async def lpop(self, key: str, count: None = None, version: int | None = None) -> Any: ...

    @overload
    async def lpop(self, key: str, count: int, version: int | None = None) -> list[Any]: ...

    @overload
    async def rpop(self, key: str, count: None = None, version: int | None = None) -> Any: ...

    @overload
    async def rpop(self, key: str, count: int, version: int | None = None) -> list[Any]: ...

    async def lrange(self, key: str, start: int = 0, end: int = -1, version: int | None = None) -> list[Any]: ...

    async def llen(self, key: str, version: int | None = None) -> int: ...

    async def lindex(self, key: str, index: int, version: int | None = None) -> Any: ...

    async def lset(self, key: str, index: int, value: Any, version: int | None = None) -> bool: ...

    async def lrem(self, key: str, count: int, value: Any, version: int | None = None) -> int: ...

    async def ltrim(self, key: str, start: int, end: int, version: int | None = None) -> bool: ...

    async def linsert(
        self, key: str, where: InsertWhere, pivot: Any, value: Any, version: int | None = None
    ) -> int: ...

    async def lmove(
        self, source: str, destination: str, src: ListEnd = "LEFT", dest: ListEnd = "RIGHT", version: int | None = None
    ) -> Any: ...

    async def blpop(self, *keys: str, timeout: float, version: int | None = None) -> tuple[str, Any] | None: ...

    async def brpop(self, *keys: str, timeout: float, version: int | None = None) -> tuple[str, Any] | None: ...

    async def blmove(
        self,
        source: str,
        destination: str,
        timeout: float,
        src: ListEnd = "LEFT",
        dest: ListEnd = "RIGHT",
        version: int | None = None,
    ) -> Any: ...

    # Sorted sets

    @overload
    async def zadd(
        self,
        key: str,
        mapping: Mapping[Any, float],
        version: int | None = None,
        *,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
        ch: bool = False,
        incr: Literal[False] = False,
    ) -> int: ...

    @overload
    async def zadd(
        self,
        key: str,
        mapping: Mapping[Any, float],
        version: int | None = None,
        *,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
        ch: bool = False,
        incr: Literal[True],
    ) -> float | None: ...

    @overload
    async def zadd(
        self,
        key: str,
        mapping: Mapping[Any, float],
        version: int | None = None,
        *,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
        ch: bool = False,
        incr: bool = False,
    ) -> float | None: ...

    async def zincrby(self, key: str, amount: float, member: Any, version: int | None = None) -> float: ...

    async def zscore(self, key: str, member: Any, version: int | None = None) -> float | None: ...

    async def zmscore(self, key: str, *members: Any, version: int | None = None) -> list[float | None]: ...

    async def zrank(self, key: str, member: Any, version: int | None = None) -> int | None: ...

    async def zrevrank(self, key: str, member: Any, version: int | None = None) -> int | None: ...

    @overload
    async def zrange(
        self,
        key: str,
        start: ScoreBound = 0,
        end: ScoreBound = -1,
        version: int | None = None,
        *,
        byscore: bool = False,
        bylex: bool = False,
        rev: bool = False,
        offset: int | None = None,
        count: int | None = None,
        withscores: Literal[False] = False,
    ) -> list[Any]: ...

    @overload
    async def zrange(
        self,
        key: str,
        start: ScoreBound = 0,
        end: ScoreBound = -1,
        version: int | None = None,
        *,
        byscore: bool = False,
        bylex: bool = False,
        rev: bool = False,
        offset: int | None = None,
        count: int | None = None,
        withscores: Literal[True],
    ) -> list[tuple[Any, float]]: ...

    @overload
    async def zrange(
        self,
        key: str,
        start: ScoreBound = 0,
        end: ScoreBound = -1,
        version: int | None = None,
        *,
        byscore: bool = False,
        bylex: bool = False,
        rev: bool = False,
        offset: int | None = None,
        count: int | None = None,
        withscores: bool = False,
    ) -> list[Any]: ...

    async def zrem(self, key: str, *members: Any, version: int | None = None) -> int: ...

    async def zremrangebyscore(self, key: str, min: ScoreBound, max: ScoreBound, version: int | None = None) -> int: ...

    async def zremrangebyrank(self, key: str, start: int, end: int, version: int | None = None) -> int: ...

    async def zcard(self, key: str, version: int | None = None) -> int: ...

    async def zcount(self, key: str, min: ScoreBound, max: ScoreBound, version: int | None = None) -> int: ...

    async def zpopmin(
        self, key: str, count: int | None = None, version: int | None = None
    ) -> list[tuple[Any, float]]: ...

    async def zpopmax(
        self, key: str, count: int | None = None, version: int | None = None
    ) -> list[tuple[Any, float]]: ...

    async def zscan(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> list[tuple[Any, float]]:
        """Every ``(member, score)`` of the sorted set, fetched with ZSCAN (``match``: stored bytes)."""
        ...

    def zscan_iter(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> AsyncIterator[tuple[Any, float]]: ...


# ---- end of generated code ----


@runtime_checkable
class AsyncClientProtocol(AsyncCommandsProtocol[AsyncRawT_co], Protocol[AsyncRawT_co]):
    """The asyncio twin of ``ClientProtocol``: the same methods, as coroutines.

    Built as ``ClientClass(server, params, backend)`` by an async cache, and called by it like a
    sync client. ``get_client`` is a coroutine because connecting may need the event loop;
    ``iter_keys`` and ``sscan_iter`` are async iterators. ``BaseClient`` + ``AsyncClientCommands``
    is the reference implementation.
    """

    def make_key(self, key: str, version: int | None = None, prefix: str | None = None) -> CacheKey: ...

    def make_pattern(self, pattern: str, version: int | None = None, prefix: str | None = None) -> CacheKey: ...

    async def set(
        self,
        key: str,
        value: Any,
        timeout: Timeout = ...,
        version: int | None = None,
        nx: bool = False,
        xx: bool = False,
    ) -> bool: ...

    async def delete_many(self, keys: Iterable[str], version: int | None = None) -> int: ...

    async def close(self) -> None: ...


AsyncClientClass = Callable[[str | Sequence[str], Mapping[str, Any], CacheContext], AsyncClientProtocol[AsyncRawT_co]]
"""What ``OPTIONS["CLIENT_CLASS"]`` names for an async cache."""


# --------------------------------------------------------------------------------------------
# Cluster clients
# --------------------------------------------------------------------------------------------


@runtime_checkable
# ---- generated by tools/unasync.py from AsyncClusterCommandsProtocol below: do not edit ----
class ClusterCommandsProtocol(Protocol):
    """What a cluster client adds to ``ClientProtocol``: django-valkey 0.4's cluster commands
    (``keys`` gains ``target_nodes``). Written from ``ClusterClientCommands``; the cluster
    caches call these (their ``a*`` names too) and raise ``TypeError`` for a client without them.
    """

    def keys(self, search: str, version: int | None = None, target_nodes: ClusterTarget = "primaries") -> list[str]:
        """User keys matching ``search`` (KEYS: prefer ``iter_keys``) on ``target_nodes``: every
        primary by default (django-valkey 0.4 asked the default node only), each key once."""
        ...

    def msetnx(self, data: Mapping[str, Any], version: int | None = None) -> bool:
        """MSETNX: store every value (with no expiry) unless one of the keys exists; ``True`` if
        stored. Every key must be in one hash slot (a hash tag: ``{user1}:a``, ``{user1}:b``)."""
        ...

    def mget_nonatomic(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        """``get_many``: one MGET per slot, in one cluster pipeline."""
        ...

    def mset_nonatomic(self, data: Mapping[str, Any], version: int | None = None) -> list[bool]:
        """One MSET per slot, in one cluster pipeline, the values kept for ever (as in 0.4; use
        ``set_many`` for the cache's TIMEOUT): ``True`` per slot stored."""
        ...

    def readonly(self, target_nodes: ClusterTarget | None = None) -> bool:
        """valkey-py's ``readonly``: READONLY to ``target_nodes`` (the default node if ``None``);
        with ``"replicas"`` or ``"all"`` the cluster client also starts reading from replicas.
        That client is shared by every cache with the same options."""
        ...

    def readwrite(self, target_nodes: ClusterTarget | None = None) -> bool:
        """valkey-py's ``readwrite``: READWRITE to ``target_nodes``; reads go to primaries again."""
        ...

    def keyslot(self, key: str, version: int | None = None) -> int:
        """The hash slot (0-16383) of the stored key for ``key``; computed here, nothing is sent."""
        ...

    def flushall(self, asynchronous: bool = False) -> bool:
        """FLUSHALL on every primary (``asynchronous``: the servers free the memory in the background)."""
        ...


# ---- end of generated code ----


@runtime_checkable
# ---- generated by tools/unasync.py from AsyncClusterClientCommands below: do not edit ----
class AsyncClusterCommandsProtocol(Protocol):
    """What a cluster client adds to ``AsyncClientProtocol``: django-valkey 0.4's cluster commands
    (``keys`` gains ``target_nodes``). Written from ``AsyncClusterClientCommands``; the cluster
    caches call these (their ``a*`` names too) and raise ``TypeError`` for a client without them.
    """

    async def keys(
        self, search: str, version: int | None = None, target_nodes: AsyncClusterTarget = "primaries"
    ) -> list[str]:
        """User keys matching ``search`` (KEYS: prefer ``iter_keys``) on ``target_nodes``: every
        primary by default (django-valkey 0.4 asked the default node only), each key once."""
        ...

    async def msetnx(self, data: Mapping[str, Any], version: int | None = None) -> bool:
        """MSETNX: store every value (with no expiry) unless one of the keys exists; ``True`` if
        stored. Every key must be in one hash slot (a hash tag: ``{user1}:a``, ``{user1}:b``)."""
        ...

    async def mget_nonatomic(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        """``get_many``: one MGET per slot, in one cluster pipeline."""
        ...

    async def mset_nonatomic(self, data: Mapping[str, Any], version: int | None = None) -> list[bool]:
        """One MSET per slot, in one cluster pipeline, the values kept for ever (as in 0.4; use
        ``set_many`` for the cache's TIMEOUT): ``True`` per slot stored."""
        ...

    async def readonly(self, target_nodes: AsyncClusterTarget | None = None) -> bool:
        """valkey-py's ``readonly``: READONLY to ``target_nodes`` (the default node if ``None``);
        with ``"replicas"`` or ``"all"`` the cluster client also starts reading from replicas.
        That client is shared by every cache with the same options."""
        ...

    async def readwrite(self, target_nodes: AsyncClusterTarget | None = None) -> bool:
        """valkey-py's ``readwrite``: READWRITE to ``target_nodes``; reads go to primaries again."""
        ...

    def keyslot(self, key: str, version: int | None = None) -> int:
        """The hash slot (0-16383) of the stored key for ``key``; computed here, nothing is sent."""
        ...

    async def flushall(self, asynchronous: bool = False) -> bool:
        """FLUSHALL on every primary (``asynchronous``: the servers free the memory in the background)."""
        ...


# ---- end of generated code ----


# --------------------------------------------------------------------------------------------
# Cache backends
# --------------------------------------------------------------------------------------------


# ---- generated by tools/unasync.py from AsyncCacheProtocol below: do not edit ----
class CacheProtocol(CommandsProtocol[RawT_co], Protocol[RawT_co]):
    """The cache backend as application code sees it: Django's API plus the extended API.

    On the async side every method is a coroutine under its plain name (``cache.get("k")`` is awaited),
    as in django-valkey 0.4; ``iter_keys`` and ``sscan_iter`` are async iterators and ``get_lock``
    returns an async lock. Application code calls it (``django_valkey.get_cache()`` returns the
    concrete ``ValkeyCache``, which conforms to ``CacheProtocol[valkey.Valkey]``, and
    ``get_async_cache()`` the async one); Django calls ``close``, a plain method on both sides,
    after each request. ``BaseValkeyCache`` with ``BackendCommands`` (or ``AsyncBackendCommands``)
    is the reference implementation. Return types follow Django's documentation: ``set`` returns
    ``None`` unless ``nx``/``xx`` is given (then whether it stored), ``set_many`` the keys that
    failed, ``ttl`` ``None`` for a key that never expires.
    """

    def make_key(self, key: str, version: int | None = None, prefix: str | None = None) -> str: ...

    def make_pattern(self, pattern: str, version: int | None = None, prefix: str | None = None) -> str: ...

    def pipeline(self, transaction: bool = True) -> CachePipeline:
        """Commands queued through ``make_key`` and the serializer, sent in one round trip (plain:
        queuing does no I/O; ``execute()`` is the coroutine on the async side)."""
        ...

    @overload
    def set(self, key: str, value: Any, timeout: Timeout = ..., version: int | None = None) -> None: ...
    @overload
    def set(
        self, key: str, value: Any, timeout: Timeout = ..., version: int | None = None, *, nx: bool, xx: bool = ...
    ) -> bool: ...
    @overload
    def set(self, key: str, value: Any, timeout: Timeout = ..., version: int | None = None, *, xx: bool) -> bool: ...

    def get_or_set(
        self, key: str, default: Any | None, timeout: Timeout = ..., version: int | None = None
    ) -> Any | None: ...

    def delete_many(self, keys: Iterable[str], version: int | None = None) -> None: ...

    def decr_version(self, key: str, delta: int = 1, version: int | None = None) -> int: ...

    def close(self, **kwargs: Any) -> None:
        """Plain method: Django calls it synchronously after every request."""
        ...

    def lock(
        self,
        key: str,
        version: int | None = None,
        timeout: float | None = None,
        sleep: float = 0.1,
        blocking: bool = True,
        blocking_timeout: float | None = None,
        thread_local: bool = True,
    ) -> LockProtocol: ...

    def mget(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]: ...

    def mset(self, data: Mapping[str, Any], timeout: Timeout = ..., version: int | None = None) -> list[str]: ...


# ---- end of generated code ----


class AsyncCacheProtocol(AsyncCommandsProtocol[AsyncRawT_co], Protocol[AsyncRawT_co]):
    """The cache backend as application code sees it: Django's API plus the extended API.

    On the async side every method is a coroutine under its plain name (``cache.get("k")`` is awaited),
    as in django-valkey 0.4; ``iter_keys`` and ``sscan_iter`` are async iterators and ``get_lock``
    returns an async lock. Application code calls it (``django_valkey.get_cache()`` returns the
    concrete ``ValkeyCache``, which conforms to ``CacheProtocol[valkey.Valkey]``, and
    ``get_async_cache()`` the async one); Django calls ``close``, a plain method on both sides,
    after each request. ``BaseValkeyCache`` with ``BackendCommands`` (or ``AsyncBackendCommands``)
    is the reference implementation. Return types follow Django's documentation: ``set`` returns
    ``None`` unless ``nx``/``xx`` is given (then whether it stored), ``set_many`` the keys that
    failed, ``ttl`` ``None`` for a key that never expires.
    """

    def make_key(self, key: str, version: int | None = None, prefix: str | None = None) -> str: ...

    def make_pattern(self, pattern: str, version: int | None = None, prefix: str | None = None) -> str: ...

    def pipeline(self, transaction: bool = True) -> AsyncCachePipeline:
        """Commands queued through ``make_key`` and the serializer, sent in one round trip (plain:
        queuing does no I/O; ``execute()`` is the coroutine on the async side)."""
        ...

    @overload
    async def set(self, key: str, value: Any, timeout: Timeout = ..., version: int | None = None) -> None: ...
    @overload
    async def set(
        self, key: str, value: Any, timeout: Timeout = ..., version: int | None = None, *, nx: bool, xx: bool = ...
    ) -> bool: ...
    @overload
    async def set(
        self, key: str, value: Any, timeout: Timeout = ..., version: int | None = None, *, xx: bool
    ) -> bool: ...

    async def get_or_set(
        self, key: str, default: Any | None, timeout: Timeout = ..., version: int | None = None
    ) -> Any | None: ...

    async def delete_many(self, keys: Iterable[str], version: int | None = None) -> None: ...

    async def decr_version(self, key: str, delta: int = 1, version: int | None = None) -> int: ...

    def close(self, **kwargs: Any) -> None:
        """Plain method: Django calls it synchronously after every request."""
        ...

    async def aclose(self, **kwargs: Any) -> None: ...

    async def lock(
        self,
        key: str,
        version: int | None = None,
        timeout: float | None = None,
        sleep: float = 0.1,
        blocking: bool = True,
        blocking_timeout: float | None = None,
        thread_local: bool = True,
    ) -> AsyncLockProtocol: ...

    async def mget(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]: ...

    async def mset(self, data: Mapping[str, Any], timeout: Timeout = ..., version: int | None = None) -> list[str]: ...
