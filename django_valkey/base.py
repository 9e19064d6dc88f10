"""``BaseValkeyCache`` and ``BackendCommands``: the reference implementation of ``CacheProtocol``.

``BaseValkeyCache`` reads the configuration and owns the client; ``BackendCommands`` is the
sync Django API plus the extended API, each method a thin call to the client inside the error
guard. ``AsyncBackendCommands`` is the asyncio twin.
"""

from __future__ import annotations

import builtins

import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, Generic, cast, overload

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.exceptions import ImproperlyConfigured
from typing_extensions import TypeVar

from django_valkey._commands import check_delta
from django_valkey._guard import ErrorGuard
from django_valkey._keys import KeyMaker
from django_valkey._options import CacheOptions, load_class, validate_timeout_param
from django_valkey._redact import safe_repr
from django_valkey.protocols import (
    AbsoluteTime,
    AsyncClientProtocol,
    AsyncLockProtocol,
    ClientProtocol,
    ExpiryTime,
    LockProtocol,
    RawClient,
    Timeout,
)
from django_valkey.util import CacheKey

__all__ = [
    "AsyncBackendCommands",
    "BackendCommands",
    "BaseValkeyCache",
    "NativeAsyncMethods",
    "async_twin_options",
]

ClientT = TypeVar("ClientT", default=ClientProtocol[Any])
BackendT = TypeVar("BackendT", default=RawClient)


_KEY_SETTINGS = frozenset({"key_func", "key_prefix", "version"})


class BaseValkeyCache(BaseCache, Generic[ClientT, BackendT]):
    """Configuration and client ownership for a Valkey cache, Generic over client and raw client.

    Not usable alone: combine it with ``BackendCommands`` (or ``AsyncBackendCommands``) and set
    ``DEFAULT_CLIENT_CLASS``, the client used when ``OPTIONS["CLIENT_CLASS"]`` is not set.
    """

    DEFAULT_CLIENT_CLASS: ClassVar[str]
    CLIENT_PROTOCOL: ClassVar[type] = ClientProtocol

    def __init__(self, server: str | Sequence[str], params: dict[str, Any]) -> None:
        validate_timeout_param(params)
        super().__init__(params)
        self._server = server
        self._params = params
        self._options: Mapping[str, Any] = params.get("OPTIONS") or {}
        options = CacheOptions.parse(self._options, self.DEFAULT_CLIENT_CLASS, self.CLIENT_PROTOCOL)
        self._client_cls = options.client_class
        self._guard = ErrorGuard(options.ignore_exceptions, options.log_ignored_exceptions, options.logger)
        self._ignore_exceptions = options.ignore_exceptions
        self._close_connection = options.close_connection
        self._client: ClientT | None = None
        self._client_lock = threading.Lock()

    @property
    def client(self) -> ClientT:
        """The client, built on first use (building it opens no connection)."""
        client = self._client
        if client is None:
            with self._client_lock:
                if self._client is None:
                    self._client = self._client_cls(self._server, self._params, self)
                client = self._client
            assert client is not None
        return client

    def __repr__(self) -> str:
        return f"<{type(self).__qualname__} {safe_repr(self._server)}>"

    def __setattr__(self, name: str, value: Any) -> None:
        # Django's BaseCache reads key_func, key_prefix and version on every make_key, so code
        # (and Django's own cache tests) may reassign them on a live cache. The clients' key
        # makers read them once: a reassignment is passed on to the clients already built.
        object.__setattr__(self, name, value)
        if name in _KEY_SETTINGS:
            for client_name in ("_client", "_async_client"):
                keys = getattr(self.__dict__.get(client_name), "_keys", None)
                if isinstance(keys, KeyMaker):
                    keys.reload(self)


DEFAULT_ASYNC_CLIENT_CLASS = "django_valkey.async_cache.client.AsyncDefaultClient"

# OPTIONS that name sync classes: the async client of a sync cache uses its own defaults instead,
# or what OPTIONS["ASYNC_OPTIONS"] names.
_SYNC_CLASS_OPTIONS = frozenset(
    {"CLIENT_CLASS", "CONNECTION_FACTORY", "CONNECTION_POOL_CLASS", "BASE_CLIENT_CLASS", "PARSER_CLASS", "ASYNC_OPTIONS"}
)

_MISSING = object()


def async_twin_options(options: Mapping[str, Any]) -> tuple[object | None, dict[str, Any]]:
    """For a sync cache's async client: ``(client class from ASYNC_OPTIONS or None, OPTIONS)``.

    The sync-only class paths are dropped, everything else (serializer, compressor, timeouts,
    password, pool kwargs...) is kept, and ``OPTIONS["ASYNC_OPTIONS"]`` is laid over the result.
    """
    overlay: object = options.get("ASYNC_OPTIONS") or {}
    if not isinstance(overlay, Mapping):
        raise ImproperlyConfigured(f"OPTIONS['ASYNC_OPTIONS'] must be a dict of OPTIONS, got {overlay!r}")
    twin = {key: value for key, value in options.items() if key not in _SYNC_CLASS_OPTIONS}
    twin.update(cast(Mapping[str, Any], overlay))
    client_class = twin.pop("CLIENT_CLASS", None)
    return client_class, twin


