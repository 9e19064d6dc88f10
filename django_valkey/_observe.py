"""Operation hooks: the observers of ``OPTIONS["OBSERVER"]``, told of every cache operation.

Nothing here runs on a call of a cache that has no observer: such a cache is an object of its
plain class. A cache that has observers becomes, when it is built, an object of a subclass of its
class (built once per class, same name) whose operation methods are wrapped; the wrappers keep the
methods' signatures (``functools.wraps``: ``inspect.signature`` and ``iscoroutinefunction`` see
the original). Three small hooks fill in what the wrapper cannot see:

- the error guard is an ``ObservingGuard``, which tells the current event about an error that
  ``IGNORE_EXCEPTIONS`` swallowed (outcome ``"ignored"`` or ``"circuit-open"``);
- the clients get a subclass whose ``_attempt`` names the server the call was sent to, and puts
  the observers on that server's circuit breaker (``Circuit.listeners``);
- calls an operation makes on the same cache (``get_or_set`` calling ``get`` and ``add``, or
  the ``default`` callable of ``get_or_set`` reading the cache) find the current event in a
  context variable and are not reported apart; a nested read tells the outer operation its hits
  and misses. A call on another cache is an operation of its own.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping, Sequence, Sized
from contextvars import ContextVar
from time import perf_counter
from typing import TYPE_CHECKING, Any, Concatenate, Final, ParamSpec, Protocol, TypeVar, cast

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from django_valkey._core.breaker import Circuit
from django_valkey._core.guard import ErrorGuard
from django_valkey._options import check_members, load_object
from django_valkey._redact import redact_url
from django_valkey.exceptions import CircuitOpen
from django_valkey.observers import CircuitEvent, CircuitState, OperationEvent
from django_valkey.protocols import ObserverProtocol

if TYPE_CHECKING:
    from django.core.cache.backends.base import BaseCache

__all__ = [
    "CURRENT",
    "Observation",
    "ObservingGuard",
    "Observed",
    "find_alias",
    "load_observers",
    "observed_class",
    "observed_client",
    "observe",
]

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
C = TypeVar("C")

CURRENT: ContextVar[_Event | None] = ContextVar("django_valkey_operation", default=None)
"""The operation in progress in this thread or task, if it is observed."""


# ------------------------------------------------------------------ loading OPTIONS["OBSERVER"]

_SHARED: dict[type, object] = {}  # observer class -> its one instance in the process
_BY_PATH: dict[str, object] = {}  # dotted path -> what it names, once loaded and checked
_LOAD_LOCK = threading.Lock()


def load_observers(value: object) -> tuple[ObserverProtocol, ...]:
    """``OPTIONS["OBSERVER"]`` as observers: ``None``, an observer, or a list (or tuple) of them;
    each an object, a class (built once per process, without arguments) or a dotted path to
    either. ImproperlyConfigured names what is wrong."""
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        items = cast("Sequence[object]", value)
        return tuple(_load_one(item, f"OPTIONS['OBSERVER'][{index}]") for index, item in enumerate(items))
    return (_load_one(value, "OPTIONS['OBSERVER']"),)


def _load_one(value: object, setting: str) -> ObserverProtocol:
    if isinstance(value, str):
        found = _BY_PATH.get(value)
        if found is None:
            found = _BY_PATH[value] = _observer_object(load_object(value, setting), setting)
        return cast(ObserverProtocol, found)
    return _observer_object(value, setting)


def _observer_object(value: object, setting: str) -> ObserverProtocol:
    if value is None or isinstance(value, (bool, int, float, Mapping)):
        raise ImproperlyConfigured(f"{setting} must be an observer, its class or a dotted path, got {value!r}")
    check_members(value, ObserverProtocol, setting)
    if not isinstance(value, type):
        return cast(ObserverProtocol, value)
    with _LOAD_LOCK:
        shared = _SHARED.get(value)
        if shared is None:
            try:
                shared = _SHARED[value] = value()
            except TypeError as exc:
                raise ImproperlyConfigured(
                    f"{setting}: {value.__qualname__}() cannot be built without arguments ({exc}); "
                    "put an instance in OPTIONS instead"
                ) from exc
    return cast(ObserverProtocol, shared)


# ------------------------------------------------------------------ which alias a cache is

_TOP_LEVEL = frozenset({"BACKEND", "LOCATION"})


def find_alias(backend: type, server: object, params: Mapping[str, Any]) -> str:
    """The alias reported for the cache of class ``backend`` built from ``(server, params)``:
    ``OPTIONS["OBSERVER_ALIAS"]`` if set, else the ``CACHES`` entry it was built from, else ``""``.

    Django gives a backend no alias: it builds it as ``Backend(LOCATION, entry-without-BACKEND-
    and-LOCATION)`` from a shallow copy of the entry, so the entry is the one whose ``OPTIONS`` is
    this very dict, whose other keys are equal and whose ``BACKEND`` is this class (a cache built
    by hand from a copy of an entry is matched by equality). Entries that are equal in everything
    are the same cache: the first alias is reported.
    """
    options: Mapping[str, Any] = params.get("OPTIONS") or {}
    given: object = options.get("OBSERVER_ALIAS")
    if given is not None:
        if not isinstance(given, str):
            raise ImproperlyConfigured(f"OPTIONS['OBSERVER_ALIAS'] must be a string, got {given!r}")
        return given
    from django.core.cache import caches

    try:
        entries: Mapping[str, Mapping[str, Any]] = caches.settings
    except ImproperlyConfigured:  # CACHES without a "default": Django refuses it on first use
        return ""
    same_options = [alias for alias, entry in entries.items() if entry.get("OPTIONS") is options]
    rest = _rest(params)
    matches = [
        alias
        for alias in dict.fromkeys((*same_options, *entries))
        if entries[alias].get("LOCATION", "") == server and _rest(entries[alias]) == rest
    ]
    if len(matches) > 1:
        matches = [alias for alias in matches if _backend_is(entries[alias].get("BACKEND"), backend)] or matches
    return matches[0] if matches else ""


def _backend_is(path: object, backend: type) -> bool:
    if not isinstance(path, str):
        return False
    try:
        return import_string(path) is backend
    except ImportError:
        return False


def _rest(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in entry.items() if key not in _TOP_LEVEL}


def location_of(server: object) -> str:
    """``LOCATION`` as one redacted string (entries separated by commas)."""
    if isinstance(server, str):
        entries = [part.strip() for part in server.split(",")]
    else:
        entries = [str(part).strip() for part in cast("Sequence[object]", server)]
    return redact_url(",".join(part for part in entries if part))


# ------------------------------------------------------------------ one cache's observation

_BROKEN: set[int] = set()  # ids of observers whose exception was already logged
_BROKEN_LOCK = threading.Lock()


def _broken(observer: object, method: str, log: logging.Logger) -> None:
    """An observer raised: log it (with the traceback) the first time only."""
    with _BROKEN_LOCK:
        if id(observer) in _BROKEN:
            return
        _BROKEN.add(id(observer))
    log.exception(
        "django-valkey: observer %r raised in %s; the cache call went on, and later errors of this observer "
        "are not logged",
        observer,
        method,
    )


class Observation:
    """What the wrappers of one cache need: its observers, alias and location. Shared by every
    cache object built from the same settings (Django builds one per thread, and per request
    under ASGI), so each server's circuit is put under the observers once."""

    __slots__ = ("observers", "alias", "location", "logger", "watched")

    def __init__(self, observers: tuple[ObserverProtocol, ...], alias: str, location: str, log: logging.Logger) -> None:
        self.observers = observers
        self.alias = alias
        self.location = location
        self.logger = log
        self.watched: set[Circuit] = set()

    def notify(self, event: OperationEvent) -> None:
        for observer in self.observers:
            try:
                observer.on_operation(event)
            except Exception:
                _broken(observer, "on_operation", self.logger)

    def watch(self, circuit: Circuit) -> None:
        """Tell the observers about ``circuit`` from now on, starting with its current state."""
        with _WATCH_LOCK:
            if circuit in self.watched:
                return
            self.watched.add(circuit)
            watchers = _WATCHERS.setdefault(circuit, [])
            new = [observer for observer in self.observers if all(observer is not o for o, _ in watchers)]
            watchers.extend((observer, self.logger) for observer in new)
            if _dispatch not in Circuit.listeners:
                Circuit.listeners.append(_dispatch)
        event = CircuitEvent(circuit.server, _STATES[circuit.state], circuit.failures)
        for observer in new:
            _tell(observer, event, self.logger)


