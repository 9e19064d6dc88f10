"""What the GLIDE driver (``django_valkey.glide``) needs that does no I/O.

- ``GlideSettings``: the connection a LOCATION entry and the cache's OPTIONS describe, checked
  once (what GLIDE cannot do is refused here, naming the option);
- ``encode_args``: a command's arguments as the bytes valkey-py would send;
- ``reply``: GLIDE's reply turned back into the shape valkey-py hands its callers (GLIDE turns
  maps into dicts, sets into sets and simple strings into ``str``; valkey-py's response callbacks
  then run on it as they do on a valkey-py reply), so every ``Request`` parses it unchanged;
- ``translate``: a GLIDE exception as the valkey-py exception the error guard, the breaker and
  the error policy already know (a server's error reply keeps its code: ``READONLY``, ``OOM``...);
- for a cluster: ``glide_cluster_settings`` (the startup nodes), ``GlideNode`` and
  ``cluster_nodes`` (the nodes ``CLUSTER NODES`` lists), ``route_of`` (valkey-py's
  ``target_nodes`` as GLIDE's routes) and ``node_replies`` (GLIDE's per-node replies as
  valkey-py's: one node's reply as it is, several as a dict by node name, ``KEYS`` merged).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar, cast

from django.core.exceptions import ImproperlyConfigured
from glide_shared.config import (
    AdvancedGlideClientConfiguration,
    AdvancedGlideClusterClientConfiguration,
    GlideClientConfiguration,
    GlideClusterClientConfiguration,
    NodeAddress,
    ProtocolVersion,
    ReadFrom,
    ServerCredentials,
    TlsAdvancedConfiguration,
)
from glide_shared.constants import TEncodable
from glide_shared.exceptions import ClosingError, ConfigurationError, ExecAbortError, GlideError, RequestError
from glide_shared.exceptions import ConnectionError as GlideConnectionError
from glide_shared.exceptions import TimeoutError as GlideTimeoutError
from glide_shared.routes import AllNodes, AllPrimaries, ByAddressRoute, RandomNode, Route
from valkey import Valkey
from valkey.connection import DefaultParser, parse_url
from valkey.exceptions import ConnectionError as ValkeyConnectionError
from valkey.exceptions import DataError, ReadOnlyError, ValkeyError
from valkey.exceptions import ExecAbortError as ValkeyExecAbortError
from valkey.exceptions import TimeoutError as ValkeyTimeoutError

from django_valkey._options import call_timeouts
from django_valkey._redact import safe_repr
from django_valkey.base_pool import check_url

__all__ = [
    "NO_PRIMARY",
    "Leases",
    "READ_ONLY_MODE",
    "GlideNode",
    "GlideSettings",
    "cluster_config",
    "cluster_nodes",
    "encode_args",
    "glide_cluster_settings",
    "glide_settings",
    "native_config",
    "node_replies",
    "reply",
    "route_of",
    "translate",
]

# The CONNECTION_POOL_KWARGS that mean something to GLIDE; any other is refused by name.
_VALKEY_PY_CLASSES = ("CONNECTION_POOL_CLASS", "BASE_CLIENT_CLASS", "PARSER_CLASS")
_POOL_KWARGS = frozenset({"ssl_ca_certs", "ssl_cert_reqs", "client_name", "username", "password"})
# ... and those that mean something to GLIDE's cluster client (valkey-py's ValkeyCluster names).
_CLUSTER_POOL_KWARGS = _POOL_KWARGS | {"read_from_replicas"}


@dataclass(frozen=True)
class GlideSettings:
    """One server connection for GLIDE; equal settings share one multiplexed client per process
    (per event loop for asyncio). The password is never in the repr."""

    host: str
    port: int
    db: int
    tls: bool
    request_timeout_ms: int
    connect_timeout_ms: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    client_name: str | None = None
    ca_certs: bytes | None = field(default=None, repr=False)
    verify_tls: bool = True
    #: A cluster's other startup nodes (``host``/``port`` is the first).
    seeds: tuple[tuple[str, int], ...] = ()
    #: A cluster client's reads go to a replica of the key's slot when one is up.
    read_from_replicas: bool = False


def _milliseconds(seconds: float | None, default: float) -> int:
    return max(1, round((default if seconds is None else seconds) * 1000))


def glide_settings(url: str, options: Mapping[str, Any], cluster: bool = False) -> GlideSettings:
    """The ``GlideSettings`` for LOCATION entry ``url``; ``ImproperlyConfigured`` names what
    GLIDE cannot do (a ``unix://`` socket, a valkey-py pool option it has no equivalent for)."""
    if "," in url:
        raise ImproperlyConfigured(
            f"LOCATION {safe_repr(url)}: several servers in one URL; a cluster cache takes "
            "django_valkey.glide.GlideClusterConnectionFactory"
        )
    check_url(url)
    if url.lower().startswith("unix://"):
        raise ImproperlyConfigured(
            f"LOCATION {safe_repr(url)}: the GLIDE driver connects over TCP only, not to a unix:// socket"
        )
    for name in _VALKEY_PY_CLASSES:
        if options.get(name):
            raise ImproperlyConfigured(
                f"OPTIONS[{name!r}] names a valkey-py class, which the GLIDE driver does not use: remove it"
            )
    kwargs: dict[str, Any] = dict(options.get("CONNECTION_POOL_KWARGS") or {})
    known = _CLUSTER_POOL_KWARGS if cluster else _POOL_KWARGS
    unknown = sorted(set(kwargs) - known)
    if unknown:
        raise ImproperlyConfigured(
            f"OPTIONS['CONNECTION_POOL_KWARGS'] {', '.join(unknown)}: not supported by the GLIDE driver "
            f"(it takes {', '.join(sorted(known))})"
        )
    parse: Any = parse_url  # a TypedDict of valkey-py's, read here key by key
    parsed: dict[str, Any] = parse(url)
    _, read, connect = call_timeouts(options)  # already bounded by DEADLINE
    password = parsed.get("password") or kwargs.get("password") or options.get("PASSWORD")
    if password is not None and not isinstance(password, str):
        raise ImproperlyConfigured("OPTIONS['PASSWORD'] must be a string")
    ca_path = kwargs.get("ssl_ca_certs")
    ca_certs: bytes | None = None
    if ca_path is not None:
        try:
            with open(ca_path, "rb") as pem:
                ca_certs = pem.read()
        except OSError as exc:
            raise ImproperlyConfigured(f"CONNECTION_POOL_KWARGS['ssl_ca_certs'] {ca_path!r}: {exc.strerror}") from None
    cert_reqs = kwargs.get("ssl_cert_reqs", "required")
    return GlideSettings(
        host=str(parsed.get("host") or "127.0.0.1"),
        port=int(parsed.get("port") or 6379),
        db=int(parsed.get("db") or 0),
        tls="connection_class" in parsed,
        request_timeout_ms=_milliseconds(read, 1.0),
        connect_timeout_ms=_milliseconds(connect, 1.0),
        username=parsed.get("username") or kwargs.get("username"),
        password=password,
        client_name=kwargs.get("client_name"),
        ca_certs=ca_certs,
        verify_tls=cert_reqs not in (None, "none", 0),
        read_from_replicas=bool(kwargs.get("read_from_replicas", False)),
    )


def glide_cluster_settings(location: str, options: Mapping[str, Any]) -> GlideSettings:
    """The ``GlideSettings`` for a cluster LOCATION (comma-separated startup nodes; the first
    URL's credentials, TLS and database apply to all): database 0 only, as a cluster has."""
    urls = [url.strip() for url in location.split(",") if url.strip()]
    if not urls:
        raise ImproperlyConfigured("a cluster LOCATION needs at least one node URL")
    first = glide_settings(urls[0], options, cluster=True)
    if first.db != 0:
        raise ImproperlyConfigured(f"LOCATION {safe_repr(urls[0])}: a cluster has database 0 only, not {first.db}")
    seeds = tuple(
        (other.host, other.port) for other in (glide_settings(url, options, cluster=True) for url in urls[1:])
    )
    return replace(first, seeds=seeds)


def _tls(settings: GlideSettings) -> TlsAdvancedConfiguration | None:
    if settings.tls and (settings.ca_certs is not None or not settings.verify_tls):
        return TlsAdvancedConfiguration(
            use_insecure_tls=None if settings.verify_tls else True, root_pem_cacerts=settings.ca_certs
        )
    return None


def _credentials(settings: GlideSettings) -> ServerCredentials | None:
    if settings.password is not None or settings.username is not None:
        return ServerCredentials(password=settings.password, username=settings.username)
    return None


def native_config(settings: GlideSettings, read_only: bool = False) -> GlideClientConfiguration:
    """The native client's configuration for ``settings``: RESP2 (valkey-py's reply shapes), the
    database, credentials, TLS, the read timeout as GLIDE's request timeout, and a lazy connect
    (building the client never waits for the server; the first command does)."""
    return GlideClientConfiguration(
        [NodeAddress(settings.host, settings.port)],
        use_tls=settings.tls,
        credentials=_credentials(settings),
        request_timeout=settings.request_timeout_ms,
        database_id=settings.db,
        client_name=settings.client_name,
        protocol=ProtocolVersion.RESP2,
        advanced_config=AdvancedGlideClientConfiguration(
            connection_timeout=settings.connect_timeout_ms, tls_config=_tls(settings)
        ),
        lazy_connect=True,
        read_only=read_only,
    )


def cluster_config(settings: GlideSettings) -> GlideClusterClientConfiguration:
    """The native cluster client's configuration for ``settings``: as ``native_config``, every
    startup node, and reads from a replica of the key's slot with ``read_from_replicas``."""
    addresses = [NodeAddress(settings.host, settings.port)]
    addresses += [NodeAddress(host, port) for host, port in settings.seeds]
    return GlideClusterClientConfiguration(
        addresses,
        use_tls=settings.tls,
        credentials=_credentials(settings),
        read_from=ReadFrom.PREFER_REPLICA if settings.read_from_replicas else ReadFrom.PRIMARY,
        request_timeout=settings.request_timeout_ms,
        client_name=settings.client_name,
        protocol=ProtocolVersion.RESP2,
        advanced_config=AdvancedGlideClusterClientConfiguration(
            connection_timeout=settings.connect_timeout_ms, tls_config=_tls(settings)
        ),
        lazy_connect=True,
    )


def _encode(arg: object) -> TEncodable:
    if isinstance(arg, (bytes, str)):
        return arg
    if isinstance(arg, bool):  # an int, but valkey-py refuses it: a bool is never a command argument
        raise DataError(f"Invalid input of type: 'bool'. Convert to a bytes, string, int or float first, got {arg!r}")
    if isinstance(arg, int):
        return str(arg)
    if isinstance(arg, float):
        return repr(arg)
    if isinstance(arg, memoryview):
        return arg.tobytes()
    raise DataError(f"Invalid input of type: {type(arg).__name__!r}. Convert to a bytes, string, int or float first.")


# Commands that hold their connection until they return: on GLIDE's one shared connection per
# server they would stall every other caller of the process.
BLOCKING = frozenset({"BLPOP", "BRPOP", "BLMOVE", "BRPOPLPUSH", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP", "WAIT"})


def encode_args(args: tuple[Any, ...]) -> list[TEncodable]:
    """``args`` as GLIDE sends them: valkey-py's encoding (ints and floats as their digits, a
    two-word command name such as ``"CONFIG GET"`` as two arguments). A blocking command
    raises ``NotImplementedError``: it would hold the connection every caller shares."""
    name = args[0]
    if name in BLOCKING:
        raise NotImplementedError(
            f"{name} blocks its connection, and the GLIDE driver shares one connection per server between "
            "every caller of the process: use the default (valkey-py) driver for blocking commands"
        )
    encoded: list[TEncodable] = []
    if isinstance(name, str) and " " in name:
        encoded.extend(name.split())
    else:
        encoded.append(_encode(name))
    encoded.extend(_encode(arg) for arg in args[1:])
    return encoded


def _resp2(value: object) -> Any:
    """GLIDE's reply in RESP2's shape: a simple string as bytes, a map as a flat list, a set as a list."""
    if value is None or isinstance(value, (bytes, int, float)):
        return value
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, Mapping):
        flat: list[Any] = []
        for key, item in cast(Mapping[object, object], value).items():
            flat.append(_resp2(key))
            flat.append(_resp2(item))
        return flat
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_resp2(item) for item in cast(Iterable[object], value)]
    return value


# valkey-py's response callbacks for RESP2, as a ``valkey.Valkey`` has them (building one opens
# no connection).
_CALLBACKS: Mapping[str, Callable[..., Any]] = dict(Valkey(protocol=2).response_callbacks)


def reply(name: str, value: object) -> Any:
    """The reply to command ``name`` as valkey-py would return it."""
    if value is None:
        return value
    if type(value) is bytes:  # GET: the hot path (a bulk string with no callback)
        parse = _CALLBACKS.get(name)
        if parse is None and not name.isupper():
            parse = _CALLBACKS.get(name.upper())
        return value if parse is None else parse(value)
    raw = _resp2(value)
    callback = _CALLBACKS.get(name.upper())
    return raw if callback is None else callback(raw)


# GLIDE's names for the error kinds it recognises, and the code the server replied with.
_KINDS = {
    "ResponseError": "ERR",
    "ReadOnly": "READONLY",
    "NoScriptError": "NOSCRIPT",
    "BusyLoadingError": "LOADING",
    "ExecAbortError": "EXECABORT",
    "TryAgain": "TRYAGAIN",
    "ClusterDown": "CLUSTERDOWN",
    "CrossSlot": "CROSSSLOT",
    "MasterDown": "MASTERDOWN",
    "NotBusy": "NOTBUSY",
    "NoPermission": "NOPERM",
    "AuthenticationFailed": "WRONGPASS",
}
_SERVER_SAID = "An error was signalled by the server: - "
#: GLIDE's standalone client connected to a replica (it wants a primary unless read-only).
NO_PRIMARY = "No primary node found"
#: GLIDE's read-only mode refusing a write without sending it.
READ_ONLY_MODE = "write commands are not allowed in read-only mode"
# GLIDE's words for a connection it could not make (a lazy connect reports it on the first command).
_NOT_CONNECTED = ("Standalone connect failed", "Cluster connect failed", "Connection refused", "Connection reset")


def server_error(message: str) -> ValkeyError:
    """The valkey-py exception for a server's error reply as GLIDE words it ("An error was
    signalled by the server: - ReadOnly: ..." or "OOM: ...")."""
    if message.startswith(_SERVER_SAID):
        kind, _, detail = message[len(_SERVER_SAID) :].partition(": ")
        code = _KINDS.get(kind, kind.upper())
    else:
        code, said, detail = message.partition(": ")
        if not said or " " in code:
            return _parse_error(message)
    return _parse_error(f"{code} {detail}")


def _parse_error(text: str) -> ValkeyError:
    """valkey-py's own reading of a server's error reply (its code picks the exception class)."""
    parser: Any = DefaultParser  # valkey-py leaves parse_error unannotated
    error: ValkeyError = parser.parse_error(text)
    return error


def translate(exc: GlideError) -> ValkeyError:
    """``exc`` as the valkey-py exception a valkey-py client would have raised."""
    message = str(exc)
    if isinstance(exc, GlideTimeoutError):
        return ValkeyTimeoutError(f"Timeout reading from the server ({message})")
    if isinstance(exc, (GlideConnectionError, ClosingError)):
        return ValkeyConnectionError(f"Error connecting to the server: {message}")
    if isinstance(exc, ExecAbortError):
        return ValkeyExecAbortError(message)
    if isinstance(exc, RequestError):
        if READ_ONLY_MODE in message:  # refused before sending, as a replica would have refused it
            return ReadOnlyError(f"You can't write against a read only replica ({message.strip()})")
        if message.startswith(_NOT_CONNECTED) or "IoError" in message:
            return ValkeyConnectionError(f"Error connecting to the server: {message.strip()}")
        return server_error(message)
    if isinstance(exc, ConfigurationError):
        return DataError(message)
    return ValkeyError(message)


N = TypeVar("N")


class Leases(Generic[N]):
    """A raw client's GLIDE client, lent to each call, and closed only once no call holds it.

    GLIDE's sync client frees its Rust core in ``close()`` even while a command of another
    thread is running on it, which crashes the process. So a raw client never closes the
    native client itself: ``retire`` takes it out of use, and the caller that hands it back last
    (``give_back``) closes it. ``take`` and ``give_back`` cost one uncontended lock each.
    """

    __slots__ = ("_calls", "_current", "_lock", "_retired")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: N | None = None
        self._calls: dict[int, int] = {}  # id(native) -> calls holding it
        self._retired: dict[int, N] = {}

    @property
    def current(self) -> N | None:
        """The native client in use (``None``: none built yet, or retired)."""
        return self._current

    def take(self) -> N | None:
        """The native client in use, lent to one call (``None``: build one and ``install`` it)."""
        with self._lock:
            native = self._current
            if native is not None:
                key = id(native)
                self._calls[key] = self._calls.get(key, 0) + 1
            return native

    def install(self, built: N) -> tuple[N, N | None]:
        """Put ``built`` in use unless another caller's is already: the native client lent to
        this call, and the one to close (``built`` when it lost the race)."""
        with self._lock:
            native = self._current
            if native is None:
                native = self._current = built
            key = id(native)
            self._calls[key] = self._calls.get(key, 0) + 1
            return native, (None if native is built else built)

    def give_back(self, native: N) -> N | None:
        """``native`` handed back by a call: it, if it is now retired and idle (close it)."""
        with self._lock:
            key = id(native)
            left = self._calls.get(key, 1) - 1
            if left > 0:
                self._calls[key] = left
                return None
            self._calls.pop(key, None)
            return self._retired.pop(key, None)

    def retire(self, native: N | None = None) -> N | None:
        """Take the native client in use (or ``native``, if it still is) out of use: it, if no
        call holds it (close it); otherwise the last call out gets it from ``give_back``."""
        with self._lock:
            current = self._current
            if current is None or (native is not None and native is not current):
                return None
            self._current = None
            key = id(current)
            if self._calls.get(key, 0) > 0:
                self._retired[key] = current
                return None
            return current


# ------------------------------------------------------------------------------ cluster


@dataclass(frozen=True)
class GlideNode:
    """A node of a cluster as GLIDE's cluster raw client lists it (``list_nodes``), and a
    ``target_nodes`` value: ``name`` is ``"host:port"``, as valkey-py's ``ClusterNode.name``."""

    host: str
    port: int
    server_type: str = "primary"  # or "replica"

    @property
    def name(self) -> str:
        return f"{self.host}:{self.port}"


def cluster_nodes(parsed: Mapping[str, Mapping[str, Any]]) -> list[GlideNode]:
    """The reachable nodes of a ``CLUSTER NODES`` reply as valkey-py parses it (a dict by
    ``"host:port"``), primaries first; a node flagged ``fail``, ``noaddr`` or ``handshake`` is
    left out: no command can reach it."""
    nodes: list[GlideNode] = []
    for address, fields in parsed.items():
        flags = set(str(fields.get("flags", "")).split(","))
        host, _, port = address.rpartition(":")
        if flags & {"fail", "noaddr", "handshake"} or not host or not port.isdigit():
            continue
        nodes.append(GlideNode(host, int(port), "primary" if "master" in flags else "replica"))
    nodes.sort(key=lambda node: (node.server_type != "primary", node.name))
    return nodes


_FLAG_ROUTES: Mapping[str, Callable[[], Route]] = {
    "primaries": AllPrimaries,
    "all": AllNodes,
    "random": RandomNode,
    "default-node": RandomNode,  # GLIDE keeps no default node: any one node
}


def route_of(target: object) -> Route | list[Route] | None:
    """valkey-py's ``target_nodes`` as GLIDE routes: ``None`` (GLIDE's own routing: by key, or the
    command's documented policy), one route, or one route per node of a list. ``"replicas"`` is
    not a GLIDE route: the raw client turns it into its replicas' list first."""
    if target is None:
        return None
    if isinstance(target, str):
        route = _FLAG_ROUTES.get(target)
        if route is None:
            raise ValueError(f"target_nodes {target!r} has no GLIDE route")
        return route()
    if isinstance(target, (list, tuple)):
        return [_address_route(node) for node in cast(Iterable[object], target)]
    return _address_route(target)


def _address_route(node: object) -> Route:
    name = getattr(node, "name", None)
    if not isinstance(name, str) or ":" not in name:
        raise TypeError(f"target_nodes takes a node flag, a cluster node or a list of them, got {safe_repr(node)}")
    host, _, port = name.rpartition(":")
    return ByAddressRoute(host, int(port))


# Replies valkey-py's cluster client merges when several nodes answer.
_MERGED = frozenset({"KEYS"})


def node_replies(name: str, value: object, several: bool) -> Any:
    """The reply to ``name`` from GLIDE's cluster client as valkey-py's cluster client returns it:
    when ``several`` nodes were asked and GLIDE gives one reply per node (a dict by address),
    a dict by node name (``KEYS``: one list); otherwise the one reply."""
    if several and isinstance(value, Mapping):
        per_node = {
            (node.decode() if isinstance(node, bytes) else str(node)): reply(name, item)
            for node, item in cast(Mapping[object, object], value).items()
        }
        return merge_nodes(name, per_node)
    return reply(name, value)


def merge_nodes(name: str, per_node: Mapping[str, Any]) -> Any:
    """Several nodes' replies (a dict by node name) as valkey-py's cluster client returns them:
    one node's reply as it is, ``KEYS`` as one list, the others as the dict."""
    if len(per_node) == 1:
        return next(iter(per_node.values()))
    if name.upper() in _MERGED:
        return [item for items in per_node.values() for item in items]
    return dict(per_node)
