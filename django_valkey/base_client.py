"""``BaseClient`` and ``ClientCommands``: the reference implementation of ``ClientProtocol``.

``BaseClient`` holds what does not depend on sync or async: the servers, the key maker, the
codec, the connection factory and replica routing. ``ClientCommands`` executes each operation's
``Request`` (built once in ``django_valkey._commands``) on a sync raw client;
``AsyncClientCommands`` does the same with ``await``.
"""

from __future__ import annotations

import builtins

import asyncio
import random
import weakref
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, Generic, ParamSpec, TypeVar, cast, overload

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from asgiref.sync import sync_to_async
from django.core.exceptions import ImproperlyConfigured, SynchronousOnlyOperation
from typing_extensions import TypeVar as DefaultTypeVar
from valkey.exceptions import NoScriptError, ResponseError

from django_valkey._codec import Codec
from django_valkey._guard import CONNECTION_ERRORS
from django_valkey._commands import Commands, Request, as_eval, count_arg, lock_times
from django_valkey._keys import KeyMaker
from django_valkey._options import check_members, load_class, load_object, scan_itersize
from django_valkey._redact import safe_repr
from django_valkey.compressors.identity import IdentityCompressor
from django_valkey.pool import get_connection_factory
from django_valkey.protocols import (
    AbsoluteTime,
    AsyncLockProtocol,
    AsyncRawClient,
    CacheContext,
    CompressorProtocol,
    AsyncConnectionFactoryProtocol,
    ConnectionFactoryProtocol,
    ExpiryTime,
    LockProtocol,
    RawClient,
    SerializerProtocol,
    Timeout,
)
from django_valkey.exceptions import SerializerError
from django_valkey.util import CacheKey, default_reverse_key

__all__ = ["AsyncClientCommands", "BaseClient", "ClientCommands", "encode_off_loop", "split_servers"]

Backend = DefaultTypeVar("Backend", default=Any)
Factory = DefaultTypeVar(
    "Factory",
    bound="ConnectionFactoryProtocol[Any, Any] | AsyncConnectionFactoryProtocol[Any, Any]",
    default="ConnectionFactoryProtocol[Any, Any]",
)
R = TypeVar("R")



def split_servers(server: str | Sequence[str]) -> list[str]:
    """LOCATION as a list: a list as is, a string split on commas."""
    servers = [s.strip() for s in server.split(",")] if isinstance(server, str) else [str(s) for s in server]
    servers = [s for s in servers if s]
    if not servers:
        raise ImproperlyConfigured("LOCATION must name at least one server")
    return servers


def _raise_clearer(req: Request[Any], exc: ResponseError) -> None:
    better = req.on_error(exc) if req.on_error is not None else None
    if better is not None:
        raise better from exc


