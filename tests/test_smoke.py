from django_valkey.cache import ValkeyCache


def test_set_get_roundtrip(cache: ValkeyCache) -> None:
    cache.set("k", {"a": 1})
    assert cache.get("k") == {"a": 1}
    assert cache.get("missing", "fallback") == "fallback"


def test_replica_reads(make_cache, valkey_server, replica_server) -> None:
    from tests.servers import wait_for

    cache = make_cache([f"{valkey_server.url}/0", f"{replica_server.url}/0"])
    cache.set("r", 1)
    assert wait_for(lambda: cache.get("r") == 1)
    assert cache.get_client(write=False).connection_pool.connection_kwargs["port"] == replica_server.port
