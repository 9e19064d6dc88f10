"""A circuit per cluster node: what the cluster clients of ``cluster_cache.pool`` share.

valkey-py's cluster client sends each command to one node (``_execute_command``); the cluster
clients here put that node's circuit around it (``django_valkey._core.breaker``). A hung or dead
node then costs its slots' callers a few timeouts, after which their calls fail at once until a
probe finds the node answering again, while the other nodes' keys are served as before.

The probe is a ``PING`` sent by valkey-py's own node path, in the background: when it fails,
valkey-py refreshes its map of slots, so once the cluster has promoted the node's replica the
next call for those slots goes to the new primary. A read that valkey-py sent to a replica with
an open circuit goes to another node of the slot instead (the other replicas, then the primary).
"""

from __future__ import annotations

from collections.abc import Sequence
from time import monotonic
from typing import Protocol

from valkey.exceptions import TimeoutError as ValkeyTimeoutError

from django_valkey._core.breaker import Circuit, CircuitSettings, circuit_for, generation
from django_valkey._core.guard import unavailable

__all__ = ["NodeCircuits", "NodeLike"]

#: valkey-py's ``server_type`` of a replica node.
REPLICA = "replica"


class NodeLike(Protocol):
    """What a circuit needs of a valkey-py ``ClusterNode`` (sync or asyncio)."""

    @property
    def name(self) -> str:
        """``host:port``."""
        ...

    @property
    def server_type(self) -> str | None:
        """``"primary"`` or ``"replica"``."""
        ...


class NodeCircuits:
    """The circuits of one cluster client's nodes, each the process's circuit for that node's
    address (``circuit_for``), so that every client of the process shares them."""

    __slots__ = ("settings", "scheme", "read_timeout", "_by_name", "_generation")

    def __init__(self, settings: CircuitSettings, scheme: str, read_timeout: float | None) -> None:
        self.settings: CircuitSettings = settings
        self.scheme: str = scheme
        self.read_timeout: float = read_timeout or 0.0
        self._by_name: dict[str, Circuit] = {}
        self._generation = generation()

    def of(self, node: NodeLike) -> Circuit:
        """The circuit of ``node``."""
        name = node.name
        if self._generation != generation():  # reset_circuits ran: look every circuit up again
            self._by_name = {}
            self._generation = generation()
        circuit = self._by_name.get(name)
        if circuit is None:
            circuit = self._by_name[name] = circuit_for(f"{self.scheme}://{name}", self.settings)
        return circuit

    def stand_in(self, node: NodeLike, slot_nodes: Sequence[NodeLike] | None) -> NodeLike | None:
        """For a read valkey-py sent to ``node``, a replica whose circuit is open: another node
        of the slot (``slot_nodes``: the primary first) whose circuit lets calls through, the
        other replicas before the primary; ``None`` if ``node`` is a primary or none will do."""
        if node.server_type != REPLICA or not slot_nodes:
            return None
        for other in (*slot_nodes[1:], slot_nodes[0]):
            if other.name != node.name and not self.of(other).blocked():
                return other
        return None

    def failed(self, circuit: Circuit, error: BaseException) -> None:
        """A command to ``circuit``'s node failed with ``error``: count it if the node is
        unavailable (see ``_core.guard.unavailable``)."""
        if unavailable(error):
            timed_out = isinstance(error, (ValkeyTimeoutError, TimeoutError))
            circuit.failed(monotonic() - self.read_timeout if timed_out else None)

    def blocked_primary(self, slot_nodes: Sequence[Sequence[NodeLike] | None]) -> Circuit | None:
        """The first open circuit among the primaries of ``slot_nodes`` (valkey-py's nodes of
        each slot a pipeline writes to), for failing the pipeline at once."""
        for nodes in slot_nodes:
            if nodes:
                circuit = self.of(nodes[0])
                if circuit.blocked():
                    return circuit
        return None