_OBSERVATIONS: dict[tuple[str, str, tuple[int, ...]], Observation] = {}
_OBSERVATIONS_LOCK = threading.Lock()


def observation_for(
    observers: tuple[ObserverProtocol, ...], alias: str, location: str, log: logging.Logger
) -> Observation:
    key = (alias, location, tuple(id(observer) for observer in observers))
    found = _OBSERVATIONS.get(key)
    if found is None:
        with _OBSERVATIONS_LOCK:
            found = _OBSERVATIONS.setdefault(key, Observation(observers, alias, location, log))
    return found


# ------------------------------------------------------------------ circuit breakers

_STATES: Final[Mapping[str, CircuitState]] = {"closed": "closed", "half-open": "half-open", "open": "open"}
_WATCHERS: dict[Circuit, list[tuple[ObserverProtocol, logging.Logger]]] = {}
_WATCH_LOCK = threading.Lock()


def _tell(observer: ObserverProtocol, event: CircuitEvent, log: logging.Logger) -> None:
    try:
        observer.on_circuit_change(event)
    except Exception:
        _broken(observer, "on_circuit_change", log)


def _dispatch(circuit: Circuit, state: str) -> None:
    """The one ``Circuit.listeners`` entry: a circuit changed state."""
    watchers = _WATCHERS.get(circuit)
    if not watchers:
        return
    event = CircuitEvent(circuit.server, _STATES.get(state, "open"), circuit.failures)
    for observer, log in list(watchers):
        _tell(observer, event, log)


