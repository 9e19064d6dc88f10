"""The reference base of ``SerializerProtocol``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = ["BaseSerializer"]


class BaseSerializer:
    """Base for serializers: built once with the cache's ``OPTIONS``; subclasses add dumps/loads."""

    OPTIONS_KEYS: ClassVar[frozenset[str]] = frozenset()
    """``OPTIONS`` keys a subclass reads besides the documented ones (others are refused)."""

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        self.options: Mapping[str, Any] = options or {}

    def dumps(self, value: Any) -> bytes:
        raise NotImplementedError

    def loads(self, value: bytes) -> Any:
        raise NotImplementedError
