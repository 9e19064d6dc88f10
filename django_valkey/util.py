"""Small public helpers: the made-key marker and the default reverse key function."""

from __future__ import annotations

__all__ = ["CacheKey", "default_reverse_key"]


class CacheKey(str):
    """A key that has already been through ``make_key``; making it again returns it unchanged."""

    __slots__ = ()

    def original_key(self) -> str:
        """The user's key, assuming the default ``prefix:version:key`` layout."""
        return self.split(":", 2)[2]


def default_reverse_key(key: str) -> str:
    """Undo Django's default key function: ``"prefix:1:user-key"`` gives ``"user-key"``."""
    return key.split(":", 2)[2]
