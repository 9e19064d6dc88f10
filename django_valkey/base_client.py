"""``BaseClient`` and ``ClientCommands``: the reference implementation of ``ClientProtocol``.

``BaseClient`` holds what does not depend on sync or async: the servers, the key maker, the
codec, the connection factory and replica routing. ``ClientCommands`` executes each operation's
``Request`` (built once in ``django_valkey._core.commands``) on a sync raw client;
``AsyncClientCommands`` does the same with ``await``.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from django.core.cache.backends.base import default_key_func
from django.core.exceptions import ImproperlyConfigured
from typing_extensions import TypeVar as DefaultTypeVar

from django_valkey._async.client_commands import AsyncClientCommands
from django_valkey._async.io import encode_off_loop
from django_valkey._core.breaker import CircuitSettings, circuit_for, circuit_settings
from django_valkey._core.codec import Codec
from django_valkey._core.commands import Commands
from django_valkey._core.keys import KeyMaker
from django_valkey._core.primaries import follow_primary
from django_valkey._core.retries import RetryPolicy, retry_policy
from django_valkey._memo import NO_OPTIONS, derived
from django_valkey._options import call_timeouts, check_members, load_class, load_object, scan_itersize
from django_valkey._redact import safe_repr
from django_valkey._sync.client_commands import ClientCommands
from django_valkey._twins import with_async_factory
from django_valkey.base_pool import freeze
from django_valkey.client_cache import (
    ClientCache,
    ClientCacheSettings,
    ClientCacheStats,
    TrackedServer,
    client_cache_for,
    client_cache_settings,
)
from django_valkey.compressors.identity import IdentityCompressor
from django_valkey.pool import get_connection_factory
from django_valkey.protocols import (
    AsyncConnectionFactoryProtocol,
    CacheContext,
    CompressorProtocol,
    ConnectionFactoryProtocol,
    SerializerProtocol,
)
from django_valkey.util import CacheKey, default_reverse_key

__all__ = ["AsyncClientCommands", "BaseClient", "ClientCommands", "encode_off_loop", "split_servers"]

Backend = DefaultTypeVar("Backend", default=Any)
Factory = DefaultTypeVar(
    "Factory",
    bound="ConnectionFactoryProtocol[Any, Any] | AsyncConnectionFactoryProtocol[Any, Any]",
    default="ConnectionFactoryProtocol[Any, Any]",
)
R = TypeVar("R")


# The OPTIONS that decide how a tracking connection reaches the servers.
_CONNECTING = (
    "PASSWORD",
    "SENTINELS",
    "SENTINEL_KWARGS",
    "CONNECTION_POOL_KWARGS",
    "SOCKET_CONNECT_TIMEOUT",
    "SOCKET_TIMEOUT",
)


@dataclass(frozen=True, slots=True)
class ClientSetup:
    """What a client derives from its ``OPTIONS`` and the settings alone, worked out once per
    ``OPTIONS`` dict (``django_valkey._memo``) and shared by the cache objects Django builds
    from it; the connection factory is one of them."""

    serializer_cls: Callable[[Mapping[str, Any]], SerializerProtocol]
    compressor_cls: Callable[[Mapping[str, Any]], CompressorProtocol]
    reverse: Callable[[str], str]
    socket_timeout: float | None
    scan_itersize: int
    replica_read_only: bool
    breaker: CircuitSettings | None
    retry: RetryPolicy
    timeouts: tuple[float | None, float, float]
    factory: Any
    local: ClientCacheSettings | None


def split_servers(server: str | Sequence[str]) -> list[str]:
    """LOCATION as a list: a list as is, a string split on commas."""
    servers = [s.strip() for s in server.split(",")] if isinstance(server, str) else [str(s) for s in server]
    servers = [s for s in servers if s]
    if not servers:
        raise ImproperlyConfigured("LOCATION must name at least one server")
    return servers


def socket_timeout(options: Mapping[str, Any]) -> float | None:
    """The seconds a connection waits for a reply (``None``: for ever), which bounds a blocking pop."""
    pool_kwargs: Mapping[str, Any] = options.get("CONNECTION_POOL_KWARGS") or {}
    if "socket_timeout" in pool_kwargs:
        # Passed to valkey-py as it is (checked there): only a positive number bounds the pops.
        given: object = pool_kwargs["socket_timeout"]
        if isinstance(given, (int, float)) and not isinstance(given, bool) and given > 0:
            return float(given)
        return None
    return call_timeouts(options)[1]


def _sentinel_primary(
    pool: Any,
) -> tuple[Callable[[], tuple[str, int]] | None, Callable[[tuple[str, int]], None] | None]:
    """For a pool that finds its primary through Sentinel: how to ask the sentinels where the
    primary is, and how to point the service's pools at a new one (``None``s for any other pool)."""
    manager = getattr(pool, "sentinel_manager", None)
    if manager is None or not getattr(pool, "is_master", False):
        return None, None
    service: str = pool.service_name

    def primary() -> tuple[str, int]:
        address: tuple[str, int] = manager.discover_master(service)
        return address

    return primary, functools.partial(follow_primary, service)