# ------------------------------------------------------------------ the error guard


class ObservingGuard(ErrorGuard):
    """The error guard of an observed cache: an error it swallows (``IGNORE_EXCEPTIONS``) is
    recorded on the operation in progress."""

    __slots__ = ()

    def _swallowed(self, exc: BaseException) -> bool:
        if self.ignore:
            event = CURRENT.get()
            if event is not None and event.error is None:
                event.error = exc
                event.outcome = "circuit-open" if isinstance(exc, CircuitOpen) else "ignored"
        return super()._swallowed(exc)


# ------------------------------------------------------------------ what each method reports

# Keys a parameter names: itself (a key), or each of its items.
_KEY_PARAMETERS = ("key", "source", "destination")
_KEYS_PARAMETERS = ("keys", "data")
# Reads that look keys up, and how their result says what was found.
_READS: Final[Mapping[str, str]] = {"get": "default", "hget": "default", "get_many": "found", "hmget": "values"}


class _Spec:
    """How one method is reported: its operation name, and where its keys are."""

    __slots__ = ("method", "operation", "is_async", "single", "spread", "star", "read", "default_at", "fixed")

    def __init__(self, method: str, operation: str, is_async: bool, signature: inspect.Signature) -> None:
        self.method = method
        self.operation = operation
        self.is_async = is_async
        params = list(signature.parameters.values())[1:]  # without self
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        names = [p.name for p in params]
        # (position or None, name) of each parameter that is one key, or holds keys.
        self.single: tuple[tuple[int | None, str], ...] = ()
        self.spread: tuple[int | None, str] | None = None
        self.star: int | None = None  # *keys starts at this position
        if "name" in names:  # a hash: ``name`` is the key, ``key`` and ``*keys`` are its fields
            self.single = (_where(positional, "name"),)
        else:
            self.single = tuple(_where(positional, name) for name in _KEY_PARAMETERS if name in names)
            spread = next((name for name in _KEYS_PARAMETERS if name in names), None)
            if spread is not None:
                self.spread = _where(positional, spread)
            star = next((p for p in params if p.kind is p.VAR_POSITIONAL), None)
            if star is not None and star.name == "keys":
                self.star = len(positional)
        self.read = _READS.get(operation)
        self.default_at: tuple[int | None, str] = _where(positional, "default")
        self.fixed = self.spread is None and self.star is None  # the key count does not depend on the call

    def prepare(self, event: OperationEvent) -> None:
        """Count the keys (a one-shot iterable of keys is made a list first)."""
        if self.spread is not None:
            found, value = _arg(event.args, event.kwargs, self.spread)
            if found and not isinstance(value, Sized):
                items = list(cast("Iterator[object]", iter(cast("Any", value))))
                event.args, event.kwargs = _replace(event.args, event.kwargs, self.spread, items)
        event.key_count = self.key_count(event.args, event.kwargs)

    def key_count(self, args: tuple[object, ...], kwargs: Mapping[str, object]) -> int:
        count = len(self.single)
        if self.spread is not None:
            found, value = _arg(args, kwargs, self.spread)
            if found and isinstance(value, Sized):
                count += len(value)
        if self.star is not None:
            count += max(0, len(args) - self.star)
        return count

    def names(self, args: tuple[object, ...], kwargs: Mapping[str, object]) -> tuple[str, ...]:
        found: list[str] = []
        for where in self.single:
            present, value = _arg(args, kwargs, where)
            if present:
                found.append(str(value))
        if self.spread is not None:
            present, value = _arg(args, kwargs, self.spread)
            if present:
                found.extend(str(key) for key in cast("Iterator[object]", iter(cast("Any", value))))
        if self.star is not None:
            found.extend(str(key) for key in args[self.star :])
        return tuple(found)

    def count(
        self, args: tuple[object, ...], kwargs: Mapping[str, object], key_count: int, result: object
    ) -> tuple[int, int] | None:
        """``(hits, misses)`` of a read, from what it returned; None for other operations."""
        read = self.read
        if read is None:
            return None
        if read == "default":
            present, default = _arg(args, kwargs, self.default_at)
            return (0, 1) if result is (default if present else None) else (1, 0)
        if read == "found":
            hits = len(cast(Sized, result))
            return hits, max(0, key_count - hits)
        values = cast("list[object]", result)
        hits = sum(1 for value in values if value is not None)
        return hits, len(values) - hits


