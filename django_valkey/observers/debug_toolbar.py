"""django-debug-toolbar: every call of a django-valkey cache in the toolbar's Cache panel.

    CACHES = {"default": {..., "OPTIONS": {"OBSERVER": "django_valkey.observers.debug_toolbar.DebugToolbarObserver"}}}

The toolbar's own Cache panel wraps fifteen sync methods of each cache object it sees (``get``,
``set``, ``get_many``...). That misses the native ``a*`` methods (Django's own backends show them
only because theirs call the sync methods in a thread), the extended API (``ttl``, ``keys``,
``lock``, ``hset``...), and it cannot time a coroutine (``AsyncValkeyCache``'s ``get``). This
observer records the calls instead, through the operation hooks, in the same panel: every
operation, sync or async, under its plain name (``aget`` is listed as ``get``, as the toolbar
lists Django's own ``aget``), with its time, arguments, the cache's alias and a stack trace; hits
and misses as django-valkey counts them (see ``OperationEvent.hits``). A cache with this observer
tells the toolbar it is instrumented already, so the toolbar does not wrap its methods a second
time; a call is recorded once.

It records only while the toolbar records a request (sync under WSGI, async under ASGI); the rest
of the time it returns at once. Tested with django-debug-toolbar 6 to 8. Development only: leave
it out of production settings, as the toolbar itself.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Protocol, cast

from debug_toolbar import utils

from django_valkey.observers import CircuitEvent, OperationEvent

__all__ = ["DebugToolbarObserver"]

# The toolbar's helpers (unannotated), as the panel itself calls them.
_stack_trace = cast("Callable[..., object]", utils.get_stack_trace)
_template_info = cast("Callable[[], object]", utils.get_template_info)
_render = cast("Callable[[object], str]", utils.render_stacktrace)


class _CachePanel(Protocol):
    """What this observer writes to in django-debug-toolbar's ``CachePanel``."""

    total_time: float
    hits: int
    misses: int
    calls: list[dict[str, object]]
    counts: dict[str, int]


# The panel's template reads ``counts.keys`` and ``counts.values``, which Django's templates look
# up as dictionary keys first: the Commands column of ``keys`` needs another name.
_COLUMNS = {"keys": "keys()", "values": "values()", "items": "items()"}


def _own_frames() -> int:
    """How many of the innermost frames (from the caller's) are django-valkey's: the observer,
    the hooks, the wrapper. The stack trace shown starts below them, at the application's call."""
    frame = inspect.currentframe()
    frame = frame.f_back if frame is not None else None
    count = 0
    while frame is not None and str(frame.f_globals.get("__name__", "")).startswith("django_valkey"):
        count += 1
        frame = frame.f_back
    return count


class DebugToolbarObserver:
    """Puts each operation in the toolbar's Cache panel while a request is being recorded."""

    instruments_debug_toolbar = True
    """Read by django-valkey: the toolbar must not wrap this cache's methods (see the module)."""

    def on_operation(self, event: OperationEvent) -> None:
        panel: object = getattr(event.cache, "_djdt_panel", None)  # set by the toolbar per request
        if panel is None:
            return
        self._record(cast(_CachePanel, panel), event)

    def _record(self, panel: _CachePanel, event: OperationEvent) -> None:
        milliseconds = event.duration * 1000
        trace = _stack_trace(skip=_own_frames())
        template_info = _template_info()
        panel.total_time += milliseconds
        panel.hits += event.hits
        panel.misses += event.misses
        column = _COLUMNS.get(event.operation, event.operation)
        panel.counts[column] = panel.counts.get(column, 0) + 1
        panel.calls.append(
            {
                "time": milliseconds,
                "name": event.operation,
                "args": event.args,
                "kwargs": dict(event.kwargs),
                "trace": _render(trace),
                "template_info": template_info,
                "backend": f"{event.alias} ({type(event.cache).__name__})",
            }
        )

    def on_circuit_change(self, event: CircuitEvent) -> None:
        """Nothing: the panel has no place for it."""
