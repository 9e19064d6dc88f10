"""``manage.py valkey`` on a real Sentinel topology, sharded servers and a 6-node Cluster."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.test import override_settings

from tests.servers import ValkeyProcess
from tests.topology.launchers import SERVICE, ClusterTopology, SentinelTopology


def run_json(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("valkey", *args, "--format=json", stdout=out, stderr=io.StringIO())
    data: dict[str, Any] = json.loads(out.getvalue())
    return data


def run_text(*args: str) -> str:
    out = io.StringIO()
    call_command("valkey", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


# ---------------------------------------------------------------- Cluster


@pytest.fixture(scope="module")
def cluster() -> Iterator[ClusterTopology]:
    topo = ClusterTopology().start()
    yield topo
    topo.cleanup()


@pytest.fixture(params=["sync", "async", "glide"])
def cluster_caches(request: pytest.FixtureRequest, cluster: ClusterTopology) -> Iterator[str]:
    """CACHES['default'] on the cluster (the sync or the async cluster backend), KEY_PREFIX "app";
    the cluster is emptied first. Yields the backend's dotted path."""
    backend = {
        "sync": "django_valkey.cluster_cache.cache.ClusterValkeyCache",
        "async": "django_valkey.cluster_cache.cache.AsyncClusterValkeyCache",
        "glide": "django_valkey.cluster_cache.cache.ClusterValkeyCache",
    }[request.param]
    for node in cluster.nodes[:3]:
        with node.client() as conn:
            conn.flushall()
    entry = {
        "BACKEND": backend,
        "LOCATION": [node.url for node in cluster.nodes[:3]],
        "KEY_PREFIX": "app",
        "OPTIONS": {"SOCKET_TIMEOUT": 2, "SOCKET_CONNECT_TIMEOUT": 1},
    }
    if request.param == "glide":
        entry["OPTIONS"]["CONNECTION_FACTORY"] = "django_valkey.glide.GlideClusterConnectionFactory"
    with override_settings(CACHES={"default": entry}):
        yield backend


def fill_cluster(topo: ClusterTopology, count: int, prefix: str = "app") -> None:
    """``count`` keys ``<prefix>:1:key<i>``, spread over every slot's primary."""
    from valkey.cluster import ValkeyCluster

    client = ValkeyCluster(host="127.0.0.1", port=topo.nodes[0].port)
    try:
        client.mset_nonatomic({f"{prefix}:1:key{i}": i for i in range(count)})
    finally:
        client.close()


def cluster_keys(topo: ClusterTopology) -> set[str]:
    found: set[str] = set()
    for node in topo.nodes:
        with node.client() as conn:
            if conn.info("replication")["role"] == "master":
                found |= {key.decode() for key in conn.scan_iter(count=1000)}
    return found


def test_ping_on_a_cluster(cluster: ClusterTopology, cluster_caches: str) -> None:
    report = run_json("ping")
    assert (report["backend"], report["topology"], report["ok"]) == (cluster_caches, "cluster", True)
    servers = report["servers"]
    assert sorted(server["address"] for server in servers) == sorted(f"127.0.0.1:{node.port}" for node in cluster.nodes)
    assert [server["expected_role"] for server in servers] == ["primary"] * 3 + ["replica"] * 3
    assert all(server["role"] == server["expected_role"] for server in servers)
    assert all(len(server["replicas"]) == 1 for server in servers[:3])
    assert report["cluster"] == {"state": "ok", "known_nodes": 6, "slots_assigned": 16384, "slots_ok": 16384}
    text = run_text("ping")
    assert "cluster state ok, 6 nodes, 16384/16384 slots ok" in text


def test_info_on_a_cluster(cluster: ClusterTopology, cluster_caches: str) -> None:
    fill_cluster(cluster, 300)
    fill_cluster(cluster, 20, prefix="other")
    report = run_json("info")
    assert report["keys_under_prefix"] == 300
    primaries = [server for server in report["servers"] if server["expected_role"] == "primary"]
    assert sum(server["db_keys"] for server in primaries) == 320
    assert all(server["ok"] and server["used_memory"] > 0 for server in report["servers"])


def test_keys_on_a_cluster(cluster: ClusterTopology, cluster_caches: str) -> None:
    fill_cluster(cluster, 50)
    report = run_json("keys", "key1*", "--limit=0")
    assert sorted(report["keys"]) == sorted(f"key{i}" for i in range(50) if str(i).startswith("1"))
    assert run_json("keys", "*", "--limit=7")["count"] == 7


