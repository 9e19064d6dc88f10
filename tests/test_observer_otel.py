"""The OpenTelemetry observer, with the real SDK's in-memory span exporter and metric reader."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader, NumberDataPoint
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from django_valkey.observers.otel import DURATION_BUCKETS, OpenTelemetryObserver, server_attributes
from tests.api_modes import MODES, Api, build_cache
from tests.servers import ValkeyProcess, free_port


class Telemetry:
    """An observer on SDK providers of its own, and what they recorded."""

    def __init__(self, record_keys: bool = False) -> None:
        self.spans = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.reader = InMemoryMetricReader()
        self.observer = OpenTelemetryObserver(
            tracer_provider, MeterProvider(metric_readers=[self.reader]), record_keys=record_keys
        )

    def finished(self) -> list[ReadableSpan]:
        spans = list(self.spans.get_finished_spans())
        self.spans.clear()
        return spans

    def points(self, name: str) -> list[Any]:
        data = self.reader.get_metrics_data()
        assert data is not None
        return [
            point
            for resource in data.resource_metrics
            for scope in resource.scope_metrics
            for metric in scope.metrics
            if metric.name == name
            for point in metric.data.data_points
        ]


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def telemetry() -> Telemetry:
    return Telemetry()


@pytest.fixture
def make(mode: str, valkey_server: ValkeyProcess, telemetry: Telemetry) -> Iterator[Callable[..., Api]]:
    with valkey_server.client() as conn:
        conn.flushall()

    def build(location: str | None = None, **options: Any) -> Api:
        options.setdefault("OBSERVER", telemetry.observer)
        return Api(build_cache(mode, location or f"{valkey_server.url}/3", **options), mode)

    yield build


async def test_a_client_span_per_operation(
    make: Callable[..., Api], telemetry: Telemetry, valkey_server: ValkeyProcess
) -> None:
    api = make(OBSERVER_ALIAS="default")
    await api.set("secret-key", 1)
    await api.get("secret-key")
    await api.get_many(["secret-key", "other"])
    await api.get_or_set("made", 2)
    spans = telemetry.finished()
    assert [span.name for span in spans] == ["set", "get", "get_many", "get_or_set"]
    for span in spans:
        assert span.kind is SpanKind.CLIENT
        assert span.status.status_code is StatusCode.UNSET
        attributes = dict(span.attributes or {})
        assert attributes["db.system.name"] == "valkey"
        assert attributes["db.operation.name"] == span.name
        assert attributes["db.namespace"] == "3"
        assert attributes["server.address"] == "127.0.0.1"
        assert attributes["server.port"] == valkey_server.port
        assert attributes["django_valkey.cache.alias"] == "default"
        assert attributes["django_valkey.cache.outcome"] == "ok"
        assert "secret-key" not in repr(attributes)  # keys are not recorded by default
        assert span.start_time is not None and span.end_time is not None and span.start_time < span.end_time
    read = dict(spans[2].attributes or {})
    assert (
        read["django_valkey.cache.key_count"],
        read["django_valkey.cache.hits"],
        read["django_valkey.cache.misses"],
    ) == (2, 1, 1)
    assert dict(spans[3].attributes or {})["django_valkey.cache.misses"] == 1


async def test_spans_nest_under_the_callers_span(make: Callable[..., Api], telemetry: Telemetry) -> None:
    api = make()
    tracer = telemetry.observer._tracer
    with tracer.start_as_current_span("view") as parent:
        await api.get("k")
    child, outer = telemetry.finished()
    assert child.parent is not None and child.parent.span_id == parent.get_span_context().span_id
    assert outer.name == "view"


async def test_keys_only_when_enabled(mode: str, valkey_server: ValkeyProcess) -> None:
    telemetry = Telemetry(record_keys=True)
    api = Api(build_cache(mode, f"{valkey_server.url}/0", OBSERVER=telemetry.observer), mode)
    await api.get_many(["a", "b"])
    [span] = telemetry.finished()
    assert tuple((span.attributes or {})["django_valkey.cache.keys"]) == ("a", "b")  # type: ignore[arg-type]


async def test_failures(make: Callable[..., Api], telemetry: Telemetry) -> None:
    api = make()
    await api.set("text", "x")
    with pytest.raises(ValueError):
        await api.incr("missing")
    await api.hset("h", "f", 1)
    with pytest.raises(Exception, match="holds another type"):
        await api.lpush("h", 1)
    dead = make(f"valkey://127.0.0.1:{free_port()}/0", IGNORE_EXCEPTIONS=True, SOCKET_CONNECT_TIMEOUT=0.2, RETRY=False)
    assert await dead.get("k", "fallback") == "fallback"
    spans = {span.name: span for span in telemetry.finished()}
    incr, lpush, ignored = spans["incr"], spans["lpush"], spans["get"]
    assert incr.status.status_code is StatusCode.ERROR
    assert dict(incr.attributes or {})["error.type"] == "builtins.ValueError"
    assert [event.name for event in incr.events] == ["exception"]
    assert dict(lpush.attributes or {})["db.response.status_code"] == "WRONGTYPE"
    assert ignored.status.status_code is StatusCode.ERROR
    attributes = dict(ignored.attributes or {})
    assert attributes["django_valkey.cache.outcome"] == "ignored"
    assert str(attributes["error.type"]).startswith(("valkey.exceptions.", "django_valkey.exceptions."))
    assert ignored.events == ()  # the caller saw no exception


async def test_the_duration_histogram(
    make: Callable[..., Api], telemetry: Telemetry, valkey_server: ValkeyProcess
) -> None:
    api = make(OBSERVER_ALIAS="default")
    for _ in range(3):
        await api.get("k")
    await api.set("k", 1)
    points: list[HistogramDataPoint] = telemetry.points("db.client.operation.duration")
    by_operation = {point.attributes["db.operation.name"]: point for point in points}
    assert by_operation["get"].count == 3 and by_operation["set"].count == 1
    assert tuple(by_operation["get"].explicit_bounds) == DURATION_BUCKETS
    assert 0 < by_operation["get"].sum < 1
    assert dict(by_operation["get"].attributes) == {
        "db.system.name": "valkey",
        "db.operation.name": "get",
        "db.namespace": "3",
        "server.address": "127.0.0.1",
        "server.port": valkey_server.port,
        "django_valkey.cache.alias": "default",
    }


async def test_the_circuit_gauge(make: Callable[..., Api], telemetry: Telemetry) -> None:
    port = free_port()
    api = make(f"valkey://127.0.0.1:{port}/0", IGNORE_EXCEPTIONS=True, CIRCUIT_BREAKER={"FAILURES": 2}, RETRY=False)
    await api.get("k")
    [point] = telemetry.points("django_valkey.circuit.state")
    assert isinstance(point, NumberDataPoint) and point.value == 0
    await api.get("k")
    [point] = telemetry.points("django_valkey.circuit.state")
    assert point.value == 2 and dict(point.attributes or {}) == {
        "db.system.name": "valkey",
        "server.address": "127.0.0.1",
        "server.port": port,
    }


@pytest.mark.parametrize(
    ("server", "expected"),
    [
        ("valkey://127.0.0.1:7000/2", {"server.address": "127.0.0.1", "server.port": 7000, "db.namespace": "2"}),
        (
            "valkey://:***@cache.internal/0",
            {"server.address": "cache.internal", "server.port": 6379, "db.namespace": "0"},
        ),
        (
            "valkeys://cache.internal?db=5",
            {"server.address": "cache.internal", "server.port": 6380, "db.namespace": "5"},
        ),
        ("unix:///run/valkey.sock?db=1", {"server.address": "/run/valkey.sock", "db.namespace": "1"}),
        ("valkey://a:1,valkey://b:2", {"server.address": "a", "server.port": 1, "db.namespace": "0"}),
    ],
)
def test_server_attributes(server: str, expected: dict[str, object]) -> None:
    assert server_attributes(server) == expected


def test_built_from_options_on_the_global_providers(valkey_server: ValkeyProcess) -> None:
    """Without an SDK the global providers are no-ops: the class path works and costs nothing."""
    cache = build_cache("sync", f"{valkey_server.url}/0", OBSERVER="django_valkey.observers.otel.OpenTelemetryObserver")
    assert cache.get("k", "x") == "x"
