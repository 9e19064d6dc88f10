"""msgspec serializers, JSON and MessagePack (extra ``msgspec``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django_valkey._extras import require
from django_valkey.serializers.base import BaseSerializer

require("msgspec", "msgspec", "The msgspec serializers")

import msgspec  # noqa: E402

__all__ = ["MsgSpecJsonSerializer", "MsgSpecMsgPackSerializer"]


class MsgSpecJsonSerializer(BaseSerializer):
    """JSON through msgspec: faster than the standard library's."""

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self._encode = msgspec.json.Encoder().encode
        self._decode = msgspec.json.Decoder().decode

    def dumps(self, value: Any) -> bytes:
        return self._encode(value)

    def loads(self, value: bytes) -> Any:
        return self._decode(value)


class MsgSpecMsgPackSerializer(BaseSerializer):
    """MessagePack through msgspec."""

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self._encode = msgspec.msgpack.Encoder().encode
        self._decode = msgspec.msgpack.Decoder().decode

    def dumps(self, value: Any) -> bytes:
        return self._encode(value)

    def loads(self, value: bytes) -> Any:
        return self._decode(value)
