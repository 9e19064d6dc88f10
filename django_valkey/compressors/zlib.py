"""zlib compression (standard library). ``COMPRESS_ZLIB_WBITS`` sets the window."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

from django_valkey.compressors.base import BaseCompressor, setting

__all__ = ["ZlibCompressor"]


class ZlibCompressor(BaseCompressor):
    default_level: int | None = 6

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self.wbits: int = setting("COMPRESS_ZLIB_WBITS", zlib.MAX_WBITS)

    def _compress(self, value: bytes) -> bytes:
        compressor = zlib.compressobj(6 if self.level is None else self.level, zlib.DEFLATED, self.wbits)
        return compressor.compress(value) + compressor.flush()

    def _decompress(self, value: bytes) -> bytes:
        return zlib.decompress(value, self.wbits)
