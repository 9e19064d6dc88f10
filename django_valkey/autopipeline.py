"""Auto-pipelining for threads: the commands that threads issue at the same time are written
together on one connection, and the replies are handed back in order: by the caller itself when
it is alone (no other thread is woken), by a reader thread while others wait.

Select it with ``OPTIONS["BASE_CLIENT_CLASS"] = "django_valkey.autopipeline.AutoPipelineValkey"``
on a ``ValkeyCache`` (its async methods keep theirs: see
``django_valkey.async_cache.autopipeline``). Django builds a cache object per thread; they share
one raw client per pool, so one multiplexed connection per process and LOCATION serves them all.

How it behaves (each point has a test in ``tests/test_autopipeline_threads.py``):

- A thread that finds another one writing leaves its command for that writer, which sends what
  has gathered in one ``sendall``: under load, many commands go out per system call.
- A command's reply goes to its caller only, an error reply and an argument that cannot be
  encoded included.
- ``SOCKET_TIMEOUT`` bounds each caller's wait: when it passes (a paused server), every command on
  the wire fails with valkey-py's ``TimeoutError`` and the connection is closed; a lost
  connection fails them with ``ConnectionError``. The next command connects again.
- A connection found closed by the server, or idle for longer than the pool's
  ``health_check_interval``, is replaced before a command is written on it; ``DEADLINE`` cuts a
  caller's wait (its reply is read and dropped).
- At most ``MAX_IN_FLIGHT`` commands wait on the connection; more, and a command takes a pooled
  connection of its own, as do blocking and connection-state commands, calls with valkey-py
  per-call options, pipelines, and every command when the parser is not libvalkey's or the
  connection is TLS (an SSL socket must not be read and written by two threads at once).
- A forked child never uses its parent's connection: it opens its own.
"""

from __future__ import annotations

import math
import os
import select
import socket
import ssl
import threading
import weakref
from collections import deque
from time import monotonic
from typing import Any

import valkey
from valkey._parsers.libvalkey import NOT_ENOUGH_DATA
from valkey.exceptions import ConnectionError as ValkeyConnectionError
from valkey.exceptions import ResponseError
from valkey.exceptions import TimeoutError as ValkeyTimeoutError

from django_valkey._core import autopipeline as shared
from django_valkey._core.autopipeline import copy_error, idle_past, multiplexable
from django_valkey._sync.deadline import DeadlineReached, remaining

__all__ = ["AutoPipelineValkey"]

_READ_SIZE = 65_536
_READER_POLL_MS = 1000  # the reader thread looks at whether its link is closed this often
_LINGER_MS = 1  # how long the reader thread of a busy link waits for more before letting go


class _Waiter:
    """One caller's place in line: a lock it sleeps on until the thread that reads gives it its
    reply (``give`` releases it exactly once)."""

    __slots__ = ("lock", "reply", "failed", "done")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lock.acquire()
        self.reply: Any = None
        self.failed = False
        self.done = False

    def give(self, reply: Any, failed: bool = False) -> None:
        self.reply = reply
        self.failed = failed
        self.done = True
        self.lock.release()


class _Link:
    """One connection and what waits on it; replaced as a whole when it fails. Its socket is
    non-blocking: the waits are polls bounded by each caller's own timeout."""

    __slots__ = (
        *("conn", "sock", "reader", "in_flight", "pending", "writing", "reading", "broken", "used"),
        *("read_poll", "write_poll", "idle_limit", "write_timeout", "reader_thread", "reader_turn"),
        "last_batch",
    )

    def __init__(self, conn: Any) -> None:
        self.conn: Any = conn
        self.sock: Any = conn._sock
        self.reader: Any = conn._parser._reader
        self.in_flight: deque[_Waiter] = deque()
        self.pending: list[bytes] = []
        self.writing = False
        self.reading = False  # a caller reads the replies for everyone
        self.broken = False
        self.used = monotonic()
        # One thread at a time polls each: the reader for replies (or ``stale``, when nobody
        # reads), the writer for room to send.
        self.read_poll, self.write_poll = select.poll(), select.poll()
        self.read_poll.register(self.sock, select.POLLIN)
        self.write_poll.register(self.sock, select.POLLOUT)
        self.idle_limit: float = conn.health_check_interval or 0.0
        timeout: float | None = conn.socket_timeout
        self.write_timeout = -1 if timeout is None else max(1, math.ceil(timeout * 1000))
        self.reader_thread: threading.Thread | None = None  # reads while others wait (under load)
        self.reader_turn = threading.Event()
        self.last_batch = 0  # how many replies the last read handed out
        self.sock.settimeout(0.0)

    def retire(self) -> None:
        """Mark it closed (under the multiplexer's lock); its reader thread ends."""
        self.broken = True
        self.reader_turn.set()

    def alive(self) -> bool:
        """Not failed or closed (another thread may set ``broken`` at any time)."""
        return not self.broken

    def stale(self) -> bool:
        """Idle, and either closed by the server (readable with nothing in flight) or unused for
        longer than the pool's ``health_check_interval`` (it may have been dropped silently)."""
        if self.in_flight or self.writing or self.reading:
            return False
        return idle_past(self.idle_limit, self.used, monotonic()) or bool(self.read_poll.poll(0))

    def send(self, data: bytes) -> None:
        """All of ``data``; ``OSError`` if the socket fails or stays full for the socket timeout."""
        view = memoryview(data)
        while view:
            try:
                view = view[self.sock.send(view) :]
            except BlockingIOError:
                if not self.write_poll.poll(self.write_timeout):
                    raise TimeoutError("the server took no data for the socket timeout") from None


