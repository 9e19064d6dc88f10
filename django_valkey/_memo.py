"""What a cache object works out from its ``OPTIONS``, worked out once per ``OPTIONS`` dict.

Django builds a cache object per thread and, under ASGI, per request, each from a shallow copy
of the ``CACHES`` entry: its ``OPTIONS`` is the same dict every time. Loading the classes it
names, reading the settings and checking every value cost tens of microseconds per object;
``derived`` keeps the result by the dict's identity and hands it out again only while the dict
holds what it held then (compared with a deep copy taken at the time). Everything is worked out
again after Django reports a changed setting (``override_settings``, ``setting_changed``), and
options that cannot be copied or compared are simply not remembered.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Hashable, Mapping
from types import MappingProxyType
from typing import Any, Final, TypeVar, cast

from django.core.signals import setting_changed

__all__ = ["NO_OPTIONS", "derived", "forget"]

T = TypeVar("T")

#: ``OPTIONS`` when a cache has none: one object, so that what it derives is remembered too.
NO_OPTIONS: Final[Mapping[str, Any]] = MappingProxyType({})

_LIMIT = 256  # distinct OPTIONS dicts remembered at once (then all are forgotten)
_entries: dict[tuple[Hashable, int], tuple[Mapping[str, Any], object, object]] = {}
_lock = threading.Lock()


def derived(kind: Hashable, options: Mapping[str, Any], build: Callable[[], T]) -> T:
    """``build()`` for ``options``, remembered under ``kind`` while ``options`` is unchanged."""
    key = (kind, id(options))
    entry = _entries.get(key)
    if entry is not None and entry[0] is options:
        try:
            unchanged = bool(entry[1] == options)
        except Exception:  # a value that cannot be compared: work it out each time
            unchanged = False
        if unchanged:
            return cast(T, entry[2])
    value = build()
    try:
        snapshot = copy.deepcopy(dict(options))
    except Exception:  # a value that cannot be copied: not remembered
        return value
    with _lock:
        if len(_entries) >= _LIMIT:
            _entries.clear()
        _entries[key] = (options, snapshot, value)
    return value


def forget(**_: object) -> None:
    """Forget everything remembered (a setting changed: settings are part of what is derived)."""
    with _lock:
        _entries.clear()


setting_changed.connect(forget, dispatch_uid="django_valkey._memo.forget")
