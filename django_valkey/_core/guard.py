"""The error policy around every cache call: ConnectionInterrupted, or fail open when told to."""

from __future__ import annotations

import logging
from types import TracebackType

from django.core.cache.backends.base import InvalidCacheKey
from django.core.exceptions import ImproperlyConfigured
from valkey.exceptions import (
    ClusterDownError,
    OutOfMemoryError,
    ReadOnlyError,
    ResponseError,
    ValkeyClusterException,
    ValkeyError,
)
from valkey.exceptions import ConnectionError as ValkeyConnectionError
from valkey.exceptions import TimeoutError as ValkeyTimeoutError

from django_valkey._redact import drop_secret_frames
from django_valkey.exceptions import CacheTimeout, ConnectionInterrupted, WriteRefused

__all__ = ["CONNECTION_ERRORS", "REFUSALS", "ErrorGuard", "is_refusal"]

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
        if isinstance(exc, (ValkeyError, ImproperlyConfigured, *CONNECTION_ERRORS)):
            # Errors from the wire may have passed through valkey-py's AUTH frame, whose locals
            # hold the password, and configuration errors through frames holding LOCATION.
            # (Errors in the caller's data, e.g. incr's ValueError for a missing key, often used
            # for control flow, are not walked: they cost nothing extra.)
            drop_secret_frames(exc)
        if not isinstance(exc, CONNECTION_ERRORS):
            if isinstance(exc, UnicodeEncodeError):
                # A key (or hash field, or pattern) that is not valid text: a lone surrogate.
                raise InvalidCacheKey(
                    f"Cache key {exc.object!r} cannot be sent to the server: {exc.reason} (character {exc.start})"
                ) from exc
            if not isinstance(exc, Exception) or not is_refusal(exc):
                return False
            if not self.ignore:
                raise WriteRefused("the server refused the write") from exc
        if self.ignore:
            if self.log:
                self.logger.warning("django-valkey ignored a connection error: %s", exc, exc_info=exc)
            return True
        if isinstance(exc, ConnectionInterrupted):
            return False
        if isinstance(exc, (ValkeyTimeoutError, TimeoutError)):  # TimeoutError: socket.timeout too
            raise CacheTimeout("the cache server did not answer in time") from exc
        raise ConnectionInterrupted("the cache server could not be reached") from exc
