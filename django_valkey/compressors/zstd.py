"""Zstandard compression: ``compression.zstd`` on Python 3.14+, else extra ``zstd`` (backports.zstd).

``COMPRESS_ZSTD_OPTIONS``/``DECOMPRESS_ZSTD_OPTIONS`` pass zstd parameters (then the level is not
used) and ``COMPRESS_ZSTD_DICT``/``DECOMPRESS_ZSTD_DICT`` a ``ZstdDict``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from django_valkey._extras import require
from django_valkey.compressors.base import BaseCompressor, setting

if sys.version_info >= (3, 14):
    from compression import zstd
else:
    require("backports.zstd", "zstd", "ZStdCompressor")
    from backports import zstd

__all__ = ["ZStdCompressor"]


class ZStdCompressor(BaseCompressor):
    default_level: int | None = 1

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self.zstd_options: Any = setting("COMPRESS_ZSTD_OPTIONS", None)
        self.zstd_dict: Any = setting("COMPRESS_ZSTD_DICT", None)
        self.decompress_options: Any = setting("DECOMPRESS_ZSTD_OPTIONS", None) or self.zstd_options
        self.decompress_dict: Any = setting("DECOMPRESS_ZSTD_DICT", None) or self.zstd_dict

    def _compress(self, value: bytes) -> bytes:
        level = None if self.zstd_options is not None else (1 if self.level is None else self.level)
        return zstd.compress(value, level=level, options=self.zstd_options, zstd_dict=self.zstd_dict)

    def _decompress(self, value: bytes) -> bytes:
        return zstd.decompress(value, zstd_dict=self.decompress_dict, options=self.decompress_options)
