"""JSON serializer, with Django's encoder (datetimes, decimals, UUIDs become strings)."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from django_valkey.serializers.base import BaseSerializer

__all__ = ["JSONSerializer"]


class JSONSerializer(BaseSerializer):
    """Stores JSON text. Tuples come back as lists, and types outside JSON fail on ``set``."""

    encoder_class: type[json.JSONEncoder] = DjangoJSONEncoder

    def dumps(self, value: Any) -> bytes:
        return json.dumps(value, cls=self.encoder_class, separators=(",", ":")).encode()

    def loads(self, value: bytes) -> Any:
        return json.loads(value)
