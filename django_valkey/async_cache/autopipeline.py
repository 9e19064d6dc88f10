"""Auto-pipelining for asyncio: the commands many tasks issue in one turn of the event loop are
written together on one connection, and the replies handed back in order.

Select it with ``OPTIONS["BASE_CLIENT_CLASS"] = "django_valkey.async_cache.autopipeline.AutoPipelineValkey"``
on an ``AsyncValkeyCache``, or inside ``OPTIONS["ASYNC_OPTIONS"]`` on a ``ValkeyCache`` (its sync
methods keep their pool). Django builds a cache object per request; they share one raw client per
pool, so one multiplexed connection per event loop and LOCATION serves all of them.

How it behaves (each point has a test in ``tests/test_autopipeline.py``):

- A command's reply goes to its caller only, an error reply and an argument that cannot be
  encoded included; a caller cancelled while its
  command is on the wire leaves the stream in step (its reply is read and dropped), one cancelled
  before the write is never sent.
- ``SOCKET_TIMEOUT`` bounds the wait for the oldest reply: when it passes (a paused server), every
  command on the wire fails with valkey-py's ``TimeoutError``, the connection is closed, and the next
  command connects again. A lost connection fails what was on the wire with ``ConnectionError``;
  what was queued but not yet written goes out on the next connection.
- A connection found closed by the server, or idle for longer than the pool's
  ``health_check_interval``, is replaced before a command is written on it.
- At most ``MAX_IN_FLIGHT`` commands wait on the connection; more, and a command takes a pooled
  connection of its own, as do blocking and connection-state commands (``BLPOP``, ``WATCH``,
  ``SUBSCRIBE``...), calls with valkey-py per-call options, and pipelines.
"""

from __future__ import annotations

import asyncio
import inspect
from collections import deque
from typing import Any

from valkey._parsers.libvalkey import NOT_ENOUGH_DATA
from valkey.asyncio import Valkey as AsyncValkey
from valkey.exceptions import ConnectionError as ValkeyConnectionError
from valkey.exceptions import ResponseError

from django_valkey._core import autopipeline as shared
from django_valkey._core.autopipeline import MAX_IN_FLIGHT, OWN_CONNECTION, copy_error, idle_past, multiplexable

__all__ = ["MAX_IN_FLIGHT", "OWN_CONNECTION", "AutoPipelineValkey"]


