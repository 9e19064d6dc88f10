"""``BaseConnectionFactory``: the reference base of the connection factory Protocols.

A factory turns a LOCATION URL into a raw valkey-py client. Pools are cached process-wide, keyed
by the factory class and every option that shapes the pool (URL, parser, timeouts, password, pool
class and its kwargs), so two caches share a pool only when they would have built the same one.

The factory's own pool classes (``path_pool_cls``, or a subclass named by
``CONNECTION_POOL_CLASS``) get django-valkey's connection defaults (``pool_defaults``): a bound
with a wait, health checks and TCP keepalive. Any other pool class gets only what
``CONNECTION_POOL_KWARGS`` says.
"""

from __future__ import annotations

import inspect
import socket
import ssl
import threading
from collections.abc import Awaitable, Hashable, Iterable, Mapping, Sequence
from typing import Any, ClassVar, Generic, cast
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ImproperlyConfigured
from typing_extensions import TypeVar

from django_valkey._options import (
    DEFAULT_HEALTH_CHECK_INTERVAL,
    DEFAULT_KEEPALIVE,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_POOL_TIMEOUT,
    call_timeouts,
    load_object,
)
from django_valkey._redact import safe_repr

__all__ = ["BaseConnectionFactory", "Base", "Pool", "SUPPORTED_SCHEMES", "keepalive_options"]

Base = TypeVar("Base", default=Any)
Pool = TypeVar("Pool", default=Any)

SUPPORTED_SCHEMES = ("valkey", "valkeys", "unix", "redis", "rediss")
TLS_SCHEMES = ("valkeys", "rediss")

_FALSE_STRINGS = ("0", "F", "FALSE", "N", "NO", "OFF", "DISABLED")  # valkey-py's, for URL booleans


def hostname_check(options: Mapping[str, Any], query: Mapping[str, Sequence[str]] | None = None) -> dict[str, Any]:
    """``{"ssl_check_hostname": True}`` unless the TLS options chose otherwise, so that the server's
    certificate must name the host connected to (valkey-py's default is not to check).

    ``options`` are the keyword arguments the connections get (``CONNECTION_POOL_KWARGS``,
    ``SENTINEL_KWARGS``), ``query`` the parsed query string of the URL (which wins in valkey-py's
    ``from_url``). An explicit ``ssl_check_hostname`` is kept as given: in the query it is returned
    parsed (as valkey-py parses it), among ``options`` nothing is added. Nothing is added either
    when ``ssl_cert_reqs`` turns certificate verification off ("none"): there is no verified
    certificate whose name could be checked, and ``ssl`` refuses the combination.
    """
    query = query or {}
    given = query.get("ssl_check_hostname")
    if given:
        return {"ssl_check_hostname": given[0].upper() not in _FALSE_STRINGS}
    if "ssl_check_hostname" in options:
        return {}
    if "ssl_cert_reqs" in query:
        cert_reqs: object = query["ssl_cert_reqs"][0]
    else:
        cert_reqs = options.get("ssl_cert_reqs", "required")
    if cert_reqs is None or cert_reqs == "none" or cert_reqs == ssl.CERT_NONE:
        return {}
    return {"ssl_check_hostname": True}


def url_hostname_check(url: str | None, options: Mapping[str, Any]) -> dict[str, Any]:
    """``hostname_check`` for a ``valkeys://`` or ``rediss://`` URL; ``{}`` for any other."""
    if url is None:
        return {}
    parts = urlsplit(url)
    if parts.scheme.lower() not in TLS_SCHEMES:
        return {}
    return hostname_check(options, parse_qs(parts.query))


def keepalive_options() -> dict[int, int]:
    """The TCP keepalive timing of the default connections, with the options this platform has:
    the first probe after 60 s of silence, then every 10 s, the connection dropped after 3
    unanswered (``TCP_KEEPIDLE``, ``TCP_KEEPINTVL``, ``TCP_KEEPCNT``; macOS names the first
    ``TCP_KEEPALIVE``)."""
    options: dict[int, int] = {}
    for name, value in DEFAULT_KEEPALIVE.items():
        number: object = getattr(socket, name, None)
        if number is None and name == "TCP_KEEPIDLE":
            number = getattr(socket, "TCP_KEEPALIVE", None)
        if isinstance(number, int):
            options[number] = value
    return options


