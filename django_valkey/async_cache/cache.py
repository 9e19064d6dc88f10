"""``AsyncValkeyCache``: the asyncio ``CACHES`` backend of django-valkey 0.4.

Design: the plain names (``get``, ``set``, ...) are coroutines, as in 0.4, and so are Django's
``a*`` names; both are the same native methods (``NativeAsyncMethods``). Django's ``BaseCache``
types those plain names as sync methods, so a class that has both cannot type-check as an
override of them: that one conflict is acknowledged on the class line below, and nowhere else.
Everything the type checkers see on ``AsyncValkeyCache`` is the async signature.
"""

from __future__ import annotations

from typing import ClassVar

from valkey.asyncio import Valkey as AsyncValkey

from django_valkey.async_cache.client import AsyncDefaultClient
from django_valkey.base import AsyncBackendCommands, BaseValkeyCache
from django_valkey.protocols import AsyncClientProtocol

__all__ = ["AsyncValkeyCache"]


# The bases define get, set, add, ... twice: coroutines (AsyncBackendCommands, listed first, so
# they win at run time and for the checkers) and BaseCache's sync methods. That conflict is the
# design (0.4's API); both checkers report it once per name, on this line only.
class AsyncValkeyCache(  # type: ignore[misc]  # pyright: ignore[reportIncompatibleMethodOverride]
    AsyncBackendCommands, BaseValkeyCache[AsyncDefaultClient, AsyncValkey]
):
    """``"BACKEND": "django_valkey.async_cache.cache.AsyncValkeyCache"``: ``await cache.get("k")``
    (or ``await cache.aget("k")``); the extended API too, every method a coroutine except
    ``make_key``, ``make_pattern`` and ``close``."""

    DEFAULT_CLIENT_CLASS: ClassVar[str] = "django_valkey.async_cache.client.AsyncDefaultClient"
    CLIENT_PROTOCOL: ClassVar[type] = AsyncClientProtocol
