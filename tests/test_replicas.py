"""Primary + read replicas: LOCATION forms, routing of reads and writes, fallback to the primary."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from django_valkey.cache import ValkeyCache
from tests.helpers import MakeCache, cache_params
from tests.servers import ValkeyProcess, wait_for

FAST = {"SOCKET_CONNECT_TIMEOUT": 0.3, "SOCKET_TIMEOUT": 0.3}


def calls(server: ValkeyProcess, command: str) -> int:
    """How many times ``server`` ran ``command`` since its stats were reset."""
    with server.client() as conn:
        stats = conn.info("commandstats").get(f"cmdstat_{command}")
    return int(stats["calls"]) if stats else 0


def calls_failed(server: ValkeyProcess, command: str) -> int:
    """How many of those calls of ``command`` answered an error (e.g. NOSCRIPT)."""
    with server.client() as conn:
        stats = conn.info("commandstats").get(f"cmdstat_{command}")
    return int(stats["failed_calls"]) if stats else 0


@pytest.fixture
def replicated(
    make_cache: MakeCache, valkey_server: ValkeyProcess, replica_server: ValkeyProcess
) -> Iterator[ValkeyCache]:
    """A cache on [primary, replica] whose replica has caught up, with fresh command stats."""
    cache = make_cache([f"{valkey_server.url}/0", f"{replica_server.url}/0"])
    with replica_server.client() as conn:
        assert wait_for(lambda: conn.info("replication")["master_link_status"] == "up")
    for server in (valkey_server, replica_server):
        with server.client() as conn:
            conn.config_resetstat()
    yield cache


@pytest.mark.valkey_py(reason="inspects valkey-py pools")
def test_location_forms(make_cache: MakeCache, valkey_server: ValkeyProcess, replica_server: ValkeyProcess) -> None:
    primary, replica = f"{valkey_server.url}/0", f"{replica_server.url}/0"
    as_list = make_cache([primary, replica])
    as_string = make_cache(f"{primary}, {replica}")
    for cache in (as_list, as_string):
        assert cache.client.servers == [primary, replica]
        assert cache.get_client(write=True).connection_pool.connection_kwargs["port"] == valkey_server.port
        assert cache.get_client(write=False).connection_pool.connection_kwargs["port"] == replica_server.port


def test_writes_go_to_primary_reads_to_replica(
    replicated: ValkeyCache, valkey_server: ValkeyProcess, replica_server: ValkeyProcess
) -> None:
    cache = replicated
    cache.set("k", "v")
    cache.set_many({"a": 1, "b": 2})  # one script running a SET PX each
    cache.set_many({"c": 1}, timeout=None)  # MSET
    cache.incr("a")
    cache.delete("b")
    assert calls(valkey_server, "set") == 3  # the scripts' SETs count too
    assert calls(valkey_server, "mset") == 1
    # set_many's and incr's scripts: EVALSHA, or EVAL when the server has not cached it (NOSCRIPT).
    assert calls(valkey_server, "evalsha") + calls(valkey_server, "eval") - calls_failed(valkey_server, "evalsha") == 2
    assert calls(valkey_server, "del") == 1
    assert calls(replica_server, "eval") + calls(replica_server, "evalsha") == 0
    assert wait_for(lambda: cache.get("k") == "v")
    gets = calls(replica_server, "get")
    assert gets >= 1
    assert cache.get_many(["k", "a"]) == {"k": "v", "a": 2}
    assert cache.has_key("k")
    assert cache.ttl("k") is not None
    assert calls(replica_server, "get") == gets
    assert calls(replica_server, "mget") == 1
    assert calls(replica_server, "exists") == 1
    assert calls(replica_server, "ttl") == 1
    # The primary served no reads at all (its one EXISTS ran inside incr's script, which reads
    # the value back with GET only beyond 2**53).
    assert calls(valkey_server, "get") == 0
    assert calls(valkey_server, "exists") == 1
    for command in ("mget", "ttl"):
        assert calls(valkey_server, command) == 0, command


def test_replica_rejects_writes_so_none_are_sent(replicated: ValkeyCache, replica_server: ValkeyProcess) -> None:
    cache = replicated
    cache.set("k", 1)
    cache.add("n", 1)
    cache.touch("k", 50)
    cache.sadd("s", 1)
    cache.hset("h", "f", 1)
    cache.delete_pattern("nothing*")
    cache.incr_version("k")
    # Each of these would have failed with READONLY on the replica.
    assert cache.get_or_set("g", "dflt") == "dflt"
    with replica_server.client() as conn:
        assert conn.info("stats")["total_error_replies"] == 0


def test_scans_and_set_reads(replicated: ValkeyCache, replica_server: ValkeyProcess) -> None:
    cache = replicated
    cache.set_many({"k1": 1, "k2": 2})
    cache.sadd("s", *range(30))
    assert wait_for(lambda: sorted(cache.keys("k*")) == ["k1", "k2"])
    assert sorted(cache.iter_keys("k*")) == ["k1", "k2"]
    assert wait_for(lambda: cache.smembers("s") == set(range(30)))
    assert cache.sscan("s", count=4) == set(range(30))
    assert calls(replica_server, "keys") >= 1
    assert calls(replica_server, "scan") >= 1


@pytest.mark.valkey_py(reason="inspects valkey-py pools")
def test_replica_read_only_false_reads_everywhere(
    make_cache: MakeCache, valkey_server: ValkeyProcess, replica_server: ValkeyProcess
) -> None:
    cache = make_cache([f"{valkey_server.url}/0", f"{replica_server.url}/0"], REPLICA_READ_ONLY=False)
    ports = {cache.get_client(write=False).connection_pool.connection_kwargs["port"] for _ in range(64)}
    assert ports == {valkey_server.port, replica_server.port}
    assert cache.get_client(write=True).connection_pool.connection_kwargs["port"] == valkey_server.port


def test_read_falls_back_to_primary_when_replica_is_down(make_cache: MakeCache, valkey_server: ValkeyProcess) -> None:
    replica = ValkeyProcess("--replicaof", "127.0.0.1", str(valkey_server.port)).start()
    try:
        cache = make_cache([f"{valkey_server.url}/0", f"{replica.url}/0"], **FAST)
        cache.set_many({"k": "v", "a": 1})
        cache.sadd("s", 1, 2)
        assert wait_for(lambda: cache.get("k") == "v")  # served by the replica
        replica.stop()
        assert cache.get("k") == "v"
        assert cache.get_many(["k", "a"]) == {"k": "v", "a": 1}
        assert cache.has_key("a")
        assert cache.keys("k*") == ["k"]
        assert sorted(cache.iter_keys("*")) == ["a", "k", "s"]
        assert cache.smembers("s") == {1, 2}
        assert cache.get("missing", "dflt") == "dflt"
        # Writes were never the replica's business.
        cache.set("k", "w")
        assert cache.get("k") == "w"
    finally:
        replica.cleanup()


def test_replica_down_and_primary_down_raises(make_cache: MakeCache) -> None:
    from django_valkey.exceptions import ConnectionInterrupted

    primary = ValkeyProcess().start()
    replica = ValkeyProcess().start()
    try:
        cache = make_cache([f"{primary.url}/0", f"{replica.url}/0"], **FAST)
        ignoring = make_cache([f"{primary.url}/0", f"{replica.url}/0"], IGNORE_EXCEPTIONS=True, **FAST)
        primary.stop()
        replica.stop()
        with pytest.raises(ConnectionInterrupted):
            cache.get("k")
        assert ignoring.get("k", "dflt") == "dflt"
    finally:
        primary.cleanup()
        replica.cleanup()


@pytest.mark.valkey_py(reason="get_valkey_connection returns a valkey.Valkey")
def test_get_valkey_connection_write_and_read(valkey_server: ValkeyProcess, replica_server: ValkeyProcess) -> None:
    from django.test import override_settings

    import django_valkey

    params = cache_params([f"{valkey_server.url}/0", f"{replica_server.url}/0"])
    with override_settings(CACHES={"default": params}):
        write: Any = django_valkey.get_valkey_connection(write=True)
        read: Any = django_valkey.get_valkey_connection(write=False)
        assert write.connection_pool.connection_kwargs["port"] == valkey_server.port
        assert read.connection_pool.connection_kwargs["port"] == replica_server.port