def _where(positional: list[inspect.Parameter], name: str) -> tuple[int | None, str]:
    index = next((i for i, p in enumerate(positional) if p.name == name), None)
    return index, name


def _arg(args: tuple[object, ...], kwargs: Mapping[str, object], where: tuple[int | None, str]) -> tuple[bool, object]:
    index, name = where
    if index is not None and index < len(args):
        return True, args[index]
    if name in kwargs:
        return True, kwargs[name]
    return False, None


def _replace(
    args: tuple[object, ...], kwargs: Mapping[str, object], where: tuple[int | None, str], value: object
) -> tuple[tuple[object, ...], Mapping[str, object]]:
    index, name = where
    if index is not None and index < len(args):
        return (*args[:index], value, *args[index + 1 :]), kwargs
    return args, {**kwargs, name: value}


class _Event(OperationEvent):
    """The event of an observed call, with what the hooks need on the way."""

    __slots__ = ("_spec", "_observation", "_routed", "_counted")

    def __init__(self, spec: _Spec, observation: Observation, cache: BaseCache, args: Any, kwargs: Any) -> None:
        # OperationEvent.__init__ inlined: this runs on every observed call.
        self.operation = spec.operation
        self.method = spec.method
        self.is_async = spec.is_async
        self.alias = observation.alias
        self.cache = cache
        self.server = observation.location
        self.args = args
        self.kwargs = kwargs
        self.hits = self.misses = 0
        self.duration = 0.0
        self.outcome = "ok"
        self.error = None
        self.result = None
        self._spec = spec
        self._observation = observation
        self._routed = False  # a client named the server
        self._counted = False  # hits and misses are known
        if spec.fixed:
            self.key_count = len(spec.single)
        else:
            spec.prepare(self)

    def key_names(self) -> tuple[str, ...]:
        return self._spec.names(self.args, self.kwargs)

    def route(self, circuit: Circuit) -> None:
        """The call is sent to ``circuit``'s server."""
        server = circuit.server
        if not self._routed:
            self.server = server
            self._routed = True
        elif server != self.server:
            self.server = self._observation.location
        if circuit not in self._observation.watched:
            self._observation.watch(circuit)

    def counted(self, spec: _Spec, args: tuple[object, ...], kwargs: Mapping[str, object], result: object) -> None:
        """A read made inside this operation (``get_or_set``'s first ``get``) tells its hits and
        misses, unless the operation counts its own."""
        if self._counted or self._spec.read is not None or spec.read is None:
            return
        counts = spec.count(args, kwargs, spec.key_count(args, kwargs), result)
        if counts is not None:
            self.hits, self.misses = counts
            self._counted = True

    def finish(self, result: object) -> None:
        self.result = result
        if self.outcome != "ok":
            self.hits = self.misses = 0
            return
        if self._spec.read is None:
            return
        counts = self._spec.count(self.args, self.kwargs, self.key_count, result)
        if counts is not None:
            self.hits, self.misses = counts

    def fail(self, error: BaseException) -> None:
        self.error = error
        self.outcome = "circuit-open" if isinstance(error, CircuitOpen) else "error"
        self.hits = self.misses = 0


