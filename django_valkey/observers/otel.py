"""OpenTelemetry: a client span and a duration measurement per cache operation.

    pip install "django-valkey[opentelemetry]"     # opentelemetry-api only

    CACHES = {"default": {..., "OPTIONS": {"OBSERVER": "django_valkey.observers.otel.OpenTelemetryObserver"}}}

The observer uses the API only: spans and measurements go to whatever SDK the application set up
(``opentelemetry-sdk`` with an exporter, or ``opentelemetry-instrument``); with none, they cost
next to nothing and go nowhere. It follows OpenTelemetry's database semantic conventions:

- a span of kind ``CLIENT`` per operation, named after the operation (``get``, ``set_many``; the
  Redis conventions keep the numeric ``db.namespace`` out of the name), with ``db.system.name``
  ``"valkey"``, ``db.operation.name`` (the cache operation, which may send several commands),
  ``db.namespace`` (the database number, ``"0"``), ``server.address`` and ``server.port``; on
  failure the span's status is ``ERROR`` and it has ``error.type`` (the exception's class) and,
  for an error reply, ``db.response.status_code`` (its prefix: ``ERR``, ``WRONGTYPE``...);
- the histogram ``db.client.operation.duration`` (seconds) with the same attributes;
- the gauge ``django_valkey.circuit.state`` of each server's circuit breaker: 0 closed,
  1 half-open, 2 open.

django-valkey's own attributes are ``django_valkey.cache.alias``, ``.outcome``, ``.key_count``,
``.hits`` and ``.misses`` (on reads). Keys are never recorded unless ``record_keys=True``
(``django_valkey.cache.keys``): build the observer yourself for that, e.g. in settings
``"OBSERVER": OpenTelemetryObserver(record_keys=True)``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qs, urlsplit

from opentelemetry import metrics, trace
from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import SpanKind, Status, StatusCode, TracerProvider
from opentelemetry.util.types import AttributeValue
from valkey.exceptions import ResponseError

from django_valkey import __version__
from django_valkey.observers import CircuitEvent, OperationEvent

__all__ = ["CIRCUIT_STATES", "DURATION_BUCKETS", "OpenTelemetryObserver", "server_attributes"]

#: The bucket boundaries the semantic conventions advise for ``db.client.operation.duration``.
DURATION_BUCKETS: tuple[float, ...] = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0)
#: The value of the circuit-state gauge for each state.
CIRCUIT_STATES: Mapping[str, int] = {"closed": 0, "half-open": 1, "open": 2}

Attributes = dict[str, AttributeValue]


def server_attributes(server: str) -> Attributes:
    """``server.address``, ``server.port`` and ``db.namespace`` of an event's server (a redacted
    ``LOCATION`` entry; of a list, the first)."""
    first = server.split(",", 1)[0].strip()
    try:
        parts = urlsplit(first)
        port = parts.port
    except ValueError:
        return {"server.address": first}
    attributes: Attributes = {}
    if parts.scheme == "unix":
        attributes["server.address"] = parts.path
    elif parts.hostname:
        attributes["server.address"] = parts.hostname
        attributes["server.port"] = port or (6380 if parts.scheme in ("valkeys", "rediss") else 6379)
    db = parse_qs(parts.query).get("db", [""])[0] or (parts.path.strip("/") if parts.scheme != "unix" else "")
    attributes["db.namespace"] = db if db.isdigit() else "0"
    return attributes


def _status_code(error: BaseException | None) -> str | None:
    """The prefix of the server's error reply behind ``error`` (``"WRONGTYPE"``), if there is one."""
    seen = 0
    while error is not None and seen < 5:  # django-valkey's clearer errors chain the server's
        if isinstance(error, ResponseError):
            prefix = str(error).split(" ", 1)[0]
            if prefix.isupper() and prefix.isalpha():
                return prefix
        error, seen = error.__cause__, seen + 1
    return None


class OpenTelemetryObserver:
    """Spans and metrics per OpenTelemetry's database conventions (see the module's docstring).

    ``tracer_provider`` and ``meter_provider`` default to the global ones (set by the SDK at
    start-up, even after this observer was built).
    """

    def __init__(
        self,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        record_keys: bool = False,
    ) -> None:
        self.record_keys = record_keys
        self._tracer = trace.get_tracer("django_valkey", __version__, tracer_provider)
        meter = metrics.get_meter("django_valkey", __version__, meter_provider)
        self._duration = meter.create_histogram(
            "db.client.operation.duration",
            unit="s",
            description="Duration of database client operations.",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self._circuit = meter.create_gauge(
            "django_valkey.circuit.state",
            description="State of a server's circuit breaker: 0 closed, 1 half-open, 2 open.",
        )
        self._servers: dict[str, Attributes] = {}

    def _server(self, server: str) -> Attributes:
        found = self._servers.get(server)
        if found is None:
            found = self._servers[server] = server_attributes(server)
        return found

    def on_operation(self, event: OperationEvent) -> None:
        end = time.time_ns()
        common: Attributes = {
            "db.system.name": "valkey",
            "db.operation.name": event.operation,
            **self._server(event.server),
            "django_valkey.cache.alias": event.alias,
        }
        failed = event.outcome != "ok"
        if failed and event.error is not None:
            common["error.type"] = f"{type(event.error).__module__}.{type(event.error).__qualname__}"
            code = _status_code(event.error)
            if code is not None:
                common["db.response.status_code"] = code
        self._duration.record(event.duration, common)
        span = self._tracer.start_span(
            event.operation,
            kind=SpanKind.CLIENT,
            start_time=end - int(event.duration * 1e9),
            attributes=common,
            record_exception=False,
            set_status_on_exception=False,
        )
        if span.is_recording():
            extra: Attributes = {
                "django_valkey.cache.outcome": event.outcome,
                "django_valkey.cache.key_count": event.key_count,
            }
            if event.hits or event.misses:
                extra["django_valkey.cache.hits"] = event.hits
                extra["django_valkey.cache.misses"] = event.misses
            if self.record_keys:
                keys: Sequence[str] = event.key_names()
                extra["django_valkey.cache.keys"] = list(keys)
            span.set_attributes(extra)
            if failed:
                span.set_status(Status(StatusCode.ERROR, str(event.error) if event.error is not None else None))
                if event.error is not None and event.outcome == "error":
                    span.record_exception(event.error)
        span.end(end_time=end)

    def on_circuit_change(self, event: CircuitEvent) -> None:
        attributes = {key: value for key, value in self._server(event.server).items() if key != "db.namespace"}
        self._circuit.set(CIRCUIT_STATES[event.state], {"db.system.name": "valkey", **attributes})
