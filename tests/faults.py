"""Fault injection on real ``valkey-server`` processes, for the resilience tests and benchmarks.

Everything here acts on servers the caller started (``tests.servers.ValkeyProcess``, or the
topologies of ``tests.topology.launchers``) on free loopback ports, and every fault is undone by
the context manager that made it, even when the block fails. Four groups:

* **the process**: ``pause``/``resume`` (SIGSTOP/SIGCONT: the kernel still completes TCP
  handshakes, but nothing is read or answered), ``paused``; ``kill9`` and ``restart`` on the same
  port with the same arguments and data directory; ``wait_ready``, ``wait_refused``;
* **the network**: ``FaultProxy``, a loopback TCP proxy the test switches at run time between
  pass-through, delay, blackhole, reset, cut-mid-reply and refuse;
* **the server's own refusals**: ``client_paused`` (CLIENT PAUSE), ``sleeping`` (DEBUG SLEEP),
  ``out_of_memory``/``oom_server`` (maxmemory with ``noeviction``: OOM), ``acl_user`` (NOPERM),
  ``loading`` (DEBUG RELOAD of a dataset slowed by ``key-load-delay``: LOADING), ``read_only``
  (REPLICAOF: READONLY);
* **topologies**: ``cluster_failover`` (kill a cluster primary, wait for its replica's promotion)
  and ``sentinel_failover`` (SENTINEL FAILOVER, or kill the primary), each timed.

DEBUG commands need a server started with ``*DEBUG_ARGS`` (``--enable-debug-command local``:
the setting cannot be changed at run time).
"""

from __future__ import annotations

import os
import selectors
import signal
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Generator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from types import TracebackType
from typing import Any

from valkey.crc import key_slot
from valkey.exceptions import OutOfMemoryError
from valkey.exceptions import TimeoutError as ValkeyTimeoutError

from tests.servers import ValkeyProcess
from tests.topology.launchers import SERVICE, ClusterTopology, SentinelTopology, poll, role

__all__ = [
    "DEBUG_ARGS",
    "Failover",
    "FaultProxy",
    "ProxyMode",
    "acl_user",
    "caused_by",
    "client_paused",
    "cluster_failover",
    "debug_sleep",
    "fill_until_oom",
    "is_paused",
    "kill9",
    "loading",
    "oom_server",
    "out_of_memory",
    "pause",
    "pause_for",
    "paused",
    "read_only",
    "restart",
    "restart_later",
    "resume",
    "sentinel_failover",
    "sleeping",
    "wait_ready",
    "wait_refused",
]

DEBUG_ARGS = ("--enable-debug-command", "local")
"""Extra ``ValkeyProcess`` arguments for a server that takes DEBUG SLEEP / POPULATE / RELOAD."""

_LOOPBACK = "127.0.0.1"


def caused_by(error: BaseException, kind: type[BaseException] | tuple[type[BaseException], ...]) -> bool:
    """Whether ``error`` is a ``kind``, or has one in its ``__cause__``/``__context__`` chain (an
    error our cache wrapped, or will wrap, still names the valkey-py error it came from)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


# --- The process -------------------------------------------------------------------------------


def _connect(server: ValkeyProcess, **kwargs: Any) -> Any:
    """A plain valkey-py client on ``server`` (typed ``Any``: valkey-py's command methods are
    only partly typed)."""
    return server.client(**kwargs)


def _pid(server: ValkeyProcess) -> int:
    if server.process is None or server.process.poll() is not None:
        raise RuntimeError(f"valkey-server on port {server.port} is not running")
    return server.process.pid


def _state(pid: int) -> str:
    """The process state letter from /proc (``T`` stopped, ``S`` sleeping...), ``?`` if unknown."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "?"
    return text.rpartition(")")[2].split()[0]


def is_paused(server: ValkeyProcess) -> bool:
    """Whether the server process is stopped by a signal (Linux: /proc/<pid>/stat says ``T``)."""
    return server.process is not None and _state(server.process.pid) in ("T", "t")


