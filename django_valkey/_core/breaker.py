"""Circuit breakers: one per server and process, so that a sick server fails calls at once.

A server's ``Circuit`` counts the calls that failed in a row because the server could not be
reached or did not answer. When ``failures`` of them have failed, or they have gone on failing
for ``window`` seconds, the circuit opens: every call to that server fails at once with
``CircuitOpen``, without touching the network. ``open_seconds`` later, the next call starts a
probe (PINGs, run by the client beside the calls, which keep failing at once; a refused PING
is repeated every ``PROBE_INTERVAL`` for up to ``open_seconds``): when one is answered the
circuit closes; if none is, the circuit stays open and the next call starts another probe. Nothing here
does I/O.

Circuits are shared by every client in the process that talks to the same server with the same
settings (Django builds a cache object per thread and, under ASGI, per request), through
``circuit_for``. They are safe across threads and event loops: the counters are changed under a
lock only on the slow paths (a failure, the first success after failures, the probe), and the
hot path reads two attributes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Final

from django.core.exceptions import ImproperlyConfigured

from django_valkey._options import settings_dict
from django_valkey._redact import redact_url
from django_valkey.exceptions import CircuitOpen

__all__ = [
    "Circuit",
    "CircuitSettings",
    "NoCircuit",
    "PROBE_INTERVAL",
    "StateListener",
    "circuit_for",
    "circuit_settings",
    "generation",
    "reset_circuits",
]

#: ``OPTIONS["CIRCUIT_BREAKER"]`` keys and their defaults.
DEFAULTS: Final[Mapping[str, float]] = {"FAILURES": 5, "WINDOW": 1.0, "OPEN_SECONDS": 0.1}

#: Seconds between the PINGs of a probe while the server refuses them at once (a restarting
#: server is found answering within this much).
PROBE_INTERVAL: Final = 0.01

StateListener = Callable[["Circuit", str], None]
"""Called as ``listener(circuit, state)`` when a circuit changes state: ``"open"``,
``"half-open"`` (the probe is let through) or ``"closed"``."""


class CircuitSettings:
    """The thresholds of a circuit (``OPTIONS["CIRCUIT_BREAKER"]``)."""

    __slots__ = ("failures", "window", "open_seconds")

    def __init__(self, failures: int, window: float, open_seconds: float) -> None:
        self.failures: int = failures
        self.window: float = window
        self.open_seconds: float = open_seconds

    def key(self) -> tuple[int, float, float]:
        """What makes two settings the same circuit."""
        return (self.failures, self.window, self.open_seconds)


def _number(options: Mapping[str, object], name: str, integer: bool) -> float:
    value = options.get(name, DEFAULTS[name])
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or value <= 0:
        what = "a positive int" if integer else "a positive number of seconds"
        raise ImproperlyConfigured(f"OPTIONS['CIRCUIT_BREAKER']['{name}'] must be {what}, got {value!r}")
    return value


def circuit_settings(given: object) -> CircuitSettings | None:
    """``OPTIONS["CIRCUIT_BREAKER"]`` read: ``None`` when it is ``False`` (no breaker), the
    defaults when it is missing or ``True``, else a dict of the keys in ``DEFAULTS``."""
    if given is False:
        return None
    options = settings_dict(given, "CIRCUIT_BREAKER", DEFAULTS, "a dict (or False to turn it off)")
    return CircuitSettings(
        int(_number(options, "FAILURES", True)),
        float(_number(options, "WINDOW", False)),
        float(_number(options, "OPEN_SECONDS", False)),
    )


class Circuit:
    """The breaker of one server. Closed: ``open_until == 0.0``.

    The client calls ``enter()`` before a call when ``open_until`` is set, ``failed()`` when the
    call found the server unavailable and ``succeeded()`` when a call succeeded while ``failures``
    is non-zero; on the hot path (closed, no failures) it only reads ``open_until`` and
    ``failures``.
    """

    __slots__ = ("server", "settings", "failures", "first_failure", "opened_at", "open_until", "probing", "_lock")

    listeners: list[StateListener] = []
    """Called on every state change of every circuit (the operation hooks add theirs)."""

    def __init__(self, server: str, settings: CircuitSettings) -> None:
        self.server: str = redact_url(server)
        self.settings: CircuitSettings = settings
        self.failures: int = 0
        self.first_failure: float = 0.0
        self.opened_at: float = 0.0  # wall-clock time the circuit opened (for messages), 0.0 when closed
        self.open_until: float = 0.0  # monotonic time until which calls fail at once; 0.0 when closed
        self.probing: bool = False
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<Circuit {self.server} {self.state}>"

    @property
    def state(self) -> str:
        """``"closed"``, ``"open"`` or ``"half-open"`` (a probe is in flight)."""
        if not self.open_until:
            return "closed"
        return "half-open" if self.probing else "open"

    def enter(self) -> bool:
        """Whether a call that found ``open_until`` set may go on: ``False`` when the circuit has
        closed meanwhile; ``True`` when the caller must start the probe (it is due, and no
        other is running), after which it raises ``rejection()`` all the same; otherwise raise
        ``CircuitOpen``. Callers never wait for a probe: it runs beside them."""
        if not self.open_until:
            return False
        with self._lock:
            if not self.open_until:
                return False
            if self.probing or time.monotonic() < self.open_until:
                raise self.rejection()
            self.probing = True
        self._changed("half-open")
        return True

    def rejection(self) -> CircuitOpen:
        """The error of a call that the open circuit refused."""
        return CircuitOpen(self.server, self.opened_at)

    def blocked(self) -> bool:
        """Whether a call would now fail at once (open, and no probe due): for choosing a replica."""
        return bool(self.open_until) and (self.probing or time.monotonic() < self.open_until)

    def succeeded(self) -> None:
        """A call succeeded: close the circuit, forget the failures."""
        with self._lock:
            was_open = bool(self.open_until)
            self.failures = 0
            self.open_until = 0.0
            self.opened_at = 0.0
            self.probing = False
        if was_open:
            self._changed("closed")

    def failed(self, began: float | None = None) -> None:
        """A call found the server unavailable: count it, and open the circuit at the threshold
        (or again, when the probe failed). ``began`` is when the call started waiting, if it
        waited (a timeout), so that ``window`` counts the time the server has been failing."""
        now = time.monotonic()
        settings = self.settings
        with self._lock:
            if self.failures == 0:
                self.first_failure = now if began is None else began
            self.failures += 1
            if self.open_until and not self.probing:
                return  # already open: a call that started before it opened
            reached = self.failures >= settings.failures or (
                self.failures > 1 and now - self.first_failure >= settings.window
            )
            if not (self.probing or reached):
                return
            self.probing = False
            if not self.open_until:
                self.opened_at = time.time()
            self.open_until = now + settings.open_seconds
        self._changed("open")

    def probe_failed(self) -> None:
        """The probe found the server unavailable for ``open_seconds``: the circuit stays open
        and the next call starts another probe."""
        with self._lock:
            self.failures += 1
            self.probing = False
            self.open_until = time.monotonic()
        self._changed("open")

    def probe_abandoned(self) -> None:
        """The probe ended without a verdict (its event loop closed under it): the next call
        starts another."""
        with self._lock:
            self.probing = False

    def probe_again(self, unavailable: bool, began: float) -> bool:
        """After a probe's PING (the probe began at ``began``) failed: ``True`` when it should
        PING again after ``PROBE_INTERVAL`` (the server is ``unavailable`` and ``open_seconds``
        have not passed); otherwise the verdict is recorded (an error reply: the server
        answered, the circuit closes) and ``False``."""
        if not unavailable:
            self.succeeded()
            return False
        if time.monotonic() + PROBE_INTERVAL < began + self.settings.open_seconds:
            return True
        self.probe_failed()
        return False

    def _changed(self, state: str) -> None:
        for listener in Circuit.listeners:
            listener(self, state)


class NoCircuit(Circuit):
    """The circuit of a client whose breaker is off (``CIRCUIT_BREAKER: False``): never opens."""

    __slots__ = ()

    def failed(self, began: float | None = None) -> None:
        return None


_CIRCUITS: dict[tuple[str, tuple[int, float, float]], Circuit] = {}
_CIRCUITS_LOCK = threading.Lock()
_GENERATION = [0]  # bumped by reset_circuits, so that holders of circuits know to look again


def generation() -> int:
    """How many times ``reset_circuits`` has run: a holder of circuits from ``circuit_for``
    (e.g. a cluster client's per-node circuits) looks them up again when it changes."""
    return _GENERATION[0]


def circuit_for(server: str, settings: CircuitSettings | None) -> Circuit:
    """The process's circuit for ``server`` (a LOCATION entry) under ``settings`` (``None``: a
    circuit that never opens)."""
    if settings is None:
        return NoCircuit(server, CircuitSettings(1, 1.0, 1.0))
    key = (server, settings.key())
    circuit = _CIRCUITS.get(key)
    if circuit is None:
        with _CIRCUITS_LOCK:
            circuit = _CIRCUITS.setdefault(key, Circuit(server, settings))
    return circuit


def reset_circuits() -> None:
    """Forget every circuit of the process (tests use it between cases)."""
    with _CIRCUITS_LOCK:
        _CIRCUITS.clear()
        _GENERATION[0] += 1
