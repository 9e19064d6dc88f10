"""Pure value encoding: serializer + compressor, with plain ints stored as digits. No I/O."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterable
from typing import Any

from django_valkey.exceptions import (
    CompressorError,
    SerializerError,
    SerializerPicklingError,
    SerializerUnpicklingError,
)
from django_valkey.protocols import CompressorProtocol, SerializerProtocol
from django_valkey.serializers.pickle import PickleSerializer

__all__ = ["Codec"]

# First bytes of a value that may be a plain int stored as digits ("-12", "42").
_INT_START = frozenset(b"-0123456789")


class Codec:
    """Encodes values for storage and decodes stored bytes.

    ``int`` values (not ``bool``) are stored as their digits so INCR/DECR work on them; everything
    else is serialized, then compressed. Errors name the serializer and the key, and are raised
    before anything is sent, so a bad value never leaves a partial write behind.
    """

    __slots__ = ("serializer", "compressor", "_dumps", "_loads", "_compress", "_decompress", "_name")

    def __init__(self, serializer: SerializerProtocol, compressor: CompressorProtocol | None) -> None:
        self.serializer = serializer
        self.compressor = compressor
        self._dumps = serializer.dumps
        self._loads: Callable[[bytes], Any] = serializer.loads
        if getattr(self._loads, "__func__", None) is PickleSerializer.loads:
            self._loads = pickle.loads  # all PickleSerializer.loads does: skip its frame on the hot path
        self._compress = None if compressor is None else compressor.compress
        self._decompress = None if compressor is None else compressor.decompress
        self._name = type(serializer).__name__

    def encode(self, value: Any) -> bytes | int:
        """Bytes to store for ``value`` (or the int itself)."""
        if type(value) is int:
            return value
        try:
            data = self._dumps(value)
        except Exception as exc:
            # pickle's own errors stay catchable as such, as with Django's backends.
            error = SerializerPicklingError if isinstance(exc, pickle.PickleError) else SerializerError
            raise error(f"{self._name} cannot serialize a value of type {type(value).__name__}: {exc}") from exc
        if self._compress is not None:
            return self._compress(data)
        return data

    def encode_many(self, values: list[Any]) -> list[bytes | int]:
        encode = self.encode
        return [encode(value) for value in values]

    def decode_many(
        self, keys: Iterable[str], stored: Iterable[str], replies: Iterable[bytes | None]
    ) -> dict[str, Any]:
        """``{key: value}`` for each reply that is not ``None`` (an MGET): ``decode`` inlined for
        the common case of a serialized value and no compressor."""
        decode = self.decode
        if self._decompress is None:
            loads, int_start = self._loads, _INT_START
            try:
                if loads is pickle.loads:
                    # Stored digits never unpickle (a pickle must end with the STOP opcode "."),
                    # so a reply holding an int lands in the checked loop below.
                    return {key: loads(raw) for key, raw in zip(keys, replies) if raw is not None}
                return {
                    key: decode(raw, made) if raw[0] in int_start else loads(raw)
                    for key, made, raw in zip(keys, stored, replies)
                    if raw is not None
                }
            except Exception:
                pass  # a bad (or empty) value: the loop below raises the error that names its key
        return {key: decode(raw, made) for key, made, raw in zip(keys, stored, replies) if raw is not None}

    def decode(self, data: bytes, key: str = "") -> Any:
        """The value stored as ``data`` (read from ``key``, named in errors)."""
        if data and data[0] in _INT_START:
            try:
                return int(data)
            except ValueError:
                pass
        if self._decompress is not None:
            try:
                data = self._decompress(data)
            except CompressorError:
                pass  # stored uncompressed: shorter than the compressor's minimum length
        try:
            return self._loads(data)
        except Exception as exc:
            where = f" stored at {key!r}" if key else ""
            error = SerializerUnpicklingError if isinstance(exc, pickle.PickleError) else SerializerError
            raise error(f"{self._name} cannot decode the value{where}: {exc}") from exc
