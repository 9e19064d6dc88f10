"""Pure configuration parsing: OPTIONS and settings, read once when a cache is built. No I/O."""

from __future__ import annotations

import difflib
import functools
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from inspect import iscoroutinefunction
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from typing_extensions import get_protocol_members

from django_valkey._twins import async_twin

__all__ = [
    "KNOWN_OPTIONS",
    "CacheOptions",
    "check_members",
    "check_option_keys",
    "load_object",
    "number_or_none",
    "positive_or_none",
    "setting_or_option",
]

DEFAULT_SCAN_ITERSIZE = 1000

# What django-valkey's own pool classes get unless CONNECTION_POOL_KWARGS says otherwise (see
# "Connections" in docs/configuration.md, and benchmarks/connections.py for the figures).
DEFAULT_MAX_CONNECTIONS = 50  # connections in use at once, per pool (per server, per process)
DEFAULT_POOL_TIMEOUT = 5.0  # seconds a call waits for a free connection
DEFAULT_HEALTH_CHECK_INTERVAL = 30  # seconds idle after which a connection is PINGed before reuse
DEFAULT_KEEPALIVE = {"TCP_KEEPIDLE": 60, "TCP_KEEPINTVL": 10, "TCP_KEEPCNT": 3}  # seconds, seconds, probes

# Every OPTIONS key a shipped cache, client, connection factory, serializer or compressor reads.
# A custom class that reads keys of its own lists them in a class attribute
# ``OPTIONS_KEYS: ClassVar[frozenset[str]]`` (on the client, the connection factory, the
# serializer or the compressor); any other key is an ImproperlyConfigured when the cache is built.
KNOWN_OPTIONS: frozenset[str] = frozenset(
    {
        "ASYNC_OPTIONS",
        "BASE_CLIENT_CLASS",
        "BASE_CLIENT_KWARGS",
        "CIRCUIT_BREAKER",
        "CLIENT_CACHE",
        "CLIENT_CLASS",
        "CLOSE_CONNECTION",
        "COMPRESSOR",
        "CONNECTION_FACTORY",
        "CONNECTION_POOL_CLASS",
        "CONNECTION_POOL_KWARGS",
        "DEADLINE",
        "IGNORE_EXCEPTIONS",
        "LOG_IGNORED_EXCEPTIONS",
        "OBSERVER",
        "OBSERVER_ALIAS",
        "PARSER_CLASS",
        "PASSWORD",
        "PICKLE_VERSION",
        "REPLICA_READ_ONLY",
        "RETRY",
        "REVERSE_KEY_FUNCTION",
        "SCAN_ITERSIZE",
        "SENTINELS",
        "SENTINEL_KWARGS",
        "SERIALIZER",
        "SHARD_PLACEMENT",
        "SOCKET_CONNECT_TIMEOUT",
        "SOCKET_TIMEOUT",
    }
)
# Inside ASYNC_OPTIONS: the same keys, except ASYNC_OPTIONS itself and the observers (they observe
# the cache, whichever client its methods use).
_KNOWN_ASYNC_OPTIONS = KNOWN_OPTIONS - {"ASYNC_OPTIONS", "OBSERVER", "OBSERVER_ALIAS"}

# Names from Django's RedisCache, redis-py / valkey-py and django-redis, with where they go here.
_FOREIGN_KEYS: dict[str, str] = {
    "db": "the database goes in LOCATION ('valkey://host:6379/2' or '?db=2')",
    "pool_class": "did you mean 'CONNECTION_POOL_CLASS'?",
    "connection_pool_class": "did you mean 'CONNECTION_POOL_CLASS'?",
    "username": "the user name goes in LOCATION ('valkey://user:password@host:6379/0')",
    "protocol": "the protocol goes in LOCATION ('?protocol=3')",
    "redis_client_class": "django-redis's REDIS_CLIENT_CLASS is 'BASE_CLIENT_CLASS' here",
    "redis_client_kwargs": "django-redis's REDIS_CLIENT_KWARGS is 'BASE_CLIENT_KWARGS' here",
}
# Keyword arguments of valkey-py's (and redis-py's) connection pools and connections.
_POOL_ARGUMENTS = frozenset(
    {
        "max_connections",
        "health_check_interval",
        "retry",
        "retry_on_timeout",
        "retry_on_error",
        "socket_keepalive",
        "socket_keepalive_options",
        "socket_type",
        "socket_read_size",
        "client_name",
        "lib_name",
        "lib_version",
        "credential_provider",
    }
)
_DJANGO_KEYS = frozenset({"TIMEOUT", "KEY_PREFIX", "VERSION", "KEY_FUNCTION", "LOCATION", "BACKEND"})


