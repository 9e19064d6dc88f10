"""What the asyncio clients do differently from the sync ones, behind the names the shared
command source uses (``django_valkey/_sync/io.py`` has the sync twins)."""

from __future__ import annotations

import asyncio
import inspect
import os
import sys
import threading
import weakref
from asyncio import sleep
from collections.abc import Callable, Coroutine
from time import monotonic
from typing import Any, ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.core.exceptions import SynchronousOnlyOperation
from valkey.asyncio import Valkey as AsyncValkey
from valkey.exceptions import ConnectionError as ValkeyConnectionError
from valkey.exceptions import TimeoutError as ValkeyTimeoutError

from django_valkey._core.breaker import PROBE_INTERVAL, Circuit
from django_valkey._loop_objects import loop_objects
from django_valkey.exceptions import SerializerError

if sys.version_info >= (3, 11):
    from asyncio import timeout as deadline_scope
else:  # pragma: no cover - Python 3.10 (valkey-py depends on async-timeout there)
    from async_timeout import timeout as deadline_scope

__all__ = [
    "CUT_AT_DEADLINE",
    "LoopClients",
    "deadline_scope",
    "encode_off_loop",
    "probe_until",
    "probe_with_connection",
    "scope_objects",
    "sleep",
    "spawn",
]

#: ``deadline_scope`` cancels a call at its deadline, wherever it is (connect, send, read, wait).
CUT_AT_DEADLINE = True

#: What ``deadline_scope`` raises at the deadline (``asyncio.TimeoutError`` is the builtin
#: ``TimeoutError`` from Python 3.11 on; on 3.10, async-timeout raises the former).
DEADLINE_PASSED = asyncio.TimeoutError

P = ParamSpec("P")
R = TypeVar("R")


