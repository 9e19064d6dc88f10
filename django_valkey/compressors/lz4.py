"""LZ4 frame compression (extra ``lz4``)."""

from __future__ import annotations

from django_valkey._extras import require
from django_valkey.compressors.base import BaseCompressor

require("lz4.frame", "lz4", "Lz4Compressor")

import lz4.frame  # noqa: E402

__all__ = ["Lz4Compressor"]


class Lz4Compressor(BaseCompressor):
    default_level: int | None = 0

    def _compress(self, value: bytes) -> bytes:
        return lz4.frame.compress(value, compression_level=0 if self.level is None else self.level)

    def _decompress(self, value: bytes) -> bytes:
        return lz4.frame.decompress(value)
