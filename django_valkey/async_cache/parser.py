"""The parser async pools use by default.

valkey-py's async libvalkey parser checks whether a connection is clean before every command by
awaiting a socket read under a zero timeout, so every checkout raises and catches a timeout: on
single-key commands that made it slower than the pure-Python parser, which only asks the stream
whether it is at EOF. ``AsyncLibvalkeyParser`` keeps libvalkey's C reader (much faster on
multi-element replies: MGET, SMEMBERS, KEYS) and makes the check the Python parser's: buffered
data or EOF, without waiting. Without libvalkey the pure-Python RESP2 parser is the default.
"""

from __future__ import annotations

from typing import Any

# valkey-py names its parser classes privately; these are the classes its own pools use.
from valkey._parsers.libvalkey import NOT_ENOUGH_DATA, _AsyncLibvalkeyParser  # pyright: ignore[reportPrivateUsage]
from valkey._parsers.resp2 import _AsyncRESP2Parser  # pyright: ignore[reportPrivateUsage]
from valkey.exceptions import ConnectionError as ValkeyConnectionError
from valkey.utils import LIBVALKEY_AVAILABLE

__all__ = ["AsyncLibvalkeyParser", "default_async_parser"]


class AsyncLibvalkeyParser(_AsyncLibvalkeyParser):
    """libvalkey's async parser with a check-before-use that never waits."""

    async def can_read_destructive(self) -> bool:
        """Whether unread data (or EOF) is waiting on the connection; never blocks."""
        if not self._connected:
            raise ValkeyConnectionError("Connection closed by server.")
        reader: Any = self._reader
        if reader.gets() is not NOT_ENOUGH_DATA:
            return True
        stream: Any = self._stream
        return bool(getattr(stream, "_buffer", None)) or bool(stream.at_eof())


def default_async_parser() -> type[Any]:
    """``AsyncLibvalkeyParser`` when libvalkey is installed, else the pure-Python RESP2 parser."""
    return AsyncLibvalkeyParser if LIBVALKEY_AVAILABLE else _AsyncRESP2Parser
