"""HashRing: even spread, stability when a node joins, errors; CompatHashRing: django-valkey 0.4's
placements, against known placements and the documented algorithm written out in the test."""

from __future__ import annotations

import random

import pytest

from django_valkey.hash_ring import CompatHashRing, HashRing, hash_tag
from tests.helpers import ring_0_4

KEYS = [f"key:{i}" for i in range(10_000)]


def test_three_nodes_share_keys_evenly() -> None:
    ring = HashRing(["valkey://a:6379/0", "valkey://b:6379/0", "valkey://c:6379/0"])
    counts = {node: 0 for node in ring.nodes}
    for key in KEYS:
        counts[ring.get_node(key)] += 1
    shares = {node: count / len(KEYS) for node, count in counts.items()}
    print("shares over 3 nodes:", {node[-12:]: round(share, 4) for node, share in shares.items()})
    for share in shares.values():
        assert abs(share - 1 / 3) <= 0.15 / 3, shares  # within ±15% of 1/3


def test_adding_a_node_moves_about_one_in_n_keys() -> None:
    nodes = ["valkey://a:6379/0", "valkey://b:6379/0", "valkey://c:6379/0"]
    ring = HashRing(nodes)
    before = {key: ring.get_node(key) for key in KEYS}
    ring.add_node("valkey://d:6379/0")
    after = {key: ring.get_node(key) for key in KEYS}
    moved = [key for key in KEYS if before[key] != after[key]]
    fraction = len(moved) / len(KEYS)
    print("fraction moved when a 4th node joins:", round(fraction, 4))
    assert 0.25 * 0.7 <= fraction <= 0.25 * 1.3
    # Keys only ever move to the new node.
    assert {after[key] for key in moved} == {"valkey://d:6379/0"}


def test_removing_a_node_only_moves_its_keys() -> None:
    ring = HashRing(["n1", "n2", "n3", "n4"])
    before = {key: ring.get_node(key) for key in KEYS[:2000]}
    ring.remove_node("n2")
    for key, node in before.items():
        if node != "n2":
            assert ring.get_node(key) == node


def test_placement_is_stable_across_instances() -> None:
    first, second = HashRing(["x", "y", "z"]), HashRing(["z", "y", "x"])
    assert all(first.get_node(key) == second.get_node(key) for key in KEYS[:1000])


def test_errors_name_the_problem() -> None:
    with pytest.raises(LookupError, match="no nodes"):
        HashRing[str]().get_node("k")
    ring = HashRing(["a"])
    with pytest.raises(ValueError, match="already on the ring"):
        ring.add_node("a")
    with pytest.raises(ValueError, match="not on the ring"):
        ring.remove_node("b")
    with pytest.raises(ValueError, match="replicas"):
        HashRing(["a"], replicas=0)


# ------------------------------------------------------------------ CompatHashRing: django-valkey 0.4's ring

THREE = ["valkey://127.0.0.1:6379/0", "valkey://127.0.0.1:6380/0", "valkey://127.0.0.1:6381/0"]

# Placements django-valkey 0.4's own HashRing gives for THREE (run once on 0.4's code; ShardClient
# hashes the stored key, or its hash tag).
KNOWN_0_4 = {
    ":1:user:1": THREE[0],
    ":1:user:2": THREE[1],
    ":1:session:abc": THREE[2],
    "site:3:cart:9": THREE[0],
    ":1:{user42}:profile": THREE[1],
    ":1:{user42}:settings": THREE[1],
    ":1:k0": THREE[2],
    ":1:k1": THREE[1],
    ":1:k2": THREE[0],
    ":1:k3": THREE[1],
    ":1:k4": THREE[2],
    ":1:k5": THREE[2],
}


def test_compat_ring_gives_0_4s_known_placements() -> None:
    ring = CompatHashRing(THREE)
    assert ring.replicas == 128
    for key, node in KNOWN_0_4.items():
        assert ring.get_node(key) == node == ring_0_4(THREE, key), key


@pytest.mark.parametrize("nodes", [["solo"], THREE[:2], THREE, [*THREE, "valkey://10.0.0.9:6379/2"]])
def test_compat_ring_follows_the_documented_algorithm(nodes: list[str]) -> None:
    ring = CompatHashRing(nodes)
    rnd = random.Random(11)
    alphabet = "ab{}:\n -"
    odd = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 10))) for _ in range(3000)]
    for key in [*KEYS[:3000], *odd, "", "{}", "a{b}c{d}", "a{b{c}d}e", "}{", "x\n{y}"]:
        assert ring.get_node(key) == ring_0_4(nodes, key), repr(key)
        assert ring.get_node(key.encode()) == ring.get_node(key)


def test_hash_tags() -> None:
    assert hash_tag(":1:{user42}:profile") == "user42"
    assert hash_tag("a{b}c{d}e") == "d" and hash_tag("a{b{c}d}e") == "c}d"
    assert hash_tag("{}") == "" and hash_tag("}{") == "}{" and hash_tag("plain") == "plain"
    assert hash_tag("a{b}\n{c}") == "b" and hash_tag("a\n{b}") == "a\n{b}"  # the first line only
    ring = CompatHashRing(THREE)
    assert len({ring.get_node(f":1:{{cart9}}:{field}") for field in range(200)}) == 1


def test_compat_ring_is_consistent_too() -> None:
    ring = CompatHashRing(THREE)
    before = {key: ring.get_node(key) for key in KEYS}
    counts = {node: list(before.values()).count(node) for node in THREE}
    print("0.4 ring shares over 3 nodes:", {node[-6:]: round(count / len(KEYS), 4) for node, count in counts.items()})
    assert all(0.2 < count / len(KEYS) < 0.47 for count in counts.values())
    ring.add_node("valkey://127.0.0.1:6382/0")
    moved = [key for key in KEYS if ring.get_node(key) != before[key]]
    assert 0.25 * 0.5 <= len(moved) / len(KEYS) <= 0.25 * 1.5
    assert {ring.get_node(key) for key in moved} == {"valkey://127.0.0.1:6382/0"}
    ring.remove_node("valkey://127.0.0.1:6382/0")
    assert all(ring.get_node(key) == node for key, node in before.items())
    with pytest.raises(LookupError, match="no nodes"):
        CompatHashRing[str]().get_node("k")