def freeze(value: object) -> Hashable:
    """A hashable stand-in for an option value (dicts and lists included)."""
    if isinstance(value, Mapping):
        items = cast(Mapping[object, object], value).items()
        return tuple(sorted((str(k), freeze(v)) for k, v in items))
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(freeze(v) for v in cast(Iterable[object], value))
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def check_url(url: str) -> None:
    """ImproperlyConfigured naming the LOCATION when its scheme is not one valkey-py speaks, or
    its database (``/<db>`` or ``?db=``) is not a number (valkey-py would quietly use db 0)."""
    parts = urlsplit(url) if "://" in url else None
    scheme = parts.scheme.lower() if parts is not None else ""
    if parts is None or scheme not in SUPPORTED_SCHEMES:
        raise ImproperlyConfigured(
            f"LOCATION {safe_repr(url)} has no supported scheme: use valkey://, valkeys:// (TLS) or unix://"
        )
    databases = parse_qs(parts.query, keep_blank_values=True).get("db", [])
    if scheme != "unix":  # a unix:// path is the socket's
        databases.append(parts.path.strip("/") or "0")
    for db in databases:
        if not (db.isascii() and db.isdigit()):
            raise ImproperlyConfigured(f"LOCATION {safe_repr(url)}: the database must be a number >= 0, got {db!r}")


def _family(cls: object) -> str | None:
    """Which of valkey-py's four clients ``cls`` is (a subclass of), if any."""
    import valkey
    import valkey.asyncio
    import valkey.asyncio.cluster
    import valkey.cluster

    if not isinstance(cls, type):
        return None
    roots: tuple[tuple[type[Any], str], ...] = (
        (valkey.asyncio.cluster.ValkeyCluster, "an asyncio cluster"),
        (valkey.cluster.ValkeyCluster, "a sync cluster"),
        (valkey.asyncio.Valkey, "an asyncio"),
        (valkey.Valkey, "a sync"),
    )
    return next((name for root, name in roots if issubclass(cls, root)), None)


def check_client_kind(named: object, default: object) -> None:
    """ImproperlyConfigured when ``OPTIONS["BASE_CLIENT_CLASS"]`` is not the kind of client the
    factory builds (its default is ``default``): asyncio for sync, or not a cluster client for a
    cluster. A class of none of valkey-py's kinds is judged by whether ``execute_command`` is a
    coroutine function."""
    kinds = {True: "an asyncio", False: "a sync"}
    named_kind, wanted_kind = _family(named), _family(default)
    if named_kind is None or wanted_kind is None:
        if not callable(getattr(named, "execute_command", None)):
            return
        named_kind = kinds[inspect.iscoroutinefunction(getattr(named, "execute_command", None))]
        wanted_kind = kinds[inspect.iscoroutinefunction(getattr(default, "execute_command", None))]
    if named_kind == wanted_kind:
        return
    hint = ""
    if named_kind.startswith("an asyncio") and wanted_kind.startswith("a sync"):
        hint = " (a sync cache's async methods take theirs from OPTIONS['ASYNC_OPTIONS'])"
    raise ImproperlyConfigured(
        f"OPTIONS['BASE_CLIENT_CLASS'] {getattr(named, '__qualname__', named)} is {named_kind} client, "
        f"but this connection factory builds {wanted_kind} one{hint}"
    )