class _ThreadMultiplexer:
    """One connection of a pool, shared by the threads of a process. A caller that finds nobody
    reading reads the replies itself (a lone caller never waits on another thread) and hands
    each to its caller; when its own has come and others still wait, the link's reader thread
    reads on for them until nobody waits."""

    def __init__(self, pool: Any) -> None:
        self._pool: Any = pool
        self._lock = threading.Lock()
        self._link: _Link | None = None
        self.closed = False
        self.pool_only = False  # the pool's parser is not libvalkey's, or its connections are TLS
        _LIVE.add(self)

    def forget_after_fork(self) -> None:
        """In a forked child: the parent's connection and lock are not ours."""
        self._lock = threading.Lock()
        self._link = None

    def call(self, args: tuple[Any, ...]) -> Any:
        """Send ``args`` and return the raw reply (an error reply raised)."""
        socket_timeout: float | None = self._pool.connection_kwargs.get("socket_timeout")
        wait = remaining(socket_timeout)  # DEADLINE: DeadlineReached before anything is sent
        waiter = _Waiter()
        # Once more if the link is closed meanwhile (found idle by another thread's close()).
        entered = self._enter(args, waiter) or self._enter(args, waiter)
        if entered is None:
            raise ValkeyConnectionError("the connection was closed while the command was being sent")
        link, writer, reader = entered
        if writer:
            self._write(link)
        until = None if wait is None else monotonic() + wait
        if reader:
            got = self._read_for(link, waiter, until)
            if not got and not link.alive():
                raise ValkeyConnectionError("the connection was closed")
        else:
            got = waiter.lock.acquire(timeout=-1 if until is None else max(0.0, until - monotonic()))
        if not got:
            assert wait is not None  # only a bounded wait ends without the reply
            if socket_timeout is None or wait < socket_timeout:
                # This call's deadline, not the server's silence: its reply is read and dropped.
                raise DeadlineReached("the call's deadline passed")
            self._fail(link, ValkeyTimeoutError(f"Timeout reading from {link.conn.host}:{link.conn.port}"))
            waiter.lock.acquire()  # given the failure (or, just now, the reply)
        if waiter.failed:
            raise waiter.reply
        return waiter.reply

    def _enter(self, args: tuple[Any, ...], waiter: _Waiter) -> tuple[_Link, bool, bool] | None:
        """Queue ``args`` on a live link, ``waiter`` in line for its reply: the link, whether this
        caller is to write (no other thread is) and whether it is to read (no other thread is);
        ``None`` if the link closed meanwhile."""
        link = self._link
        if link is None or not link.alive() or (not link.in_flight and self._stale(link)):
            link = self._connect(link)
        data = link.conn.pack_command(*args)  # a bad argument raises here, nothing is queued
        with self._lock:
            if not link.alive():
                return None
            if len(link.in_flight) >= shared.MAX_IN_FLIGHT:
                raise _NotMultiplexable  # full: this command takes a pooled connection
            link.in_flight.append(waiter)
            link.pending += data
            link.used = monotonic()
            writer, reader = not link.writing, not link.reading
            link.writing = link.reading = True
        return link, writer, reader

    def _stale(self, link: _Link) -> bool:
        with self._lock:  # a poll object takes one caller at a time
            return link.stale()

    def _connect(self, seen: _Link | None) -> _Link:
        """A live link: the current one, unless it is ``seen`` (found failed or stale), which is
        closed and replaced by a new connection from the pool."""
        with self._lock:
            link = self._link
            busy = link is not None and (link.in_flight or link.writing or link.reading)
            if link is not None and link.alive() and (link is not seen or busy):
                return link  # another thread replaced it, or it is in use again (not stale)
            if link is not None:  # failed (its callers were told), or stale with nobody waiting
                link.retire()
                self._link = None
                link.conn.disconnect()
                self._pool.release(link.conn)
            conn: Any = self._pool.get_connection("PING")
            # libvalkey's parser only, and no TLS: an SSL socket must not be read in one thread
            # while another writes to it.
            plain = isinstance(conn._sock, socket.socket) and not isinstance(conn._sock, ssl.SSLSocket)
            if getattr(getattr(conn, "_parser", None), "_reader", None) is None or not plain:
                self._pool.release(conn)
                self.pool_only = True
                raise _NotMultiplexable
            link = self._link = _Link(conn)
        return link

    def _write(self, link: _Link) -> None:
        """Send what has gathered, until nothing more has (the other callers' commands too)."""
        while True:
            with self._lock:
                data, link.pending = link.pending, []
                if not data:
                    link.writing = False
                    return
            try:
                link.send(b"".join(data))
            except OSError as error:
                with self._lock:
                    link.writing = False
                self._fail(link, ValkeyConnectionError(f"Error while writing to the server: {error}"))
                return

    def _read_for(self, link: _Link, waiter: _Waiter, until: float | None) -> bool:
        """Read replies and hand each to the oldest caller until ``waiter`` has its own, ``until``
        passes or the link fails (each caller is given the failure); then, if others still
        wait, the link's reader thread reads on for them. Whether ``waiter`` has its reply."""
        try:
            while not waiter.done and link.alive():
                if until is None:
                    timeout = -1
                else:
                    left = until - monotonic()
                    if left <= 0:
                        return False
                    timeout = math.ceil(left * 1000)
                if not self._pump(link, timeout):
                    return False  # the wait ran out: the caller decides what that means
            return waiter.done
        finally:
            with self._lock:
                others = bool(link.in_flight) and link.alive()
                if not others:
                    link.reading = False
            if others:
                self._hand_to_reader(link)

    def _hand_to_reader(self, link: _Link) -> None:
        """Give the turn to read to ``link``'s reader thread (started the first time)."""
        if link.reader_thread is None:
            link.reader_thread = threading.Thread(
                target=self._reader, args=(link,), daemon=True, name="django-valkey-autopipeline"
            )
            link.reader_thread.start()
        else:
            link.reader_turn.set()

    def _reader(self, link: _Link) -> None:
        """The reader thread: it reads while callers wait, then sleeps until given the turn again
        (or the link is closed)."""
        while link.alive():
            while link.in_flight and link.alive():
                self._pump(link, _READER_POLL_MS)  # a caller's own wait bounds its reply
            if link.last_batch > 1 and link.read_poll.poll(_LINGER_MS):
                # Busy (replies came in batches): the callers just answered send again at once,
                # so keep reading rather than hand the turn back and forth.
                self._pump(link, 0)
                continue
            with self._lock:
                if link.in_flight and link.alive():
                    continue
                link.reading = False
            link.reader_turn.wait()
            link.reader_turn.clear()

    def _pump(self, link: _Link, timeout: int) -> bool:
        """Hand out the replies already read, else wait up to ``timeout`` ms for data and read
        it; ``False`` if none came in time. A failure of the link fails every caller."""
        replies: list[Any] = []
        gets = link.reader.gets
        while (reply := gets()) is not NOT_ENOUGH_DATA:
            if isinstance(reply, ValkeyConnectionError):
                self._fail(link, reply)
                return True
            replies.append(reply)
        if replies:
            self._hand_out(link, replies)
            return True
        if not link.read_poll.poll(timeout):
            return False
        try:
            data = link.sock.recv(_READ_SIZE)
        except BlockingIOError:
            return True
        except OSError as error:
            self._fail(link, ValkeyConnectionError(f"Error while reading from the server: {error}"))
            return True
        if not data:
            self._fail(link, ValkeyConnectionError("Connection closed by server."))
            return True
        link.reader.feed(data)
        return True

    def _hand_out(self, link: _Link, replies: list[Any]) -> None:
        """Each of ``replies`` to the oldest caller in line."""
        given: list[tuple[_Waiter, Any]] = []
        unasked = False
        with self._lock:
            if not link.alive():
                return
            in_flight = link.in_flight
            for reply in replies:
                if not in_flight:  # a reply nobody asked for: the stream cannot be trusted
                    unasked = True
                    break
                given.append((in_flight.popleft(), reply))
        link.last_batch = len(given)
        for waiter, reply in given:
            waiter.give(reply, isinstance(reply, ResponseError))
        if unasked:
            self._fail(link, ValkeyConnectionError("the server sent a reply no command was waiting for"))

    def _fail(self, link: _Link, error: Exception) -> None:
        """Close ``link`` and fail every caller waiting on it (each its own exception)."""
        with self._lock:
            if link.broken:
                return
            link.retire()
            waiting = list(link.in_flight)
            link.in_flight.clear()
        try:
            link.conn.disconnect()
        except Exception:
            pass
        for waiter in waiting:
            waiter.give(copy_error(error, ValkeyConnectionError), failed=True)

    def disconnect_idle(self) -> bool:
        """Close the connection if no command uses it; whether it did."""
        with self._lock:
            link = self._link
            if link is None:
                return True
            if link.in_flight or link.writing or link.reading:
                return False
            self._link = None
            link.retire()
        link.conn.disconnect()
        self._pool.release(link.conn)
        return True

    def close(self) -> None:
        """Fail what waits and give the connection back to its pool, closed."""
        self.closed = True
        link = self._link
        if link is not None:
            self._fail(link, ValkeyConnectionError("the client was closed"))
            self._link = None
            self._pool.release(link.conn)