def tracked_server(factory: Any, url: str) -> TrackedServer:
    """``url`` as the client cache tracks it: connections opened like ``factory``'s (a sync
    connection factory), without the health check PING a subscribed connection cannot take."""
    params = factory.make_connection_params(url)
    params["health_check_interval"] = 0
    pool = factory.get_connection_pool(params)
    opener = functools.partial(pool.connection_class, **pool.connection_kwargs)
    return TrackedServer(opener, url, *_sentinel_primary(pool))


_RAW_CLIENT_OPTIONS = frozenset({"BASE_CLIENT_CLASS", "BASE_CLIENT_KWARGS"})
_ASYNC_CLASS_OPTIONS = _RAW_CLIENT_OPTIONS | {"CONNECTION_POOL_CLASS", "PARSER_CLASS"}


class BaseClient(Generic[Backend, Factory]):
    """State shared by sync and async clients: servers, keys, codec, factory, replica choice.

    Built as ``Client(server, params, backend)``. Subclasses set ``CONNECTION_FACTORY_PATH`` (used
    when neither ``OPTIONS["CONNECTION_FACTORY"]`` nor ``DJANGO_VALKEY_CONNECTION_FACTORY`` is set).
    """

    CONNECTION_FACTORY_PATH: ClassVar[str] = "django_valkey.pool.ConnectionFactory"
    FACTORY_PROTOCOL: ClassVar[type] = ConnectionFactoryProtocol
    TRACKER_FACTORY_PATH: ClassVar[str | None] = "django_valkey.pool.ConnectionFactory"
    """The sync connection factory whose connections track keys for ``OPTIONS["CLIENT_CACHE"]``
    (``None``: this client has no client-side cache)."""
    OPTIONS_KEYS: ClassVar[frozenset[str]] = frozenset()
    """``OPTIONS`` keys a subclass reads besides the documented ones (others are refused)."""

    connection_factory: Factory
    """The factory that makes this client's raw clients (sync by default; async clients pass
    ``AsyncConnectionFactoryProtocol[...]`` as the second type argument)."""

    def __init__(self, server: str | Sequence[str], params: Mapping[str, Any], backend: CacheContext) -> None:
        self._backend = backend
        self._server = split_servers(server)
        self._params = params
        self._options: Mapping[str, Any] = params.get("OPTIONS") or NO_OPTIONS
        options = self._options
        setup = derived((type(self), "client"), options, functools.partial(self._setup, options))

        self._serializer: SerializerProtocol = setup.serializer_cls(options)
        self._compressor: CompressorProtocol = setup.compressor_cls(options)
        codec_compressor = None if isinstance(self._compressor, IdentityCompressor) else self._compressor
        self._codec = Codec(self._serializer, codec_compressor)
        self._keys = KeyMaker(backend, setup.reverse)
        self._cmd = Commands(self._keys, self._codec, backend.default_timeout)
        self._cmd.socket_timeout = setup.socket_timeout
        self._scan_itersize = setup.scan_itersize

        count = len(self._server)
        self._single = count == 1
        # Reads go to a replica (or, with REPLICA_READ_ONLY off, to any server).
        self._read_choices: tuple[int, ...] = (
            (0,) if count == 1 else tuple(range(1, count)) if setup.replica_read_only else tuple(range(count))
        )
        self._clients: list[Backend | None] = [None] * count
        # Resilience: a circuit per server (shared by the process), retries, the deadline.
        self._circuits = [circuit_for(url, setup.breaker) for url in self._server]
        self._retry = setup.retry
        self._deadline, read, connect = setup.timeouts
        self._read_timeout = read
        self._attempt_time = read + connect  # the longest one attempt can take (sync)
        self._replica_reads = count > 1  # a read whose replica is down goes to the primary
        self.connection_factory = setup.factory
        self._local: ClientCache | None = None if setup.local is None else self._client_cache(setup.local)

    @classmethod
    def _setup(cls, options: Mapping[str, Any]) -> ClientSetup:
        """What this client class derives from ``options`` (and settings) alone, checked."""
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
        reverse = load_object(
            options.get("REVERSE_KEY_FUNCTION", default_reverse_key), "OPTIONS['REVERSE_KEY_FUNCTION']"
        )
        breaker = circuit_settings(options.get("CIRCUIT_BREAKER"))
        retry = retry_policy(options.get("RETRY"))
        timeouts = call_timeouts(options)
        factory_options = options if cls.FACTORY_PROTOCOL is ConnectionFactoryProtocol else with_async_factory(options)
        factory = get_connection_factory(cls.CONNECTION_FACTORY_PATH, factory_options)
        check_members(factory, cls.FACTORY_PROTOCOL, "OPTIONS['CONNECTION_FACTORY']")
        return ClientSetup(
            serializer_cls=serializer_cls,
            compressor_cls=compressor_cls,
            reverse=reverse,
            socket_timeout=socket_timeout(options),
            scan_itersize=scan_itersize(options),
            replica_read_only=bool(options.get("REPLICA_READ_ONLY", True)),
            breaker=breaker,
            retry=retry,
            timeouts=timeouts,
            factory=factory,
            local=client_cache_settings(options.get("CLIENT_CACHE")),
        )

    def _tracked_servers(self) -> list[str]:
        """The LOCATION entries the client cache tracks: the primary, which its fills read from
        (a sharded client: every server)."""
        return self._server[:1]

    def _trackers(self, factory_path: str) -> tuple[Callable[[], list[TrackedServer]], bool]:
        """What the client cache tracks: a call that lists the servers (with how to connect to
        each), and whether to call it again once per heartbeat (a cluster, whose primaries
        change) rather than once."""
        servers = self._tracked_servers()
        # The tracker opens plain sync connections: the classes an asyncio client names are not
        # for it, nor is the raw client class of any client.
        dropped = _RAW_CLIENT_OPTIONS if self.FACTORY_PROTOCOL is ConnectionFactoryProtocol else _ASYNC_CLASS_OPTIONS
        options = {name: value for name, value in self._options.items() if name not in dropped}

        def tracked() -> list[TrackedServer]:
            factory: Any = load_object(factory_path, "TRACKER_FACTORY_PATH")(options)
            return [tracked_server(factory, url) for url in servers]

        return tracked, False

    def _client_cache(self, settings: ClientCacheSettings) -> ClientCache:
        """The process's local store for this client's servers and options (``CLIENT_CACHE``)."""
        path = self.TRACKER_FACTORY_PATH
        if path is None:
            raise ImproperlyConfigured(f"OPTIONS['CLIENT_CACHE'] is not supported by {type(self).__qualname__}")
        options = self._options
        backend = self._backend
        # Django's key function makes "<prefix>:<version>:<key>": the server tracks that prefix
        # only. Another key function may make any key: the server tracks every key.
        prefix = f"{backend.key_prefix}:" if backend.key_func is default_key_func else None
        tracked, rediscover = self._trackers(path)
        # The sync and async clients of one cache (and every cache object of the same servers
        # and prefix) share one store, so each sees the other's writes at once.
        connecting = {name: options[name] for name in _CONNECTING if name in options}
        key = (path, tuple(self._tracked_servers()), freeze(connecting), prefix, settings.key())
        sync = self.FACTORY_PROTOCOL is ConnectionFactoryProtocol
        return client_cache_for(key, settings, tracked, prefix, start_now=sync, rediscover=rediscover)

    def _retrack(self) -> None:
        """After a failover within the LOCATION list: the client cache tracks the new primary
        (emptied, and serving again once its tracking connection is up)."""
        local, path = self._local, self.TRACKER_FACTORY_PATH
        if local is None or path is None:
            return
        factory: Any = load_object(path, "TRACKER_FACTORY_PATH")(self._options)
        local.track([tracked_server(factory, url) for url in self._tracked_servers()])

    def client_cache_stats(self) -> ClientCacheStats | None:
        """The client-side cache's counters (``None``: ``OPTIONS["CLIENT_CACHE"]`` is off)."""
        return None if self._local is None else self._local.stats()

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
        index = choices[0] if len(choices) == 1 else random.choice(choices)
        if self._circuits[index].open_until:
            return self._healthy_read_index()
        return index

    def _healthy_read_index(self) -> int:
        """A read server whose circuit lets calls through; the primary when none does."""
        healthy = [index for index in self._read_choices if not self._circuits[index].blocked()]
        return random.choice(healthy) if healthy else 0