class NativeAsyncMethods:
    """Django's async cache API (``aget``, ``aset``, ...) and the ``a``-prefixed extended API,
    run natively on ``valkey.asyncio``: no thread hop, no ``sync_to_async``.

    Each method awaits one call of ``self.async_client`` inside the same error guard as the sync
    methods. On a sync cache, ``async_client`` is built on first use from the cache's own
    configuration (same keys, serializer, compressor, timeouts); its pools are per event loop.
    """

    # Provided by BaseValkeyCache.
    _guard: ErrorGuard
    _close_connection: bool
    _server: str | Sequence[str]
    _params: dict[str, Any]
    _options: Mapping[str, Any]
    _client_cls: Callable[..., Any]

    _async_client: AsyncClientProtocol[Any] | None = None

    @property
    def async_client(self) -> AsyncClientProtocol[Any]:
        """The async client the ``a*`` methods use, built on first use (opens no connection)."""
        client = self._async_client
        if client is None:
            client = self._async_client = self._make_async_client()
        return client

    def _make_async_client(self) -> AsyncClientProtocol[Any]:
        client_class, options = async_twin_options(self._options)
        if client_class is None:
            client_class = getattr(self._client_cls, "ASYNC_CLIENT_CLASS", DEFAULT_ASYNC_CLIENT_CLASS)
        cls = load_class(client_class, "OPTIONS['ASYNC_OPTIONS']['CLIENT_CLASS']", AsyncClientProtocol)
        options.setdefault("CONNECTION_FACTORY", getattr(cls, "CONNECTION_FACTORY_PATH", None))
        client: AsyncClientProtocol[Any] = cls(self._server, {**self._params, "OPTIONS": options}, self)
        return client

    async def aget_client(self, write: bool = True) -> Any:
        """The running loop's raw ``valkey.asyncio`` client: the primary, or a replica for reads."""
        return await self.async_client.get_client(write)

    # ---------------------------------------------------------------- Django's API

    async def aget(self, key: str, default: Any | None = None, version: int | None = None) -> Any:
        with self._guard:
            return await self.async_client.get(key, default, version)
        return default

    @overload
    async def aset(self, key: str, value: Any, timeout: Timeout = ..., version: int | None = None) -> None: ...
    @overload
    async def aset(
        self, key: str, value: Any, timeout: Timeout = ..., version: int | None = None, *, nx: bool, xx: bool = ...
    ) -> bool: ...
    @overload
    async def aset(
        self, key: str, value: Any, timeout: Timeout = ..., version: int | None = None, *, xx: bool
    ) -> bool: ...
    async def aset(
        self,
        key: str,
        value: Any,
        timeout: Timeout = DEFAULT_TIMEOUT,
        version: int | None = None,
        *,
        nx: bool | None = None,
        xx: bool | None = None,
    ) -> bool | None:
        """Store ``value``; ``None`` as Django documents, or with ``nx``/``xx`` whether it was stored."""
        plain = nx is None and xx is None
        with self._guard:
            stored = await self.async_client.set(key, value, timeout, version, bool(nx), bool(xx))
            return None if plain else stored
        return None if plain else False

    async def aadd(self, key: str, value: Any, timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        with self._guard:
            return await self.async_client.add(key, value, timeout, version)
        return False

    async def aget_or_set(
        self, key: str, default: Any | None, timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None
    ) -> Any | None:
        """The value of ``key``; if missing, ``default`` (called if callable) is added and returned."""
        value = await self.aget(key, _MISSING, version)
        if value is not _MISSING:
            return value
        if callable(default):
            default = default()
        await self.aadd(key, default, timeout, version)
        # Read again: another task may have added a value between the read and the add.
        return await self.aget(key, default, version)

    async def atouch(self, key: str, timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        with self._guard:
            return await self.async_client.touch(key, timeout, version)
        return False

    async def adelete(self, key: str, version: int | None = None) -> bool:
        with self._guard:
            return await self.async_client.delete(key, version)
        return False

    async def aget_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        with self._guard:
            return await self.async_client.get_many(keys, version)
        return {}

    async def aset_many(
        self, data: Mapping[str, Any], timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[str]:
        """Store every item in one round trip; returns the keys that failed (Django's contract)."""
        with self._guard:
            return await self.async_client.set_many(data, timeout, version)
        return list(data)

    async def adelete_many(self, keys: Iterable[str], version: int | None = None) -> None:
        with self._guard:
            await self.async_client.delete_many(keys, version)

    async def ahas_key(self, key: str, version: int | None = None) -> bool:
        with self._guard:
            return await self.async_client.has_key(key, version)
        return False

    async def aincr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        """Add ``delta`` atomically, keeping the TTL; ValueError if the key is missing."""
        with self._guard:
            return await self.async_client.incr(key, delta, version)
        raise ValueError(f"Key {key!r} not found.")  # the server is down and errors are ignored

    async def adecr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        with self._guard:
            return await self.async_client.decr(key, delta, version)
        raise ValueError(f"Key {key!r} not found.")

    async def aincr_version(self, key: str, delta: int = 1, version: int | None = None) -> int:
        """Move the value to version + ``delta`` in one step (TTL kept); returns the new version."""
        with self._guard:
            return await self.async_client.incr_version(key, delta, version)
        raise ValueError(f"Key {key!r} not found.")

    async def adecr_version(self, key: str, delta: int = 1, version: int | None = None) -> int:
        return await self.aincr_version(key, -check_delta(delta), version)

    async def aclear(self) -> None:
        """Flush the whole database (every key, not only this cache's prefix), as Django does."""
        with self._guard:
            await self.async_client.clear()

    async def aclose(self, **kwargs: Any) -> None:
        """With ``CLOSE_CONNECTION``, close the idle connections of the running loop's pools.

        Without it there is nothing to release: every command returns its connection to the
        loop's pool, and a loop's pools are closed when the loop shuts down.
        """
        if self._close_connection and self._async_client is not None:
            with self._guard:
                await self._async_client.close()

    # ---------------------------------------------------------------- extended API

    async def attl(self, key: str, version: int | None = None) -> int | None:
        """Seconds left; ``None`` if the key never expires, ``0`` if it does not exist."""
        with self._guard:
            return await self.async_client.ttl(key, version)
        return 0

    async def apttl(self, key: str, version: int | None = None) -> int | None:
        """Milliseconds left; ``None`` if the key never expires, ``0`` if it does not exist."""
        with self._guard:
            return await self.async_client.pttl(key, version)
        return 0

    async def aexpire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> bool:
        with self._guard:
            return await self.async_client.expire(key, timeout, version)
        return False

    async def apexpire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> bool:
        with self._guard:
            return await self.async_client.pexpire(key, timeout, version)
        return False

    async def aexpire_at(self, key: str, when: AbsoluteTime, version: int | None = None) -> bool:
        with self._guard:
            return await self.async_client.expire_at(key, when, version)
        return False

    async def apexpire_at(self, key: str, when: AbsoluteTime, version: int | None = None) -> bool:
        with self._guard:
            return await self.async_client.pexpire_at(key, when, version)
        return False

    async def apersist(self, key: str, version: int | None = None) -> bool:
        with self._guard:
            return await self.async_client.persist(key, version)
        return False

    async def aget_lock(
        self,
        key: str,
        version: int | None = None,
        timeout: float | None = None,
        sleep: float = 0.1,
        blocking: bool = True,
        blocking_timeout: float | None = None,
        thread_local: bool = True,
    ) -> AsyncLockProtocol:
        """An asyncio lock on ``key``: ``async with await cache.alock("k"): ...``."""
        return await self.async_client.get_lock(key, version, timeout, sleep, blocking, blocking_timeout, thread_local)

    alock = aget_lock

    async def akeys(self, search: str, version: int | None = None) -> list[str]:
        with self._guard:
            return await self.async_client.keys(search, version)
        return []

    async def aiter_keys(
        self, search: str, itersize: int | None = None, version: int | None = None
    ) -> AsyncIterator[str]:
        with self._guard:
            async for key in self.async_client.iter_keys(search, itersize, version):
                yield key

    async def adelete_pattern(
        self,
        pattern: str,
        version: int | None = None,
        prefix: str | None = None,
        itersize: int | None = None,
    ) -> int:
        with self._guard:
            return await self.async_client.delete_pattern(pattern, version, prefix, itersize)
        return 0

    async def amget(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        """Alias of ``aget_many`` (one MGET)."""
        return await self.aget_many(keys, version)

    async def amset(
        self, data: Mapping[str, Any], timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[str]:
        """Alias of ``aset_many``."""
        return await self.aset_many(data, timeout, version)

    # ---------------------------------------------------------------- sets

    async def asadd(self, key: str, *values: Any, version: int | None = None) -> int:
        with self._guard:
            return await self.async_client.sadd(key, *values, version=version)
        return 0

    async def asrem(self, key: str, *members: Any, version: int | None = None) -> int:
        with self._guard:
            return await self.async_client.srem(key, *members, version=version)
        return 0

    async def ascard(self, key: str, version: int | None = None) -> int:
        with self._guard:
            return await self.async_client.scard(key, version)
        return 0

    async def asismember(self, key: str, member: Any, version: int | None = None) -> bool:
        with self._guard:
            return await self.async_client.sismember(key, member, version)
        return False

    async def asmismember(self, key: str, *members: Any, version: int | None = None) -> list[bool]:
        with self._guard:
            return await self.async_client.smismember(key, *members, version=version)
        return [False] * len(members)

    async def asmembers(self, key: str, version: int | None = None) -> builtins.set[Any]:
        with self._guard:
            return await self.async_client.smembers(key, version)
        return builtins.set[Any]()

    async def asmove(self, source: str, destination: str, member: Any, version: int | None = None) -> bool:
        with self._guard:
            return await self.async_client.smove(source, destination, member, version)
        return False

    @overload
    async def aspop(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    async def aspop(self, key: str, count: int, version: int | None = None) -> builtins.set[Any]: ...
    async def aspop(self, key: str, count: int | None = None, version: int | None = None) -> Any:
        with self._guard:
            if count is None:
                return await self.async_client.spop(key, None, version)
            return await self.async_client.spop(key, count, version)
        return None if count is None else builtins.set[Any]()

    @overload
    async def asrandmember(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    async def asrandmember(self, key: str, count: int, version: int | None = None) -> list[Any]: ...
    async def asrandmember(self, key: str, count: int | None = None, version: int | None = None) -> Any:
        with self._guard:
            if count is None:
                return await self.async_client.srandmember(key, None, version)
            return await self.async_client.srandmember(key, count, version)
        return None if count is None else []

    async def asdiff(self, *keys: str, version: int | None = None) -> builtins.set[Any]:
        with self._guard:
            return await self.async_client.sdiff(*keys, version=version)
        return builtins.set[Any]()

    async def asinter(self, *keys: str, version: int | None = None) -> builtins.set[Any]:
        with self._guard:
            return await self.async_client.sinter(*keys, version=version)
        return builtins.set[Any]()

    async def asunion(self, *keys: str, version: int | None = None) -> builtins.set[Any]:
        with self._guard:
            return await self.async_client.sunion(*keys, version=version)
        return builtins.set[Any]()

    async def asdiffstore(self, destination: str, *keys: str, version: int | None = None) -> int:
        with self._guard:
            return await self.async_client.sdiffstore(destination, *keys, version=version)
        return 0

    async def asinterstore(self, destination: str, *keys: str, version: int | None = None) -> int:
        with self._guard:
            return await self.async_client.sinterstore(destination, *keys, version=version)
        return 0

    async def asunionstore(self, destination: str, *keys: str, version: int | None = None) -> int:
        with self._guard:
            return await self.async_client.sunionstore(destination, *keys, version=version)
        return 0

    async def asscan(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> builtins.set[Any]:
        with self._guard:
            return await self.async_client.sscan(key, match, count, version)
        return builtins.set[Any]()

    async def asscan_iter(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> AsyncIterator[Any]:
        with self._guard:
            async for member in self.async_client.sscan_iter(key, match, count, version):
                yield member

    # ---------------------------------------------------------------- hashes

    async def ahset(self, name: str, key: str, value: Any, version: int | None = None) -> int:
        with self._guard:
            return await self.async_client.hset(name, key, value, version)
        return 0

    async def ahget(self, name: str, key: str, default: Any = None, version: int | None = None) -> Any:
        with self._guard:
            return await self.async_client.hget(name, key, default, version)
        return default

    async def ahdel(self, name: str, key: str, version: int | None = None) -> int:
        with self._guard:
            return await self.async_client.hdel(name, key, version)
        return 0

    async def ahlen(self, name: str, version: int | None = None) -> int:
        with self._guard:
            return await self.async_client.hlen(name, version)
        return 0

    async def ahkeys(self, name: str, version: int | None = None) -> list[str]:
        with self._guard:
            return await self.async_client.hkeys(name, version)
        return []

    async def ahexists(self, name: str, key: str, version: int | None = None) -> bool:
        with self._guard:
            return await self.async_client.hexists(name, key, version)
        return False


class BackendCommands(NativeAsyncMethods, BaseCache, Generic[BackendT]):
    """Django's cache API and the extended API, delegating to ``self.client``.

    Generic over the raw client type that ``get_client`` returns (``BackendCommands[Valkey]``).

    Connection errors raise ``ConnectionInterrupted``; with ``IGNORE_EXCEPTIONS`` they are logged
    (``LOG_IGNORED_EXCEPTIONS``) and reads return their default, writes a falsy value.
    """

    _guard: ErrorGuard
    _close_connection: bool

    @property
    def client(self) -> ClientProtocol[Any]:
        raise NotImplementedError  # provided by BaseValkeyCache

    def make_key(self, key: str, version: int | None = None) -> CacheKey:
        return self.client.make_key(key, version)

    def make_pattern(self, pattern: str, version: int | None = None, prefix: str | None = None) -> CacheKey:
        return self.client.make_pattern(pattern, version, prefix)

    def get_client(self, write: bool = True) -> BackendT:
        """The raw valkey-py client: the primary for writes, a replica (if any) for reads."""
        raw: BackendT = self.client.get_client(write)
        return raw

    # ---------------------------------------------------------------- Django's API

    def get(self, key: str, default: Any | None = None, version: int | None = None) -> Any:
        with self._guard:
            return self.client.get(key, default, version)
        return default

    @overload
    def set(self, key: str, value: Any, timeout: Timeout = ..., version: int | None = None) -> None: ...
    @overload
    def set(
        self, key: str, value: Any, timeout: Timeout = ..., version: int | None = None, *, nx: bool, xx: bool = ...
    ) -> bool: ...
    @overload
    def set(self, key: str, value: Any, timeout: Timeout = ..., version: int | None = None, *, xx: bool) -> bool: ...
    def set(
        self,
        key: str,
        value: Any,
        timeout: Timeout = DEFAULT_TIMEOUT,
        version: int | None = None,
        *,
        nx: bool | None = None,
        xx: bool | None = None,
    ) -> bool | None:
        """Store ``value``. Returns ``None`` as Django documents; with ``nx``/``xx`` (only set if
        absent / present) returns whether it was stored."""
        plain = nx is None and xx is None
        with self._guard:
            stored = self.client.set(key, value, timeout, version, bool(nx), bool(xx))
            return None if plain else stored
        return None if plain else False

    def add(self, key: str, value: Any, timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        with self._guard:
            return self.client.add(key, value, timeout, version)
        return False

    def touch(self, key: str, timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        with self._guard:
            return self.client.touch(key, timeout, version)
        return False

    def delete(self, key: str, version: int | None = None) -> bool:
        with self._guard:
            return self.client.delete(key, version)
        return False

    def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        with self._guard:
            return self.client.get_many(keys, version)
        return {}

    def set_many(
        self, data: Mapping[str, Any], timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[str]:
        """Store every item in one round trip; returns the keys that failed (Django's contract)."""
        with self._guard:
            return self.client.set_many(data, timeout, version)
        return list(data)

    def delete_many(self, keys: Iterable[str], version: int | None = None) -> None:
        with self._guard:
            self.client.delete_many(keys, version)

    def has_key(self, key: str, version: int | None = None) -> bool:
        with self._guard:
            return self.client.has_key(key, version)
        return False

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        """Add ``delta`` atomically, keeping the TTL; ValueError if the key is missing."""
        with self._guard:
            return self.client.incr(key, delta, version)
        raise ValueError(f"Key {key!r} not found.")  # the server is down and errors are ignored

    def decr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        with self._guard:
            return self.client.decr(key, delta, version)
        raise ValueError(f"Key {key!r} not found.")

    def incr_version(self, key: str, delta: int = 1, version: int | None = None) -> int:
        """Move the value to version + ``delta`` in one step (TTL kept); returns the new version."""
        with self._guard:
            return self.client.incr_version(key, delta, version)
        raise ValueError(f"Key {key!r} not found.")

    def decr_version(self, key: str, delta: int = 1, version: int | None = None) -> int:
        return self.incr_version(key, -check_delta(delta), version)

    def clear(self) -> None:
        """Flush the whole database (every key, not only this cache's prefix), as Django does."""
        with self._guard:
            self.client.clear()

    def close(self, **kwargs: Any) -> None:
        """Called by Django after each request: disconnects only with ``CLOSE_CONNECTION``."""
        if self._close_connection:
            with self._guard:
                self.client.close()

    # ---------------------------------------------------------------- extended API

    def ttl(self, key: str, version: int | None = None) -> int | None:
        """Seconds left; ``None`` if the key never expires, ``0`` if it does not exist."""
        with self._guard:
            return self.client.ttl(key, version)
        return 0

    def pttl(self, key: str, version: int | None = None) -> int | None:
        """Milliseconds left; ``None`` if the key never expires, ``0`` if it does not exist."""
        with self._guard:
            return self.client.pttl(key, version)
        return 0

    def expire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> bool:
        with self._guard:
            return self.client.expire(key, timeout, version)
        return False

    def pexpire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> bool:
        with self._guard:
            return self.client.pexpire(key, timeout, version)
        return False

    def expire_at(self, key: str, when: AbsoluteTime, version: int | None = None) -> bool:
        with self._guard:
            return self.client.expire_at(key, when, version)
        return False

    def pexpire_at(self, key: str, when: AbsoluteTime, version: int | None = None) -> bool:
        with self._guard:
            return self.client.pexpire_at(key, when, version)
        return False

    def persist(self, key: str, version: int | None = None) -> bool:
        with self._guard:
            return self.client.persist(key, version)
        return False

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
        """A distributed lock on ``key`` (made like any key, so prefixes keep caches apart)."""
        return self.client.get_lock(key, version, timeout, sleep, blocking, blocking_timeout, thread_local)

    lock = get_lock

    def keys(self, search: str, version: int | None = None) -> list[str]:
        with self._guard:
            return self.client.keys(search, version)
        return []

    def iter_keys(self, search: str, itersize: int | None = None, version: int | None = None) -> Iterator[str]:
        with self._guard:
            yield from self.client.iter_keys(search, itersize, version)

    def delete_pattern(
        self,
        pattern: str,
        version: int | None = None,
        prefix: str | None = None,
        itersize: int | None = None,
    ) -> int:
        with self._guard:
            return self.client.delete_pattern(pattern, version, prefix, itersize)
        return 0

    def mget(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        """Alias of ``get_many`` (one MGET)."""
        return self.get_many(keys, version)

    def mset(
        self, data: Mapping[str, Any], timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[str]:
        """Alias of ``set_many``."""
        return self.set_many(data, timeout, version)

    # ---------------------------------------------------------------- sets

    def sadd(self, key: str, *values: Any, version: int | None = None) -> int:
        with self._guard:
            return self.client.sadd(key, *values, version=version)
        return 0

    def srem(self, key: str, *members: Any, version: int | None = None) -> int:
        with self._guard:
            return self.client.srem(key, *members, version=version)
        return 0

    def scard(self, key: str, version: int | None = None) -> int:
        with self._guard:
            return self.client.scard(key, version)
        return 0

    def sismember(self, key: str, member: Any, version: int | None = None) -> bool:
        with self._guard:
            return self.client.sismember(key, member, version)
        return False

    def smismember(self, key: str, *members: Any, version: int | None = None) -> list[bool]:
        with self._guard:
            return self.client.smismember(key, *members, version=version)
        return [False] * len(members)

    def smembers(self, key: str, version: int | None = None) -> builtins.set[Any]:
        with self._guard:
            return self.client.smembers(key, version)
        return set()

    def smove(self, source: str, destination: str, member: Any, version: int | None = None) -> bool:
        with self._guard:
            return self.client.smove(source, destination, member, version)
        return False

    @overload
    def spop(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    def spop(self, key: str, count: int, version: int | None = None) -> builtins.set[Any]: ...
    def spop(self, key: str, count: int | None = None, version: int | None = None) -> Any:
        with self._guard:
            return self.client.spop(key, None, version) if count is None else self.client.spop(key, count, version)
        return None if count is None else builtins.set[Any]()

    @overload
    def srandmember(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    def srandmember(self, key: str, count: int, version: int | None = None) -> list[Any]: ...
    def srandmember(self, key: str, count: int | None = None, version: int | None = None) -> Any:
        with self._guard:
            if count is None:
                return self.client.srandmember(key, None, version)
            return self.client.srandmember(key, count, version)
        return None if count is None else []

    def sdiff(self, *keys: str, version: int | None = None) -> builtins.set[Any]:
        with self._guard:
            return self.client.sdiff(*keys, version=version)
        return set()

    def sinter(self, *keys: str, version: int | None = None) -> builtins.set[Any]:
        with self._guard:
            return self.client.sinter(*keys, version=version)
        return set()

    def sunion(self, *keys: str, version: int | None = None) -> builtins.set[Any]:
        with self._guard:
            return self.client.sunion(*keys, version=version)
        return set()

    def sdiffstore(self, destination: str, *keys: str, version: int | None = None) -> int:
        with self._guard:
            return self.client.sdiffstore(destination, *keys, version=version)
        return 0

    def sinterstore(self, destination: str, *keys: str, version: int | None = None) -> int:
        with self._guard:
            return self.client.sinterstore(destination, *keys, version=version)
        return 0

    def sunionstore(self, destination: str, *keys: str, version: int | None = None) -> int:
        with self._guard:
            return self.client.sunionstore(destination, *keys, version=version)
        return 0

    def sscan(self, key: str, match: str | None = None, count: int = 10, version: int | None = None) -> builtins.set[Any]:
        with self._guard:
            return self.client.sscan(key, match, count, version)
        return set()

    def sscan_iter(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> Iterator[Any]:
        with self._guard:
            yield from self.client.sscan_iter(key, match, count, version)

    # ---------------------------------------------------------------- hashes

    def hset(self, name: str, key: str, value: Any, version: int | None = None) -> int:
        with self._guard:
            return self.client.hset(name, key, value, version)
        return 0

    def hget(self, name: str, key: str, default: Any = None, version: int | None = None) -> Any:
        with self._guard:
            return self.client.hget(name, key, default, version)
        return default

    def hdel(self, name: str, key: str, version: int | None = None) -> int:
        with self._guard:
            return self.client.hdel(name, key, version)
        return 0

    def hlen(self, name: str, version: int | None = None) -> int:
        with self._guard:
            return self.client.hlen(name, version)
        return 0

    def hkeys(self, name: str, version: int | None = None) -> list[str]:
        with self._guard:
            return self.client.hkeys(name, version)
        return []

    def hexists(self, name: str, key: str, version: int | None = None) -> bool:
        with self._guard:
            return self.client.hexists(name, key, version)
        return False


class AsyncBackendCommands(NativeAsyncMethods):
    """The asyncio backend's API, as in django-valkey 0.4: the plain names (``get``, ``set``, ...)
    are coroutines, and so are Django's ``a*`` names (``aget``, ``aset``, ...): both run the same
    native methods on ``self.client``, an async client.

    ``close()`` stays a plain method: Django calls it synchronously after every request (a
    coroutine there would never be awaited). Use ``await cache.aclose()`` to release connections.

    List it *before* ``BaseValkeyCache`` in the bases, so that its coroutines win over
    ``BaseCache``'s sync methods: ``class MyCache(AsyncBackendCommands, BaseValkeyCache[...])``.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        owner = next((klass for klass in cls.__mro__ if "get" in vars(klass)), None)
        if owner is BaseCache:
            raise TypeError(
                f"{cls.__qualname__}: list AsyncBackendCommands before BaseValkeyCache in its bases, "
                "otherwise BaseCache's sync methods hide the async ones"
            )

    def _make_async_client(self) -> AsyncClientProtocol[Any]:
        client: AsyncClientProtocol[Any] = getattr(self, "client")  # BaseValkeyCache's, already async
        return client

    async def get_client(self, write: bool = True) -> Any:
        """The running loop's raw ``valkey.asyncio`` client: the primary, or a replica for reads."""
        return await self.async_client.get_client(write)

    def make_key(self, key: str, version: int | None = None) -> CacheKey:
        return self.async_client.make_key(key, version)

    def make_pattern(self, pattern: str, version: int | None = None, prefix: str | None = None) -> CacheKey:
        return self.async_client.make_pattern(pattern, version, prefix)

    def close(self, **kwargs: Any) -> None:
        """Called by Django (synchronously) after each request: never touches an event loop.

        Connections are already back in their loop's pool; ``await aclose()`` closes them.
        """

    # The plain names of django-valkey 0.4, as coroutines. Those that Django's BaseCache also
    # declares are written out as methods: pyright resolves an inherited *declared* method before a
    # plain alias, so an alias would show BaseCache's sync signature. Each awaits its a* twin.

    async def get(self, key: str, default: Any | None = None, version: int | None = None) -> Any:
        return await self.aget(key, default, version)

    @overload
    async def set(self, key: str, value: Any, timeout: Timeout = ..., version: int | None = None) -> None: ...
    @overload
    async def set(
        self, key: str, value: Any, timeout: Timeout = ..., version: int | None = None, *, nx: bool, xx: bool = ...
    ) -> bool: ...
    @overload
    async def set(self, key: str, value: Any, timeout: Timeout = ..., version: int | None = None, *, xx: bool) -> bool: ...
    async def set(
        self,
        key: str,
        value: Any,
        timeout: Timeout = DEFAULT_TIMEOUT,
        version: int | None = None,
        *,
        nx: bool | None = None,
        xx: bool | None = None,
    ) -> bool | None:
        if nx is None and xx is None:
            await self.aset(key, value, timeout, version)
            return None
        return await self.aset(key, value, timeout, version, nx=bool(nx), xx=bool(xx))

    async def add(self, key: str, value: Any, timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return await self.aadd(key, value, timeout, version)

    async def get_or_set(
        self, key: str, default: Any | None, timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None
    ) -> Any | None:
        return await self.aget_or_set(key, default, timeout, version)

    async def touch(self, key: str, timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return await self.atouch(key, timeout, version)

    async def delete(self, key: str, version: int | None = None) -> bool:
        return await self.adelete(key, version)

    async def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        return await self.aget_many(keys, version)

    async def set_many(
        self, data: Mapping[str, Any], timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[str]:
        return await self.aset_many(data, timeout, version)

    async def delete_many(self, keys: Iterable[str], version: int | None = None) -> None:
        await self.adelete_many(keys, version)

    async def has_key(self, key: str, version: int | None = None) -> bool:
        return await self.ahas_key(key, version)

    async def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        return await self.aincr(key, delta, version)

    async def decr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        return await self.adecr(key, delta, version)

    async def incr_version(self, key: str, delta: int = 1, version: int | None = None) -> int:
        return await self.aincr_version(key, delta, version)

    async def decr_version(self, key: str, delta: int = 1, version: int | None = None) -> int:
        return await self.adecr_version(key, delta, version)

    async def clear(self) -> None:
        await self.aclear()

    # The extended API's plain names, each awaiting its a* twin. They are methods, not aliases,
    # so that every type checker (and verifytypes) sees a declared signature.

    async def ttl(self, key: str, version: int | None = None) -> int | None:
        return await self.attl(key, version)

    async def pttl(self, key: str, version: int | None = None) -> int | None:
        return await self.apttl(key, version)

    async def expire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> bool:
        return await self.aexpire(key, timeout, version)

    async def pexpire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> bool:
        return await self.apexpire(key, timeout, version)

    async def expire_at(self, key: str, when: AbsoluteTime, version: int | None = None) -> bool:
        return await self.aexpire_at(key, when, version)

    async def pexpire_at(self, key: str, when: AbsoluteTime, version: int | None = None) -> bool:
        return await self.apexpire_at(key, when, version)

    async def persist(self, key: str, version: int | None = None) -> bool:
        return await self.apersist(key, version)

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
        return await self.aget_lock(key, version, timeout, sleep, blocking, blocking_timeout, thread_local)

    lock = get_lock

    async def keys(self, search: str, version: int | None = None) -> list[str]:
        return await self.akeys(search, version)

    def iter_keys(
        self, search: str, itersize: int | None = None, version: int | None = None
    ) -> AsyncIterator[str]:
        return self.aiter_keys(search, itersize, version)

    async def delete_pattern(
        self,
        pattern: str,
        version: int | None = None,
        prefix: str | None = None,
        itersize: int | None = None,
    ) -> int:
        return await self.adelete_pattern(pattern, version, prefix, itersize)

    async def mget(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        return await self.amget(keys, version)

    async def mset(
        self, data: Mapping[str, Any], timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[str]:
        return await self.amset(data, timeout, version)

    async def sadd(self, key: str, *values: Any, version: int | None = None) -> int:
        return await self.asadd(key, *values, version=version)

    async def srem(self, key: str, *members: Any, version: int | None = None) -> int:
        return await self.asrem(key, *members, version=version)

    async def scard(self, key: str, version: int | None = None) -> int:
        return await self.ascard(key, version)

    async def sismember(self, key: str, member: Any, version: int | None = None) -> bool:
        return await self.asismember(key, member, version)

    async def smismember(self, key: str, *members: Any, version: int | None = None) -> list[bool]:
        return await self.asmismember(key, *members, version=version)

    async def smembers(self, key: str, version: int | None = None) -> builtins.set[Any]:
        return await self.asmembers(key, version)

    async def smove(self, source: str, destination: str, member: Any, version: int | None = None) -> bool:
        return await self.asmove(source, destination, member, version)

    @overload
    async def spop(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    async def spop(self, key: str, count: int, version: int | None = None) -> builtins.set[Any]: ...

    async def spop(self, key: str, count: int | None = None, version: int | None = None) -> Any:
        return await self.aspop(key, count, version)

    @overload
    async def srandmember(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    async def srandmember(self, key: str, count: int, version: int | None = None) -> list[Any]: ...

    async def srandmember(self, key: str, count: int | None = None, version: int | None = None) -> Any:
        return await self.asrandmember(key, count, version)

    async def sdiff(self, *keys: str, version: int | None = None) -> builtins.set[Any]:
        return await self.asdiff(*keys, version=version)

    async def sinter(self, *keys: str, version: int | None = None) -> builtins.set[Any]:
        return await self.asinter(*keys, version=version)

    async def sunion(self, *keys: str, version: int | None = None) -> builtins.set[Any]:
        return await self.asunion(*keys, version=version)

    async def sdiffstore(self, destination: str, *keys: str, version: int | None = None) -> int:
        return await self.asdiffstore(destination, *keys, version=version)

    async def sinterstore(self, destination: str, *keys: str, version: int | None = None) -> int:
        return await self.asinterstore(destination, *keys, version=version)

    async def sunionstore(self, destination: str, *keys: str, version: int | None = None) -> int:
        return await self.asunionstore(destination, *keys, version=version)

    async def sscan(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> builtins.set[Any]:
        return await self.asscan(key, match, count, version)

    def sscan_iter(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> AsyncIterator[Any]:
        return self.asscan_iter(key, match, count, version)

    async def hset(self, name: str, key: str, value: Any, version: int | None = None) -> int:
        return await self.ahset(name, key, value, version)

    async def hget(self, name: str, key: str, default: Any = None, version: int | None = None) -> Any:
        return await self.ahget(name, key, default, version)

    async def hdel(self, name: str, key: str, version: int | None = None) -> int:
        return await self.ahdel(name, key, version)

    async def hlen(self, name: str, version: int | None = None) -> int:
        return await self.ahlen(name, version)

    async def hkeys(self, name: str, version: int | None = None) -> list[str]:
        return await self.ahkeys(name, version)

    async def hexists(self, name: str, key: str, version: int | None = None) -> bool:
        return await self.ahexists(name, key, version)
