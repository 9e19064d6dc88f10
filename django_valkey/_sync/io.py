"""What the sync clients do differently from the asyncio ones, behind the names the shared
command source uses (hand-written twin of ``django_valkey/_async/io.py``)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Generator
from time import sleep
from typing import Any, NoReturn, ParamSpec

from django_valkey.exceptions import SerializerError

__all__ = ["CUT_AT_DEADLINE", "ProcessClients", "deadline_scope", "encode_off_loop", "sleep", "spawn"]

#: A sync call cannot be cancelled: a retry is made only when a whole attempt still fits.
CUT_AT_DEADLINE = False

P = ParamSpec("P")


@contextlib.contextmanager
def deadline_scope(seconds: float) -> Generator[None]:
    """Sync code cannot cut a call short: a sync call keeps within ``OPTIONS["DEADLINE"]``
    because its socket timeouts are capped by it and a retry is only made when a whole attempt
    still fits (see ``ClientCommands._time_left``)."""
    yield


def encode_off_loop(error: SerializerError, build: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> NoReturn:
    """Sync code has no event loop to leave: a value that failed to encode stays an error."""
    raise error


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