class BaseClient(Generic[Backend, Factory]):
    """State shared by sync and async clients: servers, keys, codec, factory, replica choice.

    Built as ``Client(server, params, backend)``. Subclasses set ``CONNECTION_FACTORY_PATH`` (used
    when neither ``OPTIONS["CONNECTION_FACTORY"]`` nor ``DJANGO_VALKEY_CONNECTION_FACTORY`` is set).
    """

    CONNECTION_FACTORY_PATH: ClassVar[str] = "django_valkey.pool.ConnectionFactory"
    FACTORY_PROTOCOL: ClassVar[type] = ConnectionFactoryProtocol
    OPTIONS_KEYS: ClassVar[frozenset[str]] = frozenset()
    """``OPTIONS`` keys a subclass reads besides the documented ones (others are refused)."""

    connection_factory: Factory
    """The factory that makes this client's raw clients (sync by default; async clients pass
    ``AsyncConnectionFactoryProtocol[...]`` as the second type argument)."""

    def __init__(self, server: str | Sequence[str], params: Mapping[str, Any], backend: CacheContext) -> None:
        self._backend = backend
        self._server = split_servers(server)
        self._params = params
        self._options: Mapping[str, Any] = params.get("OPTIONS") or {}
        options = self._options

        serializer_cls = load_class(
            options.get("SERIALIZER", "django_valkey.serializers.pickle.PickleSerializer"),
            "OPTIONS['SERIALIZER']",
            SerializerProtocol,
        )
        compressor_cls = load_class(
            options.get("COMPRESSOR", "django_valkey.compressors.identity.IdentityCompressor"),
            "OPTIONS['COMPRESSOR']",
            CompressorProtocol,
        )
        self._serializer: SerializerProtocol = serializer_cls(options)
        self._compressor: CompressorProtocol = compressor_cls(options)
        reverse = load_object(
            options.get("REVERSE_KEY_FUNCTION", default_reverse_key), "OPTIONS['REVERSE_KEY_FUNCTION']"
        )
        codec_compressor = None if isinstance(self._compressor, IdentityCompressor) else self._compressor
        self._codec = Codec(self._serializer, codec_compressor)
        self._keys = KeyMaker(backend, reverse)
        self._cmd = Commands(self._keys, self._codec, backend.default_timeout)
        self._scan_itersize = scan_itersize(options)

        replica_read_only = options.get("REPLICA_READ_ONLY", True)
        count = len(self._server)
        self._single = count == 1
        # Reads go to a replica (or, with REPLICA_READ_ONLY off, to any server).
        self._read_choices: tuple[int, ...] = (
            (0,) if count == 1 else tuple(range(1, count)) if replica_read_only else tuple(range(count))
        )
        self._clients: list[Backend | None] = [None] * count
        self.connection_factory = get_connection_factory(self.CONNECTION_FACTORY_PATH, options)
        check_members(self.connection_factory, self.FACTORY_PROTOCOL, "OPTIONS['CONNECTION_FACTORY']")

    def __repr__(self) -> str:
        return f"<{type(self).__qualname__} {safe_repr(self._server)}>"

    @property
    def servers(self) -> list[str]:
        """The LOCATION entries; the first is the primary."""
        return list(self._server)

    def make_key(self, key: str, version: int | None = None, prefix: str | None = None) -> CacheKey:
        """The stored key for ``key`` (prefix and version applied, validated like Django)."""
        return self._keys.make_key(key, version, prefix)

    def make_pattern(self, pattern: str, version: int | None = None, prefix: str | None = None) -> CacheKey:
        """A SCAN/KEYS pattern for user keys matching the glob ``pattern``."""
        return self._keys.make_pattern(pattern, version, prefix)

    def encode(self, value: Any) -> bytes | int:
        """The bytes (or plain int) that ``value`` is stored as."""
        return self._codec.encode(value)

    def decode(self, value: bytes) -> Any:
        """The value stored as ``value``."""
        return self._codec.decode(value)

    def _read_index(self) -> int:
        choices = self._read_choices
        return choices[0] if len(choices) == 1 else random.choice(choices)


