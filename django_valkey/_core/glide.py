"""What the GLIDE driver (``django_valkey.glide``) needs that does no I/O.

- ``GlideSettings``: the connection a LOCATION entry and the cache's OPTIONS describe, checked
  once (what GLIDE cannot do is refused here, naming the option);
- ``encode_args``: a command's arguments as the bytes valkey-py would send;
- ``reply``: GLIDE's reply turned back into the shape valkey-py hands its callers (GLIDE turns
  maps into dicts, sets into sets and simple strings into ``str``; valkey-py's response callbacks
  then run on it as they do on a valkey-py reply), so every ``Request`` parses it unchanged;
- ``translate``: a GLIDE exception as the valkey-py exception the error guard, the breaker and
  the error policy already know (a server's error reply keeps its code: ``READONLY``, ``OOM``...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.exceptions import ImproperlyConfigured
from glide_shared.constants import TEncodable
from glide_shared.exceptions import ClosingError, ConfigurationError, ExecAbortError, GlideError, RequestError
from glide_shared.exceptions import ConnectionError as GlideConnectionError
from glide_shared.exceptions import TimeoutError as GlideTimeoutError
from valkey import Valkey
from valkey.connection import DefaultParser, parse_url
from valkey.exceptions import ConnectionError as ValkeyConnectionError
from valkey.exceptions import DataError, ReadOnlyError, ValkeyError
from valkey.exceptions import ExecAbortError as ValkeyExecAbortError
from valkey.exceptions import TimeoutError as ValkeyTimeoutError

from django_valkey._options import call_timeouts
from django_valkey._redact import safe_repr
from django_valkey.base_pool import check_url

__all__ = ["NO_PRIMARY", "READ_ONLY_MODE", "GlideSettings", "encode_args", "glide_settings", "reply", "translate"]

# The CONNECTION_POOL_KWARGS that mean something to GLIDE; any other is refused by name.
_VALKEY_PY_CLASSES = ("CONNECTION_POOL_CLASS", "BASE_CLIENT_CLASS", "PARSER_CLASS")
_POOL_KWARGS = frozenset({"ssl_ca_certs", "ssl_cert_reqs", "client_name", "username", "password"})


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


def _milliseconds(seconds: float | None, default: float) -> int:
    return max(1, round((default if seconds is None else seconds) * 1000))


def glide_settings(url: str, options: Mapping[str, Any]) -> GlideSettings:
    """The ``GlideSettings`` for LOCATION entry ``url``; ``ImproperlyConfigured`` names what
    GLIDE cannot do (a ``unix://`` socket, a valkey-py pool option it has no equivalent for)."""
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
    unknown = sorted(set(kwargs) - _POOL_KWARGS)
    if unknown:
        raise ImproperlyConfigured(
            f"OPTIONS['CONNECTION_POOL_KWARGS'] {', '.join(unknown)}: not supported by the GLIDE driver "
            f"(it takes {', '.join(sorted(_POOL_KWARGS))})"
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
    if value is None or type(value) is bytes:  # GET, MGET's items: the hot path
        return value
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
