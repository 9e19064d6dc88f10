"""Django system checks for django-valkey caches: ``manage.py check`` (and ``check --deploy``).

For every ``CACHES`` entry whose ``BACKEND`` is a django-valkey cache, the checks read the whole
configuration as the cache and its clients will build it, without opening a connection: the
``LOCATION`` URLs, every class path (imported, and checked against its Protocol), the optional
extras they need, the types and ranges of the options, unknown ``OPTIONS`` keys, and the Sentinel
and Cluster settings. Problems are reported as ``django_valkey.E...`` errors and
``django_valkey.W...`` warnings, each with a hint; ``CHECKS`` lists them all. Nothing a check
reports shows a password: URLs and reprs are redacted.

``register()`` registers them with Django. The ``django_valkey`` app (``INSTALLED_APPS``) calls it
when Django starts, which is the reliable way; importing a backend module calls it too, which
covers the processes that import a backend before the checks run.
"""

from __future__ import annotations

import functools
import inspect
import ipaddress
import pickle
import ssl
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.core import checks
from django.core.cache.backends.base import BaseCache
from django.core.checks import CheckMessage, Tags
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from django_valkey._core.breaker import circuit_settings
from django_valkey._core.retries import retry_policy
from django_valkey._options import (
    DEFAULT_SCAN_ITERSIZE,
    DEFAULT_SOCKET_CONNECT_TIMEOUT,
    DEFAULT_SOCKET_TIMEOUT,
    check_members,
    check_option_keys,
    positive_or_none,
    setting_or_option,
    validate_timeout_param,
)
from django_valkey._redact import redact_text, redact_url, safe_repr
from django_valkey._twins import async_twin
from django_valkey.base_pool import SUPPORTED_SCHEMES, TLS_SCHEMES, hostname_check

__all__ = [
    "CHECKS",
    "DEFAULT_MAX_CONNECTIONS",
    "CheckInfo",
    "check_caches",
    "check_caches_deploy",
    "effective_max_connections",
    "register",
]


@dataclass(frozen=True)
class CheckInfo:
    """One check: its id, whether it is a deploy-only warning, what it reports and how to fix it."""

    id: str
    summary: str
    hint: str
    deploy: bool = False


