"""``AsyncHerdClient``: ``AsyncDefaultClient`` with thundering-herd protection."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django_valkey._core.herd import HerdCommands, Stale, herd_timeout
from django_valkey.async_cache.client.default import AsyncDefaultClient
from django_valkey.protocols import CacheContext

__all__ = ["AsyncHerdClient"]


class AsyncHerdClient(AsyncDefaultClient):
    """The asyncio twin of ``HerdClient``: the same stored format and rules (a soft expiry, one
    reader claims a stale value and recomputes, the others keep the stale value), so sync and
    async processes can share the keys."""

    def __init__(self, server: str | Sequence[str], params: Mapping[str, Any], backend: CacheContext) -> None:
        super().__init__(server, params, backend)
        self._herd = HerdCommands(self._keys, self._codec, backend.default_timeout, herd_timeout())
        self._cmd = self._herd

    async def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        req = self._herd.get(key, default, version)
        value = await (self._run(req) if self._local is None else self._read_through(req))
        if type(value) is Stale:
            return await self._run(self._herd.claim(value, default))
        return value

    async def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        found = await self._run(self._herd.get_many(keys, version))
        claims = self._herd.claim_many(found)
        return found if claims is None else await self._run(claims)
