"""A circuit per sentinel, around what valkey-py's ``Sentinel`` asks each of them (sync and async).

valkey-py asks the sentinels in turn where a service's primary and replicas are, going on to
the next when one cannot be reached. A sentinel whose circuit is open fails at once (with
``CircuitOpen``, a valkey-py ``ConnectionError``), so valkey-py goes on to the next without
waiting for a hung sentinel's timeout; a probe (``PING``, in the background) closes the circuit
when the sentinel answers again. ``guard_sentinels`` fits a Sentinel manager's clients with
them; nothing here changes what valkey-py asks or in what order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from valkey import Valkey
from valkey.asyncio import Valkey as AsyncValkey

from django_valkey._async.io import probe_with_connection
from django_valkey._async.io import spawn as spawn_task
from django_valkey._core.breaker import Circuit, CircuitSettings, circuit_for
from django_valkey._core.guard import unavailable
from django_valkey._sync.io import probe_until as probe_thread
from django_valkey._sync.io import spawn as spawn_thread

__all__ = ["guard_sentinels"]


def _counted(circuit: Circuit, error: BaseException) -> None:
    if unavailable(error):
        circuit.failed()


class _SentinelClient(Valkey):
    """A sync client of one sentinel, through its circuit (``guard_sentinels`` makes them)."""

    dv_circuit: Circuit

    def execute_command(self, *args: Any, **options: Any) -> Any:
        circuit = self.dv_circuit
        if circuit.open_until and circuit.enter():  # CircuitOpen while open
            spawn_thread(self._dv_probe)
            raise circuit.rejection()
        base: Any = super()  # valkey-py's sync client is not annotated
        try:
            reply: Any = base.execute_command(*args, **options)
        except Exception as error:
            _counted(circuit, error)
            raise
        if circuit.failures:
            circuit.succeeded()
        return reply

    def _dv_probe(self) -> None:
        plain: Any = Valkey  # valkey-py's execute_command, without the circuit (not annotated)
        probe_thread(self.dv_circuit, lambda: plain.execute_command(self, "PING"), unavailable)


class _AsyncSentinelClient(AsyncValkey):
    """An asyncio client of one sentinel, through its circuit."""

    dv_circuit: Circuit

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        circuit = self.dv_circuit
        if circuit.open_until and circuit.enter():
            spawn_task(self._dv_probe)
            raise circuit.rejection()
        base: Any = super()
        try:
            reply: Any = await base.execute_command(*args, **options)
        except Exception as error:
            _counted(circuit, error)
            raise
        if circuit.failures:
            circuit.succeeded()
        return reply

    async def _dv_probe(self) -> None:
        """PING on a connection of the probe loop's own (this client's belong to its loop)."""
        pool: Any = self.connection_pool
        await probe_with_connection(self.dv_circuit, pool.connection_class, pool.connection_kwargs, unavailable)


def guard_sentinels(manager: Any, addresses: Sequence[tuple[str, int]], settings: CircuitSettings | None) -> None:
    """Put a circuit (the process's, per sentinel address) around each client of ``manager``
    (a valkey-py ``Sentinel`` or its asyncio twin, just made from ``addresses``); nothing when
    the breaker is off or the clients are not valkey-py's own classes."""
    if settings is None:
        return
    clients: list[Any] = manager.sentinels
    for client, (host, port) in zip(clients, addresses):
        if type(client) is Valkey:
            client.__class__ = _SentinelClient  # the same layout: valkey-py built it, we guard it
        elif type(client) is AsyncValkey:
            client.__class__ = _AsyncSentinelClient
        else:
            continue
        guarded: Any = client
        guarded.dv_circuit = circuit_for(f"sentinel://{host}:{port}", settings)