class _Multiplexer:
    """One connection of a pool, shared by the commands of one event loop."""

    __slots__ = ("_pool", "_conn", "_queue", "_in_flight", "_flushing", "_connecting", "_reader", "_used", "closed")

    def __init__(self, pool: Any) -> None:
        self._pool: Any = pool
        self._conn: Any = None
        self._queue: list[tuple[tuple[Any, ...], asyncio.Future[Any]]] = []
        self._in_flight: deque[asyncio.Future[Any]] = deque()
        self._flushing = False
        self._connecting: asyncio.Task[None] | None = None
        self._reader: asyncio.Task[None] | None = None
        self._used = 0.0  # the loop's time of the last write
        self.closed = False

    def busy(self) -> bool:
        """Whether another command would pass ``MAX_IN_FLIGHT``."""
        return len(self._in_flight) + len(self._queue) >= shared.MAX_IN_FLIGHT

    def call(self, args: tuple[Any, ...]) -> asyncio.Future[Any]:
        """The future of ``args``'s reply; the command is written at the end of this loop turn."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.append((args, future))
        if not self._flushing:
            self._flushing = True
            loop.call_soon(self._flush)
        return future

    def _flush(self) -> None:
        """Write every queued command (those whose caller gave up are dropped) in one go."""
        self._flushing = False
        if self._connecting is not None or not self._queue:
            return  # the connect writes the queue when it is done
        conn = self._conn
        loop = asyncio.get_running_loop()
        if conn is None or not conn.is_connected or (not self._in_flight and self._stale(conn, loop)):
            self._connecting = loop.create_task(self._connect())
            return
        queue, self._queue = self._queue, []
        chunks: list[bytes] = []
        sent: list[asyncio.Future[Any]] = []
        for args, future in queue:
            if future.done():
                continue
            try:
                chunks += conn.pack_command(*args)
            except Exception as error:  # a bad argument (DataError, UnicodeEncodeError): its caller's
                future.set_exception(error)
                continue
            sent.append(future)
        if not sent:
            return
        self._used = loop.time()
        try:
            conn._writer.writelines(chunks)
        except Exception as error:  # the transport is gone: nothing was sent
            for future in sent:
                future.set_exception(ValkeyConnectionError(f"Error while writing to the server: {error}"))
            return
        self._in_flight.extend(sent)
        if self._reader is None:
            self._reader = loop.create_task(self._read(conn))

    def _stale(self, conn: Any, loop: asyncio.AbstractEventLoop) -> bool:
        """Idle, and either closed by the server (its stream at EOF) or unused for longer than the
        pool's ``health_check_interval`` (it may have been dropped silently): reconnect first."""
        if idle_past(conn.health_check_interval, self._used, loop.time()):
            return True
        stream: Any = conn._reader
        return bool(stream.at_eof())

    async def _connect(self) -> None:
        """Take (or reconnect) the shared connection, then write the queue; a failure goes to
        every queued caller."""
        try:
            if self._conn is None:
                self._conn = await self._pool.get_connection("PING")
            else:
                if self._conn.is_connected:  # stale
                    await self._conn.disconnect()
                await self._conn.connect()
        except BaseException as error:
            self._connecting = None
            queue, self._queue = self._queue, []
            for _, future in queue:
                if not future.done():
                    future.set_exception(copy_error(error, ValkeyConnectionError))
            if not isinstance(error, Exception):
                raise
            return
        self._connecting = None
        self._used = asyncio.get_running_loop().time()  # fresh: not stale until idle again
        self._flush()

    async def _read(self, conn: Any) -> None:
        """Hand each reply to the oldest command on the wire until none is left. With libvalkey,
        the replies already buffered after a read are taken without awaiting again."""
        in_flight = self._in_flight
        parser: Any = conn._parser
        buffered: Any = getattr(getattr(parser, "_reader", None), "gets", None)
        try:
            while in_flight:
                try:
                    reply = await conn.read_response()
                except ResponseError as error:  # the server refused this command only
                    reply = error
                _deliver(in_flight.popleft(), reply)
                while buffered is not None and in_flight:
                    reply = buffered()
                    if reply is NOT_ENOUGH_DATA:
                        break
                    if isinstance(reply, ValkeyConnectionError):
                        await conn.disconnect(nowait=True)
                        raise reply
                    _deliver(in_flight.popleft(), reply)
        except BaseException as error:
            # A timeout or a lost connection (valkey-py has closed it): every command on the wire
            # fails; the queue goes out on the next connection.
            failed = list(in_flight)
            in_flight.clear()
            for future in failed:
                if not future.done():
                    future.set_exception(copy_error(error, ValkeyConnectionError))
            if not isinstance(error, Exception):
                raise
        finally:
            self._reader = None
            if self._queue and not self._flushing:
                self._flushing = True
                asyncio.get_running_loop().call_soon(self._flush)

    def idle(self) -> bool:
        """Whether no command is queued, on the wire or waiting for the connection."""
        return not self._queue and not self._in_flight and self._connecting is None

    async def aclose(self) -> None:
        """Fail what waits, and give the connection back to its pool closed."""
        self.closed = True
        for task in (self._reader, self._connecting):
            if task is not None:
                task.cancel()
        queue, self._queue = self._queue, []
        for _, future in queue:
            if not future.done():
                future.set_exception(ValkeyConnectionError("the client was closed"))
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.disconnect()
            await self._pool.release(conn)


def _deliver(future: asyncio.Future[Any], reply: Any) -> None:
    """``reply`` to the caller of ``future``, unless it gave up; an error reply is raised there."""
    if future.done():
        return
    if isinstance(reply, ResponseError):
        future.set_exception(reply)
    else:
        future.set_result(reply)


class AutoPipelineValkey(AsyncValkey):
    """``valkey.asyncio.Valkey`` whose plain commands share one connection per client and event
    loop, written in batches: see the module's docstring for what goes elsewhere."""

    _django_valkey_mux: _Multiplexer | None = None

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        """Send ``args`` on the multiplexed connection (or, for the commands listed in the module's
        docstring, on a pooled one) and return the parsed reply."""
        command = args[0]
        client: Any = self  # valkey-py leaves much of its client unannotated
        if not multiplexable(command, options, client.single_connection_client):
            return await self._pooled(*args, **options)
        mux = self._django_valkey_mux
        if mux is None or mux.closed:
            mux = self._django_valkey_mux = _Multiplexer(client.connection_pool)
        if mux.busy():
            return await self._pooled(*args, **options)
        reply: Any = await mux.call(args)
        callbacks: Any = client.response_callbacks
        if command in callbacks:
            reply = callbacks[command](reply)
            if inspect.isawaitable(reply):
                reply = await reply
        return reply

    async def _pooled(self, *args: Any, **options: Any) -> Any:
        """valkey-py's own path: a pooled connection for this command alone."""
        base: Any = super()  # valkey-py leaves execute_command unannotated
        return await base.execute_command(*args, **options)

    async def disconnect_idle(self) -> None:
        """Close the multiplexed connection if no command uses it (as a pool closes its idle
        connections, for ``close()`` after a request); the next command opens it again."""
        mux = self._django_valkey_mux
        if mux is not None and mux.idle():
            self._django_valkey_mux = None
            await mux.aclose()

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        """Close the multiplexed connection, then what valkey-py's ``aclose`` closes."""
        mux, self._django_valkey_mux = self._django_valkey_mux, None
        if mux is not None:
            await mux.aclose()
        await super().aclose(close_connection_pool)
