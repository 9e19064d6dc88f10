"""Real Sentinel and Cluster topologies on loopback, built from ``tests.servers.ValkeyProcess``.

Each launcher starts its processes on free ports, waits (bounded) until the topology is usable and
stops everything in ``cleanup``.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

import valkey

from tests.servers import ValkeyProcess, free_port

__all__ = ["ClusterTopology", "SentinelTopology", "poll", "role"]

SERVICE = "mymaster"


def poll(condition: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Call ``condition`` until it is true (errors count as false) or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return True
        except (valkey.exceptions.ValkeyError, OSError):
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def role(node: ValkeyProcess) -> str:
    """``master`` or ``slave``, as the node reports it. A node that is switching roles closes its
    client connections: it is asked again (for up to 5 s) rather than failing the probe."""
    deadline = time.monotonic() + 5
    while True:
        try:
            with node.client(socket_timeout=1) as conn:
                return str(conn.info("replication")["role"])
        except (valkey.exceptions.ConnectionError, valkey.exceptions.TimeoutError):
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


class SentinelTopology:
    """A primary, one replica and three sentinels monitoring them as service ``mymaster``.

    Failure detection is tuned to be quick: ``down-after-milliseconds`` 400, ``failover-timeout``
    1000, so a failover completes in one to a few seconds.
    """

    def __init__(self, down_after_ms: int = 400, failover_timeout_ms: int = 1000) -> None:
        self.down_after_ms = down_after_ms
        self.failover_timeout_ms = failover_timeout_ms
        # No diskless-sync delay: the replica syncs at once instead of after 5 s.
        self.primary = ValkeyProcess("--repl-diskless-sync-delay", "0")
        self.replica: ValkeyProcess | None = None
        self.sentinels: list[ValkeyProcess] = []
        self.nodes: list[ValkeyProcess] = []

    def start(self) -> SentinelTopology:
        try:
            self.primary.start()
            self.replica = ValkeyProcess(
                "--replicaof", "127.0.0.1", str(self.primary.port), "--repl-diskless-sync-delay", "0"
            ).start()
            self.nodes = [self.primary, self.replica]
            if not poll(self._replica_synced, 10):
                raise RuntimeError("the replica did not sync with the primary")
            # Sentinels are told about each other and the replica up front (instead of waiting for
            # hello messages and INFO refreshes), so the topology is ready in about a second.
            ports = [free_port() for _ in range(3)]
            ids = [secrets.token_hex(20) for _ in range(3)]
            common = (
                f"sentinel monitor {SERVICE} 127.0.0.1 {self.primary.port} 2\n"
                f"sentinel down-after-milliseconds {SERVICE} {self.down_after_ms}\n"
                f"sentinel failover-timeout {SERVICE} {self.failover_timeout_ms}\n"
                f"sentinel parallel-syncs {SERVICE} 1\n"
                f"sentinel known-replica {SERVICE} 127.0.0.1 {self.replica.port}\n"
            )
            for index, port in enumerate(ports):
                peers = "".join(
                    f"sentinel known-sentinel {SERVICE} 127.0.0.1 {ports[other]} {ids[other]}\n"
                    for other in range(3)
                    if other != index
                )
                config = f"sentinel myid {ids[index]}\n{common}{peers}"
                self.sentinels.append(ValkeyProcess(config=config, sentinel=True).start(port=port))
            if not poll(self._sentinels_ready, 15):
                raise RuntimeError("the sentinels did not discover each other and the replica")
        except BaseException:
            self.cleanup()
            raise
        return self

    def _replica_synced(self) -> bool:
        assert self.replica is not None
        with self.replica.client(socket_timeout=1) as conn:
            info = conn.info("replication")
        return bool(info.get("master_link_status") == "up")

    def _sentinels_ready(self) -> bool:
        for sentinel in self.sentinels:
            with sentinel.client(socket_timeout=1) as conn:
                state = conn.sentinel_master(SERVICE)
                if int(state["num-other-sentinels"]) < 2 or int(state["num-slaves"]) < 1:
                    return False
        return True

    @property
    def sentinel_addresses(self) -> list[tuple[str, int]]:
        return [("127.0.0.1", sentinel.port) for sentinel in self.sentinels]

    def primary_address(self) -> tuple[str, int]:
        """Where the sentinels say the primary is now."""
        with self.sentinels[0].client(socket_timeout=1) as conn:
            host, port = conn.sentinel_get_master_addr_by_name(SERVICE)
        return host.decode() if isinstance(host, bytes) else str(host), int(port)

    def role(self, node: ValkeyProcess) -> str:
        return role(node)

    def node_at(self, port: int) -> ValkeyProcess:
        return next(node for node in self.nodes if node.port == port)

    def cleanup(self) -> None:
        for process in [*self.sentinels, *self.nodes, self.primary]:
            process.cleanup()


class ClusterTopology:
    """Six nodes with ``--cluster-enabled yes``: three primaries (slots split evenly) and one
    replica for each, formed with CLUSTER MEET / ADDSLOTSRANGE / REPLICATE."""

    SLOTS = 16384

    def __init__(self, primaries: int = 3, node_timeout_ms: int = 1000) -> None:
        self.primary_count = primaries
        self.node_timeout_ms = node_timeout_ms
        self.nodes: list[ValkeyProcess] = []

    def start(self) -> ClusterTopology:
        try:
            for _ in range(self.primary_count * 2):
                self.nodes.append(
                    ValkeyProcess(
                        "--cluster-enabled",
                        "yes",
                        "--cluster-node-timeout",
                        str(self.node_timeout_ms),
                        "--cluster-config-file",
                        "nodes.conf",
                        "--cluster-replica-validity-factor",
                        "0",
                        "--repl-diskless-sync-delay",
                        "0",
                    ).start()
                )
            self._form()
        except BaseException:
            self.cleanup()
            raise
        return self

    def _form(self) -> None:
        first = self.nodes[0]
        for node in self.nodes[1:]:
            with first.client() as conn:
                conn.execute_command("CLUSTER", "MEET", "127.0.0.1", node.port)
        per = self.SLOTS // self.primary_count
        for index, node in enumerate(self.nodes[: self.primary_count]):
            start = index * per
            end = self.SLOTS - 1 if index == self.primary_count - 1 else start + per - 1
            with node.client() as conn:
                conn.execute_command("CLUSTER", "ADDSLOTSRANGE", start, end)
        if not poll(lambda: all(len(self._known(node)) == len(self.nodes) for node in self.nodes), 20):
            raise RuntimeError("the cluster nodes did not meet")
        for primary, replica in zip(self.nodes[: self.primary_count], self.nodes[self.primary_count :]):
            primary_id = self.node_id(primary)
            with replica.client() as conn:
                ok = poll(lambda: bool(conn.execute_command("CLUSTER", "REPLICATE", primary_id)), 10, 0.2)
            if not ok:
                raise RuntimeError("CLUSTER REPLICATE failed")
        if not self.wait_ok(30):
            raise RuntimeError("the cluster did not reach cluster_state:ok")
        # A replica's role reaches the other nodes by gossip, after its link is up: until then a
        # node's CLUSTER SLOTS (what clients build their view from) leaves it out.
        if not poll(self._replicas_known, 30, 0.1):
            raise RuntimeError("not every node lists every replica")

    def _replicas_known(self) -> bool:
        """Every node's CLUSTER SLOTS lists a primary and its replica for every range."""
        for node in self.nodes:
            with node.client(socket_timeout=1) as conn:
                ranges = conn.execute_command("CLUSTER", "SLOTS")
            if not ranges or any(len(entry) != 4 for entry in ranges):  # start, end, primary, replica
                return False
        return True

    def _known(self, node: ValkeyProcess) -> list[str]:
        with node.client(socket_timeout=1) as conn:
            text = conn.execute_command("CLUSTER", "NODES")
        if isinstance(text, bytes):
            text = text.decode()
        return [line for line in str(text).splitlines() if line.strip()]

    def node_id(self, node: ValkeyProcess) -> str:
        with node.client(socket_timeout=1) as conn:
            reply = conn.execute_command("CLUSTER", "MYID")
        return reply.decode() if isinstance(reply, bytes) else str(reply)

    def state_ok(self, node: ValkeyProcess) -> bool:
        with node.client(socket_timeout=1) as conn:
            info = conn.execute_command("CLUSTER", "INFO")
        text = info.decode() if isinstance(info, bytes) else str(info)
        return "cluster_state:ok" in text

    def wait_ok(self, timeout: float) -> bool:
        """Every running node reports cluster_state:ok, and every replica is linked."""

        def ready() -> bool:
            running = [node for node in self.nodes if node.running]
            return all(self.state_ok(node) for node in running) and all(
                self._link_up(node) for node in running if self.role(node) == "slave"
            )

        return poll(ready, timeout, 0.1)

    def _link_up(self, node: ValkeyProcess) -> bool:
        with node.client(socket_timeout=1) as conn:
            return bool(conn.info("replication").get("master_link_status") == "up")

    def role(self, node: ValkeyProcess) -> str:
        return role(node)

    @property
    def url(self) -> str:
        return self.nodes[0].url

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    def primary_for_slot(self, slot: int) -> ValkeyProcess:
        """The running node that owns ``slot`` now, asking a running node."""
        asker = next(node for node in self.nodes if node.running)
        with asker.client(socket_timeout=1) as conn:
            slots = conn.execute_command("CLUSTER", "SLOTS")
        for entry in slots:
            if int(entry[0]) <= slot <= int(entry[1]):
                port = int(entry[2][1])
                return next(node for node in self.nodes if node.port == port)
        raise LookupError(f"no node owns slot {slot}")

    def cleanup(self) -> None:
        for node in self.nodes:
            node.cleanup()


async def check_queryset_set_many(cache: Any) -> None:
    """``set_many`` of QuerySets on an async cache whose set_many is grouped by server or slot:
    pickling runs the queries, so the request is built in a worker thread (as Django would)."""
    from asgiref.sync import sync_to_async
    from django.contrib.auth.models import Group

    await sync_to_async(Group.objects.create)(name="editors")
    data = {f"qs{i}": Group.objects.all() for i in range(8)}
    assert await cache.set_many(data, timeout=60) == []
    found = await cache.get_many(list(data))
    assert {key: [group.name for group in value] for key, value in found.items()} == {key: ["editors"] for key in data}
    await cache.delete_many(list(data))
