"""The error policy, one test per row of the table in docs/failures.md, in the four API modes
(tests/api_modes.py), with IGNORE_EXCEPTIONS on and off, on real servers refusing for real."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from typing import Any

import pytest
import valkey
from valkey.exceptions import NoPermissionError, OutOfMemoryError, ReadOnlyError, ResponseError

from django_valkey.exceptions import (
    CircuitOpen,
    CommandError,
    CommandNotPermitted,
    ConnectionInterrupted,
    WriteRefused,
)
from tests.api_modes import MODES, Api, build_cache
from tests.servers import ValkeyProcess, wait_for

QUICK = {"SOCKET_TIMEOUT": 0.2, "SOCKET_CONNECT_TIMEOUT": 0.2}


@pytest.fixture(scope="module")
def server() -> Iterator[ValkeyProcess]:
    process = ValkeyProcess().start()
    with process.client() as conn:
        conn.execute_command(
            "ACL", "SETUSER", "reader", "on", ">reader-pw", "~*", "+get", "+ping", "+hello", "+evalsha"
        )
    yield process
    process.cleanup()


@pytest.fixture(scope="module")
def replica(server: ValkeyProcess) -> Iterator[ValkeyProcess]:
    process = ValkeyProcess("--replicaof", "127.0.0.1", str(server.port)).start()
    assert wait_for(lambda: process.client().info("replication")["master_link_status"] == "up")
    yield process
    process.cleanup()


def api_for(mode: str, location: str, **options: Any) -> Api:
    return Api(build_cache(mode, location, **options), mode)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("ignore", [False, True], ids=["raise", "ignore"])
async def test_readonly_replica_is_unavailable_for_writes(mode: str, ignore: bool, replica: ValkeyProcess) -> None:
    api = api_for(mode, f"{replica.url}/0", IGNORE_EXCEPTIONS=ignore, RETRY=False, **QUICK)
    if ignore:
        assert await api.set("k", 1) is None  # failed open: Django's set returns None
        assert await api.add("k", 1) is False
        return
    with pytest.raises(WriteRefused) as caught:
        await api.set("k", 1)
    assert isinstance(caught.value.__cause__, ReadOnlyError)
    assert isinstance(caught.value, ConnectionInterrupted)
    assert f"SET ':1:k' on valkey://127.0.0.1:{replica.port}/0 was refused" in str(caught.value)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("ignore", [False, True], ids=["raise", "ignore"])
async def test_out_of_memory_is_unavailable_for_writes(mode: str, ignore: bool, server: ValkeyProcess) -> None:
    api = api_for(mode, f"{server.url}/0", IGNORE_EXCEPTIONS=ignore, KEY_PREFIX=f"oom-{mode}", **QUICK)
    await api.set("before", 1)
    with server.client() as conn:
        conn.config_set("maxmemory-policy", "noeviction")
        conn.config_set("maxmemory", 1)  # below what the server uses: every write is refused
    try:
        if ignore:
            assert await api.set("k", 1) is None
        else:
            with pytest.raises(WriteRefused) as caught:
                await api.set("k", 1)
            assert isinstance(caught.value.__cause__, OutOfMemoryError)
        assert await api.get("before") == 1  # reads still work
    finally:
        with server.client() as conn:
            conn.config_set("maxmemory", 0)
    assert await api.get("k") is None  # nothing half-written


@pytest.mark.valkey_py(reason="GLIDE runs INFO when it connects, which that ACL user may not")
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("ignore", [False, True], ids=["raise", "ignore"])
async def test_no_permission_always_raises(mode: str, ignore: bool, server: ValkeyProcess) -> None:
    api = api_for(mode, f"valkey://reader:reader-pw@127.0.0.1:{server.port}/0", IGNORE_EXCEPTIONS=ignore, **QUICK)
    assert await api.get("k", "d") == "d"  # GET is allowed
    with pytest.raises(CommandNotPermitted) as caught:
        await api.set("k", 1)
    error = caught.value
    assert isinstance(error, NoPermissionError) and isinstance(error, ResponseError)  # old except clauses
    assert isinstance(error.__cause__, NoPermissionError)
    assert f"SET ':1:k' on valkey://reader:***@127.0.0.1:{server.port}/0 was not permitted" in str(error)
    assert "reader-pw" not in str(error)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("ignore", [False, True], ids=["raise", "ignore"])
async def test_wrong_type_always_raises(mode: str, ignore: bool, server: ValkeyProcess) -> None:
    api = api_for(mode, f"{server.url}/0", IGNORE_EXCEPTIONS=ignore, KEY_PREFIX=f"wt-{mode}", **QUICK)
    await api.rpush("l", "x")
    with pytest.raises(CommandError, match=r"GET 'wt-[a-z.]+:1:l' on valkey://127\.0\.0\.1:\d+/0 failed: WRONGTYPE"):
        await api.get("l")
    with pytest.raises(TypeError, match="'l' holds another type of value, not a hash"):
        await api.hget("l", "f")
    await api.delete("l")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("ignore", [False, True], ids=["raise", "ignore"])
async def test_unreachable_server(mode: str, ignore: bool) -> None:
    gone = ValkeyProcess().start()
    location = f"{gone.url}/0"
    gone.cleanup()
    api = api_for(mode, location, IGNORE_EXCEPTIONS=ignore, RETRY=False, **QUICK)
    if ignore:
        assert await api.get("k", "d") == "d"
        assert await api.set("k", 1) is None
        return
    with pytest.raises(ConnectionInterrupted) as caught:
        await api.get("k")
    assert isinstance(caught.value.__cause__, valkey.exceptions.ConnectionError)
    assert f"GET ':1:k' on {location} failed: the server is unavailable" in str(caught.value)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("ignore", [False, True], ids=["raise", "ignore"])
async def test_timeout_and_open_circuit(mode: str, ignore: bool) -> None:
    import os

    hung = ValkeyProcess().start()
    assert hung.process is not None
    api = api_for(mode, f"{hung.url}/0", IGNORE_EXCEPTIONS=ignore, CIRCUIT_BREAKER={"FAILURES": 2}, **QUICK)
    await api.set("k", 1)
    os.kill(hung.process.pid, signal.SIGSTOP)
    try:
        if ignore:
            for _ in range(4):
                assert await api.get("k", "d") == "d"
            return
        with pytest.raises(ConnectionInterrupted, match=r"GET ':1:k' on valkey://127\.0\.0\.1:\d+/0 timed out"):
            await api.get("k")
        with pytest.raises(ConnectionInterrupted, match="timed out"):
            await api.get("k")
        with pytest.raises(CircuitOpen):
            await api.get("k")
    finally:
        os.kill(hung.process.pid, signal.SIGCONT)
        hung.cleanup()
