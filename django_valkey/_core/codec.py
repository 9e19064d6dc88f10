"""Pure value encoding: serializer + compressor, with plain ints stored as digits. No I/O.

The stored format tells its three kinds of value apart by their first bytes, for any serializer
and compressor:

- a plain ``int`` is stored as its canonical decimal digits (``-?(0|[1-9][0-9]*)``), so that
  INCR/DECR work on it; only canonical digits are read back as an int (``b" 7 "`` or ``b"1_000"``
  written by another client are not);
- any other value is serialized, then compressed when a compressor is set and the payload is
  longer than its minimum length;
- a payload that could be mistaken for one of the above (canonical digits, one starting with the
  escape byte, or an uncompressed payload the compressor would also accept as compressed) is
  stored behind the escape byte ``0xC1`` and read without the int or decompression step. ``0xC1``
  is never the first byte of a msgpack value nor of UTF-8 text, and pickle starts with ``0x80``,
  so the shipped serializers' payloads never need the escape unless they spell digits.
"""

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

__all__ = ["ESCAPE", "Codec", "stored_int"]

#: The escape byte in front of a payload that would otherwise read as something else.
ESCAPE = b"\xc1"
_ESCAPE = ESCAPE[0]
# First bytes that need a closer look on read: a plain int stored as digits, or the escape.
_SPECIAL_START = frozenset(b"-0123456789\xc1")
_MINUS, _ZERO = ord("-"), ord("0")
# Ints at least this large in magnitude are serialized, not stored as digits: Python refuses to
# print an int of more than ``sys.get_int_max_str_digits()`` digits (4,300 by default, 640 at the
# least), and a C command packer handed one crashes the process.
_RAW_INT_LIMIT = 10**600


def stored_int(data: bytes) -> int | None:
    """The int that ``data`` holds if it is an int's canonical digits, else ``None``."""
    digits = data[1:] if data[:1] == b"-" else data
    if not digits.isdigit() or (digits[0] == _ZERO and (len(digits) > 1 or data[0] == _MINUS)):
        return None  # not digits, or a leading zero ("007", "-0"): not how an int is written
    try:
        return int(data)
    except ValueError:  # more digits than the interpreter converts
        return None


def _looks_special(data: bytes) -> bool:
    """Whether a payload would not read back as itself without the escape byte."""
    return bool(data) and data[0] in _SPECIAL_START and (data[0] == _ESCAPE or stored_int(data) is not None)


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
        if type(value) is int and -_RAW_INT_LIMIT < value < _RAW_INT_LIMIT:
            return value
        try:
            data = self._dumps(value)
        except Exception as exc:
            # pickle's own errors stay catchable as such, as with Django's backends.
            error = SerializerPicklingError if isinstance(exc, pickle.PickleError) else SerializerError
            raise error(f"{self._name} cannot serialize a value of type {type(value).__name__}: {exc}") from exc
        if self._compress is not None:
            packed = self._compress(data)
            if packed != data:
                return ESCAPE + data if _looks_special(packed) else packed
            if _looks_special(data) or self._decompresses(data):
                return ESCAPE + data  # left uncompressed, but the compressor would take it for its own
            return data
        if data and data[0] in _SPECIAL_START and _looks_special(data):
            return ESCAPE + data
        return data

    def _decompresses(self, data: bytes) -> bool:
        """Whether the compressor would read ``data`` as compressed (then it must be escaped)."""
        assert self._decompress is not None
        try:
            self._decompress(data)
        except CompressorError:
            return False
        except Exception:
            return True  # it would fail some other way on read: escaped, it is never tried
        return True

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
            loads, int_start = self._loads, _SPECIAL_START
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
        if data and data[0] in _SPECIAL_START:
            if data[0] == _ESCAPE:
                return self._load(data[1:], key)
            number = stored_int(data)
            if number is not None:
                return number
        if self._decompress is not None:
            try:
                data = self._decompress(data)
            except CompressorError:
                pass  # stored uncompressed: shorter than the compressor's minimum length
        try:
            return self._loads(data)  # not through _load: one frame less on every read
        except Exception as exc:
            raise self._load_error(exc, key) from exc

    def _load(self, data: bytes, key: str) -> Any:
        try:
            return self._loads(data)
        except Exception as exc:
            raise self._load_error(exc, key) from exc

    def _load_error(self, exc: Exception, key: str) -> SerializerError:
        where = f" stored at {key!r}" if key else ""
        error = SerializerUnpicklingError if isinstance(exc, pickle.PickleError) else SerializerError
        return error(f"{self._name} cannot decode the value{where}: {exc}")
