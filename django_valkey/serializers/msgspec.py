"""msgspec serializers, JSON and MessagePack (extra ``msgspec``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any, ClassVar

from django_valkey._extras import require
from django_valkey.serializers.base import BaseSerializer

require("msgspec", "msgspec", "The msgspec serializers")

import msgspec  # noqa: E402

__all__ = ["MsgSpecJsonSerializer", "MsgSpecMsgPackSerializer"]


class _MsgSpecSerializer(BaseSerializer):
    """A msgspec format's reusable Encoder and Decoder (``FORMAT``: ``msgspec.json`` or
    ``msgspec.msgpack``), built once per serializer."""

    FORMAT: ClassVar[ModuleType]

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self._encode: Callable[[Any], bytes] = self.FORMAT.Encoder().encode
        self._decode: Callable[[bytes], Any] = self.FORMAT.Decoder().decode

    def dumps(self, value: Any) -> bytes:
        return self._encode(value)

    def loads(self, value: bytes) -> Any:
        return self._decode(value)


class MsgSpecJsonSerializer(_MsgSpecSerializer):
    """JSON through msgspec: faster than the standard library's."""

    FORMAT: ClassVar[ModuleType] = msgspec.json


class MsgSpecMsgPackSerializer(_MsgSpecSerializer):
    """MessagePack through msgspec."""

    FORMAT: ClassVar[ModuleType] = msgspec.msgpack
