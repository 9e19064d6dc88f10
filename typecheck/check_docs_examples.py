"""The code examples of docs/index.md, README.md and docs/typing.md, as checked code.

Django's ``django.core.cache.cache`` is typed as ``BaseCache``: the extended API is not on it, and
both checkers say so (the ignores below are required: an unused one is an error).
"""

from __future__ import annotations

from typing import Any

from typing_extensions import assert_type

import django_valkey
from django_valkey.cache import ValkeyCache


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
