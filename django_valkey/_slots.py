"""Connection slots: how many connections an asyncio pool (or a cluster client) may have in use
at once, and the queue of callers waiting for one.

``Slots`` (threads: the sync cluster client) and ``AsyncSlots`` (one event loop: the asyncio pools
and cluster client) count free slots. Taking one is a decrement while a slot is free and nobody
is waiting; otherwise the caller queues and waits, first come first served, for at most
``wait_timeout(...)`` seconds. A slot given back goes to the oldest waiter directly, so a caller
that arrives later cannot overtake the queue (valkey-py's ``BlockingConnectionPool`` lets it, and
under sustained load a waiter there can time out while others are served). The sync
``BoundedConnectionPool`` does the same under its own lock, handing the connection itself over.

A wait that times out raises valkey-py's ``MaxConnectionsError``, a ``ConnectionError``: the cache's
error guard reports it as ``ConnectionInterrupted`` (or fails open under ``IGNORE_EXCEPTIONS``),
and code that catches valkey-py's ``ConnectionError`` keeps working.
"""

from __future__ import annotations

import asyncio
import os
import threading
import weakref
from collections import deque

from valkey.exceptions import MaxConnectionsError

from django_valkey._sync.deadline import remaining

__all__ = ["AsyncSlots", "Slots", "no_free_connection", "wait_timeout"]


def wait_timeout(configured: float | None) -> float | None:
    """The seconds a call may wait for a free connection: the pool's ``timeout``
    (``CONNECTION_POOL_KWARGS["timeout"]``, default 5; ``None``: no limit).

    Every wait asks here when it starts, so this is the one place to shorten it, e.g. to what is
    left of a per-call deadline: a sync call's (``_sync.deadline``; an async call is cut by
    ``asyncio.timeout`` itself).
    """
    return remaining(configured)


def no_free_connection(size: int, timeout: float | None) -> MaxConnectionsError:
    """The error of a wait for a connection that timed out."""
    return MaxConnectionsError(
        f"no connection free within {timeout} s: all {size} are in use "
        "(CONNECTION_POOL_KWARGS 'max_connections' and 'timeout')"
    )


# Every Slots, so that a forked child starts with all of them free: the threads that held slots
# in the parent do not exist in the child and would never give them back.
_ALL_SLOTS: weakref.WeakSet[Slots] = weakref.WeakSet()


def _reset_after_fork() -> None:
    for slots in list(_ALL_SLOTS):
        slots.reset()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


class Slots:
    """``size`` slots shared by threads, handed out first come first served."""

    __slots__ = ("size", "_free", "_lock", "_waiters", "__weakref__")

    def __init__(self, size: int) -> None:
        self.size: int = size
        self._free: int = size
        self._lock = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        _ALL_SLOTS.add(self)

    def reset(self) -> None:
        """Every slot free, nobody waiting (a forked child's state)."""
        self._lock = threading.Lock()
        self._free = self.size
        self._waiters = deque()

    @property
    def in_use(self) -> int:
        return self.size - self._free

    def acquire_nowait(self) -> bool:
        """Take a slot if one is free and nobody is waiting for one."""
        with self._lock:
            if self._free and not self._waiters:
                self._free -= 1
                return True
        return False

    def acquire(self, timeout: float | None) -> bool:
        """Take a slot, waiting in line for at most ``timeout`` seconds (``None``: no limit).
        False when the time ran out."""
        with self._lock:
            if self._free and not self._waiters:
                self._free -= 1
                return True
            waiter = threading.Lock()
            waiter.acquire()
            self._waiters.append(waiter)
        try:
            if waiter.acquire(timeout=-1 if timeout is None else max(timeout, 0.0)):
                return True  # released by ``release``: its slot is ours
        except BaseException:
            if not self._leave(waiter):
                self.release()  # handed a slot while interrupted: pass it on
            raise
        return not self._leave(waiter)

    def _leave(self, waiter: threading.Lock) -> bool:
        """Take ``waiter`` out of the line; False if ``release`` handed it a slot meanwhile."""
        with self._lock:
            try:
                self._waiters.remove(waiter)
            except ValueError:
                return False
            return True

    def release(self) -> None:
        """Give a slot back: to the oldest waiter, else to the free count."""
        with self._lock:
            if self._waiters:
                self._waiters.popleft().release()
            elif self._free < self.size:  # never more than ``size`` (a release after a fork)
                self._free += 1


class AsyncSlots:
    """``size`` slots shared by the tasks of one event loop, handed out first come first served."""

    __slots__ = ("size", "_free", "_waiters")

    def __init__(self, size: int) -> None:
        self.size: int = size
        self._free: int = size
        self._waiters: deque[asyncio.Future[bool]] = deque()

    @property
    def in_use(self) -> int:
        return self.size - self._free

    def acquire_nowait(self) -> bool:
        """Take a slot if one is free and nobody is waiting for one (no await: the hot path)."""
        if self._free and not self._waiters:
            self._free -= 1
            return True
        return False

    async def acquire(self, timeout: float | None) -> bool:
        """Take a slot, waiting in line for at most ``timeout`` seconds (``None``: no limit).
        False when the time ran out."""
        if self.acquire_nowait():
            return True
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[bool] = loop.create_future()
        self._waiters.append(waiter)
        timer = None if timeout is None else loop.call_later(max(timeout, 0.0), self._expire, waiter)
        try:
            return await waiter  # True: ``release`` handed us its slot; False: expired
        except BaseException:  # the task was cancelled
            if waiter.done() and not waiter.cancelled() and waiter.result():
                self.release()  # handed a slot just as we were cancelled: pass it on
            else:
                self._discard(waiter)
            raise
        finally:
            if timer is not None:
                timer.cancel()

    def _expire(self, waiter: asyncio.Future[bool]) -> None:
        if not waiter.done():
            self._discard(waiter)
            waiter.set_result(False)

    def _discard(self, waiter: asyncio.Future[bool]) -> None:
        try:
            self._waiters.remove(waiter)
        except ValueError:
            pass

    def release(self) -> None:
        """Give a slot back: to the oldest waiter still waiting, else to the free count."""
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(True)
                return
        if self._free < self.size:
            self._free += 1
