"""Pure topology helpers and configuration errors (no server needed)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from django_valkey._core.commands import Request
from django_valkey._core.grouping import Grouped, gather, group_keys, routing_keys
from django_valkey._core.herd import HEADER_LENGTH, MAGIC, pack, unpack
from django_valkey._sentinel import SentinelURL, primary_and_replica, sentinel_kwargs
from django_valkey.cluster_cache.pool import startup_nodes
from django_valkey.cluster_cache.slots import slot_of


def test_sentinel_url_parsing() -> None:
    url = SentinelURL.parse("valkey://user:p%40ss@mymaster/3?is_master=0")
    assert (url.service, url.db, url.is_master, url.username, url.password, url.ssl) == (
        "mymaster",
        3,
        False,
        "user",
        "p@ss",
        False,
    )
    assert SentinelURL.parse("valkeys://svc?db=2").db == 2
    assert SentinelURL.parse("valkeys://svc").ssl is True
    assert SentinelURL.parse("valkey://svc").is_master is True
    with pytest.raises(ImproperlyConfigured, match="not a Sentinel service URL"):
        SentinelURL.parse("unix:///tmp/valkey.sock")
    with pytest.raises(ImproperlyConfigured, match="database must be a number"):
        SentinelURL.parse("valkey://svc/abc")


def test_one_sentinel_url_gives_a_primary_and_a_replica() -> None:
    primary, replica = primary_and_replica(["valkey://svc/1?is_master=0"])
    assert SentinelURL.parse(primary).is_master is True
    assert SentinelURL.parse(replica).is_master is False
    assert SentinelURL.parse(replica).db == 1
    given = ["valkey://svc/0", "valkey://svc/0?is_master=0"]
    assert primary_and_replica(given) == given


def test_sentinel_kwargs_default_to_socket_options() -> None:
    assert sentinel_kwargs({}, {"socket_timeout": 1, "password": "x"}) == {"socket_timeout": 1}
    assert sentinel_kwargs({"SENTINEL_KWARGS": {"password": "s"}}, {"socket_timeout": 1}) == {"password": "s"}
    with pytest.raises(ImproperlyConfigured, match="SENTINEL_KWARGS"):
        sentinel_kwargs({"SENTINEL_KWARGS": ["x"]}, {})


def test_cluster_location() -> None:
    first, others = startup_nodes("valkey://a:7000, valkey://b:7001,valkey://c")
    assert first == "valkey://a:7000" and others == [("b", 7001), ("c", 6379)]
    with pytest.raises(ImproperlyConfigured, match="no supported scheme"):
        startup_nodes("valkey://a:7000,http://b:7001")


def test_slots_follow_hash_tags() -> None:
    assert slot_of(":1:{user1}:a") == slot_of(":1:{user1}:b") == slot_of("user1")
    assert 0 <= slot_of("anything") < 16384


def test_routing_keys() -> None:
    assert routing_keys(("GET", "k")) == ("k",)
    assert routing_keys(("EVAL", "script", 1, "k", "arg")) == ("k",)
    assert routing_keys(("MSET", "a", 1, "b", 2)) == ("a", "b")
    assert routing_keys(("SMOVE", "a", "b", "m")) == ("a", "b")
    assert routing_keys(("LMOVE", "a", "b", "LEFT", "RIGHT")) == ("a", "b")
    assert routing_keys(("BLMOVE", "a", "b", "LEFT", "RIGHT", 0.5)) == ("a", "b")
    assert routing_keys(("BLPOP", "a", "b", 0.5)) == ("a", "b")
    assert routing_keys(("HPEXPIRE", "h", 100, "FIELDS", 1, "f")) == ("h",)
    assert routing_keys(("FLUSHDB",)) == ()


def test_gather_splits_replies_back() -> None:
    parts: dict[int, Request[object]] = {
        1: Request(("MGET", "a", "b"), lambda reply: {"a": reply[0], "b": reply[1]}),
        2: Request(None, lambda _: {}),
        3: Request(None, lambda reply: {"c": reply[0], "d": reply[1]}, batch=[("GET", "c"), ("GET", "d")]),
    }

    def merge(results: list[object]) -> dict[str, object]:
        merged: dict[str, object] = {}
        for result in results:
            assert isinstance(result, dict)
            merged.update(result)
        return merged

    req = gather(Grouped(parts, merge), write=False)
    assert req.batch == [("MGET", "a", "b"), ("GET", "c"), ("GET", "d")]
    assert req.parse([[1, 2], 3, 4]) == {"a": 1, "b": 2, "c": 3, "d": 4}
    empty = gather(Grouped({}, merge), write=True)
    assert empty.args is None and empty.batch is None and empty.parse(None) == {}
    assert group_keys(["a1", "b1", "a2"], lambda key: key[0]) == {"a": ["a1", "a2"], "b": ["b1"]}


def test_herd_envelope() -> None:
    raw = pack(b"payload", 123.5)
    assert raw.startswith(MAGIC) and len(raw) == HEADER_LENGTH + len(b"payload")
    header = unpack(raw)
    assert header is not None and header[1] == 123.5 and header[0] == raw[:HEADER_LENGTH]
    assert unpack(b"\x80\x04plain pickle") is None
    assert unpack(MAGIC) is None  # too short to be an envelope
