"""Pure: the hash slot of a stored key, as Valkey Cluster computes it (hash tags included)."""

from __future__ import annotations

from valkey.crc import key_slot

__all__ = ["slot_of"]


def slot_of(key: str | bytes) -> int:
    """The cluster hash slot (0-16383) of ``key``."""
    return key_slot(key.encode() if isinstance(key, str) else key)