def load_object(value: object, setting: str) -> Any:
    """``value`` itself, or the object its dotted path names; ImproperlyConfigured names ``setting``."""
    if not isinstance(value, str):
        return value
    try:
        return import_string(value)
    except ImportError as exc:
        raise ImproperlyConfigured(f"{setting} = {value!r} cannot be imported: {exc}") from exc


# (class, Protocol) pairs already found conforming. Django builds a cache object per thread, and
# under ASGI per request, so the check must cost nothing after its first run for a class.
_CONFORMING: set[tuple[type, type]] = set()


def check_members(obj: object, protocol: type, setting: str) -> None:
    """Raise ImproperlyConfigured naming what ``obj`` lacks to satisfy ``protocol``.

    Run at configuration time, never per call; a class that passed once is not checked again.
    """
    cls = obj if isinstance(obj, type) else type(obj)
    if (cls, protocol) in _CONFORMING:
        return
    problem = _nonconformance(obj, protocol)
    if problem is not None:
        name = getattr(obj, "__qualname__", type(obj).__qualname__)
        raise ImproperlyConfigured(f"{setting}: {name} does not implement {protocol.__name__}; {problem}")
    _CONFORMING.add((cls, protocol))


def _nonconformance(obj: object, protocol: type) -> str | None:
    """What ``obj`` lacks for ``protocol`` (missing members, or sync/async mix-ups), or None."""
    spec = _protocol_spec(protocol)
    missing = [member for member, _ in spec if not hasattr(obj, member)]
    if missing:
        return f"missing: {', '.join(missing)}"
    # A sync client in an async cache (or the reverse) has every name but the wrong kind of method.
    wrong_kind = [
        (member, is_async)
        for member, is_async in spec
        if is_async is not None and is_async != iscoroutinefunction(getattr(obj, member))
    ]
    if not wrong_kind:
        return None
    names = [member for member, _ in wrong_kind]
    kind = "coroutines (async def)" if wrong_kind[0][1] else "plain methods (not async)"
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    return f"these must be {kind}: {', '.join(names[:5])}{more}"


@functools.cache
def _protocol_spec(protocol: type) -> tuple[tuple[str, bool | None], ...]:
    """``protocol``'s members, sorted, each with whether it is declared ``async def``."""
    return tuple((member, _declared_async(protocol, member)) for member in sorted(get_protocol_members(protocol)))


def _declared_async(protocol: type, member: str) -> bool | None:
    """Whether ``protocol`` declares ``member`` with ``async def``; None for overloads and data."""
    declared: object = getattr(protocol, member, None)
    qualname: str = getattr(declared, "__qualname__", "")
    owners = {f"{cls.__qualname__}." for cls in protocol.__mro__}
    if not callable(declared) or not any(qualname.startswith(owner) for owner in owners):
        return None  # an @overload stub (typing's dummy function) or a data member
    return iscoroutinefunction(declared)


def load_class(value: object, setting: str, protocol: type) -> Any:
    """Load a class from settings and check it has every member of ``protocol``."""
    obj = load_object(value, setting)
    if not callable(obj):
        raise ImproperlyConfigured(f"{setting} must name a class, got {obj!r}")
    check_members(obj, protocol, setting)
    return obj


def check_option_keys(options: Mapping[str, Any], client_class: object) -> None:
    """ImproperlyConfigured for any ``OPTIONS`` (or ``OPTIONS['ASYNC_OPTIONS']``) key no one reads.

    The common case is one frozenset test; the classes' ``OPTIONS_KEYS`` are looked at only
    when a key is not one of ``KNOWN_OPTIONS``.
    """
    if not KNOWN_OPTIONS.issuperset(options):
        owners = (client_class, async_twin(client_class))
        _check_unknown(options, KNOWN_OPTIONS, owners, "OPTIONS")
    overlay: object = options.get("ASYNC_OPTIONS")
    if overlay is None:
        return
    if not isinstance(overlay, Mapping):
        raise ImproperlyConfigured(f"OPTIONS['ASYNC_OPTIONS'] must be a dict of OPTIONS, got {overlay!r}")
    inner = cast("Mapping[str, Any]", overlay)
    if not _KNOWN_ASYNC_OPTIONS.issuperset(inner):
        # The async client also gets the outer OPTIONS, so the outer classes' keys count too.
        owners = (client_class, async_twin(client_class))
        _check_unknown({**options, **inner}, _KNOWN_ASYNC_OPTIONS, owners, "OPTIONS['ASYNC_OPTIONS']", inner)


