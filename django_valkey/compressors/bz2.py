"""bzip2 compression (standard library)."""

from __future__ import annotations

import bz2

from django_valkey.compressors.base import BaseCompressor

__all__ = ["Bz2Compressor"]


class Bz2Compressor(BaseCompressor):
    default_level: int | None = 9

    def _compress(self, value: bytes) -> bytes:
        return bz2.compress(value, 9 if self.level is None else self.level)

    def _decompress(self, value: bytes) -> bytes:
        return bz2.decompress(value)
