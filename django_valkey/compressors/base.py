"""The reference base of ``CompressorProtocol``: minimum length and error mapping."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from django_valkey.exceptions import CompressorError

__all__ = ["BaseCompressor", "setting"]

DEFAULT_MIN_LENGTH = 15


def setting(name: str, default: Any = None) -> Any:
    """A Django setting, or ``default`` when it is not set."""
    return getattr(settings, name, default)


class BaseCompressor:
    """Compresses values longer than ``CACHE_COMPRESS_MIN_LENGTH`` (default 15 bytes).

    ``CACHE_COMPRESS_LEVEL`` sets the level where the algorithm has one. Subclasses implement
    ``_compress``/``_decompress``; any error while decompressing becomes ``CompressorError``.
    """

    default_level: int | None = None
    OPTIONS_KEYS: ClassVar[frozenset[str]] = frozenset()
    """``OPTIONS`` keys a subclass reads besides the documented ones (others are refused)."""

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        self.options: Mapping[str, Any] = options or {}
        min_length = setting("CACHE_COMPRESS_MIN_LENGTH", DEFAULT_MIN_LENGTH)
        level = setting("CACHE_COMPRESS_LEVEL", self.default_level)
        if type(min_length) is not int or min_length < 0:
            raise ImproperlyConfigured(f"CACHE_COMPRESS_MIN_LENGTH must be an int >= 0, got {min_length!r}")
        if level is not None and type(level) is not int:
            raise ImproperlyConfigured(f"CACHE_COMPRESS_LEVEL must be an int, got {level!r}")
        self.min_length: int = min_length
        self.level: int | None = level

    def compress(self, value: bytes) -> bytes:
        if len(value) > self.min_length:
            return self._compress(value)
        return value

    def decompress(self, value: bytes) -> bytes:
        try:
            return self._decompress(value)
        except Exception as exc:
            raise CompressorError(f"{type(self).__name__} cannot decompress: {exc}") from exc

    def _compress(self, value: bytes) -> bytes:
        raise NotImplementedError

    def _decompress(self, value: bytes) -> bytes:
        raise NotImplementedError
