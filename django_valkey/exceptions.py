"""Exceptions raised by django-valkey."""

from __future__ import annotations

import pickle
import time

from valkey.exceptions import ConnectionError as ValkeyConnectionError
from valkey.exceptions import NoPermissionError, ResponseError
from valkey.exceptions import TimeoutError as ValkeyTimeoutError

__all__ = [
    "CacheTimeout",
    "CircuitOpen",
    "CommandError",
    "CommandNotPermitted",
    "CompressorError",
    "DeadlineExceeded",
    "ConnectionInterrupted",
    "describe_error",
    "SerializerError",
    "SerializerPicklingError",
    "SerializerUnpicklingError",
    "WriteRefused",
]


class ConnectionInterrupted(ValkeyConnectionError):
    """The server could not be reached or stopped answering.

    Raised by cache methods when ``IGNORE_EXCEPTIONS`` is off; the valkey-py error is chained as
    ``__cause__``. ``connection`` is the raw client that failed, when known.

    It is also a ``valkey.exceptions.ConnectionError``, so code written for django-valkey 0.4 or
    django-redis, which let valkey-py's (redis-py's) error through, still catches it.
    """

    def __init__(self, message: str = "", connection: object | None = None) -> None:
        super().__init__(message)
        self.connection = connection

    def __str__(self) -> str:
        base = super().__str__()
        cause = self.__cause__
        if cause is None:
            return base
        text = f"{type(cause).__name__}: {describe_error(cause)}"
        return f"{base}: {text}" if base else text


_PIPELINE_ERROR = ") of pipeline caused error: "


def describe_error(error: BaseException, limit: int = 300) -> str:
    """``str(error)`` fit for a message: valkey-py names a failed pipeline command with all its
    arguments (values included); only the command's name and first key are kept, and the text is
    cut to about ``limit`` characters."""
    text = str(error)
    head, found, tail = text.rpartition(_PIPELINE_ERROR)
    if found:
        number, _, command = head.partition(" (")
        words = command.split(" ", 2)
        text = f"{number} ({' '.join(words[:2])}{' ...' if len(words) > 2 else ''}{_PIPELINE_ERROR}{tail}"
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


class CacheTimeout(ConnectionInterrupted, ValkeyTimeoutError):
    """A ``ConnectionInterrupted`` whose cause is a timeout: the server did not accept the
    connection or answer within ``SOCKET_CONNECT_TIMEOUT`` / ``SOCKET_TIMEOUT``. It is also a
    ``valkey.exceptions.TimeoutError``, which valkey-py raised there."""


class WriteRefused(ConnectionInterrupted, ResponseError):
    """The server refused a write it would otherwise have taken: out of memory (``maxmemory``
    with the ``noeviction`` policy) or a read-only replica. Like a lost connection it means the
    cache is unavailable, so ``IGNORE_EXCEPTIONS`` fails open on it; nothing was written. The
    message names the operation and its keys, never the values; valkey-py's error is chained.
    It is also a ``valkey.exceptions.ResponseError``, the error valkey-py raised for the refusal."""


class CompressorError(Exception):
    """A compressor was given data that is not in its format.

    The codec catches it and reads the value as uncompressed, since values shorter than the
    compressor's minimum length are stored as they are.
    """


class SerializerError(ValueError):
    """A value could not be serialized, or a stored value could not be deserialized.

    The message names the serializer and, when reading, the key; the original error is chained.
    Nothing is written to the cache when serialization fails.
    """


class SerializerPicklingError(SerializerError, pickle.PicklingError):
    """A ``SerializerError`` raised when the serializer failed with a ``pickle.PickleError``.

    It is also a ``pickle.PicklingError``, so code written for Django's backends, which let
    pickle's error through (``except pickle.PickleError``), keeps working.
    """


class SerializerUnpicklingError(SerializerError, pickle.UnpicklingError):
    """A ``SerializerError`` raised when a stored value failed to load with a
    ``pickle.PickleError``; it is also a ``pickle.UnpicklingError``."""


class CircuitOpen(ConnectionInterrupted):
    """The server's circuit breaker is open: it failed too many calls in a row, so calls to it
    fail at once, without touching the network, until a probe call succeeds (see
    ``OPTIONS["CIRCUIT_BREAKER"]``). ``server`` is the LOCATION entry (credentials redacted),
    ``since`` the Unix time the circuit opened. ``IGNORE_EXCEPTIONS`` fails open on it."""

    def __init__(self, server: str, since: float) -> None:
        super().__init__()  # the message is written when asked for: raising must stay cheap
        self.server = server
        self.since = since

    def __str__(self) -> str:
        when = time.strftime("%H:%M:%S", time.localtime(self.since))
        return f"circuit open for {self.server} since {when}: calls to it fail at once until a probe succeeds"

    def __repr__(self) -> str:
        return f"CircuitOpen({str(self)!r})"


class DeadlineExceeded(CacheTimeout):
    """The call did not finish within ``OPTIONS["DEADLINE"]`` (connecting, waiting for a pooled
    connection, sending, reading and retrying included). ``deadline`` is that number of seconds.
    ``IGNORE_EXCEPTIONS`` fails open on it."""

    def __init__(self, what: str, deadline: float) -> None:
        super().__init__(f"{what} did not finish within its deadline of {deadline:g} s")
        self.deadline = deadline


class CommandError(ResponseError):
    """The server refused a command for a reason that is a bug or a misconfiguration, not a sick
    server: no permission (ACL), an unknown command, wrong arguments. Always raised, even with
    ``IGNORE_EXCEPTIONS``. The message names the operation, the server and the key; valkey-py's
    error is chained. It is a valkey-py ``ResponseError``, so ``except ResponseError`` still
    catches it."""


class CommandNotPermitted(CommandError, NoPermissionError):
    """The server's ACL does not let this connection's user run the command or touch the key
    (``NOPERM``); also a valkey-py ``NoPermissionError``."""
