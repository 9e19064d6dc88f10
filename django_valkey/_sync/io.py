"""What the sync clients do differently from the asyncio ones, behind the names the shared
command source uses (hand-written twin of ``django_valkey/_async/io.py``)."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from time import monotonic, sleep
from typing import Any, NoReturn, ParamSpec

from valkey import Valkey
from valkey.exceptions import ConnectionError as ValkeyConnectionError
from valkey.exceptions import TimeoutError as ValkeyTimeoutError

from django_valkey._core.breaker import PROBE_INTERVAL, Circuit
from django_valkey._sync.deadline import scope
from django_valkey.exceptions import SerializerError

__all__ = [
    "CUT_AT_DEADLINE",
    "ProcessClients",
    "deadline_scope",
    "encode_off_loop",
    "probe_until",
    "scope_objects",
    "send_one",
    "sleep",
    "spawn",
]

#: A sync call cannot be cancelled, and a custom pool's connections may not cut their waits at
#: the deadline: a retry is made only when a whole attempt still fits.
CUT_AT_DEADLINE = False

#: What a deadline that passed raises here (the connections' own ``DeadlineReached`` is mapped
#: to ``DeadlineExceeded`` by the error policy before it gets this far).
DEADLINE_PASSED = TimeoutError

P = ParamSpec("P")


def deadline_scope(seconds: float) -> contextlib.AbstractContextManager[None]:
    """This thread's calls end within ``seconds``: the connections of pools built with a
    ``DEADLINE`` cut each wait on the network to what is left (``_sync.deadline``); a retry is
    only made when a whole attempt still fits (see ``ClientCommands._time_left``)."""
    return scope(seconds)


def encode_off_loop(error: SerializerError, build: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> NoReturn:
    """Sync code has no event loop to leave: a value that failed to encode stays an error."""
    raise error


def send_one(raw: Any, args: tuple[Any, ...]) -> Any:
    """``raw.execute_command(*args)`` for a plain ``valkey.Valkey`` over a pool, without the
    layers a cache does not use (valkey-py's per-connection retry, which is 0 here, its client-side
    caching, its per-call options): checkout, send, read, release, the response callback. Any
    other client (a subclass, one holding its own connection) goes through ``execute_command``."""
    client: Any = raw  # valkey-py's sync client is not annotated
    if client.__class__ is not Valkey or client.connection is not None:
        return client.execute_command(*args)
    pool: Any = client.connection_pool
    conn: Any = pool.get_connection(args[0])
    try:
        conn.send_command(*args)
        reply: Any = conn.read_response()
    except (ValkeyConnectionError, ValkeyTimeoutError):
        conn.disconnect()  # as valkey-py does: the next call reconnects
        raise
    finally:
        pool.release(conn)
    callbacks: Any = client.response_callbacks
    name = args[0]
    if name in callbacks:
        return callbacks[name](reply)
    return reply


def probe_until(circuit: Circuit, ping: Callable[[], object], counts: Callable[[Exception], bool]) -> None:
    """A probe of ``circuit``'s server: ``ping()`` until it succeeds (the circuit closes) or
    ``Circuit.probe_again`` gives up (it stays open); ``counts(error)`` says whether an error
    means the server is unavailable (else it answered: the circuit closes)."""
    began = monotonic()
    try:
        while True:
            try:
                ping()
            except Exception as error:
                if circuit.probe_again(counts(error), began):
                    sleep(PROBE_INTERVAL)
                    continue
                return
            circuit.succeeded()
            return
    except BaseException:
        circuit.probe_abandoned()
        raise


def spawn(function: Callable[P, None], *args: P.args, **kwargs: P.kwargs) -> None:
    """Run ``function(*args, **kwargs)`` in a daemon thread, beside the caller."""
    threading.Thread(target=function, args=args, kwargs=kwargs, daemon=True, name="django-valkey-probe").start()


class ProcessClients:
    """The raw clients of a sync client: one list for the process, shared by its threads
    (valkey-py's pools are thread-safe)."""

    _clients: list[Any]  # provided by BaseClient: one slot per LOCATION entry

    def _raw_clients(self) -> list[Any]:
        """The raw clients, one slot per LOCATION entry (``None``: not yet made)."""
        return self._clients

    def _client_lists(self) -> list[list[Any]]:
        """Every list of raw clients (one: the process's)."""
        return [self._clients]

    def _release_clients(self) -> list[Any]:
        """Forget the raw clients and return them, for ``close``."""
        released = list(self._clients)
        self._clients[:] = [None] * len(released)
        return released


# Objects shared by the whole process (a forked child starts with none: they may hold sockets).
_PROCESS_OBJECTS: dict[Any, Any] = {}
os.register_at_fork(after_in_child=_PROCESS_OBJECTS.clear)


def scope_objects() -> dict[Any, Any]:
    """The objects shared within this scope: for sync code, the process (emptied in a forked
    child); the asyncio twin gives each event loop its own."""
    return _PROCESS_OBJECTS
