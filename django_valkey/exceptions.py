"""Exceptions raised by django-valkey."""

from __future__ import annotations

import pickle

__all__ = [
    "CompressorError",
    "ConnectionInterrupted",
    "SerializerError",
    "SerializerPicklingError",
    "SerializerUnpicklingError",
]


class ConnectionInterrupted(Exception):
    """The server could not be reached or stopped answering.

    Raised by cache methods when ``IGNORE_EXCEPTIONS`` is off; the valkey-py error is chained as
    ``__cause__``. ``connection`` is the raw client that failed, when known.
    """

    def __init__(self, message: str = "", connection: object | None = None) -> None:
        super().__init__(message)
        self.connection = connection

    def __str__(self) -> str:
        base = super().__str__()
        cause = self.__cause__
        if cause is None:
            return base
        return f"{base}: {type(cause).__name__}: {cause}" if base else f"{type(cause).__name__}: {cause}"


class CompressorError(Exception):
    """A compressor was given data that is not in its format.

    The codec catches it and reads the value as uncompressed, since values shorter than the
    compressor's minimum length are stored as they are.
    """


class SerializerError(ValueError):
    """A value could not be serialized, or a stored value could not be deserialized.

    The message names the serializer and, when reading, the key; the original error is chained.
    Nothing is written to the cache when serialization fails.
    """


class SerializerPicklingError(SerializerError, pickle.PicklingError):
    """A ``SerializerError`` raised when the serializer failed with a ``pickle.PickleError``.

    It is also a ``pickle.PicklingError``, so code written for Django's backends, which let
    pickle's error through (``except pickle.PickleError``), keeps working.
    """


class SerializerUnpicklingError(SerializerError, pickle.UnpicklingError):
    """A ``SerializerError`` raised when a stored value failed to load with a
    ``pickle.PickleError``; it is also a ``pickle.UnpicklingError``."""
