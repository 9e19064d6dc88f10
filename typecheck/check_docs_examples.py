"""The code examples of docs/index.md, README.md, docs/typing.md and docs/observability.md, as
checked code.

Django's ``django.core.cache.cache`` is typed as ``BaseCache``: the extended API is not on it, and
both checkers say so (the ignores below are required: an unused one is an error).
"""

from __future__ import annotations

import logging
from typing import Any

from typing_extensions import assert_type

import django_valkey
from django_valkey.cache import ValkeyCache
from django_valkey.config import cache_options
from django_valkey.observers import CircuitEvent, Observer, OperationEvent
from django_valkey.protocols import ObserverProtocol


def home_page() -> None:
    cache = django_valkey.get_cache()
    assert_type(cache, ValkeyCache)
    cache.set("greeting", "hello", timeout=60)
    assert_type(cache.get("greeting"), Any)
    assert_type(cache.ttl("greeting"), int | None)
    assert_type(cache.incr("hits"), int)
    with cache.lock("nightly-report", timeout=30):
        ...
    assert_type(cache.get_many(["greeting", "other"]), dict[str, Any])


async def readme_async() -> str | None:
    cache = django_valkey.get_cache()
    greeting: str | None = await cache.aget("greeting")
    return greeting


def django_cache_is_a_base_cache() -> None:
    from django.core.cache import cache

    cache.set("greeting", "hello", timeout=60)  # Django's API: fine
    cache.ttl("greeting")  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
    cache.lock("nightly-report")  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]


log = logging.getLogger("cache.slow")


class SlowCalls(Observer):
    """docs/observability.md, "Writing an observer"."""

    def on_operation(self, event: OperationEvent) -> None:
        if event.duration > 0.05:
            log.warning(
                "%s on %s (%s) took %.0f ms: %s",
                event.operation,
                event.alias,
                event.server,
                event.duration * 1000,
                event.outcome,
            )

    def on_circuit_change(self, event: CircuitEvent) -> None:
        log.warning("circuit of %s is now %s", event.server, event.state)


def slow_calls_is_an_observer() -> ObserverProtocol:
    cache_options(observer=SlowCalls())
    return SlowCalls()
