"""What an observer (``OPTIONS["OBSERVER"]``) is told: one ``OperationEvent`` per cache operation,
one ``CircuitEvent`` per change of a server's circuit breaker.

An observer is any object with the two methods of ``django_valkey.protocols.ObserverProtocol``;
``Observer`` below is a base class whose methods do nothing, for observers that need only one.
The shipped observers live in this package: ``otel`` (OpenTelemetry spans and metrics),
``prometheus`` (Prometheus counters, a histogram and a gauge) and ``debug_toolbar`` (the
django-debug-toolbar Cache panel). See docs/observability.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from django.core.cache.backends.base import BaseCache

__all__ = ["CircuitEvent", "CircuitState", "Observer", "OperationEvent", "Outcome"]

Outcome = Literal["ok", "error", "ignored", "circuit-open"]
"""How an operation ended.

- ``"ok"``: it returned normally;
- ``"error"``: it raised (``OperationEvent.error`` is what it raised, whatever the error: a lost
  server, a value that cannot be serialized, ``incr``'s ``ValueError`` for a missing key);
- ``"ignored"``: the server was unavailable and ``IGNORE_EXCEPTIONS`` made it return its fallback
  value (``error`` is the error that was swallowed);
- ``"circuit-open"``: it failed at once because the server's circuit breaker is open, whether the
  ``CircuitOpen`` was raised or ignored (``error`` is the ``CircuitOpen``).
"""

CircuitState = Literal["closed", "half-open", "open"]
"""A circuit breaker's state: calls go through (``"closed"``), one probe call is let through
(``"half-open"``), or every call fails at once (``"open"``)."""


class OperationEvent:
    """One cache operation, as observers are told of it once it has ended.

    Built by django-valkey for each call of a cache method (``get``, ``aget``, ``hset``...) made
    by application code; calls a method makes of other methods (``get_or_set`` calls ``get`` and
    ``add``) are part of it and not reported apart. Observers read it; they must not change it.
    """

    __slots__ = (
        "operation",
        "method",
        "is_async",
        "alias",
        "cache",
        "server",
        "args",
        "kwargs",
        "key_count",
        "hits",
        "misses",
        "duration",
        "outcome",
        "error",
        "result",
    )

    operation: str
    """The operation's name, the same for every API mode: ``"get"`` for ``cache.get``,
    ``cache.aget`` and ``AsyncValkeyCache``'s ``await cache.get``."""
    method: str
    """The name of the method called: ``"get"`` or ``"aget"``."""
    is_async: bool
    """Whether the method called is a coroutine (or an async iterator)."""
    alias: str
    """The cache's alias in ``CACHES`` (``OPTIONS["OBSERVER_ALIAS"]`` if set; ``""`` for a cache
    built by hand, not from ``CACHES``)."""
    cache: BaseCache
    """The cache object the method was called on."""
    server: str
    """The server the call was sent to, with passwords redacted: a ``LOCATION`` entry; for a
    call that went to several servers (a ``ShardClient``'s ``get_many``) or to a Cluster, every
    entry, separated by commas."""
    args: tuple[object, ...]
    """The positional arguments, after ``self`` (a one-shot iterator of keys has been made a
    list). Keys are in here: an observer that exports them should let users opt in."""
    kwargs: Mapping[str, object]
    """The keyword arguments."""
    key_count: int
    """How many cache keys the call names: 1 for ``get`` or ``hset``, ``len(keys)`` for
    ``get_many``, 2 for ``smove``, 0 for ``clear`` or ``keys(pattern)``."""
    hits: int
    """Keys found, for the reads that look keys up (``get``, ``get_many``, ``get_or_set``,
    ``mget``, ``hget``, ``hmget``); 0 otherwise, and whenever the outcome is not ``"ok"``."""
    misses: int
    """Keys not found, for the same reads. ``get`` and ``hget`` count a miss when they return the
    ``default`` object itself (so a stored ``None`` read with ``default=None`` is a miss)."""
    duration: float
    """Seconds the call took (``time.perf_counter``); for an iterator, the time spent inside it
    while it was iterated, not the time the caller spent between items."""
    outcome: Outcome
    """How it ended: see ``Outcome``."""
    error: BaseException | None
    """What was raised (``"error"``, ``"circuit-open"``) or swallowed (``"ignored"``); else None."""
    result: object
    """What the call returned (``None`` when it raised, and for iterators)."""

    def __init__(
        self,
        operation: str,
        method: str,
        is_async: bool,
        alias: str,
        cache: BaseCache,
        server: str,
        args: tuple[object, ...],
        kwargs: Mapping[str, object],
    ) -> None:
        self.operation = operation
        self.method = method
        self.is_async = is_async
        self.alias = alias
        self.cache = cache
        self.server = server
        self.args = args
        self.kwargs = kwargs
        self.key_count = 0
        self.hits = 0
        self.misses = 0
        self.duration = 0.0
        self.outcome: Outcome = "ok"
        self.error = None
        self.result = None

    def __repr__(self) -> str:
        return (
            f"<OperationEvent {self.operation} alias={self.alias!r} server={self.server!r} "
            f"keys={self.key_count} outcome={self.outcome} {self.duration * 1000:.3f} ms>"
        )

    def key_names(self) -> tuple[str, ...]:
        """The user keys the call names (as passed, before prefix and version), in order; an
        event built by hand (in a test) names none."""
        return ()


class CircuitEvent:
    """A server's circuit breaker changed state (or an observer meets a server's circuit for the
    first time: it is then told the circuit's current state, so a gauge starts at the truth)."""

    __slots__ = ("server", "state", "failures")

    server: str
    """The server, as a ``LOCATION`` entry with its password redacted."""
    state: CircuitState
    """The new state."""
    failures: int
    """Failed calls in a row when the state changed."""

    def __init__(self, server: str, state: CircuitState, failures: int) -> None:
        self.server = server
        self.state = state
        self.failures = failures

    def __repr__(self) -> str:
        return f"<CircuitEvent {self.server} {self.state}>"


class Observer:
    """A base class for observers: both methods do nothing. Override what you need."""

    def on_operation(self, event: OperationEvent) -> None:
        """Called once per cache operation, when it has ended (in the caller's thread or task)."""

    def on_circuit_change(self, event: CircuitEvent) -> None:
        """Called when a server's circuit breaker changes state."""
