"""Views for the closing tests: the sync API, ValkeyCache's native a* API, and AsyncValkeyCache.

They read and write through ``django.core.cache.caches``, as application code does, so Django's
own per-request cache handling and ``request_finished`` -> ``close()`` are exercised.
"""

from __future__ import annotations

from django.core.cache import caches
from django.http import HttpRequest, JsonResponse
from django.urls import path


def sync_view(request: HttpRequest) -> JsonResponse:
    cache = caches["default"]
    cache.set("sync-view", request.GET.get("n", "0"))
    return JsonResponse({"value": cache.get("sync-view")})


async def native_view(request: HttpRequest) -> JsonResponse:
    cache = caches["default"]
    await cache.aset("native-view", request.GET.get("n", "0"))
    return JsonResponse({"value": await cache.aget("native-view")})


async def async_backend_view(request: HttpRequest) -> JsonResponse:
    cache = caches["async"]
    await cache.set("async-view", request.GET.get("n", "0"))  # 0.4's coroutine names
    return JsonResponse({"value": await cache.aget("async-view")})


urlpatterns = [
    path("sync/", sync_view),
    path("native/", native_view),
    path("async-backend/", async_backend_view),
]
