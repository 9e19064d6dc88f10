"""``BaseValkeyCache`` and ``BackendCommands``: the reference implementation of ``CacheProtocol``.

``BaseValkeyCache`` reads the configuration and owns the client; ``BackendCommands`` is the
sync Django API plus the extended API, each method a thin call to the client inside the error
guard. ``AsyncBackendCommands`` is the asyncio twin.
"""

from __future__ import annotations

import builtins

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, Generic, overload

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from typing_extensions import TypeVar

from django_valkey._commands import check_delta
from django_valkey._guard import ErrorGuard
from django_valkey._options import CacheOptions, validate_timeout_param
from django_valkey.protocols import (
    AbsoluteTime,
    ClientProtocol,
    ExpiryTime,
    LockProtocol,
    RawClient,
    Timeout,
)
from django_valkey.util import CacheKey

__all__ = ["BackendCommands", "BaseValkeyCache"]

ClientT = TypeVar("ClientT", default=ClientProtocol[Any])
BackendT = TypeVar("BackendT", default=RawClient)


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
        return f"<{type(self).__qualname__} {self._server!r}>"


class BackendCommands(BaseCache, Generic[BackendT]):
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