def pause(server: ValkeyProcess) -> None:
    """SIGSTOP the server, and wait (up to 2 s) until the kernel reports it stopped. Connections
    and new TCP handshakes still succeed (the kernel does those), but nothing is answered."""
    pid = _pid(server)
    os.kill(pid, signal.SIGSTOP)
    if os.path.exists(f"/proc/{pid}/stat") and not _until(lambda: _state(pid) in ("T", "t"), 2.0):
        raise RuntimeError(f"valkey-server {pid} did not stop")


def resume(server: ValkeyProcess) -> None:
    """SIGCONT the server and wait (up to 2 s) until it runs again. A no-op if it is not running."""
    if server.process is None or server.process.poll() is not None:
        return
    pid = server.process.pid
    os.kill(pid, signal.SIGCONT)
    if os.path.exists(f"/proc/{pid}/stat") and not _until(lambda: _state(pid) not in ("T", "t"), 2.0):
        raise RuntimeError(f"valkey-server {pid} did not continue")


@contextmanager
def paused(server: ValkeyProcess) -> Generator[ValkeyProcess, None, None]:
    """The server is stopped (SIGSTOP) for the duration of the block, and resumed after it."""
    pause(server)
    try:
        yield server
    finally:
        resume(server)


def pause_for(server: ValkeyProcess, seconds: float) -> threading.Thread:
    """Pause the server now and resume it ``seconds`` later from a background thread (returned,
    started: join it to wait for the resume)."""
    pause(server)

    def later() -> None:
        time.sleep(seconds)
        resume(server)

    thread = threading.Thread(target=later, name=f"resume-{server.port}", daemon=True)
    thread.start()
    return thread


def kill9(server: ValkeyProcess) -> int:
    """SIGKILL the server (a crash: no shutdown save, connections reset) and reap it. Its port,
    arguments and data directory are kept for ``restart``; returns the port."""
    port = server.port
    server.kill()
    return port


def restart(server: ValkeyProcess, *, keep_data: bool = True, timeout: float = 10.0) -> ValkeyProcess:
    """Start the server again on the same port with the same arguments (SIGKILLed first if it is
    still running). With ``keep_data`` the data directory is left as it is, so an RDB saved
    before (``SAVE``) is loaded again; otherwise its RDB and AOF files are removed first (a
    cluster node's ``nodes.conf``, its identity, stays). Returns once the server answers (or
    replies LOADING)."""
    port = server.port
    if server.running:
        kill9(server)
    if not keep_data:
        for path in server.dir.iterdir():
            if path.name.endswith(".rdb") or path.name.startswith("appendonly"):
                if path.is_dir():
                    for child in path.iterdir():
                        child.unlink()
                    path.rmdir()
                else:
                    path.unlink()
    return server.start(port=port, timeout=timeout)


def restart_later(server: ValkeyProcess, downtime: float, *, keep_data: bool = True) -> threading.Thread:
    """``kill9`` the server now and ``restart`` it ``downtime`` seconds later from a background
    thread (returned, started: join it to wait until the server is back)."""
    kill9(server)

    def later() -> None:
        time.sleep(downtime)
        restart(server, keep_data=keep_data)

    thread = threading.Thread(target=later, name=f"restart-{server.port}", daemon=True)
    thread.start()
    return thread


def wait_ready(server: ValkeyProcess, timeout: float = 10.0) -> bool:
    """Poll until the server answers PING (not LOADING, not paused), at most ``timeout`` seconds."""

    def answers() -> bool:
        with _connect(server, socket_connect_timeout=0.2, socket_timeout=0.2) as conn:
            return bool(conn.ping())

    return poll(answers, timeout, 0.02)


def wait_refused(port: int, timeout: float = 5.0) -> bool:
    """Poll until a TCP connection to ``127.0.0.1:port`` is refused (nothing listens there)."""

    def refused() -> bool:
        try:
            socket.create_connection((_LOOPBACK, port), timeout=0.2).close()
        except ConnectionRefusedError:
            return True
        return False

    return _until(refused, timeout)


