"""The default: no compression."""

from __future__ import annotations

from django_valkey.compressors.base import BaseCompressor

__all__ = ["IdentityCompressor"]


class IdentityCompressor(BaseCompressor):
    """Stores values as they are; the client skips it entirely on the hot path."""

    def compress(self, value: bytes) -> bytes:
        return value

    def decompress(self, value: bytes) -> bytes:
        return value