# ------------------------------------------------------------------ the wrappers


class _Observed(Protocol):
    _observation: Observation


S = TypeVar("S", bound=_Observed)


def _loose(func: Callable[..., R]) -> Callable[..., R]:
    """``func``, to be called with the event's arguments (``prepare`` made a list of an iterator)."""
    return func


def wrap_sync(func: Callable[Concatenate[S, P], R], spec: _Spec) -> Callable[Concatenate[S, P], R]:
    """``func`` (a plain method), reported to the observers."""

    @functools.wraps(func)
    def observed(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        outer, cache = CURRENT.get(), cast("BaseCache", self)
        if outer is not None and outer.cache is cache:  # inside another operation of this cache: part of it
            result = func(self, *args, **kwargs)
            outer.counted(spec, args, kwargs, result)
            return result
        observation = self._observation  # pyright: ignore[reportPrivateUsage]  # the cache's own, set by observe()
        event = _Event(spec, observation, cache, args, kwargs)
        token = CURRENT.set(event)
        start = perf_counter()
        try:
            if event.args is args and event.kwargs is kwargs:
                result = func(self, *args, **kwargs)
            else:
                result = _loose(func)(self, *event.args, **event.kwargs)
        except BaseException as error:
            event.duration = perf_counter() - start
            CURRENT.reset(token)
            event.fail(error)
            observation.notify(event)
            raise
        event.duration = perf_counter() - start
        CURRENT.reset(token)
        event.finish(result)
        observation.notify(event)
        return result

    return observed


def wrap_async(
    func: Callable[Concatenate[S, P], Coroutine[Any, Any, R]], spec: _Spec
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, R]]:
    """``func`` (a coroutine method), reported to the observers."""

    @functools.wraps(func)
    async def observed(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        outer, cache = CURRENT.get(), cast("BaseCache", self)
        if outer is not None and outer.cache is cache:
            result = await func(self, *args, **kwargs)
            outer.counted(spec, args, kwargs, result)
            return result
        observation = self._observation  # pyright: ignore[reportPrivateUsage]  # the cache's own, set by observe()
        event = _Event(spec, observation, cache, args, kwargs)
        token = CURRENT.set(event)
        start = perf_counter()
        try:
            if event.args is args and event.kwargs is kwargs:
                result = await func(self, *args, **kwargs)
            else:
                result = await _loose(func)(self, *event.args, **event.kwargs)
        except BaseException as error:
            event.duration = perf_counter() - start
            CURRENT.reset(token)
            event.fail(error)
            observation.notify(event)
            raise
        event.duration = perf_counter() - start
        CURRENT.reset(token)
        event.finish(result)
        observation.notify(event)
        return result

    return observed


def wrap_iter(func: Callable[Concatenate[S, P], Iterator[T]], spec: _Spec) -> Callable[Concatenate[S, P], Iterator[T]]:
    """``func`` (a generator method: ``iter_keys``...), reported once it is exhausted or closed."""

    @functools.wraps(func)
    def observed(self: S, /, *args: P.args, **kwargs: P.kwargs) -> Iterator[T]:
        outer, cache = CURRENT.get(), cast("BaseCache", self)
        if outer is not None and outer.cache is cache:
            yield from func(self, *args, **kwargs)
            return
        observation = self._observation  # pyright: ignore[reportPrivateUsage]  # the cache's own, set by observe()
        event = _Event(spec, observation, cache, args, kwargs)
        if event.args is args and event.kwargs is kwargs:
            items = func(self, *args, **kwargs)
        else:
            items = _loose(func)(self, *event.args, **event.kwargs)
        try:
            while True:
                token = CURRENT.set(event)
                start = perf_counter()
                try:
                    item = next(items)
                except StopIteration:
                    break
                finally:
                    event.duration += perf_counter() - start
                    CURRENT.reset(token)
                yield item
        except GeneratorExit:
            _close(items)  # the caller stopped early: still a success
            raise
        except BaseException as error:
            event.fail(error)
            raise
        finally:
            observation.notify(event)

    return observed


def wrap_async_iter(
    func: Callable[Concatenate[S, P], AsyncIterator[T]], spec: _Spec
) -> Callable[Concatenate[S, P], AsyncIterator[T]]:
    """``func`` (an async generator method: ``aiter_keys``...), reported once it is exhausted or
    closed."""

    @functools.wraps(func)
    async def observed(self: S, /, *args: P.args, **kwargs: P.kwargs) -> AsyncIterator[T]:
        outer, cache = CURRENT.get(), cast("BaseCache", self)
        if outer is not None and outer.cache is cache:
            async for item in func(self, *args, **kwargs):
                yield item
            return
        observation = self._observation  # pyright: ignore[reportPrivateUsage]  # the cache's own, set by observe()
        event = _Event(spec, observation, cache, args, kwargs)
        if event.args is args and event.kwargs is kwargs:
            items = func(self, *args, **kwargs)
        else:
            items = _loose(func)(self, *event.args, **event.kwargs)
        try:
            while True:
                token = CURRENT.set(event)
                start = perf_counter()
                try:
                    item = await items.__anext__()
                except StopAsyncIteration:
                    break
                finally:
                    event.duration += perf_counter() - start
                    CURRENT.reset(token)
                yield item
        except GeneratorExit:
            await _aclose(items)
            raise
        except BaseException as error:
            event.fail(error)
            raise
        finally:
            observation.notify(event)

    return observed


def _close(items: Iterator[object]) -> None:
    close: object = getattr(items, "close", None)
    if callable(close):
        close()


async def _aclose(items: AsyncIterator[object]) -> None:
    close: object = getattr(items, "aclose", None)
    if callable(close):
        await cast("Callable[[], Coroutine[Any, Any, None]]", close)()


# ------------------------------------------------------------------ the observed classes


def _operation_methods(cls: type) -> dict[str, str]:
    """The operation methods of the cache class ``cls``: method name -> operation name."""
    from django_valkey._async.cache_commands import AsyncCacheCommands
    from django_valkey._async.plain_cache_commands import AsyncPlainCacheCommands
    from django_valkey._sync.cache_commands import CacheCommands

    methods: dict[str, str] = {}
    not_operations = {"pipeline", "apipeline"}  # they build a pipeline: no I/O of their own
    for klass in cls.__mro__:
        if klass not in (AsyncCacheCommands, AsyncPlainCacheCommands, CacheCommands):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_") or not inspect.isfunction(value) or name in not_operations:
                continue
            methods.setdefault(name, name[1:] if klass is AsyncCacheCommands else name)
    return methods


def _wrapped(name: str, operation: str, func: Callable[..., object]) -> Callable[..., object]:
    """``func`` wrapped according to its kind (plain, coroutine, generator, async generator)."""
    is_async = inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func)
    spec = _Spec(name, operation, is_async, inspect.signature(func))
    method = cast("Callable[Concatenate[_Observed, ...], Any]", func)
    if inspect.isasyncgenfunction(func):
        return wrap_async_iter(method, spec)
    if inspect.iscoroutinefunction(func):
        return wrap_async(method, spec)
    if inspect.isgeneratorfunction(func):
        return wrap_iter(method, spec)
    return wrap_sync(method, spec)


