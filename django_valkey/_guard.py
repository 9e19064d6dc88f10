"""The error policy around every cache call: ConnectionInterrupted, or fail open when told to."""

from __future__ import annotations

import logging
from types import TracebackType

from valkey.exceptions import ConnectionError as ValkeyConnectionError
from valkey.exceptions import TimeoutError as ValkeyTimeoutError

from django_valkey.exceptions import ConnectionInterrupted

__all__ = ["CONNECTION_ERRORS", "ErrorGuard"]

#: Errors that mean "the server could not be reached or did not answer".
CONNECTION_ERRORS: tuple[type[Exception], ...] = (
    ValkeyConnectionError,
    ValkeyTimeoutError,
    ConnectionInterrupted,
    OSError,
)


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
        if exc is None or not isinstance(exc, CONNECTION_ERRORS):
            return False
        if self.ignore:
            if self.log:
                self.logger.warning("django-valkey ignored a connection error: %s", exc, exc_info=exc)
            return True
        if isinstance(exc, ConnectionInterrupted):
            return False
        raise ConnectionInterrupted("the cache server could not be reached") from exc
