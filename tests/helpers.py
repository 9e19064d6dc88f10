"""Plain helpers shared by the test modules (no fixtures: those live in the conftest files)."""

from __future__ import annotations

import bisect
import functools
import hashlib
import os
import pickle
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from django_valkey.async_cache.cache import AsyncValkeyCache
from django_valkey.cache import ValkeyCache

MakeCache = Callable[..., ValkeyCache]
"""The type of the ``make_cache`` fixture: ``make_cache(location=None, **options)``."""


#: ``DJANGO_VALKEY_TEST_DRIVER=glide`` runs the tests that build their caches here on the GLIDE
#: driver (``.ci/run`` does it for the API suites): a cache that names no connection factory
#: of its own gets GLIDE's. ``DJANGO_VALKEY_TEST_DRIVER=autopipeline`` gives a cache that names
#: no client class of its own the auto-pipelining raw clients (the thread one for the sync
#: methods, the asyncio one for the async methods).
DRIVER = os.environ.get("DJANGO_VALKEY_TEST_DRIVER", "valkey-py")
GLIDE_FACTORY = "django_valkey.glide.GlideConnectionFactory"
GLIDE_CLUSTER_FACTORY = "django_valkey.glide.GlideClusterConnectionFactory"
AUTOPIPELINE = "django_valkey.async_cache.autopipeline.AutoPipelineValkey"
THREAD_AUTOPIPELINE = "django_valkey.autopipeline.AutoPipelineValkey"


SYNC_BACKEND = "django_valkey.cache.ValkeyCache"
ASYNC_BACKEND = "django_valkey.async_cache.cache.AsyncValkeyCache"


def cache_params(location: str | list[str], backend: str | type[Any] = SYNC_BACKEND, **options: Any) -> dict[str, Any]:
    """A CACHES entry for ``backend`` (a path or a class; ``ValkeyCache`` by default);
    ``TIMEOUT``, ``KEY_PREFIX``, ``VERSION``, ``KEY_FUNCTION`` go top level. The driver
    ``DJANGO_VALKEY_TEST_DRIVER`` names is added to what the options leave open."""
    path = backend if isinstance(backend, str) else f"{backend.__module__}.{backend.__qualname__}"
    params: dict[str, Any] = {"BACKEND": path, "LOCATION": location}
    for top in ("TIMEOUT", "KEY_PREFIX", "VERSION", "KEY_FUNCTION"):
        if top in options:
            params[top] = options.pop(top)
    own_driver = "CONNECTION_FACTORY" in options or "CLIENT_CLASS" in options
    if DRIVER == "glide" and not own_driver:
        options["CONNECTION_FACTORY"] = GLIDE_CLUSTER_FACTORY if ".cluster_cache." in path else GLIDE_FACTORY
    if DRIVER == "autopipeline" and not own_driver and "BASE_CLIENT_CLASS" not in options:
        if path == ASYNC_BACKEND:
            options["BASE_CLIENT_CLASS"] = AUTOPIPELINE
        elif path == SYNC_BACKEND and isinstance(
            options.get("ASYNC_OPTIONS", {}), dict
        ):  # (a test may pass a wrong one)
            options["BASE_CLIENT_CLASS"] = THREAD_AUTOPIPELINE
            options["ASYNC_OPTIONS"] = {"BASE_CLIENT_CLASS": AUTOPIPELINE, **options.get("ASYNC_OPTIONS", {})}
    params["OPTIONS"] = options
    return params


def make(location: str | list[str], **options: Any) -> ValkeyCache:
    """A ``ValkeyCache`` built directly (not through Django's ``caches``)."""
    params = cache_params(location, **options)
    return ValkeyCache(params["LOCATION"], params)


def make_async(location: str | list[str], **options: Any) -> AsyncValkeyCache:
    """An ``AsyncValkeyCache`` built directly."""
    params = cache_params(location, ASYNC_BACKEND, **options)
    return AsyncValkeyCache(params["LOCATION"], params)


class RefusesPickle:
    """Like the value in Django's own cache tests: pickling it raises a bare ``PickleError``."""

    def __getstate__(self) -> Any:
        raise pickle.PickleError("refused")


class Recorder:
    """An observer that keeps what it is told (``OPTIONS["OBSERVER"]`` in the observer tests)."""

    def __init__(self) -> None:
        from django_valkey.observers import CircuitEvent, OperationEvent

        self.events: list[OperationEvent] = []
        self.circuits: list[CircuitEvent] = []

    def on_operation(self, event: Any) -> None:
        self.events.append(event)

    def on_circuit_change(self, event: Any) -> None:
        self.circuits.append(event)

    def take(self) -> list[Any]:
        """The events so far, forgotten."""
        events, self.events = self.events, []
        return events


_TAG = re.compile(r".*\{(.*)\}.*")


@functools.cache
def _points_0_4(nodes: tuple[str, ...], replicas: int = 128) -> tuple[dict[str, str], list[str]]:
    points: dict[str, str] = {}
    for node in nodes:
        for i in range(replicas):
            points[hashlib.sha256(f"{node}:{i}".encode()).hexdigest()] = node
    return points, sorted(points)


def ring_0_4(nodes: list[str], key: str) -> str:
    """The documented 0.4 placement, written out plainly: each node at the hex SHA-256 digests of
    ``"<node>:<i>"`` for i < 128; a key's hash tag (the regex ``.*\\{(.*)\\}.*``, else the key) at
    its own digest; the owner is the last point at or before it, wrapping to the last point."""
    points, ordered = _points_0_4(tuple(nodes))
    found = _TAG.match(key)
    digest = hashlib.sha256((found.group(1) if found else key).encode()).hexdigest()
    return points[ordered[bisect.bisect(ordered, digest) - 1]]


def in_threads(
    count: int, work: Callable[[int], object], timeout: float = 30.0
) -> tuple[list[object], list[BaseException]]:
    """``work(index)`` in ``count`` threads started together: what each returned (by index) and
    the exceptions raised; a thread still running after ``timeout`` counts as a ``TimeoutError``."""
    results: list[object] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            results[index] = work(index)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index,), daemon=True) for index in range(count)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    hung = sum(thread.is_alive() for thread in threads)
    if hung:
        errors.append(TimeoutError(f"{hung} of {count} threads still running after {timeout} s"))
    return results, errors


def run_threads(count: int, work: Callable[[int], object], timeout: float = 30.0) -> list[object]:
    """``in_threads``' results; the first exception raised, if any, is raised here."""
    results, errors = in_threads(count, work, timeout)
    if errors:
        raise errors[0]
    return results
