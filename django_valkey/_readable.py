"""Whether a sync connection has something waiting to be read, without waiting.

A pool checks this before it hands a connection out: a reply nobody read, or the close the
server sent, means the connection must not take a command. valkey-py's ``can_read()`` asks by
switching the socket to non-blocking, trying a ``recv`` that fails with ``EAGAIN`` and switching
it back (three system calls and an exception caught, ~5 us). ``waiting`` asks the parser's buffer
and then the kernel with one ``poll(0)`` on a poll object kept per socket (~0.8 us). It answers
for the parsers valkey-py ships over a plain TCP or unix socket; for anything else (a TLS socket,
whose library may hold decrypted bytes the kernel does not see, or a custom parser) it asks
``can_read()`` itself.
"""

from __future__ import annotations

import socket
from select import POLLIN, poll
from typing import Any

# valkey-py names its parser classes privately; these are the classes its pools use by default.
from valkey._parsers.libvalkey import NOT_ENOUGH_DATA, _LibvalkeyParser  # pyright: ignore[reportPrivateUsage]
from valkey._parsers.resp2 import _RESP2Parser  # pyright: ignore[reportPrivateUsage]
from valkey._parsers.resp3 import _RESP3Parser  # pyright: ignore[reportPrivateUsage]

__all__ = ["waiting"]

_PLAIN_SOCKET = socket.socket
_PYTHON_PARSERS = (_RESP2Parser, _RESP3Parser)


def waiting(connection: Any) -> bool:
    """Whether ``connection`` (connected) has bytes or an end of stream waiting to be read."""
    sock = connection._sock
    parser: Any = connection._parser
    kind: Any = parser.__class__
    if type(sock) is not _PLAIN_SOCKET:
        return bool(connection.can_read())
    if kind is _LibvalkeyParser:
        if parser._next_response is not NOT_ENOUGH_DATA:
            return True
        reply = parser._reader.gets()
        if reply is not NOT_ENOUGH_DATA:
            parser._next_response = reply  # where valkey-py's own can_read keeps it
            return True
    elif kind in _PYTHON_PARSERS:
        if parser._buffer.unread_bytes():
            return True
    else:
        return bool(connection.can_read())
    watch = connection.__dict__.get("_django_valkey_poll")
    if watch is None or watch[0] is not sock:
        watcher = poll()
        watcher.register(sock, POLLIN)
        watch = connection._django_valkey_poll = (sock, watcher)
    return bool(watch[1].poll(0))
