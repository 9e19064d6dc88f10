"""HashRing: even spread, stability when a node joins, errors."""

from __future__ import annotations

import pytest

from django_valkey.hash_ring import HashRing

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