_CLASSES: dict[tuple[type, bool], type] = {}
_CLASSES_LOCK = threading.Lock()


def observed_class(cls: type[C], toolbar: bool = False) -> type[C]:
    """The subclass of the cache class ``cls`` whose operations are reported (built once).

    With ``toolbar``, it also tells django-debug-toolbar that its objects are instrumented
    already (``_djdt_panel`` / ``_djdt_patched``), so that the toolbar's Cache panel does not
    wrap their methods again: the calls reach it through ``DebugToolbarObserver``.
    """
    key = (cls, toolbar)
    found = _CLASSES.get(key)
    if found is not None:
        return cast("type[C]", found)
    namespace: dict[str, object] = {
        "__module__": cls.__module__,
        "__qualname__": cls.__qualname__,
        "__doc__": cls.__doc__,
        "_observed_base": cls,
    }
    for name, operation in _operation_methods(cls).items():
        func = inspect.getattr_static(cls, name)
        if inspect.isfunction(func):
            namespace[name] = _wrapped(name, operation, func)
    make_async_client: object = inspect.getattr_static(cls, "_make_async_client", None)
    if inspect.isfunction(make_async_client):
        namespace["_make_async_client"] = _observing_async_client(make_async_client)
    if toolbar:
        namespace["_djdt_panel"] = None  # django-debug-toolbar >= 6.3
        namespace["_djdt_patched"] = True  # django-debug-toolbar 6.0 to 6.2
    with _CLASSES_LOCK:
        found = _CLASSES.get(key)
        if found is None:
            found = _CLASSES[key] = type(cls.__name__, (cls,), namespace)
    return cast("type[C]", found)


