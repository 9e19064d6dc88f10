"""Brotli compression (extra ``brotli``). ``COMPRESS_BROTLI_MODE``/``_LGWIN``/``_LGBLOCK`` tune it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django_valkey._extras import require
from django_valkey.compressors.base import BaseCompressor, setting

require("brotli", "brotli", "BrotliCompressor")

import brotli  # noqa: E402

__all__ = ["BrotliCompressor"]


class BrotliCompressor(BaseCompressor):
    default_level: int | None = 11

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self.mode: int = setting("COMPRESS_BROTLI_MODE", brotli.MODE_GENERIC)
        self.lgwin: int = setting("COMPRESS_BROTLI_LGWIN", 22)
        self.lgblock: int = setting("COMPRESS_BROTLI_LGBLOCK", 0)

    def _compress(self, value: bytes) -> bytes:
        quality = 11 if self.level is None else self.level
        return brotli.compress(value, mode=self.mode, quality=quality, lgwin=self.lgwin, lgblock=self.lgblock)

    def _decompress(self, value: bytes) -> bytes:
        return brotli.decompress(value)