def _check_unknown(
    options: Mapping[str, Any],
    known: frozenset[str],
    owners: tuple[object, ...],
    where: str,
    checked: Mapping[str, Any] | None = None,
) -> None:
    """The slow path: add what the classes in play declare, then name what is still unknown."""
    clients = (*owners, options.get("CLIENT_CLASS"))
    others = (
        options.get("CONNECTION_FACTORY"),
        getattr(settings, "DJANGO_VALKEY_CONNECTION_FACTORY", None),
        options.get("SERIALIZER"),
        options.get("COMPRESSOR"),
    )
    try:
        declared = _declared_cached(known, clients, others)
    except TypeError:  # an unhashable value (a serializer instance, say): no caching
        declared = _declared(known, clients, others)
    unknown = [key for key in (options if checked is None else checked) if key not in declared]
    if not unknown:
        return
    problems = "; ".join(f"{key!r} ({hint})" if (hint := _hint(key, declared)) else repr(key) for key in unknown)
    plural = "s" if len(unknown) > 1 else ""
    raise ImproperlyConfigured(
        f"unknown {where} key{plural}: {problems}. A custom client, connection factory, serializer or "
        "compressor that reads keys of its own lists them in an OPTIONS_KEYS class attribute."
    )


def _declared(known: frozenset[str], clients: tuple[object, ...], others: tuple[object, ...]) -> frozenset[str]:
    """``known`` plus the ``OPTIONS_KEYS`` of the clients (and their default factories) and others."""
    loaded = [_load(client) for client in clients]
    factories = (getattr(client, "CONNECTION_FACTORY_PATH", None) for client in loaded)
    declared = set(known)
    for candidate in (*loaded, *map(_load, (*factories, *others))):
        declared |= _declared_keys(candidate)
    return frozenset(declared)


# A cache whose OPTIONS hold a custom class's key takes the slow path on every build: cached.
_declared_cached = functools.lru_cache(maxsize=256)(_declared)


def _load(candidate: object) -> object:
    """``candidate``, or what its dotted path names; None when it cannot be imported (that is
    reported when the client loads it, on the first call)."""
    return _import(candidate) if isinstance(candidate, str) else candidate


def _import(path: str) -> object:
    try:
        found: object = import_string(path)
    except ImportError:
        return None
    return found


_NO_KEYS: frozenset[str] = frozenset()


def _declared_keys(candidate: object) -> frozenset[str]:
    """The ``OPTIONS_KEYS`` a class declares (none for None or a class without the attribute)."""
    keys: object = getattr(candidate, "OPTIONS_KEYS", _NO_KEYS)
    if not isinstance(keys, (set, frozenset)) or not all(isinstance(key, str) for key in cast("set[object]", keys)):
        name = getattr(candidate, "__qualname__", repr(candidate))
        raise ImproperlyConfigured(f"{name}.OPTIONS_KEYS must be a frozenset of str, got {keys!r}")
    return frozenset(cast("frozenset[str]", keys))


def _hint(key: object, known: frozenset[str]) -> str:
    """What the author of ``key`` probably meant, or ""."""
    if not isinstance(key, str):
        return "OPTIONS keys are strings"
    lower, upper = key.lower(), key.upper()
    if lower in _FOREIGN_KEYS:
        return _FOREIGN_KEYS[lower]
    if upper in ("MAX_ENTRIES", "CULL_FREQUENCY"):
        return f"Django's {upper} has no effect on Valkey, which evicts by its own maxmemory-policy"
    if upper in _DJANGO_KEYS:
        return f"{upper} is a key of the CACHES entry, beside LOCATION, not of its OPTIONS"
    if key != upper and upper in known:
        return f"OPTIONS keys are upper case: did you mean {upper!r}?"
    if lower in _POOL_ARGUMENTS or lower.startswith("ssl_"):
        return f"a valkey-py pool argument: put it in OPTIONS['CONNECTION_POOL_KWARGS'] ({{{lower!r}: ...}})"
    close = difflib.get_close_matches(upper, sorted(known), n=1, cutoff=0.75)
    return f"did you mean {close[0]!r}?" if close else ""


