"""``HerdClient``: ``DefaultClient`` with thundering-herd protection."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django_valkey._core.herd import HerdCommands, Stale, herd_timeout
from django_valkey.client.default import DefaultClient
from django_valkey.protocols import CacheContext

__all__ = ["HerdClient"]


class HerdClient(DefaultClient):
    """Values stored with a timeout also carry a soft expiry and live ``CACHE_HERD_TIMEOUT``
    seconds (default 60) longer on the server. When the soft expiry passes, one reader gets a miss
    and recomputes the value; every other reader keeps getting the stale value meanwhile.

    Ints are stored raw (so ``incr`` works) and get no herd protection.
    """

    def __init__(self, server: str | Sequence[str], params: Mapping[str, Any], backend: CacheContext) -> None:
        super().__init__(server, params, backend)
        self._herd = HerdCommands(self._keys, self._codec, backend.default_timeout, herd_timeout())
        self._cmd = self._herd

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        req = self._herd.get(key, default, version)
        value = self._run(req) if self._local is None else self._read_through(req)
        if type(value) is Stale:
            return self._run(self._herd.claim(value, default))
        return value

    def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        found = self._run(self._herd.get_many(keys, version))
        claims = self._herd.claim_many(found)
        return found if claims is None else self._run(claims)
