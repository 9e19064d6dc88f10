"""URLconf and views for tests/test_observer_toolbar.py (and tools/toolbar_screenshot.py): the
same cache calls from a sync view, its async twin (``a*`` names) and a view on AsyncValkeyCache
(the plain names, awaited)."""

from __future__ import annotations

from typing import Any

from debug_toolbar.toolbar import debug_toolbar_urls
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.urls import path

PAGE = "<!doctype html><html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>"


def show(request: HttpRequest) -> bool:
    """The toolbar's SHOW_TOOLBAR_CALLBACK: always."""
    return True


def sync_view(request: HttpRequest) -> HttpResponse:
    cache: Any = caches["default"]
    cache.set("page", {"views": 1}, timeout=60)
    cache.get("page")
    cache.get("absent")
    cache.get_many(["page", "absent"])
    cache.get_or_set("made", 5)
    cache.ttl("page")
    cache.hset("profile", "name", "Ada")
    cache.hget("profile", "name")
    cache.lock("report", timeout=5)
    cache.keys("pa*")
    cache.incr("made")
    cache.delete("page")
    return HttpResponse(PAGE.format(title="sync view"))


async def async_view(request: HttpRequest) -> HttpResponse:
    cache: Any = caches["default"]
    await cache.aset("page", {"views": 1}, timeout=60)
    await cache.aget("page")
    await cache.aget("absent")
    await cache.aget_many(["page", "absent"])
    await cache.aget_or_set("made", 5)
    await cache.attl("page")
    await cache.ahset("profile", "name", "Ada")
    await cache.ahget("profile", "name")
    await cache.alock("report", timeout=5)
    await cache.akeys("pa*")
    await cache.aincr("made")
    await cache.adelete("page")
    return HttpResponse(PAGE.format(title="async view"))


async def async_backend_view(request: HttpRequest) -> HttpResponse:
    cache: Any = caches["async"]
    await cache.set("page", {"views": 1}, timeout=60)
    await cache.get("page")
    await cache.get("absent")
    await cache.get_many(["page", "absent"])
    await cache.get_or_set("made", 5)
    await cache.ttl("page")
    await cache.hset("profile", "name", "Ada")
    await cache.hget("profile", "name")
    await cache.lock("report", timeout=5)
    await cache.keys("pa*")
    await cache.incr("made")
    await cache.delete("page")
    return HttpResponse(PAGE.format(title="AsyncValkeyCache view"))


urlpatterns: list[Any] = [
    path("sync/", sync_view),
    path("async/", async_view),
    path("async-backend/", async_backend_view),
    *debug_toolbar_urls(),
]