#: Every check id, with what it reports and the hint it gives (the docs' list of checks).
CHECKS: dict[str, CheckInfo] = {
    info.id: info
    for info in (
        CheckInfo(
            "django_valkey.E001",
            "BACKEND names a django_valkey class that cannot be imported.",
            "Use one of django_valkey.cache.ValkeyCache, django_valkey.async_cache.cache.AsyncValkeyCache, "
            "django_valkey.cluster_cache.cache.ClusterValkeyCache or AsyncClusterValkeyCache.",
        ),
        CheckInfo(
            "django_valkey.E002",
            "LOCATION is missing, empty, or not a string or a list of strings.",
            "Set LOCATION to a URL such as 'valkey://127.0.0.1:6379/0', or a list of them (the first is the primary).",
        ),
        CheckInfo(
            "django_valkey.E003",
            "A LOCATION URL has no scheme valkey-py speaks (http://, a bare host:port...).",
            "Use valkey:// (or redis://), valkeys:// (or rediss://) for TLS, or unix:// for a socket.",
        ),
        CheckInfo(
            "django_valkey.E004",
            "A LOCATION URL has no host (no socket path for unix://), or a port that is not a number from 1 to 65535.",
            "Write the URL as valkey://host:port/db, or unix:///path/to/valkey.sock?db=N.",
        ),
        CheckInfo(
            "django_valkey.E005",
            "A LOCATION URL's database (the path, '/2', or '?db=2') is not a number >= 0.",
            "Put the database number after the host ('valkey://host:6379/2') or in '?db=2'.",
        ),
        CheckInfo(
            "django_valkey.E006",
            "A dotted path in the settings (CLIENT_CLASS, SERIALIZER, COMPRESSOR, CONNECTION_FACTORY, "
            "CONNECTION_POOL_CLASS, BASE_CLIENT_CLASS, PARSER_CLASS, REVERSE_KEY_FUNCTION, KEY_FUNCTION, "
            "DJANGO_VALKEY_CONNECTION_FACTORY) cannot be imported.",
            "Check the module and class names; the path must name an importable object ('package.module.Name').",
        ),
        CheckInfo(
            "django_valkey.E007",
            "A class in the settings needs an optional dependency that is not installed.",
            "Install the extra the message names, e.g. pip install 'django-valkey[lz4]'.",
        ),
        CheckInfo(
            "django_valkey.E008",
            "A class in the settings does not implement its Protocol (missing members, or sync methods where "
            "async ones are needed), or is not a class.",
            "Implement the missing members (django_valkey.protocols), or subclass the shipped base class; an "
            "async cache needs async clients and connection factories.",
        ),
        CheckInfo(
            "django_valkey.E009",
            "An OPTIONS value (or the DJANGO_VALKEY_* setting it defaults to) has the wrong type or is out of "
            "range: a timeout that is not a number > 0, a flag that is not True/False, a dict option that is not "
            "a dict...",
            "Give the value its documented type: numbers as numbers (5, not '5'), flags as True or False.",
        ),
        CheckInfo(
            "django_valkey.E010",
            "OPTIONS (or OPTIONS['ASYNC_OPTIONS']) has a key that nothing reads.",
            "Rename or remove the key: the message says what was probably meant, and the configuration docs list "
            "every OPTIONS key.",
        ),
        CheckInfo(
            "django_valkey.E011",
            "A key of the CACHES entry itself is wrong: OPTIONS not a dict, TIMEOUT not a number or None, "
            "KEY_PREFIX not a string, VERSION not an int.",
            "TIMEOUT is seconds (or None), KEY_PREFIX a string, VERSION an int, OPTIONS a dict.",
        ),
        CheckInfo(
            "django_valkey.E012",
            "Sentinel settings are wrong: no OPTIONS['SENTINELS'] list of (host, port) pairs, a LOCATION that is "
            "not a service URL, or SENTINEL_KWARGS that is not a dict.",
            "A Sentinel client needs LOCATION 'valkey://service-name/db' and "
            "OPTIONS['SENTINELS'] = [('sentinel-host', 26379), ...].",
        ),
        CheckInfo(
            "django_valkey.E013",
            "Cluster settings are wrong: a cluster LOCATION with a database other than 0, or a unix:// socket.",
            "Valkey Cluster has only database 0 and TCP nodes: list nodes as 'valkey://host:port'.",
        ),
        CheckInfo(
            "django_valkey.E014",
            "The cache or its client cannot be built from these settings (the message is the error the cache "
            "would raise on its first use).",
            "Fix the setting the message names.",
        ),
        CheckInfo(
            "django_valkey.W001",
            "IGNORE_EXCEPTIONS is on with neither a DEADLINE nor explicit SOCKET_CONNECT_TIMEOUT and "
            "SOCKET_TIMEOUT: with the server down or hung, a cache call waits the default timeouts (for each "
            "attempt) before failing open.",
            "Set OPTIONS['DEADLINE'] to what a request can afford to wait for the cache (e.g. 0.25 seconds), or "
            "OPTIONS['SOCKET_CONNECT_TIMEOUT'] and OPTIONS['SOCKET_TIMEOUT'].",
        ),
        CheckInfo(
            "django_valkey.W002",
            "Two caches share a database and this one has no KEY_PREFIX, or the same one as the other (then their "
            "keys collide): clear() on either cache (FLUSHDB) deletes both caches' keys.",
            "Give each cache its own database ('/1') or its own KEY_PREFIX; to empty one cache of a shared "
            "database, use 'manage.py valkey clear --prefix-only' rather than clear().",
        ),
        CheckInfo(
            "django_valkey.W003",
            "OPTIONS['SENTINELS'] or SENTINEL_KWARGS is set but the client is not a Sentinel client: it is ignored.",
            "Set OPTIONS['CLIENT_CLASS'] to 'django_valkey.client.SentinelClient' (or the async "
            "'django_valkey.async_cache.client.AsyncSentinelClient'), or remove the Sentinel options.",
        ),
        CheckInfo(
            "django_valkey.W004",
            "OPTIONS['PARSER_CLASS'] is set on a cluster cache: valkey-py's cluster client picks its own parser.",
            "Remove PARSER_CLASS from the cluster cache's OPTIONS.",
        ),
        CheckInfo(
            "django_valkey.W005",
            "The pickle serializer on a server others can reach (not loopback, no password): whoever can "
            "write to it can run code in your processes.",
            "Require a password (OPTIONS['PASSWORD'] or 'valkey://:password@host') or an ACL user, keep the server "
            "on a private interface, or use a JSON or msgpack serializer.",
            deploy=True,
        ),
        CheckInfo(
            "django_valkey.W006",
            "TLS without verification: the server's certificate is not verified (ssl_cert_reqs 'none') "
            "or its host name is not checked (ssl_check_hostname False).",
            "Remove ssl_cert_reqs='none' and ssl_check_hostname=False; give the CA with ssl_ca_certs "
            "in CONNECTION_POOL_KWARGS (see the TLS docs).",
            deploy=True,
        ),
        CheckInfo(
            "django_valkey.W007",
            "The connection pool has no limit (no max_connections in CONNECTION_POOL_KWARGS): under load, "
            "each process may open connections until the server refuses them (maxclients).",
            "Set OPTIONS['CONNECTION_POOL_KWARGS'] = {'max_connections': N}; with "
            "'valkey.connection.BlockingConnectionPool' as CONNECTION_POOL_CLASS, callers wait for a free "
            "connection instead of failing.",
            deploy=True,
        ),
    )
}

#: The connection cap a pool gets when ``CONNECTION_POOL_KWARGS`` has no ``max_connections`` and
#: the pool class has no bounded default: ``None``, no cap (valkey-py's ``ConnectionPool``).
DEFAULT_MAX_CONNECTIONS: int | None = None

_UNBOUNDED = 2**31  # what valkey-py's pools use for "no limit"


def effective_max_connections(options: Mapping[str, Any], pool_class: object = None) -> int | None:
    """The most connections one of this cache's pools opens, or ``None`` for no limit.

    ``CONNECTION_POOL_KWARGS["max_connections"]`` when given, else the pool class's own default when
    it is bounded (``BlockingConnectionPool``: 50), else ``DEFAULT_MAX_CONNECTIONS``. The W007 check
    reads this one function, so a default cap added later needs a change here only.
    """
    kwargs: object = options.get("CONNECTION_POOL_KWARGS") or {}
    if isinstance(kwargs, Mapping) and "max_connections" in kwargs:
        given: object = cast("Mapping[str, object]", kwargs)["max_connections"]
        return given if type(given) is int and 0 < given < _UNBOUNDED else None
    if isinstance(pool_class, type):
        try:
            parameter = inspect.signature(pool_class).parameters.get("max_connections")
        except (TypeError, ValueError):
            parameter = None
        default: object = None if parameter is None else parameter.default
        if type(default) is int and 0 < default < _UNBOUNDED:
            return default
    return DEFAULT_MAX_CONNECTIONS