class BaseConnectionFactory(Generic[Base, Pool]):
    """Reference base for connection factories, Generic over the raw client and the pool.

    Subclasses set ``path_pool_cls`` and ``path_base_cls`` and implement ``connect``,
    ``disconnect``, ``get_connection`` and ``get_parser_cls`` (sync or async as they need).
    """

    path_pool_cls: ClassVar[str]
    path_base_cls: ClassVar[str]

    _pools: ClassVar[dict[Hashable, Any]] = {}
    _pools_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.options: Mapping[str, Any] = options
        self.pool_cls: Any = load_object(
            options.get("CONNECTION_POOL_CLASS", self.path_pool_cls), "OPTIONS['CONNECTION_POOL_CLASS']"
        )
        self.pool_cls_kwargs: dict[str, Any] = dict(options.get("CONNECTION_POOL_KWARGS") or {})
        self.base_client_cls: Any = load_object(
            options.get("BASE_CLIENT_CLASS", self.path_base_cls), "OPTIONS['BASE_CLIENT_CLASS']"
        )
        if "BASE_CLIENT_CLASS" in options:
            check_client_kind(self.base_client_cls, load_object(self.path_base_cls, "the factory's path_base_cls"))
        self.base_client_cls_kwargs: dict[str, Any] = dict(options.get("BASE_CLIENT_KWARGS") or {})
        deadline, read, connect = call_timeouts(options)
        self.deadline: float | None = deadline
        """``OPTIONS["DEADLINE"]``: it bounds the socket timeouts and the wait for a connection."""
        self.socket_timeout: float | None = read
        self.socket_connect_timeout: float | None = connect
        password = options.get("PASSWORD")
        if password is not None and not isinstance(password, str):
            raise ImproperlyConfigured("OPTIONS['PASSWORD'] must be a string")
        self.password: str | None = password
        own: object = load_object(self.path_pool_cls, "the factory's path_pool_cls")
        self.own_pool: bool = (
            isinstance(self.pool_cls, type) and isinstance(own, type) and issubclass(self.pool_cls, own)
        )

    def uses_own_pool(self) -> bool:
        """Whether the pool class is the factory's own (``path_pool_cls`` or a subclass of it),
        the classes that get ``pool_defaults``."""
        return self.own_pool

    def pool_defaults(self, url: str | None) -> dict[str, Any]:
        """What django-valkey adds to the pool's keyword arguments for ``url`` when the pool class
        is its own (``CONNECTION_POOL_KWARGS`` win over each): ``max_connections`` and ``timeout``
        (the bound and the wait for a free connection, never longer than ``DEADLINE``),
        ``health_check_interval``, and TCP
        keepalive (not for ``unix://`` sockets, which have none)."""
        if not self.own_pool:
            return {}
        defaults: dict[str, Any] = {
            "max_connections": DEFAULT_MAX_CONNECTIONS,
            "timeout": DEFAULT_POOL_TIMEOUT if self.deadline is None else min(DEFAULT_POOL_TIMEOUT, self.deadline),
            "health_check_interval": DEFAULT_HEALTH_CHECK_INTERVAL,
        }
        if url is None or urlsplit(url).scheme.lower() != "unix":
            defaults["socket_keepalive"] = True
            defaults["socket_keepalive_options"] = keepalive_options()
        return defaults

    def make_connection_params(self, url: str | None) -> dict[str, Any]:
        """The keyword arguments that build a pool for ``url``."""
        if url is not None:
            check_url(url)
        params: dict[str, Any] = {"url": url, "parser_class": self.get_parser_cls()}
        if self.socket_timeout is not None:
            params["socket_timeout"] = self.socket_timeout
        if self.socket_connect_timeout is not None:
            params["socket_connect_timeout"] = self.socket_connect_timeout
        if self.password is not None:
            params["password"] = self.password
        params.update(url_hostname_check(url, self.pool_cls_kwargs))  # TLS: verify the host name
        params.update(self.pool_defaults(url))
        return params

    def get_connection_pool(self, params: dict[str, Any]) -> Pool:
        """A new pool for ``params``; a password in the URL wins over ``OPTIONS["PASSWORD"]``."""
        kwargs = {**params, **self.pool_cls_kwargs}
        url = kwargs.pop("url")
        pool: Pool = self.pool_cls.from_url(url, **kwargs)
        return pool

    def pool_key(self, params: dict[str, Any]) -> Hashable:
        """What identifies a pool: the factory class and every option that shapes the pool."""
        return (type(self), self.pool_cls, freeze(params), freeze(self.pool_cls_kwargs))

    def get_or_create_connection_pool(self, params: dict[str, Any]) -> Pool:
        """The process-wide pool for ``params``, built on first use."""
        key = self.pool_key(params)
        pools = BaseConnectionFactory._pools
        pool = pools.get(key)
        if pool is None:
            with BaseConnectionFactory._pools_lock:
                pool = pools.get(key)
                if pool is None:
                    pool = pools[key] = self.get_connection_pool(params)
        result: Pool = pool
        return result

    def client_for(self, pool: Any) -> Any:
        """The raw client (``base_client_cls`` with ``BASE_CLIENT_KWARGS``) over ``pool``, shared
        by every cache object that uses the pool with the same client class and kwargs: Django
        builds a cache object per thread and per ASGI request, and building a valkey-py client
        costs tens of microseconds (its table of response callbacks). A client that holds a
        connection of its own (``single_connection_client``) is never shared."""
        kwargs = self.base_client_cls_kwargs
        if kwargs.get("single_connection_client"):
            return self.base_client_cls(connection_pool=pool, **kwargs)
        key = (self.base_client_cls, freeze(kwargs)) if kwargs else self.base_client_cls
        shared: dict[Hashable, Any] = pool.__dict__.setdefault("_django_valkey_clients", {})
        client = shared.get(key)
        if client is None:
            client = shared.setdefault(key, self.base_client_cls(connection_pool=pool, **kwargs))
        return client

    def get_connection(self, params: dict[str, Any]) -> Base | Awaitable[Base]:
        """A raw client for already-made ``params`` (a coroutine in async factories)."""
        raise NotImplementedError

    def connect(self, url: str) -> Base | Awaitable[Base]:
        """A raw client for ``url`` (a coroutine in async factories)."""
        raise NotImplementedError

    def disconnect(self, connection: Any) -> None | Awaitable[None]:
        """Close ``connection``'s pool (a coroutine in async factories)."""
        raise NotImplementedError

    def get_parser_cls(self) -> type[Any]:
        """The valkey-py parser class the pools use."""
        raise NotImplementedError
