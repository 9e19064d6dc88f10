"""The typed accessors: the right class for each backend, a clear TypeError otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings
from valkey import Valkey
from valkey.cluster import ValkeyCluster

from django_valkey import (
    get_async_cache,
    get_async_cluster_cache,
    get_cache,
    get_cluster_cache,
    get_valkey_connection,
)
from django_valkey.async_cache.cache import AsyncValkeyCache
from django_valkey.cache import ValkeyCache
from django_valkey.cluster_cache.cache import AsyncClusterValkeyCache, ClusterValkeyCache
from tests.helpers import cache_params
from tests.servers import ValkeyProcess
from tests.topology.launchers import ClusterTopology

LOCMEM = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}


def _params(backend: str, location: str | list[str], **options: Any) -> dict[str, Any]:
    params = cache_params(location, backend, **options)
    return params


@pytest.fixture
def aliases(valkey_server: ValkeyProcess, replica_server: ValkeyProcess) -> Iterator[dict[str, Any]]:
    url = f"{valkey_server.url}/0"
    caches = {
        "default": _params("django_valkey.cache.ValkeyCache", url),
        "replicated": _params("django_valkey.cache.ValkeyCache", [url, f"{replica_server.url}/0"]),
        "async": _params("django_valkey.async_cache.cache.AsyncValkeyCache", url),
        "cluster": _params("django_valkey.cluster_cache.cache.ClusterValkeyCache", url),  # never connected
        "acluster": _params("django_valkey.cluster_cache.cache.AsyncClusterValkeyCache", url),  # never connected
        "locmem": LOCMEM,
    }
    with override_settings(CACHES=caches):
        yield caches
        for alias in ("default", "replicated"):
            get_cache(alias).client.close()


def test_each_accessor_returns_its_backend(aliases: dict[str, Any]) -> None:
    assert type(get_cache()) is ValkeyCache
    assert type(get_async_cache("async")) is AsyncValkeyCache
    assert type(get_cluster_cache("cluster")) is ClusterValkeyCache
    assert type(get_async_cluster_cache("acluster")) is AsyncClusterValkeyCache


@pytest.mark.parametrize(
    ("accessor", "alias", "message"),
    [
        (
            get_cache,
            "async",
            r"get_cache\('async'\): CACHES\['async'\] is django_valkey.async_cache.cache.AsyncValkeyCache, "
            r"not a django_valkey.cache.ValkeyCache; use django_valkey.get_async_cache\('async'\)$",
        ),
        (get_cache, "cluster", r"; use django_valkey.get_cluster_cache\('cluster'\)$"),
        (get_cluster_cache, "acluster", r"; use django_valkey.get_async_cluster_cache\('acluster'\)$"),
        (get_async_cluster_cache, "async", r"; use django_valkey.get_async_cache\('async'\)$"),
        (
            get_async_cache,
            "default",
            r"is django_valkey.cache.ValkeyCache, not a django_valkey.async_cache.cache.AsyncValkeyCache; "
            r"use django_valkey.get_cache\('default'\)$",
        ),
        (
            get_cluster_cache,
            "locmem",
            r"is django.core.cache.backends.locmem.LocMemCache, not a "
            r"django_valkey.cluster_cache.cache.ClusterValkeyCache$",
        ),
    ],
)
def test_wrong_backend_is_a_type_error_naming_the_right_accessor(
    aliases: dict[str, Any], accessor: Any, alias: str, message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        accessor(alias)


def test_unknown_alias_is_django_error(aliases: dict[str, Any]) -> None:
    from django.core.cache import InvalidCacheBackendError

    with pytest.raises(InvalidCacheBackendError):
        get_cache("nope")


def test_valkey_connection_primary_and_replica(
    aliases: dict[str, Any], valkey_server: ValkeyProcess, replica_server: ValkeyProcess
) -> None:
    primary = get_valkey_connection("replicated")
    replica = get_valkey_connection("replicated", write=False)
    assert isinstance(primary, Valkey) and isinstance(replica, Valkey)
    assert primary.connection_pool.connection_kwargs["port"] == valkey_server.port
    assert replica.connection_pool.connection_kwargs["port"] == replica_server.port
    assert primary is get_cache("replicated").get_client()
    assert get_valkey_connection() is get_cache().get_client()


def test_valkey_connection_refuses_async_and_non_valkey(aliases: dict[str, Any]) -> None:
    with pytest.raises(
        TypeError, match=r"CACHES\['async'\] is async; use await get_async_cache\('async'\).get_client\(\)"
    ):
        get_valkey_connection("async")
    with pytest.raises(TypeError, match=r"LocMemCache, not a django-valkey cache"):
        get_valkey_connection("locmem")


def test_valkey_connection_routes_a_key_to_its_shard() -> None:
    first, second = ValkeyProcess().start(), ValkeyProcess().start()
    try:
        params = _params(
            "django_valkey.cache.ValkeyCache",
            [f"{first.url}/0", f"{second.url}/0"],
            CLIENT_CLASS="django_valkey.client.sharded.ShardClient",
        )
        with override_settings(CACHES={"default": params}):
            cache = get_cache()
            owners = set()
            for index in range(20):
                key = f"user:{index}"
                cache.set(key, index)
                conn = get_valkey_connection(key=key)
                assert conn.get(cache.make_key(key)) == str(index).encode()  # really on that server
                owners.add(conn.connection_pool.connection_kwargs["port"])
            assert owners == {first.port, second.port}
            cache.client.close()
    finally:
        first.cleanup()
        second.cleanup()


def test_valkey_connection_refuses_a_cluster_and_points_to_the_cluster_accessor() -> None:
    topo = ClusterTopology(primaries=1).start()
    try:
        params = _params("django_valkey.cluster_cache.cache.ClusterValkeyCache", [topo.nodes[0].url], SOCKET_TIMEOUT=2)
        with override_settings(CACHES={"cluster": params}):
            assert isinstance(get_cluster_cache("cluster").get_client(), ValkeyCluster)
            with pytest.raises(
                TypeError,
                match=r"the raw client is django_valkey.cluster_cache.pool.BoundedValkeyCluster, not a valkey.Valkey; "
                r"use get_cluster_cache\('cluster'\).get_client\(\) for a cluster",
            ):
                get_valkey_connection("cluster")
            get_cluster_cache("cluster").client.close()
    finally:
        topo.cleanup()


def test_importing_the_package_stays_light() -> None:
    """The accessors import lazily: ``import django_valkey`` loads neither Django's cache nor valkey-py."""
    import subprocess
    import sys

    code = (
        "import sys, django_valkey; "
        "heavy = [m for m in ('valkey', 'django.core.cache', 'django_valkey.cache', 'django_valkey.base') if m in sys.modules]; "
        "print(heavy)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert run.stdout.strip() == "[]"


def test_get_cache_returns_the_current_threads_cache(django_caches: None) -> None:
    """As docs/typing.md says: the object Django's ``cache`` proxy resolves to, one per thread."""
    import threading

    from django.core.cache import cache as django_cache
    from django.core.cache import caches

    here = get_cache()
    assert here is get_cache() is caches["default"]
    here.set("k", 1)
    assert django_cache.get("k") == 1
    other: list[ValkeyCache] = []
    thread = threading.Thread(target=lambda: other.append(get_cache()))
    thread.start()
    thread.join()
    assert other[0] is not here and isinstance(other[0], ValkeyCache)
