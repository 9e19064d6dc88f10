"""The error policy around every cache call: ConnectionInterrupted, or fail open when told to."""

from __future__ import annotations

import logging
from types import TracebackType

from django.core.cache.backends.base import InvalidCacheKey
from django.core.exceptions import ImproperlyConfigured
from valkey.exceptions import (
    AuthenticationError,
    AuthorizationError,
    BusyLoadingError,
    ClusterDownError,
    MaxConnectionsError,
    NoPermissionError,
    OutOfMemoryError,
    ReadOnlyError,
    ResponseError,
    TryAgainError,
    ValkeyClusterException,
    ValkeyError,
)
from valkey.exceptions import ConnectionError as ValkeyConnectionError
from valkey.exceptions import TimeoutError as ValkeyTimeoutError

from django_valkey._redact import drop_secret_frames
from django_valkey._sync.deadline import DeadlineReached
from django_valkey.exceptions import (
    CacheTimeout,
    CircuitOpen,
    CommandError,
    CommandNotPermitted,
    ConnectionInterrupted,
    DeadlineExceeded,
    WriteRefused,
    describe_error,
)

__all__ = [
    "CONNECTION_ERRORS",
    "REFUSALS",
    "ErrorGuard",
    "cluster_unavailable",
    "is_refusal",
    "not_run",
    "policy_error",
    "unavailable",
]

#: Errors that mean "the server could not be reached or did not answer".
CONNECTION_ERRORS: tuple[type[Exception], ...] = (
    ValkeyConnectionError,
    ValkeyTimeoutError,
    ConnectionInterrupted,
    OSError,
    ValkeyClusterException,  # no startup node reachable, a slot no node serves
    ClusterDownError,
)


#: Server replies that refuse a write the server would take when healthy (out of memory under
#: ``noeviction``, a replica that has become read-only): the cache is unavailable, as with a
#: lost connection, so they fail open under ``IGNORE_EXCEPTIONS`` too.
REFUSALS: tuple[type[Exception], ...] = (OutOfMemoryError, ReadOnlyError)


def is_refusal(error: BaseException) -> bool:
    """Whether ``error`` is a server's refusal of a write (see ``REFUSALS``); a script relays the
    refusal of a command it ran as a plain error reply starting with the same code."""
    if isinstance(error, REFUSALS):
        return True
    return isinstance(error, ResponseError) and str(error).startswith(("OOM ", "READONLY "))


# Error replies that say the server did not run the command (so sending it again is safe):
# a demoted primary, a server loading its data, a cluster slot moving or a cluster that is down.
_NOT_RUN_REPLIES = ("READONLY ", "LOADING ", "TRYAGAIN ", "CLUSTERDOWN ", "MASTERDOWN ")
# Replies that mean the server is not serving at all: they count against its circuit.
_DOWN_REPLIES = ("LOADING ", "CLUSTERDOWN ", "MASTERDOWN ")
# valkey-py's messages for a connection that failed before the command was sent, and for the
# Sentinel-managed connection that met a demoted primary (its READONLY, rewritten).
_NOT_SENT_TEXT = (" connecting to ", "The previous master is now a slave")
# Authentication and ACL failures: a misconfiguration, never ignored.
_NOT_PERMITTED = (NoPermissionError, AuthenticationError, AuthorizationError)


def not_run(error: BaseException) -> bool:
    """Whether the server certainly did not run the command that failed with ``error``: it
    refused it before running it (READONLY, LOADING, TRYAGAIN, CLUSTERDOWN, MASTERDOWN), or the
    connection failed before the command was sent. A timeout is never one (the command may be
    running)."""
    if isinstance(error, (ReadOnlyError, BusyLoadingError, TryAgainError, ClusterDownError)):
        return True
    if isinstance(error, (ValkeyTimeoutError, ConnectionInterrupted, MaxConnectionsError, *_NOT_PERMITTED)):
        return False  # a timeout, already our verdict (e.g. a refused write), or the pool's wait
    text = str(error)
    if isinstance(error, ValkeyConnectionError):
        return any(part in text for part in _NOT_SENT_TEXT)
    return isinstance(error, ResponseError) and text.startswith(_NOT_RUN_REPLIES)


def unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the server is unavailable (unreachable, not answering in time,
    loading, cluster down): such errors count against the server's circuit and fail open under
    ``IGNORE_EXCEPTIONS``. An open circuit is not counted again; a refused login is not one."""
    if isinstance(error, (CircuitOpen, WriteRefused, MaxConnectionsError, *_NOT_PERMITTED)):
        return False  # not counted again / the server answered / our own pool is full / misconfigured
    if isinstance(error, CONNECTION_ERRORS) or isinstance(error, TimeoutError):
        return True
    return isinstance(error, ResponseError) and str(error).startswith(_DOWN_REPLIES)


def cluster_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says a whole cluster is unavailable (no node reachable, CLUSTERDOWN),
    rather than one of its nodes: what opens the one circuit of a cluster client."""
    if isinstance(error, (ClusterDownError, ValkeyClusterException)):
        return True
    return isinstance(error, ResponseError) and str(error).startswith(("CLUSTERDOWN ", "MASTERDOWN "))


def policy_error(error: BaseException, what: str, server: str) -> Exception | None:
    """The django-valkey exception that ``error`` (from ``what`` on ``server``) becomes, naming
    both (the cause is chained by the caller); ``None`` when ``error`` stands as it is (already
    ours, or an error in the caller's data such as a ``TypeError``)."""
    where = f"{what} on {server}"
    if isinstance(error, ConnectionInterrupted):
        return None
    if isinstance(error, _NOT_PERMITTED):
        return CommandNotPermitted(f"{where} was not permitted: {describe_error(error)}")
    if isinstance(error, Exception) and is_refusal(error):
        return WriteRefused(f"{where} was refused by the server")
    if isinstance(error, DeadlineReached):
        return DeadlineExceeded(where, error.seconds)
    if isinstance(error, (ValkeyTimeoutError, TimeoutError)):
        return CacheTimeout(f"{where} timed out")
    if isinstance(error, MaxConnectionsError):
        return ConnectionInterrupted(f"{where} found no free connection in the pool in time")
    if unavailable(error):
        return ConnectionInterrupted(f"{where} failed: the server is unavailable")
    if isinstance(error, ResponseError) and not isinstance(error, CommandError):
        return CommandError(f"{where} failed: {describe_error(error)}")
    return None


class ErrorGuard:
    """``with cache._guard: ...`` around each cache operation (sync or async alike).

    A connection error becomes ``ConnectionInterrupted`` (the original chained), or, with
    ``IGNORE_EXCEPTIONS``, is swallowed (and logged with ``LOG_IGNORED_EXCEPTIONS``) so the method
    goes on to return its fallback: the default for reads, a falsy value for writes. One guard
    serves a cache for its whole life; it holds no per-call state, so threads and tasks share it.
    """

    __slots__ = ("ignore", "log", "logger")

    def __init__(self, ignore: bool, log: bool, logger: logging.Logger) -> None:
        self.ignore = ignore
        self.log = log
        self.logger = logger

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        if exc is None:
            return False
        if isinstance(exc, CircuitOpen):  # raised before any I/O: no frame to clean
            return self._swallowed(exc)
        if isinstance(exc, (ValkeyError, ImproperlyConfigured, *CONNECTION_ERRORS)):
            # Errors from the wire may have passed through valkey-py's AUTH frame, whose locals
            # hold the password, and configuration errors through frames holding LOCATION.
            # (Errors in the caller's data, e.g. incr's ValueError for a missing key, often used
            # for control flow, are not walked: they cost nothing extra.)
            drop_secret_frames(exc)
        if isinstance(exc, _NOT_PERMITTED):  # a misconfiguration: never ignored
            if isinstance(exc, CommandError):
                return False
            raise CommandNotPermitted(f"the server refused: {describe_error(exc)}") from exc
        if not (isinstance(exc, CONNECTION_ERRORS) or unavailable(exc)):
            if isinstance(exc, UnicodeEncodeError):
                # A key (or hash field, or pattern) that is not valid text: a lone surrogate.
                raise InvalidCacheKey(
                    f"Cache key {exc.object!r} cannot be sent to the server: {exc.reason} (character {exc.start})"
                ) from exc
            if not isinstance(exc, Exception) or not is_refusal(exc):
                return False
            if not self.ignore:
                raise WriteRefused("the server refused the write") from exc
        if self._swallowed(exc) or isinstance(exc, ConnectionInterrupted):
            return self.ignore
        if isinstance(exc, (ValkeyTimeoutError, TimeoutError)):  # TimeoutError: socket.timeout too
            raise CacheTimeout("the cache server did not answer in time") from exc
        raise ConnectionInterrupted("the cache server could not be reached") from exc

    def _swallowed(self, exc: BaseException) -> bool:
        """Whether the unavailability error ``exc`` is ignored (and logged, if asked)."""
        if self.ignore and self.log:
            self.logger.warning("django-valkey ignored a connection error: %s", exc, exc_info=exc)
        return self.ignore
