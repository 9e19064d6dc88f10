"""``ValkeyCache``: the standard ``CACHES`` backend."""

from __future__ import annotations

from typing import ClassVar

from valkey import Valkey

from django_valkey.base import BackendCommands, BaseValkeyCache
from django_valkey.client import DefaultClient

__all__ = ["ValkeyCache"]


class ValkeyCache(BaseValkeyCache[DefaultClient, Valkey], BackendCommands[Valkey]):
    """``"BACKEND": "django_valkey.cache.ValkeyCache"``: Django's cache API plus the extended API."""

    DEFAULT_CLIENT_CLASS: ClassVar[str] = "django_valkey.client.DefaultClient"