def test_delete_pattern_on_a_cluster(cluster: ClusterTopology, cluster_caches: str) -> None:
    fill_cluster(cluster, 2000)
    fill_cluster(cluster, 10, prefix="other")
    dry = run_json("delete-pattern", "key1*", "--dry-run")
    expected = sum(1 for i in range(2000) if str(i).startswith("1"))
    assert dry["matched"] == expected
    report = run_json("delete-pattern", "key1*", "--yes", "--batch-size=100", "--progress")
    assert report["deleted"] == expected
    left = cluster_keys(cluster)
    assert len(left) == 2010 - expected and not any(key.startswith("app:1:key1") for key in left)


def test_clear_prefix_only_on_a_cluster(cluster: ClusterTopology, cluster_caches: str) -> None:
    fill_cluster(cluster, 500)
    fill_cluster(cluster, 10, prefix="other")
    assert run_json("clear", "--prefix-only", "--yes")["deleted"] == 500
    assert cluster_keys(cluster) == {f"other:1:key{i}" for i in range(10)}
    assert run_json("clear", "--dry-run")["matched"] == 10
    assert run_json("clear", "--yes")["deleted"] == 10
    assert cluster_keys(cluster) == set()


# ---------------------------------------------------------------- Sentinel


@pytest.fixture(scope="module")
def sentinel_topology() -> Iterator[SentinelTopology]:
    topo = SentinelTopology().start()
    yield topo
    topo.cleanup()


@pytest.mark.parametrize(
    "client",
    ["django_valkey.client.SentinelClient", "django_valkey.async_cache.client.AsyncSentinelClient"],
)
def test_ping_and_info_with_sentinel(sentinel_topology: SentinelTopology, client: str) -> None:
    backend = "django_valkey.cache.ValkeyCache"
    if client.startswith("django_valkey.async_cache"):
        backend = "django_valkey.async_cache.cache.AsyncValkeyCache"
    entry = {
        "BACKEND": backend,
        "LOCATION": f"valkey://{SERVICE}/0",
        "KEY_PREFIX": "s",
        "OPTIONS": {"CLIENT_CLASS": client, "SENTINELS": sentinel_topology.sentinel_addresses, "SOCKET_TIMEOUT": 2},
    }
    with override_settings(CACHES={"default": entry}):
        report = run_json("ping")
        assert (report["topology"], report["ok"]) == ("sentinel", True)
        primary, replica = report["servers"]
        assert (primary["role"], replica["role"]) == ("primary", "replica")
        _, port = sentinel_topology.primary_address()
        assert replica["primary"] == f"127.0.0.1:{port}" and replica["link"] == "up"
        assert sorted(sentinel["address"] for sentinel in report["sentinels"]) == sorted(
            f"{h}:{p}" for h, p in sentinel_topology.sentinel_addresses
        )
        assert all(
            s["ok"] and s["role"] == "sentinel" and s["expected_role"] == "sentinel" for s in report["sentinels"]
        )
        assert "sentinel 127.0.0.1:" in run_text("ping")
        with sentinel_topology.node_at(port).client() as conn:
            conn.mset({"s:1:a": 1, "s:1:b": 2})
        assert run_json("info")["keys_under_prefix"] == 2
        assert run_json("delete-pattern", "*", "--yes")["deleted"] == 2


# ---------------------------------------------------------------- shards


def test_shards(shard_servers: list[ValkeyProcess]) -> None:
    for server in shard_servers:
        with server.client() as conn:
            conn.flushall()
    entry = {
        "BACKEND": "django_valkey.cache.ValkeyCache",
        "LOCATION": [f"{server.url}/0" for server in shard_servers],
        "KEY_PREFIX": "sh",
        "OPTIONS": {"CLIENT_CLASS": "django_valkey.client.ShardClient"},
    }
    with override_settings(CACHES={"default": entry}):
        caches["default"].set_many({f"k{i}": i for i in range(60)})
        report = run_json("ping")
        assert report["topology"] == "shards"
        assert [server["expected_role"] for server in report["servers"]] == ["shard"] * 3
        info = run_json("info")
        assert info["keys_under_prefix"] == 60
        assert all(server["db_keys"] > 0 for server in info["servers"])  # the keys are spread
        assert run_json("delete-pattern", "k1*", "--yes")["deleted"] == 11
        assert run_json("clear", "--prefix-only", "--yes")["deleted"] == 49
        caches["default"].set_many({f"k{i}": i for i in range(60)})
        assert run_json("clear", "--dry-run")["matched"] == 60
        assert run_json("clear", "--yes")["deleted"] == 60
    for server in shard_servers:
        with server.client() as conn:
            assert conn.dbsize() == 0
