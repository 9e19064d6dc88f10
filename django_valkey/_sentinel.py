"""Sentinel helpers shared by the sync and async Sentinel clients and factories (no I/O), and
``SentinelFactoryMixin``, what both factories add to their plain twin.

A Sentinel LOCATION names a *service* instead of a host: ``valkey://[user:password@]<service>/<db>``
(``valkeys://`` for TLS). ``?is_master=0`` asks for a replica. The sentinels themselves come from
``OPTIONS["SENTINELS"]``.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

from django_valkey._core.breaker import circuit_settings
from django_valkey._redact import safe_repr
from django_valkey._sentinel_circuits import guard_sentinels
from django_valkey.base_pool import Base, BaseConnectionFactory, Pool, hostname_check

__all__ = [
    "SentinelFactoryMixin",
    "SentinelURL",
    "pool_arguments",
    "sentinel_params",
    "primary_and_replica",
    "sentinel_kwargs",
    "sentinel_nodes",
]

_FALSE = ("0", "false", "no", "off")
_SENTINEL_TIMEOUTS = ("socket_timeout", "socket_connect_timeout")


@dataclass(frozen=True)
class SentinelURL:
    """A parsed Sentinel LOCATION."""

    service: str
    db: int
    is_master: bool
    username: str | None
    password: str | None = field(repr=False)  # out of reprs (and tracebacks that show locals)
    ssl: bool

    @classmethod
    def parse(cls, url: str) -> SentinelURL:
        """Parse ``valkey://[user:password@]service[/db][?db=N&is_master=0]``; ImproperlyConfigured names
        the LOCATION when it cannot be read."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("valkey", "valkeys", "redis", "rediss") or not parts.hostname:
            raise ImproperlyConfigured(
                f"LOCATION {safe_repr(url)} is not a Sentinel service URL: use valkey://<service>/<db> "
                "and list the sentinels in OPTIONS['SENTINELS']"
            )
        query = dict(parse_qsl(parts.query))
        db_text = query.get("db") or parts.path.strip("/") or "0"
        try:
            db = int(db_text)
        except ValueError:
            raise ImproperlyConfigured(
                f"LOCATION {safe_repr(url)}: the database must be a number, got {db_text!r}"
            ) from None
        return cls(
            service=parts.hostname,
            db=db,
            is_master=query.get("is_master", "1").lower() not in _FALSE,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            ssl=scheme in ("valkeys", "rediss"),
        )


def _with_role(url: str, is_master: bool) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "is_master"]
    query.append(("is_master", "1" if is_master else "0"))
    return urlunsplit(parts._replace(query=urlencode(query)))


def primary_and_replica(servers: Sequence[str]) -> list[str]:
    """LOCATION entries for a Sentinel client: one service URL becomes a primary entry and a
    replica entry (``is_master=0``), so reads go to a replica; a longer list is kept as given."""
    if len(servers) != 1:
        return list(servers)
    return [_with_role(servers[0], True), _with_role(servers[0], False)]


_PORT_DIGITS = re.compile(r"[0-9]{1,5}")


def _port(value: object) -> int | None:
    """A TCP port: an ``int`` or, as django-valkey 0.4 took it, its digits as a ``str``
    (``"26379"``); ``None`` when ``value`` is neither or out of range."""
    if isinstance(value, str):
        text = value.strip()
        value = int(text) if _PORT_DIGITS.fullmatch(text) else None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        return None
    return value


def _pair(entry: object) -> Sequence[object]:
    """``entry`` if it is a list or tuple, else ``()``."""
    return cast("Sequence[object]", entry) if isinstance(entry, (list, tuple)) else ()


def sentinel_nodes(options: Mapping[str, Any]) -> list[tuple[str, int]]:
    """``OPTIONS["SENTINELS"]`` checked: a non-empty list of ``(host, port)``, the port an int or
    a string of digits."""
    value = options.get("SENTINELS")
    problem = "OPTIONS['SENTINELS'] must be a non-empty list of (host, port) pairs"
    if not isinstance(value, (list, tuple)) or not value:
        raise ImproperlyConfigured(f"{problem}, got {safe_repr(value)}")  # pyright: ignore[reportUnknownArgumentType]
    nodes: list[tuple[str, int]] = []
    for entry in cast("Sequence[object]", value):
        pair = _pair(entry)
        if len(pair) != 2 or not isinstance(pair[0], str):
            raise ImproperlyConfigured(f"{problem}, got the entry {safe_repr(entry)}")
        port = _port(pair[1])
        if port is None:
            raise ImproperlyConfigured(
                f"OPTIONS['SENTINELS']: the port of the entry {safe_repr(entry)} must be a number "
                f"from 1 to 65535 (an int or a string of digits), got {safe_repr(pair[1])}"
            )
        nodes.append((pair[0], port))
    return nodes