class ClientCommands(Generic[Backend]):
    """The sync operations of ``ClientProtocol``; mixed into a ``BaseClient`` subclass."""

    ASYNC_CLIENT_CLASS: ClassVar[str] = "django_valkey.async_cache.client.AsyncDefaultClient"
    """The async twin a sync cache builds for its ``a*`` methods (``OPTIONS["ASYNC_OPTIONS"]``
    may name another as ``CLIENT_CLASS``)."""

    # Provided by BaseClient.
    _server: list[str]
    _clients: list[Backend | None]
    _single: bool
    _cmd: Commands
    _keys: KeyMaker
    _scan_itersize: int
    connection_factory: ConnectionFactoryProtocol[Any, Any]

    def _read_index(self) -> int:
        raise NotImplementedError  # provided by BaseClient

    def connect(self, index: int = 0) -> Backend:
        """A new raw client for LOCATION entry ``index``."""
        client: Backend = self.connection_factory.connect(self._server[index])
        return client

    def _client_at(self, index: int) -> Backend:
        client = self._clients[index]
        if client is None:
            client = self._clients[index] = self.connect(index)
        return client

    def get_client(self, write: bool = True) -> Backend:
        """The raw client for writes (the primary) or for reads (a replica, if any)."""
        return self._client_at(0 if write else self._read_index())

    def _execute(self, client: Any, req: Request[R]) -> R:
        raw: RawClient = client
        if req.batch is not None:
            pipe = raw.pipeline(transaction=False)
            for args in req.batch:
                pipe.execute_command(*args)
            return req.parse(pipe.execute())
        if req.args is None:
            return req.parse(None)
        try:
            try:
                reply = raw.execute_command(*req.args)
            except NoScriptError:
                reply = raw.execute_command(*as_eval(req.args))
        except ResponseError as exc:
            _raise_clearer(req, exc)
            raise
        return req.parse(reply)

    def _run(self, req: Request[R]) -> R:
        if req.write or self._single:
            return self._execute(self._client_at(0), req)
        try:
            return self._execute(self._client_at(self._read_index()), req)
        except CONNECTION_ERRORS:
            return self._execute(self._client_at(0), req)  # a replica is down: the primary has the data

    # ---------------------------------------------------------------- Django's API

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        return self._run(self._cmd.get(key, default, version))

    def set(
        self,
        key: str,
        value: Any,
        timeout: Timeout = DEFAULT_TIMEOUT,
        version: int | None = None,
        nx: bool = False,
        xx: bool = False,
    ) -> bool:
        return self._run(self._cmd.set(key, value, timeout, version, nx, xx))

    def add(self, key: str, value: Any, timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._run(self._cmd.set(key, value, timeout, version, nx=True))

    def touch(self, key: str, timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._run(self._cmd.touch(key, timeout, version))

    def delete(self, key: str, version: int | None = None) -> bool:
        return self._run(self._cmd.delete(key, version))

    def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        return self._run(self._cmd.get_many(keys, version))

    def set_many(
        self, data: Mapping[str, Any], timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[str]:
        return self._run(self._cmd.set_many(data, timeout, version))

    def delete_many(self, keys: Iterable[str], version: int | None = None) -> int:
        return self._run(self._cmd.delete_many(keys, version))

    def has_key(self, key: str, version: int | None = None) -> bool:
        return self._run(self._cmd.has_key(key, version))

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        return self._run(self._cmd.incr(key, delta, version))

    def decr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        return self._run(self._cmd.decr(key, delta, version))

    def incr_version(self, key: str, delta: int = 1, version: int | None = None) -> int:
        return self._run(self._cmd.incr_version(key, delta, version))

    def clear(self) -> None:
        self._run(self._cmd.clear())

    def close(self) -> None:
        """Disconnect every pool this client opened; the next call reconnects."""
        for index, client in enumerate(self._clients):
            if client is not None:
                self._clients[index] = None
                self.connection_factory.disconnect(client)

    # ---------------------------------------------------------------- expiry

    def ttl(self, key: str, version: int | None = None) -> int | None:
        return self._run(self._cmd.ttl(key, version))

    def pttl(self, key: str, version: int | None = None) -> int | None:
        return self._run(self._cmd.pttl(key, version))

    def expire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> bool:
        return self._run(self._cmd.expire(key, timeout, version))

    def pexpire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> bool:
        return self._run(self._cmd.pexpire(key, timeout, version))

    def expire_at(self, key: str, when: AbsoluteTime, version: int | None = None) -> bool:
        return self._run(self._cmd.expire_at(key, when, version))

    def pexpire_at(self, key: str, when: AbsoluteTime, version: int | None = None) -> bool:
        return self._run(self._cmd.pexpire_at(key, when, version))

    def persist(self, key: str, version: int | None = None) -> bool:
        return self._run(self._cmd.persist(key, version))

    # ---------------------------------------------------------------- locks and key space

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
        lock_times(timeout, blocking_timeout)
        lock: LockProtocol = self._lock_client(key, version).lock(
            self._keys.make_key(key, version),
            timeout=timeout,
            sleep=sleep,
            blocking=blocking,
            blocking_timeout=blocking_timeout,
            thread_local=thread_local,
        )
        return lock

    lock = get_lock

    def keys(self, search: str, version: int | None = None) -> list[str]:
        """User keys matching the glob ``search`` (KEYS: prefer ``iter_keys`` on big databases)."""
        return self._run(self._cmd.keys_matching(search, version))

    def _scan(self, client: Any, match: str, count: int) -> Iterator[Any]:
        raw: RawClient = client
        return raw.scan_iter(match=match, count=count_arg(count, "itersize"))

    def iter_keys(self, search: str, itersize: int | None = None, version: int | None = None) -> Iterator[str]:
        """User keys matching the glob ``search``, fetched with SCAN ``itersize`` at a time.

        Every page comes from one server (a replica, if any). If that replica cannot be reached
        before the first key, the scan runs on the primary; a scan cut off halfway raises.
        """
        pattern = self._keys.make_pattern(search, version)
        original = self._keys.original
        count = itersize or self._scan_itersize
        index = self._read_index()
        started = False
        try:
            for stored in self._scan(self._client_at(index), pattern, count):
                started = True
                yield original(stored)
        except CONNECTION_ERRORS:
            if started or index == 0:
                raise
            for stored in self._scan(self._client_at(0), pattern, count):
                yield original(stored)

    def delete_pattern(
        self,
        pattern: str,
        version: int | None = None,
        prefix: str | None = None,
        itersize: int | None = None,
    ) -> int:
        """Delete the keys matching the glob ``pattern``; SCAN and DEL ``itersize`` keys at a time."""
        made = self._keys.make_pattern(pattern, version, prefix)
        count = itersize or self._scan_itersize
        deleted = 0
        for client in self._key_space_clients():
            batch: list[Any] = []
            for stored in self._scan(client, made, count):
                batch.append(stored)
                if len(batch) >= count:
                    deleted += self._execute(client, self._delete_stored(batch))
                    batch = []
            deleted += self._execute(client, self._delete_stored(batch))
        return deleted

    def _key_space_clients(self) -> list[Backend]:
        """The raw clients ``delete_pattern`` scans (a sharded client: every server)."""
        return [self.get_client(write=True)]

    def _delete_stored(self, stored: list[Any]) -> Request[int]:
        """The request deleting a page of scanned keys (a cluster client: one DEL per slot)."""
        return self._cmd.delete_stored(stored)

    def _lock_client(self, key: str, version: int | None) -> RawClient:
        """The raw client a lock on ``key`` lives on (a sharded client: the key's server)."""
        return cast(RawClient, self.get_client(write=True))

    # ---------------------------------------------------------------- sets

    def sadd(self, key: str, *values: Any, version: int | None = None) -> int:
        return self._run(self._cmd.sadd(key, values, version))

    def srem(self, key: str, *members: Any, version: int | None = None) -> int:
        return self._run(self._cmd.srem(key, members, version))

    def scard(self, key: str, version: int | None = None) -> int:
        return self._run(self._cmd.scard(key, version))

    def sismember(self, key: str, member: Any, version: int | None = None) -> bool:
        return self._run(self._cmd.sismember(key, member, version))

    def smismember(self, key: str, *members: Any, version: int | None = None) -> list[bool]:
        return self._run(self._cmd.smismember(key, members, version))

    def smembers(self, key: str, version: int | None = None) -> builtins.set[Any]:
        return self._run(self._cmd.smembers(key, version))

    def smove(self, source: str, destination: str, member: Any, version: int | None = None) -> bool:
        return self._run(self._cmd.smove(source, destination, member, version))

    @overload
    def spop(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    def spop(self, key: str, count: int, version: int | None = None) -> builtins.set[Any]: ...
    def spop(self, key: str, count: int | None = None, version: int | None = None) -> Any:
        return self._run(self._cmd.spop(key, count, version))

    @overload
    def srandmember(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    def srandmember(self, key: str, count: int, version: int | None = None) -> list[Any]: ...
    def srandmember(self, key: str, count: int | None = None, version: int | None = None) -> Any:
        return self._run(self._cmd.srandmember(key, count, version))

    def sdiff(self, *keys: str, version: int | None = None) -> builtins.set[Any]:
        return self._run(self._cmd.set_algebra("SDIFF", keys, version))

    def sinter(self, *keys: str, version: int | None = None) -> builtins.set[Any]:
        return self._run(self._cmd.set_algebra("SINTER", keys, version))

    def sunion(self, *keys: str, version: int | None = None) -> builtins.set[Any]:
        return self._run(self._cmd.set_algebra("SUNION", keys, version))

    def sdiffstore(self, destination: str, *keys: str, version: int | None = None) -> int:
        return self._run(self._cmd.set_algebra_store("SDIFFSTORE", destination, keys, version))

    def sinterstore(self, destination: str, *keys: str, version: int | None = None) -> int:
        return self._run(self._cmd.set_algebra_store("SINTERSTORE", destination, keys, version))

    def sunionstore(self, destination: str, *keys: str, version: int | None = None) -> int:
        return self._run(self._cmd.set_algebra_store("SUNIONSTORE", destination, keys, version))

    def sscan(self, key: str, match: str | None = None, count: int = 10, version: int | None = None) -> builtins.set[Any]:
        """Every member of the set, fetched with SSCAN (``match`` filters the stored bytes)."""
        return set(self.sscan_iter(key, match, count, version))

    def sscan_iter(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> Iterator[Any]:
        cursor = 0
        while True:
            cursor, members = self._run(self._cmd.sscan_page(key, cursor, match, count, version))
            yield from members
            if cursor == 0:
                return

    # ---------------------------------------------------------------- hashes

    def hset(self, name: str, key: str, value: Any, version: int | None = None) -> int:
        return self._run(self._cmd.hset(name, key, value, version))

    def hget(self, name: str, key: str, default: Any = None, version: int | None = None) -> Any:
        return self._run(self._cmd.hget(name, key, default, version))

    def hdel(self, name: str, key: str, version: int | None = None) -> int:
        return self._run(self._cmd.hdel(name, key, version))

    def hlen(self, name: str, version: int | None = None) -> int:
        return self._run(self._cmd.hlen(name, version))

    def hkeys(self, name: str, version: int | None = None) -> list[str]:
        return self._run(self._cmd.hkeys(name, version))

    def hexists(self, name: str, key: str, version: int | None = None) -> bool:
        return self._run(self._cmd.hexists(name, key, version))


P = ParamSpec("P")


async def encode_off_loop(error: SerializerError, build: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """``build(*args, **kwargs)`` again in a worker thread, when encoding a value on the event loop
    failed because pickling it needs synchronous-only Django work (a ``QuerySet`` runs its query):
    Django's own async cache methods always serialize in a thread, so such values must still work.
    Any other serializer error is raised as it was. Never on the hot path: only after a failure."""
    if not isinstance(error.__cause__, SynchronousOnlyOperation):
        raise error
    return await sync_to_async(build)(*args, **kwargs)


class AsyncClientCommands(Generic[Backend]):
    """The asyncio operations of ``AsyncClientProtocol``; mixed into a ``BaseClient`` subclass.

    Raw clients are kept per event loop (a ``valkey.asyncio`` connection must not cross loops):
    the running loop's list is found with one identity check on the hot path.
    """

    # Provided by BaseClient.
    _server: list[str]
    _single: bool
    _cmd: Commands
    _keys: KeyMaker
    _scan_itersize: int
    connection_factory: AsyncConnectionFactoryProtocol[Any, Any]

    # The raw clients of the loop used last, and of every live loop.
    _loop_current: tuple[weakref.ref[asyncio.AbstractEventLoop], list[Any]] | None = None
    _loop_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, list[Any]] | None = None

    def _read_index(self) -> int:
        raise NotImplementedError  # provided by BaseClient

    async def connect(self, index: int = 0) -> Backend:
        """A new raw client for LOCATION entry ``index``, on the running loop's pool."""
        client: Backend = await self.connection_factory.connect(self._server[index])
        return client

    def _clients_of_loop(self) -> list[Any]:
        loop = asyncio.get_running_loop()
        current = self._loop_current
        if current is not None and current[0]() is loop:
            return current[1]
        by_loop = self._loop_clients
        if by_loop is None:
            by_loop = self._loop_clients = weakref.WeakKeyDictionary()
        clients = by_loop.get(loop)
        if clients is None:
            clients = by_loop[loop] = [None] * len(self._server)
        self._loop_current = (weakref.ref(loop), clients)
        return clients

    async def _client_at(self, index: int) -> Backend:
        clients = self._clients_of_loop()
        client = clients[index]
        if client is None:
            client = clients[index] = await self.connect(index)
        found: Backend = client
        return found

    async def get_client(self, write: bool = True) -> Backend:
        """The running loop's raw client for writes (the primary) or reads (a replica, if any)."""
        return await self._client_at(0 if write else self._read_index())

    async def _execute(self, client: Any, req: Request[R]) -> R:
        raw: AsyncRawClient = client
        if req.batch is not None:
            pipe = raw.pipeline(transaction=False)
            for args in req.batch:
                pipe.execute_command(*args)
            return req.parse(await pipe.execute())
        if req.args is None:
            return req.parse(None)
        try:
            try:
                reply = await raw.execute_command(*req.args)
            except NoScriptError:
                reply = await raw.execute_command(*as_eval(req.args))
        except ResponseError as exc:
            _raise_clearer(req, exc)
            raise
        return req.parse(reply)

    async def _run(self, req: Request[R]) -> R:
        if req.write or self._single:
            client = self._clients_of_loop()[0]  # the hot path: no extra coroutine once connected
            if client is None:
                client = await self._client_at(0)
            return await self._execute(client, req)
        try:
            return await self._execute(await self._client_at(self._read_index()), req)
        except CONNECTION_ERRORS:
            return await self._execute(await self._client_at(0), req)  # a replica is down

    # ---------------------------------------------------------------- Django's API

    async def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        return await self._run(self._cmd.get(key, default, version))

    async def set(
        self,
        key: str,
        value: Any,
        timeout: Timeout = DEFAULT_TIMEOUT,
        version: int | None = None,
        nx: bool = False,
        xx: bool = False,
    ) -> bool:
        try:
            req = self._cmd.set(key, value, timeout, version, nx, xx)
        except SerializerError as exc:
            req = await encode_off_loop(exc, self._cmd.set, key, value, timeout, version, nx, xx)
        return await self._run(req)

    async def add(self, key: str, value: Any, timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        try:
            req = self._cmd.set(key, value, timeout, version, nx=True)
        except SerializerError as exc:
            req = await encode_off_loop(exc, self._cmd.set, key, value, timeout, version, nx=True)
        return await self._run(req)

    async def touch(self, key: str, timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return await self._run(self._cmd.touch(key, timeout, version))

    async def delete(self, key: str, version: int | None = None) -> bool:
        return await self._run(self._cmd.delete(key, version))

    async def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        return await self._run(self._cmd.get_many(keys, version))

    async def set_many(
        self, data: Mapping[str, Any], timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[str]:
        try:
            req = self._cmd.set_many(data, timeout, version)
        except SerializerError as exc:
            req = await encode_off_loop(exc, self._cmd.set_many, data, timeout, version)
        return await self._run(req)

    async def delete_many(self, keys: Iterable[str], version: int | None = None) -> int:
        return await self._run(self._cmd.delete_many(keys, version))

    async def has_key(self, key: str, version: int | None = None) -> bool:
        return await self._run(self._cmd.has_key(key, version))

    async def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        return await self._run(self._cmd.incr(key, delta, version))

    async def decr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        return await self._run(self._cmd.decr(key, delta, version))

    async def incr_version(self, key: str, delta: int = 1, version: int | None = None) -> int:
        return await self._run(self._cmd.incr_version(key, delta, version))

    async def clear(self) -> None:
        await self._run(self._cmd.clear())

    async def close(self) -> None:
        """Close the idle connections of the running loop's pools; the next call reconnects."""
        by_loop = self._loop_clients
        clients = None if by_loop is None else by_loop.pop(asyncio.get_running_loop(), None)
        self._loop_current = None
        for client in clients or ():
            if client is not None:
                await self.connection_factory.disconnect(client)

    # ---------------------------------------------------------------- expiry

    async def ttl(self, key: str, version: int | None = None) -> int | None:
        return await self._run(self._cmd.ttl(key, version))

    async def pttl(self, key: str, version: int | None = None) -> int | None:
        return await self._run(self._cmd.pttl(key, version))

    async def expire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> bool:
        return await self._run(self._cmd.expire(key, timeout, version))

    async def pexpire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> bool:
        return await self._run(self._cmd.pexpire(key, timeout, version))

    async def expire_at(self, key: str, when: AbsoluteTime, version: int | None = None) -> bool:
        return await self._run(self._cmd.expire_at(key, when, version))

    async def pexpire_at(self, key: str, when: AbsoluteTime, version: int | None = None) -> bool:
        return await self._run(self._cmd.pexpire_at(key, when, version))

    async def persist(self, key: str, version: int | None = None) -> bool:
        return await self._run(self._cmd.persist(key, version))

    # ---------------------------------------------------------------- locks and key space

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
        """A ``valkey.asyncio`` ``Lock`` on the made key (so it follows KEY_PREFIX and VERSION)."""
        raw = await self._lock_client(key, version)
        lock_times(timeout, blocking_timeout)
        lock: AsyncLockProtocol = raw.lock(
            self._keys.make_key(key, version),
            timeout=timeout,
            sleep=sleep,
            blocking=blocking,
            blocking_timeout=blocking_timeout,
            thread_local=thread_local,
        )
        return lock

    lock = get_lock

    async def keys(self, search: str, version: int | None = None) -> list[str]:
        """User keys matching the glob ``search`` (KEYS: prefer ``iter_keys`` on big databases)."""
        return await self._run(self._cmd.keys_matching(search, version))

    def _scan(self, client: Any, match: str, count: int) -> AsyncIterator[Any]:
        raw: AsyncRawClient = client
        return raw.scan_iter(match=match, count=count_arg(count, "itersize"))

    async def iter_keys(
        self, search: str, itersize: int | None = None, version: int | None = None
    ) -> AsyncIterator[str]:
        """User keys matching the glob ``search``, fetched with SCAN ``itersize`` at a time.

        As in the sync client: one server per scan, the primary if the replica cannot be reached
        before the first key; a scan cut off halfway raises.
        """
        pattern = self._keys.make_pattern(search, version)
        original = self._keys.original
        count = itersize or self._scan_itersize
        index = self._read_index()
        started = False
        try:
            async for stored in self._scan(await self._client_at(index), pattern, count):
                started = True
                yield original(stored)
        except CONNECTION_ERRORS:
            if started or index == 0:
                raise
            async for stored in self._scan(await self._client_at(0), pattern, count):
                yield original(stored)

    async def delete_pattern(
        self,
        pattern: str,
        version: int | None = None,
        prefix: str | None = None,
        itersize: int | None = None,
    ) -> int:
        """Delete the keys matching the glob ``pattern``; SCAN and DEL ``itersize`` keys at a time."""
        made = self._keys.make_pattern(pattern, version, prefix)
        count = itersize or self._scan_itersize
        deleted = 0
        for client in await self._key_space_clients():
            batch: list[Any] = []
            async for stored in self._scan(client, made, count):
                batch.append(stored)
                if len(batch) >= count:
                    deleted += await self._execute(client, self._delete_stored(batch))
                    batch = []
            deleted += await self._execute(client, self._delete_stored(batch))
        return deleted

    async def _key_space_clients(self) -> list[Backend]:
        """The raw clients ``delete_pattern`` scans (a sharded client: every server)."""
        return [await self.get_client(write=True)]

    def _delete_stored(self, stored: list[Any]) -> Request[int]:
        """The request deleting a page of scanned keys (a cluster client: one DEL per slot)."""
        return self._cmd.delete_stored(stored)

    async def _lock_client(self, key: str, version: int | None) -> AsyncRawClient:
        """The raw client a lock on ``key`` lives on (a sharded client: the key's server)."""
        return cast(AsyncRawClient, await self.get_client(write=True))

    # ---------------------------------------------------------------- sets

    async def sadd(self, key: str, *values: Any, version: int | None = None) -> int:
        return await self._run(self._cmd.sadd(key, values, version))

    async def srem(self, key: str, *members: Any, version: int | None = None) -> int:
        return await self._run(self._cmd.srem(key, members, version))

    async def scard(self, key: str, version: int | None = None) -> int:
        return await self._run(self._cmd.scard(key, version))

    async def sismember(self, key: str, member: Any, version: int | None = None) -> bool:
        return await self._run(self._cmd.sismember(key, member, version))

    async def smismember(self, key: str, *members: Any, version: int | None = None) -> list[bool]:
        return await self._run(self._cmd.smismember(key, members, version))

    async def smembers(self, key: str, version: int | None = None) -> builtins.set[Any]:
        return await self._run(self._cmd.smembers(key, version))

    async def smove(self, source: str, destination: str, member: Any, version: int | None = None) -> bool:
        return await self._run(self._cmd.smove(source, destination, member, version))

    @overload
    async def spop(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    async def spop(self, key: str, count: int, version: int | None = None) -> builtins.set[Any]: ...
    async def spop(self, key: str, count: int | None = None, version: int | None = None) -> Any:
        return await self._run(self._cmd.spop(key, count, version))

    @overload
    async def srandmember(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    async def srandmember(self, key: str, count: int, version: int | None = None) -> list[Any]: ...
    async def srandmember(self, key: str, count: int | None = None, version: int | None = None) -> Any:
        return await self._run(self._cmd.srandmember(key, count, version))

    async def sdiff(self, *keys: str, version: int | None = None) -> builtins.set[Any]:
        return await self._run(self._cmd.set_algebra("SDIFF", keys, version))

    async def sinter(self, *keys: str, version: int | None = None) -> builtins.set[Any]:
        return await self._run(self._cmd.set_algebra("SINTER", keys, version))

    async def sunion(self, *keys: str, version: int | None = None) -> builtins.set[Any]:
        return await self._run(self._cmd.set_algebra("SUNION", keys, version))

    async def sdiffstore(self, destination: str, *keys: str, version: int | None = None) -> int:
        return await self._run(self._cmd.set_algebra_store("SDIFFSTORE", destination, keys, version))

    async def sinterstore(self, destination: str, *keys: str, version: int | None = None) -> int:
        return await self._run(self._cmd.set_algebra_store("SINTERSTORE", destination, keys, version))

    async def sunionstore(self, destination: str, *keys: str, version: int | None = None) -> int:
        return await self._run(self._cmd.set_algebra_store("SUNIONSTORE", destination, keys, version))

    async def sscan(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> builtins.set[Any]:
        """Every member of the set, fetched with SSCAN (``match`` filters the stored bytes)."""
        return {member async for member in self.sscan_iter(key, match, count, version)}

    async def sscan_iter(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> AsyncIterator[Any]:
        cursor = 0
        while True:
            cursor, members = await self._run(self._cmd.sscan_page(key, cursor, match, count, version))
            for member in members:
                yield member
            if cursor == 0:
                return

    # ---------------------------------------------------------------- hashes

    async def hset(self, name: str, key: str, value: Any, version: int | None = None) -> int:
        return await self._run(self._cmd.hset(name, key, value, version))

    async def hget(self, name: str, key: str, default: Any = None, version: int | None = None) -> Any:
        return await self._run(self._cmd.hget(name, key, default, version))

    async def hdel(self, name: str, key: str, version: int | None = None) -> int:
        return await self._run(self._cmd.hdel(name, key, version))

    async def hlen(self, name: str, version: int | None = None) -> int:
        return await self._run(self._cmd.hlen(name, version))

    async def hkeys(self, name: str, version: int | None = None) -> list[str]:
        return await self._run(self._cmd.hkeys(name, version))

    async def hexists(self, name: str, key: str, version: int | None = None) -> bool:
        return await self._run(self._cmd.hexists(name, key, version))