def _until(condition: Callable[[], bool], timeout: float, interval: float = 0.005) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
    return True


# --- The network: a proxy the test controls ---------------------------------------------------


class ProxyMode(Enum):
    PASS = "pass"
    DELAY = "delay"
    BLACKHOLE = "blackhole"
    RESET = "reset"
    CUT = "cut"
    REFUSE = "refuse"


def _rst(sock: socket.socket) -> None:
    """Close with a TCP RST (SO_LINGER 0) instead of a FIN: the peer's next read or write fails
    with ECONNRESET."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


class _Link:
    """One client connection and the proxy's connection to the server for it."""

    __slots__ = ("budget", "client", "closing", "delayed", "to_client", "to_upstream", "upstream")

    def __init__(self, client: socket.socket, upstream: socket.socket) -> None:
        self.client = client
        self.upstream = upstream
        self.to_client = bytearray()
        self.to_upstream = bytearray()
        self.delayed: deque[tuple[float, bytes]] = deque()  # (when due, reply bytes)
        self.budget: int | None = None  # CUT: bytes of reply still to forward
        self.closing = False  # close once what is queued for the client is sent


class _Call:
    """A change handed to the proxy's thread, and what came of it."""

    __slots__ = ("done", "error", "function")

    def __init__(self, function: Callable[[], None]) -> None:
        self.function = function
        self.done = threading.Event()
        self.error: Exception | None = None


class _Restore:
    """What a mode switch returns: ignore it, or use it as a context manager that switches the
    proxy back to pass-through at the end of the block."""

    def __init__(self, proxy: FaultProxy) -> None:
        self._proxy = proxy

    def __enter__(self) -> FaultProxy:
        return self._proxy

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._proxy.pass_through()


