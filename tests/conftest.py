"""Fixtures for every test: session-wide real servers and cache factories (helpers: helpers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings

from django_valkey._core.breaker import reset_circuits
from django_valkey.cache import ValkeyCache
from django_valkey.client_cache import _ALL as CLIENT_CACHES
from tests.helpers import DRIVER, MakeCache, cache_params
from tests.servers import ValkeyProcess, cleanup_all

#: The tests that do not apply to a driver (each says why), by the mark they carry.
_NOT_FOR_DRIVER = {
    "glide": ("valkey_py", "valkey-py driver only"),
    "autopipeline": ("pooled", "pooled async calls only"),
}


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Every server the tests started is stopped and its directory removed, even after a test
    that failed (or was interrupted) before it stopped its own."""
    cleanup_all()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the GLIDE driver the tests marked ``valkey_py`` do not apply, with auto-pipelining
    those marked ``pooled``."""
    if DRIVER not in _NOT_FOR_DRIVER:
        return
    mark, why = _NOT_FOR_DRIVER[DRIVER]
    for item in items:
        marker = item.get_closest_marker(mark)
        if marker is not None:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else why)
            item.add_marker(pytest.mark.skip(reason=f"{why}: {reason}"))


@pytest.fixture(autouse=True)
def fresh_circuits() -> Iterator[None]:
    """Each test starts with every circuit closed: circuits are shared per process (by server
    URL), so a test that meets a dead server must not leave it open for the next one."""
    reset_circuits()
    yield
    reset_circuits()


@pytest.fixture(autouse=True)
def closed_glide_clients() -> Iterator[None]:
    """The process-wide GLIDE clients a test made are closed after it: each holds its sockets
    (one per node on a cluster) for as long as the process lives, and a whole GLIDE pass would
    otherwise run out of file descriptors below 1024 (which ``select()`` needs)."""
    from django_valkey._sync.io import scope_objects

    shared = scope_objects()
    before = set(shared)
    yield
    for key in set(shared) - before:
        client = shared.pop(key)
        if type(client).__module__.startswith("django_valkey._sync.glide"):
            client.close()


@pytest.fixture(autouse=True)
def closed_client_caches() -> Iterator[None]:
    """The client-side caches a test made are closed after it: a store lives as long as its
    process, and its heartbeat would go on pinging (or reconnecting to) the test's servers."""
    before = set(CLIENT_CACHES)
    yield
    for store in set(CLIENT_CACHES) - before:
        store.close()


@pytest.fixture(scope="session")
def valkey_server() -> Iterator[ValkeyProcess]:
    """One standalone server for the whole session; tests use their own KEY_PREFIX or flush."""
    server = ValkeyProcess().start()
    yield server
    server.cleanup()


@pytest.fixture
def own_server() -> Iterator[ValkeyProcess]:
    """A server of the test's own, to pause, kill and restart."""
    server = ValkeyProcess().start()
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def replica_server(valkey_server: ValkeyProcess) -> Iterator[ValkeyProcess]:
    """A real replica of ``valkey_server`` (started with --replicaof)."""
    with valkey_server.client() as conn:
        conn.config_set("repl-diskless-sync-delay", 0)  # sync at once, not after 5 s
    server = ValkeyProcess("--replicaof", "127.0.0.1", str(valkey_server.port)).start()
    yield server
    server.cleanup()


@pytest.fixture
def make_cache(valkey_server: ValkeyProcess) -> Iterator[MakeCache]:
    """Build ValkeyCache instances against the session server; flushed and closed afterwards."""
    made: list[ValkeyCache] = []

    def make(location: str | list[str] | None = None, **options: Any) -> ValkeyCache:
        params = cache_params(location or f"{valkey_server.url}/0", **options)
        cache = ValkeyCache(params["LOCATION"], params)
        made.append(cache)
        return cache

    with valkey_server.client() as conn:
        conn.flushall()
    yield make
    for cache in made:
        if cache._client is not None:  # a cache whose config failed has no client to close
            cache._client.close()


@pytest.fixture
def cache(make_cache: MakeCache) -> ValkeyCache:
    """A default ValkeyCache on db 0 of the session server, empty at the start of the test."""
    return make_cache()


@pytest.fixture
def django_caches(valkey_server: ValkeyProcess) -> Iterator[None]:
    """settings.CACHES pointing at the session server (for code that uses django.core.cache)."""
    with valkey_server.client() as conn:
        conn.flushall()
    with override_settings(CACHES={"default": cache_params(f"{valkey_server.url}/0")}):
        yield


@pytest.fixture
def raw(valkey_server: ValkeyProcess) -> Iterator[Any]:
    """A plain valkey-py client on db 0 of the session server, to check what is really stored."""
    conn = valkey_server.client()
    yield conn
    conn.close()