class _NotMultiplexable(Exception):
    """This command takes a pooled connection: ``MAX_IN_FLIGHT`` commands already wait, or the
    pool's connections do not use libvalkey's parser or use TLS (then every command does)."""


_LIVE: weakref.WeakSet[_ThreadMultiplexer] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for mux in list(_LIVE):
        mux.forget_after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)


class AutoPipelineValkey(valkey.Valkey):
    """``valkey.Valkey`` whose plain commands share one connection per client (per process),
    written in batches by whichever thread finds the connection free: see the module's
    docstring for what goes elsewhere."""

    _django_valkey_mux: _ThreadMultiplexer | None = None
    _django_valkey_mux_lock = threading.Lock()

    def execute_command(self, *args: Any, **options: Any) -> Any:
        """Send ``args`` on the multiplexed connection (or, for the commands listed in the module's
        docstring, on a pooled one) and return the parsed reply."""
        command = args[0]
        client: Any = self  # valkey-py leaves its sync client unannotated
        if not multiplexable(command, options, client.connection is not None):
            return self._pooled(*args, **options)
        mux = self._django_valkey_mux
        if mux is None or mux.closed:
            with AutoPipelineValkey._django_valkey_mux_lock:
                mux = self._django_valkey_mux
                if mux is None or mux.closed:
                    mux = self._django_valkey_mux = _ThreadMultiplexer(client.connection_pool)
        if mux.pool_only:  # not libvalkey's parser, or TLS
            return self._pooled(*args, **options)
        try:
            reply: Any = mux.call(args)
        except _NotMultiplexable:
            return self._pooled(*args, **options)
        callbacks: Any = client.response_callbacks
        if command in callbacks:
            return callbacks[command](reply)
        return reply

    def _pooled(self, *args: Any, **options: Any) -> Any:
        """valkey-py's own path: a pooled connection for this command alone."""
        base: Any = super()  # valkey-py leaves execute_command unannotated
        return base.execute_command(*args, **options)

    def disconnect_idle(self) -> None:
        """Close the multiplexed connection if no command uses it (for ``close()`` after a
        request, as a pool closes its idle connections); the next command opens it again."""
        mux = self._django_valkey_mux
        if mux is not None:
            mux.disconnect_idle()

    def close(self) -> None:
        """Close the multiplexed connection, then what valkey-py's ``close`` closes."""
        mux, self._django_valkey_mux = self._django_valkey_mux, None
        if mux is not None:
            mux.close()
        base: Any = super()
        base.close()
