"""MessagePack serializer (extra ``msgpack``)."""

from __future__ import annotations

from typing import Any

from django_valkey._extras import require
from django_valkey.serializers.base import BaseSerializer

require("msgpack", "msgpack", "MSGPackSerializer")

import msgpack  # noqa: E402

__all__ = ["MSGPackSerializer"]


class MSGPackSerializer(BaseSerializer):
    """Compact binary encoding of JSON-like values; tuples come back as lists."""

    def dumps(self, value: Any) -> bytes:
        return msgpack.packb(value)

    def loads(self, value: bytes) -> Any:
        # strict_map_key=False: read back the int-keyed dicts that packb wrote.
        return msgpack.unpackb(value, raw=False, strict_map_key=False)