def _observing_async_client(make: Callable[[Any], object]) -> Callable[[Any], object]:
    """A sync cache's ``_make_async_client``, whose client names the servers its calls go to."""

    @functools.wraps(make)
    def make_async_client(self: object) -> object:
        client = make(self)
        observed = observed_client(type(client))
        if observed is not type(client):
            client.__class__ = observed
        return client

    return make_async_client


_CLIENTS: dict[type, type] = {}


def observed_client(cls: C) -> C:
    """The subclass of the client class ``cls`` whose ``_attempt`` tells the current event which
    server (and circuit) the call goes to; ``cls`` itself for a client without ``_attempt`` (a
    client written from ``ClientProtocol`` alone)."""
    if not isinstance(cls, type):
        return cls
    attempt: object = inspect.getattr_static(cls, "_attempt", None)
    if vars(cls).get("_observed_base") is not None or not inspect.isfunction(attempt):
        return cls
    found = _CLIENTS.get(cls)
    if found is None:
        found = _CLIENTS.setdefault(cls, _client_subclass(cls, attempt))
    return cast(C, found)


def _client_subclass(cls: type, attempt: Callable[..., Any]) -> type:
    def route(client: object, index: int) -> None:
        event = CURRENT.get()
        if event is not None:
            circuits = cast("list[Circuit]", vars(client).get("_circuits") or [])
            if index < len(circuits):
                event.route(circuits[index])

    if inspect.iscoroutinefunction(attempt):

        async def attempt_async(self: object, index: int, req: object, started: float) -> object:
            route(self, index)
            return await attempt(self, index, req, started)

        observed: Callable[..., object] = attempt_async
    else:

        def attempt_sync(self: object, index: int, req: object, started: float) -> object:
            route(self, index)
            return attempt(self, index, req, started)

        observed = attempt_sync
    namespace: dict[str, object] = {
        "__module__": cls.__module__,
        "__qualname__": cls.__qualname__,
        "__doc__": cls.__doc__,
        "_observed_base": cls,
        "_attempt": functools.wraps(attempt)(observed),
    }
    return type(cls.__name__, (cls,), namespace)


# ------------------------------------------------------------------ a cache is built


class Observed:
    """What a cache object with observers is given in place of its own: a guard, a client class,
    the observation its wrappers read, and its class (see ``observe``)."""

    __slots__ = ("guard", "client_class", "observation", "cache_class")

    def __init__(self, guard: ErrorGuard, client_class: Any, observation: Observation, cache_class: type) -> None:
        self.guard = guard
        self.client_class = client_class
        self.observation = observation
        self.cache_class = cache_class


def observe(
    cache_class: type[object],
    guard: ErrorGuard,
    client_class: Callable[..., Any],
    observers: tuple[ObserverProtocol, ...],
    server: object,
    params: Mapping[str, Any],
) -> Observed:
    """For a cache of ``cache_class`` being built with ``observers``: what it must use instead."""
    alias = find_alias(cache_class, server, params)
    observation = observation_for(observers, alias, location_of(server), guard.logger)
    toolbar = any(getattr(observer, "instruments_debug_toolbar", False) is True for observer in observers)
    return Observed(
        ObservingGuard(guard.ignore, guard.log, guard.logger),
        observed_client(client_class),
        observation,
        observed_class(cache_class, toolbar),
    )
