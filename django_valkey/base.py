"""``BaseValkeyCache`` and ``BackendCommands``: the reference implementation of ``CacheProtocol``.

``BaseValkeyCache`` reads the configuration and owns the client; ``BackendCommands`` is the
sync Django API plus the extended API, each method a thin call to the client inside the error
guard. ``AsyncBackendCommands`` is the asyncio twin.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Generic, cast

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.exceptions import ImproperlyConfigured
from typing_extensions import TypeVar

from django_valkey._async.cache_commands import AsyncCacheCommands
from django_valkey._async.plain_cache_commands import AsyncPlainCacheCommands
from django_valkey._core.guard import ErrorGuard
from django_valkey._core.keys import KeyMaker
from django_valkey._memo import NO_OPTIONS, derived
from django_valkey._observe import Observation, load_observers, observe
from django_valkey._options import CacheOptions, load_class, validate_timeout_param
from django_valkey._redact import safe_repr
from django_valkey._sync.cache_commands import CacheCommands
from django_valkey._twins import DEFAULT_ASYNC_CLIENT, async_twin, with_async_factory
from django_valkey.checks import register as register_checks
from django_valkey.client_cache import ClientCacheStats
from django_valkey.protocols import (
    AsyncClientProtocol,
    ClientProtocol,
    RawClient,
)
from django_valkey.util import CacheKey

__all__ = [
    "AsyncBackendCommands",
    "BackendCommands",
    "BaseValkeyCache",
    "NativeAsyncMethods",
    "async_twin_options",
    "close_async_caches",
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
        self._options: Mapping[str, Any] = params.get("OPTIONS") or NO_OPTIONS
        default_client, protocol = self.DEFAULT_CLIENT_CLASS, self.CLIENT_PROTOCOL
        options = derived(
            (default_client, protocol, "cache"),
            self._options,
            functools.partial(CacheOptions.parse, self._options, default_client, protocol),
        )
        self._client_cls = options.client_class
        self._guard = ErrorGuard(options.ignore_exceptions, options.log_ignored_exceptions, options.logger)
        self._ignore_exceptions = options.ignore_exceptions
        self._close_connection = options.close_connection
        self._client: ClientT | None = None
        self._client_lock = threading.Lock()
        observer: object = self._options.get("OBSERVER")
        if observer is not None:
            observers = load_observers(observer)
            if observers:
                # This object becomes one of a subclass whose operations are reported; a cache
                # without observers keeps its plain class, and its calls run no extra code.
                observed = observe(type(self), self._guard, self._client_cls, observers, server, params)
                self._guard = observed.guard
                self._client_cls = observed.client_class
                self._observation: Observation = observed.observation
                self.__class__ = observed.cache_class

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

    def client_cache_stats(self) -> ClientCacheStats | None:
        """The counters of the client-side cache (``OPTIONS["CLIENT_CACHE"]``), which every cache
        object of this process built with the same settings shares; ``None`` when it is off (or
        the client is one of your own without ``client_cache_stats``)."""
        stats = getattr(self.client, "client_cache_stats", None)
        if stats is None:
            return None
        found: ClientCacheStats | None = stats()
        return found

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


# manage.py check: the system checks are registered when a backend is imported (and by the
# django_valkey app); see django_valkey.checks.
register_checks()

DEFAULT_ASYNC_CLIENT_CLASS = DEFAULT_ASYNC_CLIENT  # the name 0.5.0.dev code imported

# OPTIONS that name sync classes: the async client of a sync cache uses its own defaults instead,
# or what OPTIONS["ASYNC_OPTIONS"] names.
_SYNC_CLASS_OPTIONS = frozenset(
    {
        "CLIENT_CLASS",
        "CONNECTION_FACTORY",
        "CONNECTION_POOL_CLASS",
        "BASE_CLIENT_CLASS",
        "PARSER_CLASS",
        "ASYNC_OPTIONS",
    }
)

_MISSING = object()


def async_twin_options(options: Mapping[str, Any]) -> tuple[object | None, dict[str, Any]]:
    """For a sync cache's async client: ``(client class from ASYNC_OPTIONS or None, OPTIONS)``.

    The sync-only class paths are dropped, everything else (serializer, compressor, timeouts,
    password, pool kwargs...) is kept; a connection factory with a shipped async twin (the GLIDE
    driver's) is replaced by that twin; ``OPTIONS["ASYNC_OPTIONS"]`` is laid over the result.
    """
    overlay: object = options.get("ASYNC_OPTIONS") or {}
    if not isinstance(overlay, Mapping):
        raise ImproperlyConfigured(f"OPTIONS['ASYNC_OPTIONS'] must be a dict of OPTIONS, got {overlay!r}")
    twin = {key: value for key, value in options.items() if key not in _SYNC_CLASS_OPTIONS}
    named = options.get("CONNECTION_FACTORY")
    factory = with_async_factory({"CONNECTION_FACTORY": named})["CONNECTION_FACTORY"]
    if factory is not named:  # a driver (GLIDE) named once serves the a* methods too
        twin["CONNECTION_FACTORY"] = factory
    twin.update(cast(Mapping[str, Any], overlay))
    client_class = twin.pop("CLIENT_CLASS", None)
    return client_class, twin


class NativeAsyncMethods(AsyncCacheCommands):
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
            client_class = async_twin(self._client_cls)
        cls = load_class(client_class, "OPTIONS['ASYNC_OPTIONS']['CLIENT_CLASS']", AsyncClientProtocol)
        options.setdefault("CONNECTION_FACTORY", getattr(cls, "CONNECTION_FACTORY_PATH", None))
        client: AsyncClientProtocol[Any] = cls(self._server, {**self._params, "OPTIONS": options}, self)
        return client

    async def aget_client(self, write: bool = True) -> Any:
        """The running loop's raw ``valkey.asyncio`` client: the primary, or a replica for reads."""
        return await self.async_client.get_client(write)

    async def aclose(self, **kwargs: Any) -> None:
        """With ``CLOSE_CONNECTION``, close the idle connections of the running loop's pools.

        Without it there is nothing to release: every command returns its connection to the
        loop's pool, and a loop's pools are closed when the loop shuts down.
        """
        if self._close_connection and self._async_client is not None:
            with self._guard:
                await self._async_client.close()


class BackendCommands(NativeAsyncMethods, CacheCommands, BaseCache, Generic[BackendT]):
    """Django's cache API and the extended API, delegating to ``self.client``.

    Generic over the raw client type that ``get_client`` returns (``BackendCommands[Valkey]``).

    Connection errors raise ``ConnectionInterrupted``; with ``IGNORE_EXCEPTIONS`` they are logged
    (``LOG_IGNORED_EXCEPTIONS``) and reads return their default, writes a falsy value.
    """

    _guard: ErrorGuard
    _close_connection: bool

    def make_key(self, key: str, version: int | None = None, prefix: str | None = None) -> CacheKey:
        """The stored key for ``key``; ``prefix`` replaces ``KEY_PREFIX`` for this call (as in 0.4)."""
        return self.client.make_key(key, version, prefix)

    def make_pattern(self, pattern: str, version: int | None = None, prefix: str | None = None) -> CacheKey:
        return self.client.make_pattern(pattern, version, prefix)

    def get_client(self, write: bool = True) -> BackendT:
        """The raw valkey-py client: the primary for writes, a replica (if any) for reads."""
        raw: BackendT = self.client.get_client(write)
        return raw

    def close(self, **kwargs: Any) -> None:
        """Called by Django after each request: disconnects only with ``CLOSE_CONNECTION``."""
        if self._close_connection:
            with self._guard:
                self.client.close()


class AsyncBackendCommands(NativeAsyncMethods, AsyncPlainCacheCommands):
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
        # BaseValkeyCache's, already async (getattr: this mixin does not declare ``client``)
        client: AsyncClientProtocol[Any] = getattr(self, "client")  # noqa: B009
        return client

    async def get_client(self, write: bool = True) -> Any:
        """The running loop's raw ``valkey.asyncio`` client: the primary, or a replica for reads."""
        return await self.async_client.get_client(write)

    def make_key(self, key: str, version: int | None = None, prefix: str | None = None) -> CacheKey:
        """The stored key for ``key``; ``prefix`` replaces ``KEY_PREFIX`` for this call (as in 0.4)."""
        return self.async_client.make_key(key, version, prefix)

    def make_pattern(self, pattern: str, version: int | None = None, prefix: str | None = None) -> CacheKey:
        return self.async_client.make_pattern(pattern, version, prefix)

    def close(self, **kwargs: Any) -> None:
        """Called by Django (synchronously) after each request: never touches an event loop.

        Connections are already back in their loop's pool; ``await aclose()`` closes them.
        """


async def close_async_caches(**kwargs: object) -> None:
    """Close every cache this thread (or task) has built: ``close()``, then ``await aclose()``.

    django-valkey 0.4 connected it to ``request_finished`` in place of Django's ``close_caches``;
    here nothing is connected, since ``close()`` never touches an event loop and Django's own
    receiver is enough. Call it (or connect it yourself, on Django 5.0 or later, whose signals
    await async receivers) to also close, with ``CLOSE_CONNECTION``, the idle connections of the
    running loop's async pools. Other backends get their own ``close()`` and ``aclose()``.
    """
    for cache in caches.all(initialized_only=True):
        cache.close()
        await cache.aclose()
