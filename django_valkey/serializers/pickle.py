"""Pickle serializer (the default). ``OPTIONS["PICKLE_VERSION"]`` picks the protocol."""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from django_valkey.serializers.base import BaseSerializer

__all__ = ["PickleSerializer"]


class PickleSerializer(BaseSerializer):
    """Stores any picklable value. Only use it where nobody untrusted can write to the server."""

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        protocol = self.options.get("PICKLE_VERSION", pickle.HIGHEST_PROTOCOL)
        if type(protocol) is not int or protocol > pickle.HIGHEST_PROTOCOL:
            raise ImproperlyConfigured(
                f"OPTIONS['PICKLE_VERSION'] must be an int up to {pickle.HIGHEST_PROTOCOL}, got {protocol!r}"
            )
        self.protocol: int = pickle.HIGHEST_PROTOCOL if protocol < 0 else protocol

    def dumps(self, value: Any) -> bytes:
        return pickle.dumps(value, self.protocol)

    def loads(self, value: bytes) -> Any:
        return pickle.loads(value)