def number_or_none(value: object, setting: str) -> float | None:
    """A number of seconds from settings (``None`` allowed), or ImproperlyConfigured."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ImproperlyConfigured(f"{setting} must be a number of seconds or None, got {value!r}")
    return value


def positive_or_none(value: object, setting: str) -> float | None:
    """A socket timeout: ``None`` (not set: valkey-py's default) or seconds > 0 (0 would make sockets non-blocking)."""
    number = number_or_none(value, setting)
    if number is not None and not number > 0:
        raise ImproperlyConfigured(f"{setting} must be a number of seconds > 0 or None, got {value!r}")
    return number


#: Seconds a connection waits for a reply, and for the server to accept it, when OPTIONS do not
#: say (valkey-py's own defaults would let a sick cache stall a call for 5 s, or for ever).
DEFAULT_SOCKET_TIMEOUT = 1.0
DEFAULT_SOCKET_CONNECT_TIMEOUT = 1.0


def call_timeouts(options: Mapping[str, Any]) -> tuple[float | None, float, float]:
    """``(DEADLINE, SOCKET_TIMEOUT, SOCKET_CONNECT_TIMEOUT)`` as the connections use them: the
    defaults above when unset, and neither socket timeout longer than the deadline."""
    deadline = positive_or_none(options.get("DEADLINE"), "OPTIONS['DEADLINE']")
    read = positive_or_none(options.get("SOCKET_TIMEOUT"), "OPTIONS['SOCKET_TIMEOUT']")
    connect = positive_or_none(options.get("SOCKET_CONNECT_TIMEOUT"), "OPTIONS['SOCKET_CONNECT_TIMEOUT']")
    read = DEFAULT_SOCKET_TIMEOUT if read is None else read
    connect = DEFAULT_SOCKET_CONNECT_TIMEOUT if connect is None else connect
    if deadline is not None:
        read, connect = min(read, deadline), min(connect, deadline)
    return deadline, read, connect


def setting_or_option(options: Mapping[str, Any], key: str, setting: str, default: object) -> object:
    """``options[key]`` if present, else the Django setting, else ``default``; callers validate it."""
    if key in options:
        value: object = options[key]
        return value
    value = getattr(settings, setting, default)
    return value


def _flag(options: Mapping[str, Any], key: str, setting: str, default: bool) -> bool:
    value = setting_or_option(options, key, setting, default)
    if not isinstance(value, bool):
        raise ImproperlyConfigured(f"OPTIONS[{key!r}] / {setting} must be True or False, got {value!r}")
    return value


@dataclass(frozen=True)
class CacheOptions:
    """What the cache backend itself reads from ``OPTIONS`` and settings."""

    client_class: Callable[..., Any]
    ignore_exceptions: bool
    log_ignored_exceptions: bool
    logger: logging.Logger
    close_connection: bool

    @classmethod
    def parse(cls, options: Mapping[str, Any], default_client: str, client_protocol: type) -> CacheOptions:
        logger_name = getattr(settings, "DJANGO_VALKEY_LOGGER", None) or "django_valkey"
        if not isinstance(logger_name, str):
            raise ImproperlyConfigured(f"DJANGO_VALKEY_LOGGER must be a logger name, got {logger_name!r}")
        client_class = load_class(
            options.get("CLIENT_CLASS", default_client), "OPTIONS['CLIENT_CLASS']", client_protocol
        )
        check_option_keys(options, client_class)
        return cls(
            client_class=client_class,
            ignore_exceptions=_flag(options, "IGNORE_EXCEPTIONS", "DJANGO_VALKEY_IGNORE_EXCEPTIONS", False),
            log_ignored_exceptions=_flag(
                options, "LOG_IGNORED_EXCEPTIONS", "DJANGO_VALKEY_LOG_IGNORED_EXCEPTIONS", False
            ),
            logger=logging.getLogger(logger_name),
            close_connection=_flag(options, "CLOSE_CONNECTION", "DJANGO_VALKEY_CLOSE_CONNECTION", False),
        )


def scan_itersize(options: Mapping[str, Any]) -> int:
    value = setting_or_option(options, "SCAN_ITERSIZE", "DJANGO_VALKEY_SCAN_ITERSIZE", DEFAULT_SCAN_ITERSIZE)
    if type(value) is not int or value < 1:
        raise ImproperlyConfigured(f"DJANGO_VALKEY_SCAN_ITERSIZE must be a positive int, got {value!r}")
    return value


def validate_timeout_param(params: Mapping[str, Any]) -> None:
    """Django silently replaces a bad TIMEOUT with 300; name the setting instead."""
    for key in ("TIMEOUT", "timeout"):
        value = params.get(key)
        if isinstance(value, str):
            try:
                int(value)  # what Django's BaseCache does with it (and falls back to 300 on failure)
            except ValueError:
                raise ImproperlyConfigured(f"{key} must be a number of seconds or None, got {value!r}") from None
        elif key in params:
            number_or_none(value, key)


def settings_dict(given: object, name: str, known: Iterable[str], expected: str) -> Mapping[str, object]:
    """An ``OPTIONS`` entry made of settings (``CIRCUIT_BREAKER``, ``RETRY``, ``CLIENT_CACHE``),
    once the caller has handled what turns it off: ``{}`` (every default) for ``True`` or
    ``None``, else the dict, checked to be one (``expected`` says what it must be) and to hold
    only ``known`` keys."""
    if given is None or given is True:
        return {}
    if not isinstance(given, Mapping):
        raise ImproperlyConfigured(f"OPTIONS['{name}'] must be {expected}, got {given!r}")
    options = cast(Mapping[str, object], given)
    keys = sorted(known)
    unknown = sorted(set(options) - set(keys))
    if unknown:
        raise ImproperlyConfigured(f"OPTIONS['{name}'] has unknown keys {unknown}; the keys are {keys}")
    return options
