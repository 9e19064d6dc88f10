"""The Prometheus observer, read back from a real scrape of its registry (the text exposition
format of ``generate_latest``, parsed with prometheus-client's own parser)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django.core.exceptions import ImproperlyConfigured
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from django_valkey.exceptions import CircuitOpen, ConnectionInterrupted
from django_valkey.observers.prometheus import PrometheusObserver
from tests.api_modes import MODES, Api, build_cache
from tests.helpers import MakeCache
from tests.servers import ValkeyProcess, free_port

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(registry: CollectorRegistry) -> Samples:
    """Every sample of a scrape: (name, labels) -> value."""
    text = generate_latest(registry).decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def make(mode: str, valkey_server: ValkeyProcess, registry: CollectorRegistry) -> Callable[..., Api]:
    observer = PrometheusObserver(registry)
    with valkey_server.client() as conn:
        conn.flushall()

    def build(location: str | None = None, **options: object) -> Api:
        options.setdefault("OBSERVER", observer)
        options.setdefault("OBSERVER_ALIAS", "default")
        return Api(build_cache(mode, location or f"{valkey_server.url}/0", **options), mode)

    return build


async def test_operations_hits_misses_and_latency(make: Callable[..., Api], registry: CollectorRegistry) -> None:
    api = make()
    await api.set("a", 1)
    await api.get("a")
    await api.get("missing")
    await api.get_many(["a", "b", "c"])
    await api.get_or_set("made", 2)
    with pytest.raises(ValueError):
        await api.incr("missing")
    samples = scrape(registry)
    ops = "django_valkey_operations_total"
    assert value(samples, ops, alias="default", operation="get", outcome="ok") == 2
    assert value(samples, ops, alias="default", operation="set", outcome="ok") == 1
    assert value(samples, ops, alias="default", operation="incr", outcome="error") == 1
    assert value(samples, "django_valkey_hits_total", alias="default", operation="get") == 1
    assert value(samples, "django_valkey_misses_total", alias="default", operation="get") == 1
    assert value(samples, "django_valkey_hits_total", alias="default", operation="get_many") == 1
    assert value(samples, "django_valkey_misses_total", alias="default", operation="get_many") == 2
    assert value(samples, "django_valkey_misses_total", alias="default", operation="get_or_set") == 1
    assert ("django_valkey_hits_total", frozenset({("alias", "default"), ("operation", "set")})) not in samples
    assert value(samples, "django_valkey_errors_total", alias="default", operation="incr", error="ValueError") == 1
    histogram = "django_valkey_operation_duration_seconds"
    assert value(samples, f"{histogram}_count", alias="default", operation="get") == 2
    assert 0 < value(samples, f"{histogram}_sum", alias="default", operation="get") < 1
    assert value(samples, f"{histogram}_bucket", alias="default", operation="get", le="+Inf") == 2
    assert value(samples, f"{histogram}_bucket", alias="default", operation="get", le="2.5") == 2


async def test_ignored_errors_and_the_circuit_gauge(make: Callable[..., Api], registry: CollectorRegistry) -> None:
    port = free_port()
    server = f"valkey://:***@127.0.0.1:{port}/0"
    api = make(
        f"valkey://:pw@127.0.0.1:{port}/0",
        IGNORE_EXCEPTIONS=True,
        CIRCUIT_BREAKER={"FAILURES": 2},
        RETRY=False,
        SOCKET_CONNECT_TIMEOUT=0.2,
    )
    await api.get("k")
    assert value(scrape(registry), "django_valkey_circuit_state", server=server) == 0  # told when first used
    for _ in range(3):
        await api.get("k")
    samples = scrape(registry)
    ops = "django_valkey_operations_total"
    assert value(samples, ops, alias="default", operation="get", outcome="ignored") == 2
    assert value(samples, ops, alias="default", operation="get", outcome="circuit-open") == 2
    assert value(samples, "django_valkey_errors_total", alias="default", operation="get", error="CircuitOpen") == 2
    assert value(samples, "django_valkey_circuit_state", server=server) == 2
    assert "pw@" not in generate_latest(registry).decode()


def test_breaker_state_values(registry: CollectorRegistry) -> None:
    """0 closed, 1 half-open, 2 open: a real breaker opening and closing again."""
    observer = PrometheusObserver(registry)
    process = ValkeyProcess().start()
    port = process.port
    cache = build_cache(
        "sync",
        f"{process.url}/0",
        OBSERVER=observer,
        CIRCUIT_BREAKER={"FAILURES": 1, "OPEN_SECONDS": 0.05},
        RETRY=False,
        SOCKET_TIMEOUT=0.2,
        SOCKET_CONNECT_TIMEOUT=0.2,
    )
    seen: list[float] = []
    original = observer.on_circuit_change

    def recording(event: object) -> None:
        original(event)  # type: ignore[arg-type]
        seen.append(value(scrape(registry), "django_valkey_circuit_state", server=f"{process.url}/0"))

    observer.on_circuit_change = recording  # type: ignore[method-assign]
    try:
        assert cache.set("k", 1) is None
        process.stop()
        with pytest.raises(ConnectionInterrupted):
            cache.get("k")
        process.start(port=port)
        time.sleep(0.1)
        # The next call starts the probe (a PING beside it) and still fails at once; once the
        # probe has closed the circuit, calls reach the new, empty server.
        for _ in range(100):
            try:
                assert cache.get("k") is None
                break
            except CircuitOpen:
                time.sleep(0.02)
        else:
            raise AssertionError("the circuit did not close")
    finally:
        cache.client.close()  # type: ignore[union-attr]
        process.cleanup()
    assert seen == [0, 2, 1, 0]


def test_the_class_path_registers_once_in_the_default_registry(make_cache: MakeCache) -> None:
    from prometheus_client import REGISTRY

    labels = {"alias": "", "operation": "get", "outcome": "ok"}
    path = "django_valkey.observers.prometheus.PrometheusObserver"
    first, second = make_cache(OBSERVER=path), make_cache(OBSERVER=path)
    before = REGISTRY.get_sample_value("django_valkey_operations_total", labels) or 0.0
    first.get("k")
    second.get("k")
    assert REGISTRY.get_sample_value("django_valkey_operations_total", labels) == before + 2
    with pytest.raises(ValueError, match="Duplicated timeseries"):
        PrometheusObserver()  # a second one in the same registry: prometheus-client refuses


def test_a_namespace_of_its_own(registry: CollectorRegistry, make_cache: MakeCache) -> None:
    make_cache(OBSERVER=PrometheusObserver(registry, namespace="shop_cache")).get("k")
    assert value(scrape(registry), "shop_cache_operations_total", alias="", operation="get", outcome="ok") == 1
    with pytest.raises(ImproperlyConfigured):
        make_cache(OBSERVER=object())
