"""Prometheus: counters, a latency histogram and the circuit breakers' state, per cache alias.

    pip install "django-valkey[prometheus]"     # prometheus-client

    CACHES = {"default": {..., "OPTIONS": {"OBSERVER": "django_valkey.observers.prometheus.PrometheusObserver"}}}

The metrics go to prometheus-client's default registry (expose it as usual: ``start_http_server``,
``make_wsgi_app``, django-prometheus's ``/metrics`` view...), or to the ``registry`` given. The
names, with the default ``namespace="django_valkey"``:

| metric | type | labels |
|---|---|---|
| ``django_valkey_operations_total`` | counter | ``alias``, ``operation``, ``outcome`` |
| ``django_valkey_hits_total`` | counter | ``alias``, ``operation`` |
| ``django_valkey_misses_total`` | counter | ``alias``, ``operation`` |
| ``django_valkey_errors_total`` | counter | ``alias``, ``operation``, ``error`` (the exception's class) |
| ``django_valkey_operation_duration_seconds`` | histogram | ``alias``, ``operation`` |
| ``django_valkey_circuit_state`` | gauge | ``server``: 0 closed, 1 half-open, 2 open |

``outcome`` is ``ok``, ``error``, ``ignored`` or ``circuit-open``; an operation counts in
``errors_total`` for each outcome but ``ok``. Hits and misses are counted by the reads that look
keys up (``get``, ``get_many``, ``get_or_set``, ``mget``, ``hget``, ``hmget``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

from django_valkey.observers import CircuitEvent, OperationEvent

__all__ = ["CIRCUIT_STATES", "DURATION_BUCKETS", "PrometheusObserver"]

#: Latency buckets (seconds) for cache calls: a loopback ``get`` takes ~0.1 ms, a timeout 1 s.
DURATION_BUCKETS: tuple[float, ...] = (
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
)
#: The value of ``django_valkey_circuit_state`` for each state.
CIRCUIT_STATES: Mapping[str, int] = {"closed": 0, "half-open": 1, "open": 2}


class PrometheusObserver:
    """The metrics of the module's docstring, registered in ``registry`` when built.

    Built from a class path in ``OPTIONS``, it is built once per process (so its metrics are
    registered once); build it yourself for another registry, namespace or buckets.
    """

    def __init__(
        self,
        registry: CollectorRegistry | None = REGISTRY,
        namespace: str = "django_valkey",
        buckets: Sequence[float] = DURATION_BUCKETS,
    ) -> None:
        self.operations: Counter = Counter(
            "operations",
            "Cache operations, by outcome (ok, error, ignored, circuit-open).",
            ("alias", "operation", "outcome"),
            namespace=namespace,
            registry=registry,
        )
        self.hits: Counter = Counter(
            "hits", "Keys found by cache reads.", ("alias", "operation"), namespace=namespace, registry=registry
        )
        self.misses: Counter = Counter(
            "misses", "Keys not found by cache reads.", ("alias", "operation"), namespace=namespace, registry=registry
        )
        self.errors: Counter = Counter(
            "errors",
            "Cache operations that raised or whose error was ignored, by exception class.",
            ("alias", "operation", "error"),
            namespace=namespace,
            registry=registry,
        )
        self.duration: Histogram = Histogram(
            "operation_duration_seconds",
            "Duration of cache operations.",
            ("alias", "operation"),
            namespace=namespace,
            registry=registry,
            buckets=tuple(buckets),
        )
        self.circuit_state: Gauge = Gauge(
            "circuit_state",
            "State of a server's circuit breaker: 0 closed, 1 half-open, 2 open.",
            ("server",),
            namespace=namespace,
            registry=registry,
        )
        # The children of (alias, operation), found once: labels() takes a lock and a lookup.
        self._children: dict[tuple[str, str], tuple[Counter, Histogram]] = {}
        self._reads: dict[tuple[str, str], tuple[Counter, Counter]] = {}

    def _of(self, alias: str, operation: str) -> tuple[Counter, Histogram]:
        key = (alias, operation)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = (
                self.operations.labels(alias, operation, "ok"),
                self.duration.labels(alias, operation),
            )
        return found

    def _read(self, alias: str, operation: str) -> tuple[Counter, Counter]:
        key = (alias, operation)
        found = self._reads.get(key)
        if found is None:
            found = self._reads[key] = (self.hits.labels(alias, operation), self.misses.labels(alias, operation))
        return found

    def on_operation(self, event: OperationEvent) -> None:
        ok, duration = self._of(event.alias, event.operation)
        duration.observe(event.duration)
        if event.outcome == "ok":
            ok.inc()
            if event.hits or event.misses:
                hits, misses = self._read(event.alias, event.operation)
                hits.inc(event.hits)
                misses.inc(event.misses)
            return
        self.operations.labels(event.alias, event.operation, event.outcome).inc()
        error = "" if event.error is None else type(event.error).__name__
        self.errors.labels(event.alias, event.operation, error).inc()

    def on_circuit_change(self, event: CircuitEvent) -> None:
        self.circuit_state.labels(event.server).set(CIRCUIT_STATES[event.state])
