"""The check a sync pool makes before it hands out a connection (``django_valkey._readable``):
one ``poll(0)`` instead of valkey-py's ``can_read()``, with the same guarantees, on real servers
and for each parser valkey-py ships: a connection with a reply nobody read, or one the server
closed, is never given a command; a clean one is used as it is."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from valkey._parsers.libvalkey import _LibvalkeyParser  # pyright: ignore[reportPrivateUsage]
from valkey._parsers.resp2 import _RESP2Parser  # pyright: ignore[reportPrivateUsage]
from valkey._parsers.resp3 import _RESP3Parser  # pyright: ignore[reportPrivateUsage]

from django_valkey._readable import waiting
from django_valkey.cache import ValkeyCache
from tests.helpers import cache_params, make
from tests.servers import ValkeyProcess, wait_for

pytestmark = pytest.mark.valkey_py(reason="valkey-py's pools and connections")

PARSERS = {
    "libvalkey": _LibvalkeyParser,
    "resp2": _RESP2Parser,
    "resp3": _RESP3Parser,
}


@pytest.fixture(scope="module")
def server() -> Iterator[ValkeyProcess]:
    proc = ValkeyProcess().start()
    yield proc
    proc.cleanup()


@pytest.fixture(params=list(PARSERS))
def cache(request: pytest.FixtureRequest, server: ValkeyProcess) -> Iterator[Any]:
    """A cache over one pooled connection (so every call reuses it), with the given parser."""
    parser = PARSERS[request.param]
    kwargs: dict[str, Any] = {"max_connections": 1}
    if parser is _RESP3Parser:
        kwargs["protocol"] = 3
    params = cache_params(
        f"{server.url}/0",
        PARSER_CLASS=f"{parser.__module__}.{parser.__name__}",
        CONNECTION_POOL_KWARGS=kwargs,
    )
    made = ValkeyCache(params["LOCATION"], params)
    made.set("mine", "my value")
    made.set("other", "another value")
    yield made
    made.close()


def checked_out(cache: Any) -> tuple[Any, Any]:
    pool = cache.get_client().connection_pool
    return pool, pool.get_connection("GET")


def test_a_clean_connection_is_reused_as_it_is(cache: Any) -> None:
    pool, conn = checked_out(cache)
    sock = conn._sock
    assert type(conn._parser) is pool.connection_kwargs["parser_class"]
    assert not waiting(conn)
    pool.release(conn)
    for _ in range(3):
        assert cache.get("mine") == "my value"
    assert conn._sock is sock  # the same socket: no reconnect


def test_a_reply_nobody_read_is_never_read_as_the_next_callers(cache: Any) -> None:
    pool, conn = checked_out(cache)
    sock = conn._sock
    conn.send_command("GET", ":1:other")  # sent, and its reply left on the socket
    assert wait_for(lambda: waiting(conn), timeout=2)
    pool.release(conn)
    assert cache.get("mine") == "my value"
    assert conn._sock is not sock  # that connection was reconnected first


def test_a_reply_held_in_the_parser_is_seen(cache: Any) -> None:
    # Two replies arrive in one read: the parser keeps the second, the socket has nothing left.
    pool, conn = checked_out(cache)
    conn.send_packed_command(conn.pack_commands([("PING",), ("GET", ":1:other")]))
    time.sleep(0.05)
    assert conn.read_response() in (b"PONG", "PONG")
    assert waiting(conn)
    pool.release(conn)
    assert cache.get("mine") == "my value"


def test_a_connection_the_server_closed_is_replaced_without_an_error(cache: Any, server: ValkeyProcess) -> None:
    pool, conn = checked_out(cache)
    sock = conn._sock
    conn.send_command("CLIENT", "ID")
    ident = conn.read_response()
    pool.release(conn)
    with server.client() as admin:
        assert admin.client_kill_filter(_id=ident) == 1
    assert wait_for(lambda: waiting(conn), timeout=2)  # the close is waiting to be read
    assert cache.get("mine") == "my value"  # no ConnectionInterrupted: reconnected before use
    assert conn._sock is not sock


class CountingParser(_RESP2Parser):
    """A parser valkey-py does not ship: the pool asks its ``can_read``."""

    asked = 0

    def can_read(self, timeout: float) -> bool:
        CountingParser.asked += 1
        return bool(super().can_read(timeout))


def test_other_parsers_are_asked_through_can_read(server: ValkeyProcess) -> None:
    cache = make(f"{server.url}/0", PARSER_CLASS="tests.test_readable.CountingParser")
    cache.set("mine", "my value")
    before = CountingParser.asked
    assert cache.get("mine") == "my value"
    assert CountingParser.asked == before + 1
    pool, conn = checked_out(cache)
    conn.send_command("PING")
    assert wait_for(lambda: waiting(conn), timeout=2)
    pool.release(conn)
    assert cache.get("mine") == "my value"
    cache.close()
