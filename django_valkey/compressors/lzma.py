"""lzma/xz compression (standard library). ``COMPRESS_LZMA_*``/``DECOMPRESS_LZMA_*`` tune it."""

from __future__ import annotations

import lzma
from collections.abc import Mapping
from typing import Any

from django_valkey.compressors.base import BaseCompressor, setting

__all__ = ["LzmaCompressor"]


class LzmaCompressor(BaseCompressor):
    default_level: int | None = 4

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self.format: int = setting("COMPRESS_LZMA_FORMAT", lzma.FORMAT_XZ)
        self.check: int = setting("COMPRESS_LZMA_CHECK", -1)
        self.filters: Any = setting("COMPRESS_LZMA_FILTERS", None)
        self.decompress_format: int = setting("DECOMPRESS_LZMA_FORMAT", lzma.FORMAT_AUTO)
        self.memlimit: int | None = setting("DECOMPRESS_LZMA_MEMLIMIT", None)
        self.decompress_filters: Any = setting("DECOMPRESS_LZMA_FILTERS", None)

    def _compress(self, value: bytes) -> bytes:
        preset = None if self.filters is not None else (4 if self.level is None else self.level)
        return lzma.compress(value, format=self.format, check=self.check, preset=preset, filters=self.filters)

    def _decompress(self, value: bytes) -> bytes:
        return lzma.decompress(
            value, format=self.decompress_format, memlimit=self.memlimit, filters=self.decompress_filters
        )
