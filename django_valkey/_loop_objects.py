"""What belongs to one event loop, shared by its coroutines and closed with it.

A ``valkey.asyncio`` connection, and a GLIDE asyncio client, belong to the event loop they were
made on. The objects a loop shares (its valkey-py connection pools, the GLIDE driver's raw
clients) are kept here, keyed weakly by the loop. When the loop shuts down through
``asyncio.run``, ``asyncio.Runner`` or asgiref (they all call ``loop.shutdown_asyncgens()``),
each object's ``disconnect()`` is awaited on that loop; a loop closed without that step has its
objects dropped (and the sockets of its pools closed) when a loop closed is next noticed, or when
it is collected. Without this, an object that refers to its loop (a GLIDE client does) would keep
the loop, and its sockets, alive for as long as the process runs.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import AsyncGenerator, Hashable
from typing import Any

__all__ = ["loop_objects", "loop_pools"]


class _LoopObjects:
    """The objects made on one event loop, and the async generator that closes them with it."""

    __slots__ = ("objects", "watcher", "abandoned")

    def __init__(self) -> None:
        self.objects: dict[Hashable, Any] = {}
        self.watcher: AsyncGenerator[None, None] | None = None
        self.abandoned = False


def _drop(state: _LoopObjects) -> None:
    """Forget ``state``'s objects without a loop (theirs is closed): a pool's sockets are closed
    directly; an object
    with an ``abandon()`` method (the GLIDE driver's raw clients) is told to let go of what
    refers to the loop, which is then closed when it is collected."""
    objects, state.objects = state.objects, {}
    for pool in objects.values():
        abandon = getattr(pool, "abandon", None)
        if abandon is not None:
            abandon()
            continue
        connections = [*getattr(pool, "_available_connections", ()), *getattr(pool, "_in_use_connections", ())]
        for connection in connections:
            writer = getattr(connection, "_writer", None)
            if writer is None:
                continue
            transport = writer.transport
            try:
                transport.abort()  # unregisters from the (closed) selector, then fails to schedule
            except RuntimeError:
                pass
            sock = getattr(transport, "_sock", None)
            if sock is not None:
                sock.close()
                # so the transport does not warn about it again (setattr: a private attribute
                # that typeshed does not declare)
                setattr(transport, "_sock", None)  # noqa: B010
            connection._writer = connection._reader = None


async def _close_with_loop(state: _LoopObjects) -> AsyncGenerator[None, None]:
    """Suspended until its loop runs ``shutdown_asyncgens()``; then disconnects the loop's objects."""
    try:
        yield
    finally:
        if state.abandoned:
            _drop(state)
        else:
            objects, state.objects = state.objects, {}
            for pool in objects.values():
                try:
                    await pool.disconnect()
                except Exception:
                    pass


def _abandon(state: _LoopObjects) -> None:
    """The loop closed (or was collected) without shutting its async generators down, or made
    objects after that: drop them (``_drop``), and finish the watcher without awaiting."""
    watcher, state.watcher = state.watcher, None
    state.abandoned = True
    if watcher is not None:
        closing = watcher.aclose()  # runs the finally clause, which awaits nothing when abandoned
        try:
            closing.send(None)
        except StopIteration:
            pass
    if state.objects:
        _drop(state)


class _PerLoop:
    """Shared objects by event loop: ``loop_objects()`` of the running loop, closed with it."""

    def __init__(self) -> None:
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopObjects] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()  # loops of several threads may register at once

    def current(self) -> _LoopObjects:
        loop = asyncio.get_running_loop()
        state = self._by_loop.get(loop)
        if state is None:
            with self._lock:
                state = self._register(loop)
        return state

    def _register(self, loop: asyncio.AbstractEventLoop) -> _LoopObjects:
        state = self._by_loop.get(loop)
        if state is None:
            self.sweep()
            state = self._by_loop[loop] = _LoopObjects()
            watcher = _close_with_loop(state)
            # The first step registers the generator with the loop (asyncgen hooks) and parks it
            # at its ``yield`` without awaiting anything, so it can be driven synchronously.
            step = watcher.__anext__()
            try:
                step.send(None)
            except StopIteration:
                pass
            state.watcher = watcher
            weakref.finalize(loop, _abandon, state).atexit = False
        return state

    def sweep(self) -> None:
        """Drop the objects of loops that were closed without shutting down."""
        for loop, state in list(self._by_loop.items()):
            if loop.is_closed():
                del self._by_loop[loop]
                _abandon(state)

    def objects_of(self, loop: asyncio.AbstractEventLoop) -> dict[Hashable, Any]:
        state = self._by_loop.get(loop)
        return {} if state is None else state.objects


_PER_LOOP = _PerLoop()


def loop_pools(loop: asyncio.AbstractEventLoop | None = None) -> dict[Hashable, Any]:
    """The objects shared on ``loop`` (default: the running loop), without registering it: its
    valkey-py pools, keyed like the sync cache, and the GLIDE driver's raw clients."""
    return _PER_LOOP.objects_of(loop or asyncio.get_running_loop())


def loop_objects() -> dict[Hashable, Any]:
    """The running loop's shared objects (registered to be closed with the loop on first use)."""
    return _PER_LOOP.current().objects