async def encode_off_loop(error: SerializerError, build: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """``build(*args, **kwargs)`` again in a worker thread, when encoding a value on the event loop
    failed because pickling it needs synchronous-only Django work (a ``QuerySet`` runs its query):
    Django's own async cache methods always serialize in a thread, so such values must still work.
    Any other serializer error is raised as it was. Never on the hot path: only after a failure."""
    if not isinstance(error.__cause__, SynchronousOnlyOperation):
        raise error
    return await sync_to_async(build)(*args, **kwargs)


class _ProbeLoop:
    """The process's event loop for probes, in a daemon thread: a probe must outlive the event
    loop of the call that started it (``asyncio.run()`` per call closes it at once). Made again
    in a forked child, which has the loop but not its thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0

    def get(self) -> asyncio.AbstractEventLoop:
        loop = self._loop
        if loop is not None and self._pid == os.getpid():
            return loop
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                self._loop = asyncio.new_event_loop()
                self._pid = os.getpid()
                threading.Thread(target=self._loop.run_forever, daemon=True, name="django-valkey-probes").start()
            return self._loop


_PROBES = _ProbeLoop()


async def send_one(raw: Any, args: tuple[Any, ...]) -> Any:
    """``await raw.execute_command(*args)`` for a plain ``valkey.asyncio.Valkey`` over a pool,
    without the layers a cache does not use (valkey-py's per-connection retry, which is 0 here,
    its client-side caching, its per-call options): checkout, send, read, release, the response
    callback. A cancelled call's connection is closed by valkey-py's read (it disconnects on any
    ``BaseException``), so no reply is left unread on a pooled connection. Any other client (a
    subclass, a single-connection client) goes through ``execute_command``."""
    client: Any = raw  # valkey-py leaves much of its client unannotated
    if client.__class__ is not AsyncValkey or client.single_connection_client:
        return await client.execute_command(*args)
    pool: Any = client.connection_pool
    conn: Any = await pool.get_connection(args[0])
    try:
        await conn.send_command(*args)
        reply: Any = await conn.read_response()
    except (ValkeyConnectionError, ValkeyTimeoutError):
        await conn.disconnect()  # as valkey-py does: the next call reconnects
        raise
    finally:
        await pool.release(conn)
    callbacks: Any = client.response_callbacks
    name = args[0]
    if name in callbacks:
        reply = callbacks[name](reply)
        if inspect.isawaitable(reply):
            reply = await reply
    return reply


async def probe_until(
    circuit: Circuit, ping: Callable[[], Coroutine[Any, Any, object]], counts: Callable[[Exception], bool]
) -> None:
    """A probe of ``circuit``'s server: ``ping()`` until it succeeds (the circuit closes) or
    ``Circuit.probe_again`` gives up (it stays open); ``counts(error)`` says whether an error
    means the server is unavailable (else it answered: the circuit closes)."""
    began = monotonic()
    try:
        while True:
            try:
                await ping()
            except Exception as error:
                if circuit.probe_again(counts(error), began):
                    await sleep(PROBE_INTERVAL)
                    continue
                return
            circuit.succeeded()
            return
    except BaseException:  # cancelled: the probe loop closed (the interpreter is exiting)
        circuit.probe_abandoned()
        raise


async def probe_with_connection(
    circuit: Circuit, connection_class: Any, connection_kwargs: dict[str, Any], counts: Callable[[Exception], bool]
) -> None:
    """``probe_until`` with ``PING`` on a connection of the probe's own, made from a valkey-py
    asyncio ``connection_class`` and its ``connection_kwargs`` (a client's own connections
    belong to its event loop, not the probe loop); closed when the probe ends."""
    conn: Any = connection_class(**connection_kwargs)

    async def ping() -> object:
        try:
            await conn.send_command("PING")
            reply: object = await conn.read_response()
            return reply
        except Exception:
            await conn.disconnect()
            raise

    try:
        await probe_until(circuit, ping, counts)
    finally:
        await conn.disconnect()


def spawn(function: Callable[P, Coroutine[Any, Any, None]], *args: P.args, **kwargs: P.kwargs) -> None:
    """Run ``function(*args, **kwargs)`` beside the caller, on the process's probe loop (its
    own thread): the caller does not wait for it, and its event loop may end before it does.
    What it uses of the network must be made on that loop (``LoopClients`` does so)."""
    asyncio.run_coroutine_threadsafe(function(*args, **kwargs), _PROBES.get())


class LoopClients:
    """The raw clients of an async client, one list per event loop (a ``valkey.asyncio``
    connection must not cross loops); the running loop's is found with one identity check."""

    _server: list[str]  # provided by BaseClient

    # The raw clients of the loop used last, and of every live loop.
    _loop_current: tuple[weakref.ref[asyncio.AbstractEventLoop], list[Any]] | None = None
    _loop_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, list[Any]] | None = None

    def _raw_clients(self) -> list[Any]:
        """The running loop's raw clients, one slot per LOCATION entry (``None``: not yet made)."""
        loop = asyncio.get_running_loop()
        current = self._loop_current
        if current is not None and current[0]() is loop:
            return current[1]
        by_loop = self._loop_clients
        if by_loop is None:
            by_loop = self._loop_clients = weakref.WeakKeyDictionary()
        clients = by_loop.get(loop)
        if clients is None:
            clients = by_loop[loop] = [None] * len(self._server)
        self._loop_current = (weakref.ref(loop), clients)
        return clients

    def _client_lists(self) -> list[list[Any]]:
        """Every list of raw clients: one per live event loop."""
        return [] if self._loop_clients is None else list(self._loop_clients.values())

    def _release_clients(self) -> list[Any]:
        """Forget the running loop's raw clients and return them, for ``close``."""
        by_loop = self._loop_clients
        clients = None if by_loop is None else by_loop.pop(asyncio.get_running_loop(), None)
        self._loop_current = None
        return clients or []


def scope_objects() -> dict[Any, Any]:
    """The objects shared within this scope: the running event loop's, each disconnected when
    the loop shuts down (``django_valkey._loop_objects``)."""
    return loop_objects()
