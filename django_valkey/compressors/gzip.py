"""gzip compression (standard library)."""

from __future__ import annotations

import gzip

from django_valkey.compressors.base import BaseCompressor

__all__ = ["GzipCompressor"]


class GzipCompressor(BaseCompressor):
    default_level: int | None = 9

    def _compress(self, value: bytes) -> bytes:
        return gzip.compress(value, 9 if self.level is None else self.level, mtime=0)

    def _decompress(self, value: bytes) -> bytes:
        return gzip.decompress(value)