def sentinel_kwargs(options: Mapping[str, Any], connection: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments for the connections to the sentinels: ``OPTIONS["SENTINEL_KWARGS"]``,
    else the socket timeouts of the data connections. When ``SENTINEL_KWARGS`` asks for TLS
    (``"ssl": True``), the sentinels' host names are verified unless it says otherwise."""
    value = options.get("SENTINEL_KWARGS")
    if value is None:
        return {key: val for key, val in connection.items() if key in _SENTINEL_TIMEOUTS}
    if not isinstance(value, Mapping):
        raise ImproperlyConfigured(f"OPTIONS['SENTINEL_KWARGS'] must be a dict, got {safe_repr(value)}")
    kwargs: dict[str, Any] = {str(key): val for key, val in value.items()}  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
    if kwargs.get("ssl"):
        kwargs.update(hostname_check(kwargs))
    return kwargs


def pool_arguments(
    params: Mapping[str, Any], pool_kwargs: Mapping[str, Any]
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Split a Sentinel factory's pool params into ``(service, Sentinel(...) kwargs, pool kwargs)``.

    ``params`` come from ``make_connection_params`` (``url``, ``sentinels``, ``sentinel_kwargs`` and
    the connection options); the URL's database, role and credentials go to the pool.
    """
    kwargs = {**params, **pool_kwargs}
    location = SentinelURL.parse(kwargs.pop("url"))
    manager = {"sentinels": kwargs.pop("sentinels"), "sentinel_kwargs": kwargs.pop("sentinel_kwargs")}
    kwargs["db"] = location.db
    kwargs["is_master"] = location.is_master
    if location.username is not None:
        kwargs["username"] = location.username
    if location.password is not None:
        kwargs["password"] = location.password
    if location.ssl:
        kwargs["ssl"] = True
    if kwargs.get("ssl"):  # a valkeys:// URL or "ssl": True among the pool kwargs
        kwargs.update(hostname_check(kwargs))
    return location.service, manager, kwargs


def sentinel_params(
    params: dict[str, Any], sentinels: Sequence[tuple[str, int]], options: Mapping[str, Any]
) -> dict[str, Any]:
    """``params`` plus what shapes a Sentinel pool: the sentinels and the kwargs to reach them."""
    params["sentinels"] = tuple(sentinels)
    params["sentinel_kwargs"] = sentinel_kwargs(options, params)
    return params


class SentinelFactoryMixin(BaseConnectionFactory[Base, Pool]):
    """What the sync and async Sentinel factories add to their plain twin: ``OPTIONS["SENTINELS"]``,
    connection parameters for a ``valkey://<service>/<db>`` LOCATION, and pools built with a
    Sentinel manager of their own (``sentinel_cls``: valkey-py's ``Sentinel`` or its asyncio twin).
    List it first: ``class SentinelConnectionFactory(SentinelFactoryMixin[...], ConnectionFactory)``."""

    sentinel_cls: ClassVar[Any]

    def __init__(self, options: Mapping[str, Any]) -> None:
        super().__init__(options)
        self.sentinels: list[tuple[str, int]] = sentinel_nodes(options)

    def make_connection_params(self, url: str | None) -> dict[str, Any]:
        return sentinel_params(super().make_connection_params(url), self.sentinels, self.options)

    def get_connection_pool(self, params: dict[str, Any]) -> Pool:
        """A ``SentinelConnectionPool`` for the service the URL names, with its own manager (whose
        sentinel clients each have a circuit, ``_sentinel_circuits``)."""
        service, manager, kwargs = pool_arguments(params, self.pool_cls_kwargs)
        sentinels = self.sentinel_cls(**manager)
        guard_sentinels(sentinels, manager["sentinels"], circuit_settings(self.options.get("CIRCUIT_BREAKER")))
        pool: Pool = self.pool_cls(service, sentinels, **kwargs)
        return pool

    def pool_key(self, params: dict[str, Any]) -> Hashable:
        """``BaseConnectionFactory.pool_key`` and the breaker's settings: the pool's sentinel
        clients hold circuits made with them."""
        settings = circuit_settings(self.options.get("CIRCUIT_BREAKER"))
        return (super().pool_key(params), None if settings is None else settings.key())