class FaultProxy:
    """A TCP proxy on a free ``127.0.0.1`` port in front of ``127.0.0.1:target_port``.

    One thread runs a selector loop over every socket; the mode methods hand their change to that
    thread and return once it is in effect, for the connections already open and for new ones:

    * ``pass_through()``: bytes are forwarded both ways as they come;
    * ``delay(ms)``: each chunk of the server's reply is held ``ms`` milliseconds before it is
      forwarded (requests go at once), so each round trip takes ``ms`` longer;
    * ``blackhole()``: connections are accepted and read, but nothing is forwarded or answered
      (what was queued is dropped), as with a host that vanished without a reset;
    * ``reset()``: every open connection is reset (RST), and so is each new one once accepted;
    * ``cut(after_bytes)``: each connection forwards ``after_bytes`` more bytes of the server's
      reply, then both its sockets are closed (the client sees a reply cut short);
    * ``refuse()``: the proxy stops listening (connections are refused) and resets the open ones;
      the next other mode listens again on the same port.

    Each returns an object that, used as a context manager, switches back to pass-through at the
    end of the block: ``with proxy.blackhole(): ...``. ``accepted`` counts the connections
    accepted so far, ``open_connections`` those open now. Use as ``with FaultProxy(port) as
    proxy:``, or ``start()``/``stop()``.
    """

    def __init__(self, target_port: int, target_host: str = _LOOPBACK) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.accepted = 0
        self.upstream_failures = 0  # accepted connections the server side could not be opened for
        self._mode = ProxyMode.PASS
        self._delay = 0.0
        self._cut = 0
        self._links: dict[socket.socket, _Link] = {}
        self._listener: socket.socket | None = None
        self._selector: selectors.BaseSelector | None = None
        self._thread: threading.Thread | None = None
        self._calls: deque[_Call] = deque()
        self._lock = threading.Lock()
        self._stopping = False
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._failure: BaseException | None = None

    # The public side: called from the test's thread.

    @property
    def url(self) -> str:
        return f"valkey://{_LOOPBACK}:{self.port}"

    @property
    def address(self) -> tuple[str, int]:
        return (_LOOPBACK, self.port)

    @property
    def mode(self) -> ProxyMode:
        return self._mode

    @property
    def open_connections(self) -> int:
        return len(self._links)

    def start(self) -> FaultProxy:
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._selector.register(self._listen(0), selectors.EVENT_READ, None)
        self._thread = threading.Thread(target=self._run, name=f"fault-proxy-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the listener and every connection and join the thread (within 5 s)."""
        if self._thread is None:
            return
        self._stopping = True
        self._wake()
        self._thread.join(5)
        alive = self._thread.is_alive()
        self._thread = None
        self._wake_r.close()
        self._wake_w.close()
        if alive:
            raise RuntimeError(f"fault proxy {self.port} did not stop")
        if self._failure is not None:
            raise RuntimeError(f"fault proxy {self.port} failed") from self._failure

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def pass_through(self) -> _Restore:
        return self._switch(ProxyMode.PASS)

    def delay(self, ms: float) -> _Restore:
        return self._switch(ProxyMode.DELAY, delay=ms / 1000)

    def blackhole(self) -> _Restore:
        return self._switch(ProxyMode.BLACKHOLE)

    def reset(self) -> _Restore:
        return self._switch(ProxyMode.RESET)

    def cut(self, after_bytes: int) -> _Restore:
        if after_bytes < 0:
            raise ValueError("after_bytes must be >= 0")
        return self._switch(ProxyMode.CUT, cut=after_bytes)

    def refuse(self) -> _Restore:
        return self._switch(ProxyMode.REFUSE)

    def _switch(self, mode: ProxyMode, delay: float = 0.0, cut: int = 0) -> _Restore:
        self._in_loop(lambda: self._apply(mode, delay, cut))
        return _Restore(self)

    def _in_loop(self, function: Callable[[], None]) -> None:
        if self._thread is None or not self._thread.is_alive():
            raise RuntimeError("the proxy is not running") from self._failure
        call = _Call(function)
        with self._lock:
            self._calls.append(call)
        self._wake()
        if not call.done.wait(5):
            raise RuntimeError(f"fault proxy {self.port} did not answer") from self._failure
        if call.error is not None:
            raise call.error

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    # The loop's side: everything below runs in the proxy's thread.

    def _listen(self, port: int) -> socket.socket:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((_LOOPBACK, port))
        except OSError:
            listener.close()
            raise
        listener.listen(128)
        listener.setblocking(False)
        self._listener = listener
        self.port = listener.getsockname()[1]
        return listener

    def _apply(self, mode: ProxyMode, delay: float, cut: int) -> None:
        assert self._selector is not None
        if mode is ProxyMode.REFUSE:
            if self._listener is not None:
                self._selector.unregister(self._listener)
                self._listener.close()
                self._listener = None
        elif self._listener is None:
            self._selector.register(self._listen(self.port), selectors.EVENT_READ, None)
        self._mode, self._delay, self._cut = mode, delay, cut
        for link in list(self._links.values()):
            if mode in (ProxyMode.RESET, ProxyMode.REFUSE):
                self._drop(link, reset=True)
                continue
            if mode is ProxyMode.BLACKHOLE:
                link.to_client.clear()
                link.to_upstream.clear()
                link.delayed.clear()
            link.budget = cut if mode is ProxyMode.CUT else None

    def _run(self) -> None:
        assert self._selector is not None
        try:
            while not self._stopping:
                self._selector.select(self._timeout())
                # Reads and writes are tried on every socket on each turn, readiness or not (the
                # sockets are non-blocking and few), which keeps the loop free of bookkeeping.
                self._accept()
                for link in list(self._links.values()):
                    self._pump(link)
                self._run_calls()
        except BaseException as exc:  # reported by stop() and the next mode switch
            self._failure = exc
        finally:
            self._shutdown()

    def _timeout(self) -> float | None:
        assert self._selector is not None
        for link in self._links.values():
            interest = selectors.EVENT_READ | (selectors.EVENT_WRITE if link.to_client else 0)
            self._selector.modify(link.client, interest, None)
            if not link.closing:
                interest = selectors.EVENT_READ | (selectors.EVENT_WRITE if link.to_upstream else 0)
                self._selector.modify(link.upstream, interest, None)
        due = [link.delayed[0][0] for link in self._links.values() if link.delayed]
        return max(0.0, min(due) - time.monotonic()) if due else None

    def _run_calls(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        while True:
            with self._lock:
                if not self._calls:
                    return
                call = self._calls.popleft()
            try:
                call.function()
            except Exception as exc:  # handed to the caller (a port taken while refusing, say)
                call.error = exc
            finally:
                call.done.set()

    def _accept(self) -> None:
        while self._listener is not None:
            try:
                client, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            self.accepted += 1
            if self._mode is ProxyMode.RESET:
                _rst(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=1.0)
            except OSError:
                self.upstream_failures += 1
                _rst(client)
                continue
            for sock in (client, upstream):
                sock.setblocking(False)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            link = _Link(client, upstream)
            link.budget = self._cut if self._mode is ProxyMode.CUT else None
            self._links[client] = link
            assert self._selector is not None
            self._selector.register(client, selectors.EVENT_READ, None)
            self._selector.register(upstream, selectors.EVENT_READ, None)

    def _pump(self, link: _Link) -> None:
        blackhole = self._mode is ProxyMode.BLACKHOLE
        # Client -> server.
        data = self._recv(link.client)
        if data is None:
            self._drop(link, reset=False)
            return
        if data and not blackhole and not link.closing:
            link.to_upstream += data
        # Server -> client.
        if not link.closing:
            data = self._recv(link.upstream)
            if data is None:
                self._closing(link)  # the server closed: pass on what it sent, then close
            elif data and not blackhole:
                self._reply(link, data)
        now = time.monotonic()
        while link.delayed and link.delayed[0][0] <= now:
            link.to_client += link.delayed.popleft()[1]
        upstream_ok = link.closing or self._send(link.upstream, link.to_upstream)
        if not (upstream_ok and self._send(link.client, link.to_client)):
            self._drop(link, reset=False)
            return
        if link.closing and not link.to_client and not link.delayed:
            self._drop(link, reset=False)

    def _reply(self, link: _Link, data: bytes) -> None:
        if link.budget is not None:
            data = data[: link.budget]
            link.budget -= len(data)
            if link.budget == 0:
                self._closing(link)
        if self._mode is ProxyMode.DELAY:
            link.delayed.append((time.monotonic() + self._delay, data))
        elif link.delayed:  # delayed bytes still queued: keep the reply in order behind them
            link.delayed.append((time.monotonic(), data))
        else:
            link.to_client += data

    def _closing(self, link: _Link) -> None:
        """Stop talking to the server for this link; the client's socket closes once what is
        queued for it is sent."""
        link.closing = True
        link.to_upstream.clear()
        assert self._selector is not None
        self._selector.unregister(link.upstream)
        link.upstream.close()

    @staticmethod
    def _recv(sock: socket.socket) -> bytes | None:
        """What the socket has for us (``b""``: nothing yet), or ``None`` once it is closed."""
        try:
            data = sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return b""
        except OSError:
            return None
        return data or None

    @staticmethod
    def _send(sock: socket.socket, buffer: bytearray) -> bool:
        """Send what the socket takes now; False if it is broken."""
        while buffer:
            try:
                sent = sock.send(buffer)
            except (BlockingIOError, InterruptedError):
                return True
            except OSError:
                return False
            del buffer[:sent]
        return True

    def _drop(self, link: _Link, *, reset: bool) -> None:
        if self._links.pop(link.client, None) is None:
            return
        assert self._selector is not None
        for sock in (link.client, link.upstream):
            if sock.fileno() != -1:
                self._selector.unregister(sock)
        if reset:
            _rst(link.client)
        else:
            link.client.close()
        link.upstream.close()

    def _shutdown(self) -> None:
        for link in list(self._links.values()):
            self._drop(link, reset=False)
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self._selector is not None:
            self._selector.close()
        with self._lock:
            calls, self._calls = self._calls, deque()
        for call in calls:
            call.done.set()


# --- The server's own refusals ----------------------------------------------------------------


@contextmanager
def client_paused(
    server: ValkeyProcess, seconds: float, *, write_only: bool = False
) -> Generator[ValkeyProcess, None, None]:
    """``CLIENT PAUSE`` for ``seconds``: every command waits (``ALL``), or only writes wait
    (``write_only``: ``WRITE``; reads are answered). At the end of the block a WRITE pause is
    lifted with CLIENT UNPAUSE; an ALL pause cannot be (the server holds CLIENT UNPAUSE too), so
    the block's end waits until it runs out."""
    mode = "WRITE" if write_only else "ALL"
    ends = time.monotonic() + seconds
    with _connect(server, socket_timeout=2) as conn:
        conn.execute_command("CLIENT", "PAUSE", max(1, int(seconds * 1000)), mode)
    try:
        yield server
    finally:
        if write_only:
            with _connect(server, socket_timeout=2) as conn:
                conn.execute_command("CLIENT", "UNPAUSE")
        else:
            time.sleep(max(0.0, ends - time.monotonic()))
            wait_ready(server, 5)


def debug_sleep(server: ValkeyProcess, seconds: float) -> threading.Thread:
    """Send ``DEBUG SLEEP seconds`` from a connection of its own in a thread (returned, started;
    it ends when the server wakes up), and return once the server is busy with it (a PING goes
    unanswered). The server needs ``DEBUG_ARGS``."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with _connect(server, socket_timeout=seconds + 5) as conn:
                conn.execute_command("DEBUG", "SLEEP", seconds)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run, name=f"debug-sleep-{server.port}", daemon=True)
    thread.start()

    def busy() -> bool:
        if errors:
            raise RuntimeError("DEBUG SLEEP failed (is the server started with DEBUG_ARGS?)") from errors[0]
        try:
            with _connect(server, socket_connect_timeout=0.5, socket_timeout=0.02) as conn:
                conn.ping()
        except ValkeyTimeoutError:
            return True
        return False

    if not _until(busy, min(5.0, seconds)):
        raise RuntimeError("the server did not start sleeping")
    return thread


@contextmanager
def sleeping(server: ValkeyProcess, seconds: float) -> Generator[ValkeyProcess, None, None]:
    """The server is busy in ``DEBUG SLEEP`` from the start of the block for ``seconds``; the
    end of the block waits until it has woken up."""
    thread = debug_sleep(server, seconds)
    try:
        yield server
    finally:
        thread.join(seconds + 10)


def oom_server(maxmemory: str = "2mb") -> ValkeyProcess:
    """A started server with ``--maxmemory <maxmemory> --maxmemory-policy noeviction``: writes
    get ``OOM`` once ``fill_until_oom`` (or the test's own writes) used that up. (The caller
    cleans it up.)"""
    return ValkeyProcess("--maxmemory", maxmemory, "--maxmemory-policy", "noeviction").start()


def fill_until_oom(server: ValkeyProcess, chunk: int = 64 * 1024, limit: int = 256 * 1024 * 1024) -> int:
    """Write ``chunk``-byte values (keys ``faults:fill:N``) until the server answers OOM; returns
    how many were written. Raises if ``limit`` bytes went in without an OOM."""
    value = b"f" * chunk
    with _connect(server, socket_timeout=5) as conn:
        for count in range(limit // chunk + 1):
            try:
                conn.set(f"faults:fill:{count}", value)
            except OutOfMemoryError:
                return count
    raise RuntimeError(f"no OOM after {limit} bytes: is maxmemory set, with noeviction?")


@contextmanager
def out_of_memory(server: ValkeyProcess) -> Generator[ValkeyProcess, None, None]:
    """Writes get ``OOM`` for the duration of the block (``maxmemory`` 1 byte under
    ``noeviction``, set at run time; reads and deletes are still answered); the server's
    ``maxmemory`` and policy are put back afterwards."""
    with _connect(server, socket_timeout=2) as conn:
        before = conn.config_get("maxmemory*")
        conn.config_set("maxmemory-policy", "noeviction")
        conn.config_set("maxmemory", 1)
    try:
        yield server
    finally:
        with _connect(server, socket_timeout=2) as conn:
            conn.config_set("maxmemory", before["maxmemory"])
            conn.config_set("maxmemory-policy", before["maxmemory-policy"])


@contextmanager
def acl_user(
    server: ValkeyProcess, *rules: str, name: str = "faults-limited", password: str = "faults-pw"
) -> Generator[dict[str, Any], None, None]:
    """An ACL user for the duration of the block, allowed only ``rules`` (default: ``+get``,
    ``+ping`` on every key), so that other commands get ``NOPERM``. Yields the keyword arguments
    for a client (``username``, ``password``); the user is deleted afterwards."""
    allowed = rules or ("+get", "+ping")
    with _connect(server, socket_timeout=2) as conn:
        conn.execute_command("ACL", "SETUSER", name, "reset", "on", f">{password}", "~*", "&*", *allowed)
    try:
        yield {"username": name, "password": password}
    finally:
        with _connect(server, socket_timeout=2) as conn:
            conn.execute_command("ACL", "DELUSER", name)


@contextmanager
def loading(server: ValkeyProcess, seconds: float = 1.0) -> Generator[ValkeyProcess, None, None]:
    """The server is loading its dataset (commands get ``LOADING``, INFO says ``loading:1``) from
    the start of the block, for roughly ``seconds`` (a half to one times that here).

    How: ``key-load-delay`` (microseconds of sleep per key loaded) is set to 100, so each key
    takes 100 us plus the timer's slack and event processing (about 200 us in all, measured);
    ``DEBUG POPULATE`` gives db 0 enough small keys (prefix ``faults:load``) for the load to last
    ``seconds``; events are processed every KB loaded, so the server answers LOADING meanwhile
    instead of nothing; and ``DEBUG RELOAD`` (save, flush, load the RDB back) runs from a thread.
    The block starts once INFO reports ``loading:1``. Its end waits until the load is over and
    puts the settings back; the data is as before, ballast included. Needs ``DEBUG_ARGS``.
    """
    with _connect(server, socket_timeout=5) as conn:
        conn.execute_command("DEBUG", "POPULATE", max(100, int(seconds / 200e-6)), "faults:load", 8)
        conn.config_set("key-load-delay", 100)
        conn.config_set("loading-process-events-interval-bytes", 1024)
    errors: list[BaseException] = []

    def reload() -> None:
        try:
            with _connect(server, socket_timeout=seconds * 10 + 10) as conn:
                conn.execute_command("DEBUG", "RELOAD")
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=reload, name=f"debug-reload-{server.port}", daemon=True)
    thread.start()

    def is_loading() -> bool:
        if errors:
            raise RuntimeError("DEBUG RELOAD failed (is the server started with DEBUG_ARGS?)") from errors[0]
        with _connect(server, socket_timeout=1) as conn:
            return int(conn.info("persistence")["loading"]) == 1

    try:
        if not _until(is_loading, 10):
            raise RuntimeError("the server never reported loading:1")
        yield server
    finally:
        thread.join(seconds * 10 + 15)
        with _connect(server, socket_timeout=2) as conn:
            conn.config_set("key-load-delay", 0)
            conn.config_set("loading-process-events-interval-bytes", 2 * 1024 * 1024)


@contextmanager
def read_only(server: ValkeyProcess, primary: ValkeyProcess) -> Generator[ValkeyProcess, None, None]:
    """``server`` is a replica of ``primary`` for the duration of the block (REPLICAOF: writes
    get ``READONLY``; its data is replaced by the primary's), and a primary again afterwards
    (REPLICAOF NO ONE)."""
    with _connect(server, socket_timeout=2) as conn:
        conn.execute_command("REPLICAOF", _LOOPBACK, primary.port)
    try:
        if not poll(lambda: role(server) == "slave", 5):
            raise RuntimeError("the server did not become a replica")
        yield server
    finally:
        with _connect(server, socket_timeout=2) as conn:
            conn.execute_command("REPLICAOF", "NO", "ONE")


# --- Topologies -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Failover:
    """A failover that happened: the node that was the primary, the one that is now, and how
    long it took from the kill (or the SENTINEL FAILOVER) until the new primary took a write."""

    old: ValkeyProcess
    new: ValkeyProcess
    seconds: float


def _writes(node: ValkeyProcess, key: str) -> bool:
    with _connect(node, socket_timeout=0.5, socket_connect_timeout=0.5) as conn:
        return bool(conn.set(key, b"faults"))


def cluster_failover(cluster: ClusterTopology, key: str = "faults:failover", timeout: float = 30.0) -> Failover:
    """``kill9`` the primary that owns ``key``'s slot and wait until its replica is promoted:
    a running node says the slot is its, it reports role master and takes a write of ``key``.
    The victim stays down (``restart`` it to have it rejoin as a replica)."""
    slot = key_slot(key.encode())
    victim = cluster.primary_for_slot(slot)
    kill9(victim)
    killed = time.monotonic()
    promoted: list[ValkeyProcess] = []

    def recovered() -> bool:
        try:
            owner = cluster.primary_for_slot(slot)
        except LookupError:  # the slot is between owners
            return False
        if owner is victim or role(owner) != "master":
            return False
        with _connect(owner, socket_timeout=0.5) as conn:
            conn.execute_command("SET", key, b"faults")  # MOVED if the node does not own it yet
        promoted[:] = [owner]
        return True

    if not poll(recovered, timeout, 0.05):
        raise RuntimeError(f"no replica took over slot {slot} within {timeout} s")
    return Failover(victim, promoted[0], time.monotonic() - killed)


def sentinel_failover(topology: SentinelTopology, *, kill: bool = False, timeout: float = 30.0) -> Failover:
    """A failover of the Sentinel topology's primary: ``SENTINEL FAILOVER`` (graceful: the old
    primary stays up, and the sentinels make it a replica on their next INFO round, within about
    10 s), or with ``kill`` a ``kill9`` of the primary (the sentinels must see it down first; it
    stays down). Returns once every sentinel names another node as the primary in ``SENTINEL
    MASTERS`` (what valkey-py's ``Sentinel`` asks: ``GET-MASTER-ADDR-BY-NAME`` names the
    promoted replica earlier, while the failover is still running) and that node reports role
    master and takes a write."""
    port = topology.primary_address()[1]
    old = topology.node_at(port)
    started = time.monotonic()
    if kill:
        kill9(old)
    else:

        def asked() -> bool:
            with _connect(topology.sentinels[0], socket_timeout=2) as conn:
                return bool(conn.execute_command("SENTINEL", "FAILOVER", SERVICE))

        if not poll(asked, 10, 0.1):  # NOGOODSLAVE while the replica is not linked yet
            raise RuntimeError("SENTINEL FAILOVER was refused")
    found: list[ValkeyProcess] = []

    def announced(sentinel: ValkeyProcess) -> int | None:
        """The primary's port in this sentinel's SENTINEL MASTERS, if it is up there."""
        with _connect(sentinel, socket_timeout=1) as conn:
            state = conn.sentinel_master(SERVICE)
        if not state["is_master"] or state["is_sdown"] or state["is_odown"]:
            return None
        return int(state["port"])

    def recovered() -> bool:
        ports = {announced(sentinel) for sentinel in topology.sentinels}
        if len(ports) != 1:
            return False
        new_port = ports.pop()
        if new_port is None or new_port == port:
            return False
        node = topology.node_at(new_port)
        if role(node) != "master" or not _writes(node, "faults:failover"):
            return False
        found[:] = [node]
        return True

    if not poll(recovered, timeout, 0.05):
        raise RuntimeError(f"the sentinels did not agree on a new primary within {timeout} s")
    return Failover(old, found[0], time.monotonic() - started)