# --------------------------------------------------------------------------------------------
# The checks Django runs
# --------------------------------------------------------------------------------------------


def check_caches(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """The ``caches`` checks of every django-valkey cache in ``settings.CACHES`` (no network)."""
    targets = _our_caches()
    found: list[CheckMessage] = []
    for target in targets:
        found += target.messages
        if target.imported:
            found += _CacheChecker(target).run()
    found += _shared_databases(targets)
    return found


def check_caches_deploy(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """The deploy-only ``caches`` checks (``manage.py check --deploy``): security and limits."""
    found: list[CheckMessage] = []
    for target in _our_caches():
        if target.imported:
            _CacheChecker(target).run()  # its messages are check_caches' to report
        if not target.errors():
            found += _DeployChecker(target).run()
    return found


# --------------------------------------------------------------------------------------------
# What is checked
# --------------------------------------------------------------------------------------------


@dataclass
class _Target:
    """One CACHES entry whose BACKEND is ours, with the messages found while reading it."""

    alias: str
    config: Mapping[str, Any]
    backend: type
    imported: bool = True
    options: Mapping[str, Any] = field(default_factory=dict[str, Any])
    servers: list[str] = field(default_factory=list[str])
    messages: list[CheckMessage] = field(default_factory=list[CheckMessage])

    @property
    def obj(self) -> str:
        return f"CACHES[{self.alias!r}]"

    def add(self, check_id: str, msg: str, hint: str | None = None) -> None:
        info = CHECKS[check_id]
        level = checks.Error if ".E" in check_id else checks.Warning
        self.messages.append(level(msg, hint=info.hint if hint is None else hint, obj=self.obj, id=check_id))

    def errors(self) -> bool:
        return any(message.is_serious() for message in self.messages)

    @property
    def is_cluster(self) -> bool:
        from django_valkey.cluster_cache.cache import AsyncClusterValkeyCache, ClusterValkeyCache

        return issubclass(self.backend, (ClusterValkeyCache, AsyncClusterValkeyCache))

    @property
    def is_async(self) -> bool:
        from django_valkey.protocols import AsyncClientProtocol

        return getattr(self.backend, "CLIENT_PROTOCOL", None) is AsyncClientProtocol


def _our_caches() -> list[_Target]:
    """The CACHES entries whose BACKEND is a django-valkey cache (or names a django_valkey path)."""
    caches: object = getattr(settings, "CACHES", {})
    if not isinstance(caches, Mapping):
        return []
    targets: list[_Target] = []
    for alias, config in cast("Mapping[object, object]", caches).items():
        if not isinstance(config, Mapping):
            continue
        entry = cast("Mapping[str, Any]", config)
        target = _target(str(alias), entry)
        if target is not None:
            targets.append(target)
    return targets


def _target(alias: str, config: Mapping[str, Any]) -> _Target | None:
    backend: object = config.get("BACKEND")
    if not isinstance(backend, str):
        return None
    from django_valkey.base import BaseValkeyCache

    try:
        cls: object = import_string(backend)
    except Exception as exc:
        if not backend.startswith("django_valkey."):
            return None  # not ours (Django reports an unknown backend on first use)
        target = _Target(alias, config, cast(type, BaseValkeyCache), imported=False)
        target.add("django_valkey.E001", f"BACKEND {backend!r} cannot be imported: {_describe(exc)}")
        return target
    if not isinstance(cls, type) or not issubclass(cls, BaseValkeyCache):
        return None
    target = _Target(alias, config, cast(type, cls))
    _read_entry(target)
    return target


def _describe(exc: BaseException) -> str:
    """An exception as a message line, passwords redacted."""
    return redact_text(str(exc) or type(exc).__name__)


def _read_entry(target: _Target) -> None:
    """The keys of the CACHES entry itself (E011) and LOCATION (E002)."""
    config = target.config
    options: object = config.get("OPTIONS")
    if options is None:
        target.options = {}
    elif isinstance(options, Mapping):
        target.options = cast("Mapping[str, Any]", options)
    else:
        target.add("django_valkey.E011", f"OPTIONS must be a dict, got {safe_repr(options)}")
    try:
        validate_timeout_param(config)
    except ImproperlyConfigured as exc:
        target.add("django_valkey.E011", _describe(exc))
    prefix: object = config.get("KEY_PREFIX", "")
    if not isinstance(prefix, str):
        target.add("django_valkey.E011", f"KEY_PREFIX must be a string, got {safe_repr(prefix)}")
    version: object = config.get("VERSION", 1)
    if type(version) is not int:
        target.add("django_valkey.E011", f"VERSION must be an int, got {safe_repr(version)}")
    location: object = config.get("LOCATION")
    servers: list[str] = []
    if isinstance(location, str):
        servers = [part.strip() for part in location.split(",")]
    elif isinstance(location, (list, tuple)):
        entries = list(cast("Sequence[object]", location))
        if all(isinstance(entry, str) for entry in entries):
            servers = [cast(str, entry).strip() for entry in entries]
        else:
            shown = safe_repr(cast(object, location))
            target.add("django_valkey.E002", f"LOCATION must be a URL or a list of URLs, got {shown}")
            return
    elif location is not None:
        target.add("django_valkey.E002", f"LOCATION must be a URL or a list of URLs, got {safe_repr(location)}")
        return
    servers = [server for server in servers if server]
    if not servers:
        target.add("django_valkey.E002", "LOCATION names no server")
        return
    target.servers = servers


class _CacheChecker:
    """The non-deploy checks of one cache, in the order a cache and its clients are built."""

    def __init__(self, target: _Target) -> None:
        self.target = target
        self.options = target.options
        self.client_cls: object = None

    def run(self) -> list[CheckMessage]:
        before = len(self.target.messages)
        self.check_client()
        self.check_option_keys()
        self.check_values(self.options, "OPTIONS")
        self.check_classes()
        self.check_async_options()
        self.check_locations()
        self.check_topology()
        self.check_ignore_exceptions()
        if not self.target.errors():
            self.build()
        return self.target.messages[before:]

    # ---------------------------------------------------------------- classes

    def load(self, value: object, setting: str, protocol: type | None = None) -> object:
        """``value`` or the object its path names, checked against ``protocol``; None (and a message)
        when it cannot be loaded."""
        target = self.target
        obj = value
        if isinstance(value, str):
            try:
                obj = import_string(value)
            except ImproperlyConfigured as exc:  # the shipped modules' require(): an extra is missing
                code = "django_valkey.E007" if isinstance(exc.__cause__, ImportError) else "django_valkey.E006"
                target.add(code, f"{setting} = {value!r} cannot be imported: {_describe(exc)}")
                return None
            except ImportError as exc:
                extra = _extra_for(exc)
                if extra is not None:
                    target.add(
                        "django_valkey.E007",
                        f"{setting} = {value!r} needs the {exc.name!r} package, which is not installed",
                        f"pip install 'django-valkey[{extra}]'",
                    )
                else:
                    target.add("django_valkey.E006", f"{setting} = {value!r} cannot be imported: {_describe(exc)}")
                return None
            except Exception as exc:  # a module that fails while it is imported
                target.add("django_valkey.E006", f"{setting} = {value!r} cannot be imported: {_describe(exc)}")
                return None
        if not callable(obj):
            target.add("django_valkey.E008", f"{setting} must name a class, got {safe_repr(obj)}")
            return None
        if protocol is not None:
            try:
                check_members(obj, protocol, setting)
            except ImproperlyConfigured as exc:
                target.add("django_valkey.E008", _describe(exc))
                return None
        return obj

    def check_client(self) -> None:
        backend = self.target.backend
        default: object = getattr(backend, "DEFAULT_CLIENT_CLASS", None)
        protocol: type | None = getattr(backend, "CLIENT_PROTOCOL", None)
        self.client_cls = self.load(self.options.get("CLIENT_CLASS", default), "OPTIONS['CLIENT_CLASS']", protocol)

    def check_option_keys(self) -> None:
        options = self.options
        if not isinstance(options.get("ASYNC_OPTIONS", {}), Mapping):
            options = {key: value for key, value in options.items() if key != "ASYNC_OPTIONS"}  # E009 says it
        try:
            check_option_keys(options, self.client_cls)
        except ImproperlyConfigured as exc:
            self.target.add("django_valkey.E010", _describe(exc))

    def factory_protocol(self, client_cls: object, is_async: bool) -> type:
        from django_valkey.protocols import AsyncConnectionFactoryProtocol, ConnectionFactoryProtocol

        declared: object = getattr(client_cls, "FACTORY_PROTOCOL", None)
        if isinstance(declared, type):
            return declared
        return AsyncConnectionFactoryProtocol if is_async else ConnectionFactoryProtocol

    def check_classes(self) -> None:
        from django_valkey.protocols import CompressorProtocol, SerializerProtocol

        options = self.options
        if "SERIALIZER" in options:
            self.load(options["SERIALIZER"], "OPTIONS['SERIALIZER']", SerializerProtocol)
        if "COMPRESSOR" in options:
            self.load(options["COMPRESSOR"], "OPTIONS['COMPRESSOR']", CompressorProtocol)
        factory_protocol = self.factory_protocol(self.client_cls, self.target.is_async)
        if options.get("CONNECTION_FACTORY"):
            self.load(options["CONNECTION_FACTORY"], "OPTIONS['CONNECTION_FACTORY']", factory_protocol)
        else:
            global_factory: object = getattr(settings, "DJANGO_VALKEY_CONNECTION_FACTORY", None)
            if global_factory:
                self.load(global_factory, "DJANGO_VALKEY_CONNECTION_FACTORY", factory_protocol)
        for key in ("CONNECTION_POOL_CLASS", "BASE_CLIENT_CLASS", "PARSER_CLASS"):
            if options.get(key) is not None:
                self.load(options[key], f"OPTIONS[{key!r}]")
        if "REVERSE_KEY_FUNCTION" in options:
            self.load(options["REVERSE_KEY_FUNCTION"], "OPTIONS['REVERSE_KEY_FUNCTION']")
        key_function: object = self.target.config.get("KEY_FUNCTION")
        if key_function is not None:
            self.load(key_function, "KEY_FUNCTION")

    def check_async_options(self) -> None:
        """A sync cache's OPTIONS['ASYNC_OPTIONS']: the async client and factory its ``a*`` methods use."""
        from django_valkey.protocols import AsyncClientProtocol

        overlay: object = self.options.get("ASYNC_OPTIONS")
        if not isinstance(overlay, Mapping):
            return
        inner = cast("Mapping[str, Any]", overlay)
        where = "OPTIONS['ASYNC_OPTIONS']"
        self.check_values(inner, where)
        client: object = inner.get("CLIENT_CLASS")
        if client is None:
            client = async_twin(self.client_cls)
        client_cls = self.load(client, f"{where}['CLIENT_CLASS']", AsyncClientProtocol)
        if inner.get("CONNECTION_FACTORY"):
            protocol = self.factory_protocol(client_cls, True)
            self.load(inner["CONNECTION_FACTORY"], f"{where}['CONNECTION_FACTORY']", protocol)
        for key in ("CONNECTION_POOL_CLASS", "BASE_CLIENT_CLASS", "PARSER_CLASS"):
            if inner.get(key) is not None:
                self.load(inner[key], f"{where}[{key!r}]")

    # ---------------------------------------------------------------- values

    def check_values(self, options: Mapping[str, Any], where: str) -> None:
        """Types and ranges (E009) of the options the shipped classes read; with ``where`` "OPTIONS",
        the settings they default to as well (once: not again for ASYNC_OPTIONS)."""
        add = self.target.add
        outer = where == "OPTIONS"
        for key, setting in (
            ("IGNORE_EXCEPTIONS", "DJANGO_VALKEY_IGNORE_EXCEPTIONS"),
            ("LOG_IGNORED_EXCEPTIONS", "DJANGO_VALKEY_LOG_IGNORED_EXCEPTIONS"),
            ("CLOSE_CONNECTION", "DJANGO_VALKEY_CLOSE_CONNECTION"),
        ):
            if key not in options and not outer:
                continue
            value = setting_or_option(options, key, setting, False)
            if not isinstance(value, bool):
                source = f"{where}[{key!r}]" if key in options else setting
                add("django_valkey.E009", f"{source} must be True or False, got {safe_repr(value)}")
        if "REPLICA_READ_ONLY" in options and not isinstance(options["REPLICA_READ_ONLY"], bool):
            add(
                "django_valkey.E009",
                f"{where}['REPLICA_READ_ONLY'] must be True or False, got {safe_repr(options['REPLICA_READ_ONLY'])}",
            )
        for key in ("SOCKET_TIMEOUT", "SOCKET_CONNECT_TIMEOUT", "DEADLINE"):
            try:
                positive_or_none(options.get(key), f"{where}[{key!r}]")
            except ImproperlyConfigured as exc:
                add("django_valkey.E009", _describe(exc))
        if outer:  # read by the clients from the outer OPTIONS (their messages name it)
            for key, parse in (("RETRY", retry_policy), ("CIRCUIT_BREAKER", circuit_settings)):
                try:
                    parse(options.get(key))
                except ImproperlyConfigured as exc:
                    add("django_valkey.E009", _describe(exc))
        password: object = options.get("PASSWORD")
        if password is not None and not isinstance(password, str):
            add("django_valkey.E009", f"{where}['PASSWORD'] must be a string")  # the value is not shown
        itersize = setting_or_option(options, "SCAN_ITERSIZE", "DJANGO_VALKEY_SCAN_ITERSIZE", DEFAULT_SCAN_ITERSIZE)
        if (outer or "SCAN_ITERSIZE" in options) and (type(itersize) is not int or itersize < 1):
            source = f"{where}['SCAN_ITERSIZE']" if "SCAN_ITERSIZE" in options else "DJANGO_VALKEY_SCAN_ITERSIZE"
            add("django_valkey.E009", f"{source} must be a positive int, got {safe_repr(itersize)}")
        if "PICKLE_VERSION" in options:
            version: object = options["PICKLE_VERSION"]
            if type(version) is not int or version > pickle.HIGHEST_PROTOCOL:
                add(
                    "django_valkey.E009",
                    f"{where}['PICKLE_VERSION'] must be an int up to {pickle.HIGHEST_PROTOCOL}, got {safe_repr(version)}",
                )
        for key in ("CONNECTION_POOL_KWARGS", "BASE_CLIENT_KWARGS", "SENTINEL_KWARGS", "ASYNC_OPTIONS"):
            value = options.get(key)
            if value is not None and not isinstance(value, Mapping):
                add("django_valkey.E009", f"{where}[{key!r}] must be a dict, got {safe_repr(value)}")
        pool_kwargs: object = options.get("CONNECTION_POOL_KWARGS")
        if isinstance(pool_kwargs, Mapping) and "max_connections" in pool_kwargs:
            cap: object = cast("Mapping[str, object]", pool_kwargs)["max_connections"]
            if type(cap) is not int or cap < 1:
                add(
                    "django_valkey.E009",
                    f"{where}['CONNECTION_POOL_KWARGS']['max_connections'] must be an int >= 1, got {safe_repr(cap)}",
                )
        logger: object = getattr(settings, "DJANGO_VALKEY_LOGGER", None) if outer else None
        if logger is not None and not isinstance(logger, str):
            add("django_valkey.E009", f"DJANGO_VALKEY_LOGGER must be a logger name, got {safe_repr(logger)}")

    def check_ignore_exceptions(self) -> None:
        ignore = setting_or_option(self.options, "IGNORE_EXCEPTIONS", "DJANGO_VALKEY_IGNORE_EXCEPTIONS", False)
        if ignore is not True or self.options.get("DEADLINE") is not None:
            return
        pool_kwargs = _mapping(self.options.get("CONNECTION_POOL_KWARGS"))
        defaults = {"SOCKET_CONNECT_TIMEOUT": DEFAULT_SOCKET_CONNECT_TIMEOUT, "SOCKET_TIMEOUT": DEFAULT_SOCKET_TIMEOUT}
        missing = [key for key in defaults if self.options.get(key) is None and key.lower() not in pool_kwargs]
        if missing:
            waits = " and ".join(f"{key} {defaults[key]:g} s" for key in missing)
            self.target.add(
                "django_valkey.W001",
                f"IGNORE_EXCEPTIONS is on with no DEADLINE and the default {waits}: with the server down or hung, "
                "a cache call waits that long, for each attempt, before failing open",
            )

    # ---------------------------------------------------------------- LOCATION and topology

    def is_sentinel(self) -> bool:
        from django_valkey._sentinel import SentinelFactoryMixin
        from django_valkey.async_cache.client import AsyncSentinelClient
        from django_valkey.client import SentinelClient

        if isinstance(self.client_cls, type) and issubclass(self.client_cls, (SentinelClient, AsyncSentinelClient)):
            return True
        factory: object = self.options.get("CONNECTION_FACTORY") or getattr(
            settings, "DJANGO_VALKEY_CONNECTION_FACTORY", None
        )
        if isinstance(factory, str):
            try:
                factory = import_string(factory)
            except Exception:
                return False
        return isinstance(factory, type) and issubclass(factory, SentinelFactoryMixin)

    def check_locations(self) -> None:
        sentinel = self.is_sentinel()
        for url in self.target.servers:
            if sentinel:
                self.check_sentinel_url(url)
            else:
                self.check_url(url)

    def check_url(self, url: str) -> None:
        add = self.target.add
        shown = redact_url(url)
        parts = urlsplit(url) if "://" in url else None
        scheme = parts.scheme.lower() if parts is not None else ""
        if parts is None or scheme not in SUPPORTED_SCHEMES:
            add(
                "django_valkey.E003",
                f"LOCATION {shown!r} has no supported scheme: use valkey://, valkeys:// (TLS) or unix://",
            )
            return
        if scheme == "unix":
            if not parts.path:
                add("django_valkey.E004", f"LOCATION {shown!r} names no socket path")
        else:
            if not parts.hostname:
                add("django_valkey.E004", f"LOCATION {shown!r} names no host")
            try:
                port = parts.port
            except ValueError:
                add("django_valkey.E004", f"LOCATION {shown!r}: the port must be a number from 1 to 65535")
            else:
                if port == 0:
                    add("django_valkey.E004", f"LOCATION {shown!r}: the port must be a number from 1 to 65535")
        databases = parse_qs(parts.query, keep_blank_values=True).get("db", [])
        if scheme != "unix":
            databases.append(parts.path.strip("/") or "0")
        for db in databases:
            if not (db.isascii() and db.isdigit()):
                add("django_valkey.E005", f"LOCATION {shown!r}: the database must be a number >= 0, got {db!r}")
            elif self.target.is_cluster and int(db) != 0:
                add("django_valkey.E013", f"LOCATION {shown!r}: a cluster has only database 0, got {db!r}")
        if self.target.is_cluster and scheme == "unix":
            add("django_valkey.E013", f"LOCATION {shown!r}: valkey-py's cluster client does not take unix:// sockets")

    def check_sentinel_url(self, url: str) -> None:
        from django_valkey._sentinel import SentinelURL

        try:
            SentinelURL.parse(url)
        except ImproperlyConfigured as exc:
            self.target.add("django_valkey.E012", _describe(exc))

    def check_topology(self) -> None:
        from django_valkey._sentinel import sentinel_nodes

        options = self.options
        if self.is_sentinel():
            try:
                sentinel_nodes(options)
            except ImproperlyConfigured as exc:
                self.target.add("django_valkey.E012", _describe(exc))
            kwargs: object = options.get("SENTINEL_KWARGS")
            if kwargs is not None and not isinstance(kwargs, Mapping):
                self.target.add(
                    "django_valkey.E012", f"OPTIONS['SENTINEL_KWARGS'] must be a dict, got {safe_repr(kwargs)}"
                )
        else:
            given = [key for key in ("SENTINELS", "SENTINEL_KWARGS") if key in options]
            if given:
                name = getattr(self.client_cls, "__qualname__", safe_repr(self.client_cls))
                self.target.add(
                    "django_valkey.W003",
                    f"OPTIONS[{given[0]!r}] is set but the client ({name}) is not a Sentinel client: it is ignored",
                )
        if self.target.is_cluster and options.get("PARSER_CLASS") is not None:
            self.target.add(
                "django_valkey.W004",
                "OPTIONS['PARSER_CLASS'] is ignored on a cluster cache: valkey-py's cluster client picks its parser",
            )

    # ---------------------------------------------------------------- the cache itself

    def build(self) -> None:
        """What the checks above do not foresee, from building the cache as its first call would (E014)."""
        try:
            _build(self.target, clients=True)
        except Exception as exc:
            self.target.add("django_valkey.E014", f"the cache cannot be built: {_describe(exc)}")


def _build(target: _Target, clients: bool) -> object:
    """A new cache object for ``target`` and, with ``clients``, its client (and a sync cache's async
    client) and each server's connection parameters, as the first calls build them. Opens no
    connection (the shipped classes connect on first use); raises what building raises."""
    location: object = target.config.get("LOCATION", "")
    params = {key: value for key, value in target.config.items() if key not in ("BACKEND", "LOCATION")}
    backend: Callable[..., Any] = target.backend
    cache = backend(location, params)
    if clients:
        built: list[object] = [cache.client]
        if not target.is_async:
            built.append(cache.async_client)
        for client in built:
            factory: object = getattr(client, "connection_factory", None)
            make: object = getattr(factory, "make_connection_params", None)
            servers: object = getattr(client, "servers", [])
            if callable(make) and isinstance(servers, list):
                for server in cast("list[object]", servers):
                    make(server)
    result: object = cache
    return result


def _mapping(value: object) -> Mapping[str, Any]:
    return cast("Mapping[str, Any]", value) if isinstance(value, Mapping) else {}


# Optional dependencies of the shipped classes: top-level module -> the extra that installs it.
_EXTRAS = {
    "lz4": "lz4",
    "brotli": "brotli",
    "msgpack": "msgpack",
    "msgspec": "msgspec",
    "backports": "zstd",
    "libvalkey": "libvalkey",
}


def _extra_for(exc: ImportError) -> str | None:
    name = exc.name or ""
    return _EXTRAS.get(name.split(".")[0])


# --------------------------------------------------------------------------------------------
# Across caches
# --------------------------------------------------------------------------------------------


def _database(url: str, sentinels: object) -> tuple[object, ...] | None:
    """What identifies the database a LOCATION URL points at, or None when it cannot be read."""
    try:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        scheme = parts.scheme.lower()
        if scheme == "unix":
            return ("unix", parts.path, (query.get("db") or ["0"])[0])
        db = (query.get("db") or [parts.path.strip("/") or "0"])[0]
        if sentinels is not None:
            return ("sentinel", (parts.hostname or "").lower(), db, safe_repr(sentinels))
        return ("tcp", (parts.hostname or "").lower(), parts.port or 6379, db)
    except ValueError:
        return None


def _shared_databases(targets: Iterable[_Target]) -> list[CheckMessage]:
    """W002: a cache without a KEY_PREFIX of its own on a database another cache uses."""
    where: dict[tuple[object, ...], list[tuple[_Target, str]]] = {}
    for target in targets:
        if target.errors() or not target.servers:
            continue
        sentinels: object = target.options.get("SENTINELS")
        # Every server of a sharded or cluster cache holds its keys; replicas mirror the primary.
        for url in target.servers:
            key = _database(url, sentinels)
            if key is not None:
                where.setdefault(key, []).append((target, url))
    found: list[CheckMessage] = []
    warned: set[str] = set()
    for users in where.values():
        aliases = {target.alias for target, _ in users}
        if len(aliases) < 2:
            continue
        for target, url in users:
            if target.alias in warned:
                continue
            prefix = str(target.config.get("KEY_PREFIX", ""))
            others = sorted(alias for alias in aliases if alias != target.alias)
            same = [
                other.alias
                for other, _ in users
                if other.alias != target.alias and str(other.config.get("KEY_PREFIX", "")) == prefix
            ]
            if prefix and not same:
                continue
            names = ", ".join(f"CACHES[{alias!r}]" for alias in (same or others))
            if prefix:
                msg = (
                    f"{redact_url(url)!r} is also used by {names} with the same KEY_PREFIX {prefix!r}: the "
                    "caches' keys collide"
                )
            else:
                msg = f"this cache has no KEY_PREFIX and shares its database ({redact_url(url)!r}) with {names}"
            found.append(
                checks.Warning(
                    f"{msg}; clear() on either cache (FLUSHDB) deletes both caches' keys",
                    hint=CHECKS["django_valkey.W002"].hint,
                    obj=target.obj,
                    id="django_valkey.W002",
                )
            )
            warned.add(target.alias)
    return found


# --------------------------------------------------------------------------------------------
# Deploy
# --------------------------------------------------------------------------------------------


_FALSE_STRINGS = ("0", "F", "FALSE", "N", "NO", "OFF", "DISABLED")


def _is_false(value: object) -> bool:
    if isinstance(value, str):
        return value.upper() in _FALSE_STRINGS
    return not value


def _no_verification(cert_reqs: object) -> bool:
    return cert_reqs is None or cert_reqs == "none" or cert_reqs == ssl.CERT_NONE


class _DeployChecker:
    """The deploy-only checks of one cache whose settings hold no errors."""

    def __init__(self, target: _Target) -> None:
        self.target = target
        self.options = target.options
        self.pool_kwargs = _mapping(target.options.get("CONNECTION_POOL_KWARGS"))

    def run(self) -> list[CheckMessage]:
        before = len(self.target.messages)
        try:
            self.check_pickle()
            self.check_tls()
            self.check_pool()
        except Exception as exc:  # the errors are the other checks' to report
            self.target.add("django_valkey.E014", f"the cache cannot be built: {_describe(exc)}")
        return self.target.messages[before:]

    def load(self, value: object) -> object:
        if not isinstance(value, str):
            return value
        try:
            found: object = import_string(value)
        except Exception:
            return None
        return found

    def has_password(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.password or "password" in parse_qs(parts.query):
            return True
        if self.options.get("PASSWORD"):
            return True
        return bool(self.pool_kwargs.get("password") or self.pool_kwargs.get("credential_provider"))

    def reachable_hosts(self, url: str) -> list[str]:
        """The hosts behind a LOCATION URL that are not loopback (Sentinel: the sentinels')."""
        parts = urlsplit(url)
        if parts.scheme.lower() == "unix":
            return []
        sentinels: object = self.options.get("SENTINELS")
        if isinstance(sentinels, (list, tuple)):
            hosts = [str(cast("Sequence[object]", entry)[0]) for entry in cast("Sequence[object]", sentinels)]
        else:
            hosts = [parts.hostname or ""]
        return [host for host in hosts if not _is_loopback(host)]

    def check_pickle(self) -> None:
        from django_valkey.serializers.pickle import PickleSerializer

        serializer = self.load(self.options.get("SERIALIZER", "django_valkey.serializers.pickle.PickleSerializer"))
        if not (isinstance(serializer, type) and issubclass(serializer, PickleSerializer)):
            return
        for url in self.target.servers:
            hosts = self.reachable_hosts(url)
            if hosts and not self.has_password(url):
                self.target.add(
                    "django_valkey.W005",
                    f"values are pickled and {redact_url(url)!r} is on a host others can reach ({hosts[0]}) without "
                    "a password: whoever can write to it can run code in every process that reads this cache",
                )
                return

    def check_tls(self) -> None:
        for url in self.target.servers:
            parts = urlsplit(url)
            tls = parts.scheme.lower() in TLS_SCHEMES or (bool(self.pool_kwargs.get("ssl")) and parts.scheme != "unix")
            if tls:
                problem = self.tls_problem(self.pool_kwargs, parse_qs(parts.query))
                if problem:
                    self.target.add("django_valkey.W006", f"TLS to {redact_url(url)!r} {problem}")
                    return
        sentinel_kwargs = _mapping(self.options.get("SENTINEL_KWARGS"))
        if self.options.get("SENTINELS") and sentinel_kwargs.get("ssl"):
            problem = self.tls_problem(sentinel_kwargs, {})
            if problem:
                self.target.add("django_valkey.W006", f"TLS to the sentinels (SENTINEL_KWARGS) {problem}")

    def tls_problem(self, kwargs: Mapping[str, Any], query: Mapping[str, list[str]]) -> str | None:
        cert_reqs: object = query["ssl_cert_reqs"][0] if "ssl_cert_reqs" in query else kwargs.get("ssl_cert_reqs")
        if "ssl_cert_reqs" in query or "ssl_cert_reqs" in kwargs:
            if _no_verification(cert_reqs):
                return "does not verify the server's certificate (ssl_cert_reqs 'none')"
        added = hostname_check(kwargs, query)
        checked: object = added.get("ssl_check_hostname", kwargs.get("ssl_check_hostname", False))
        if _is_false(checked):
            return "does not check the server's host name (ssl_check_hostname False)"
        return None

    def check_pool(self) -> None:
        pool_class = self.load(self.options.get("CONNECTION_POOL_CLASS", "valkey.connection.ConnectionPool"))
        if effective_max_connections(self.options, pool_class) is None:
            self.target.add(
                "django_valkey.W007",
                "the connection pools have no limit: OPTIONS['CONNECTION_POOL_KWARGS'] has no max_connections",
            )


def _is_loopback(host: str) -> bool:
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


# --------------------------------------------------------------------------------------------
# Django's own cache checks
# --------------------------------------------------------------------------------------------


class _Unbuildable(BaseCache):
    """Stands in ``django.core.cache.caches`` for a django-valkey cache that cannot be built, while
    Django's own cache checks run (they only look for ``FileBasedCache`` objects)."""


@contextmanager
def _stand_ins() -> Generator[None, None, None]:
    """For the duration of the block, in this thread, a stand-in for each django-valkey cache whose
    constructor raises, so that code iterating ``caches`` does not raise it (E0xx report it)."""
    from django.core.cache import caches

    installed: list[str] = []
    for target in _our_caches():
        if not target.errors():
            try:
                _build(target, clients=False)
                continue
            except Exception:
                pass
        caches[target.alias] = _Unbuildable({})
        installed.append(target.alias)
    try:
        yield
    finally:
        for alias in installed:
            try:
                del caches[alias]
            except AttributeError:
                pass


def _shielded(check: Callable[..., list[CheckMessage]]) -> Callable[..., list[CheckMessage]]:
    @functools.wraps(check)
    def run(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
        with _stand_ins():
            return check(app_configs, **kwargs)

    return run


_SHIELDED: set[object] = set()


def _shield_django_cache_checks() -> None:
    """Django's ``caches.W002``/``W003`` checks build every cache (``caches[alias]``) to look for
    file-based ones, so a django-valkey cache whose settings make its constructor raise (an unknown
    OPTIONS key, a bad CLIENT_CLASS) would crash ``manage.py check`` with a traceback before our
    messages are shown. Those two checks are re-registered to run with a stand-in for such caches."""
    from django.core.checks import caches as django_cache_checks
    from django.core.checks.registry import registry

    for name in ("check_file_based_cache_is_absolute", "check_cache_location_not_exposed"):
        original: object = getattr(django_cache_checks, name, None)
        if not callable(original) or original in _SHIELDED:
            continue
        _SHIELDED.add(original)
        tags: tuple[str, ...] = tuple(getattr(original, "tags", (Tags.caches,)))
        for deploy, found in ((False, registry.registered_checks), (True, registry.deployment_checks)):
            registered = cast("set[object]", found)
            if original in registered:
                registered.discard(original)
                checks.register(_shielded(cast("Callable[..., list[CheckMessage]]", original)), *tags, deploy=deploy)


def register() -> None:
    """Register the checks with Django (for the ``caches`` tag; the deploy ones for ``--deploy``).

    Called by the ``django_valkey`` app and when a backend module is imported; calling it again
    changes nothing."""
    checks.register(check_caches, Tags.caches)
    checks.register(check_caches_deploy, Tags.caches, deploy=True)
    _shield_django_cache_checks()
