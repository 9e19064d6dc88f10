"""Pipelines: cache commands queued and sent to the server in one round trip.

``cache.pipeline()`` (``cache.apipeline()`` for the native async methods; on ``AsyncValkeyCache``
``pipeline()`` is the async one) returns a pipeline whose methods take the same arguments as the
cache's: keys go through ``make_key`` (so ``KEY_PREFIX`` and ``VERSION`` apply), values through
the serializer and compressor. Each method queues one command and returns a ``Queued`` handle;
``execute()`` sends everything on one valkey-py pipeline (a ``MULTI``/``EXEC`` transaction unless
``transaction=False``) and returns the decoded results, in order; each handle's ``value`` is its
command's result, typed::

    with cache.pipeline() as pipe:  # leaving the block runs execute()
        pipe.set("a", {"x": 1}, timeout=60)
        hits = pipe.incr("hits", ignore_key_check=True)
        old = pipe.get("old")
    hits.value  # int
    old.value   # the decoded value, or None

This is what django-valkey 0.4's ``client=`` keyword was used for (passing a raw valkey-py pipeline
to cache methods), typed and without raw clients.
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, Generic, TypeVar, cast

from django.core.cache.backends.base import DEFAULT_TIMEOUT

from django_valkey._core.commands import Args, Commands, Request
from django_valkey._core.grouping import GroupedCommands, gather
from django_valkey._core.guard import ErrorGuard
from django_valkey._core.pipeline import Batch
from django_valkey.protocols import AbsoluteTime, AsyncClientProtocol, ClientProtocol, ExpiryTime, Timeout

__all__ = ["AsyncCachePipeline", "CachePipeline", "PipelineCommands", "Queued"]

T = TypeVar("T")

# Errors in a pipeline always raise (ConnectionInterrupted, WriteRefused...), even with
# IGNORE_EXCEPTIONS: a batch has no one fallback value, and a half-known outcome must not look done.
_RAISING = ErrorGuard(False, False, logging.getLogger("django_valkey"))

_PENDING = object()


class Queued(Generic[T]):
    """One command queued on a pipeline; ``value`` is its result once the pipeline has run."""

    __slots__ = ("_value", "_error")

    def __init__(self) -> None:
        self._value: object = _PENDING
        self._error: BaseException | None = None

    def __repr__(self) -> str:
        state = "pending" if not self.done else "failed" if self._error is not None else f"value={self._value!r}"
        return f"<Queued {state}>"

    @property
    def done(self) -> bool:
        """Whether the pipeline has run (the command succeeded or failed)."""
        return self._value is not _PENDING or self._error is not None

    @property
    def value(self) -> T:
        """The command's result; its error if it failed; ``RuntimeError`` before ``execute()``."""
        if self._error is not None:
            raise self._error
        if self._value is _PENDING:
            raise RuntimeError("this command has not run yet: call the pipeline's execute()")
        return cast("T", self._value)

    def _settle(self, value: object, error: BaseException | None) -> None:
        self._value, self._error = value, error


def _commands_of(client: object) -> Commands:
    cmd: object = getattr(client, "_cmd", None)
    if not isinstance(cmd, Commands):
        raise TypeError(
            f"{type(client).__qualname__} cannot run a pipeline: pipelines need a client built on "
            "django_valkey.base_client.BaseClient (its commands are queued, not called)"
        )
    return cmd


def _grouped_of(client: object) -> GroupedCommands[Any] | None:
    grouped: GroupedCommands[Any] | None = getattr(client, "_grouped", None)  # checked just below
    return grouped if isinstance(grouped, GroupedCommands) else None


class PipelineCommands:
    """The commands a pipeline queues, shared by ``CachePipeline`` and ``AsyncCachePipeline``:
    the cache's arguments, each returning a ``Queued`` handle of the cache method's result type
    (``set`` and ``add``: whether the value was stored). Bad input raises when it is queued."""

    __slots__ = ("_cmd", "_grouped", "_batch", "_queued", "_client", "transaction")

    def __init__(self, client: ClientProtocol[Any] | AsyncClientProtocol[Any], transaction: bool = True) -> None:
        if type(transaction) is not bool:
            raise TypeError(f"transaction must be True or False, got {transaction!r}")
        self._cmd = _commands_of(client)
        # A cluster client splits get_many / set_many / delete_many by slot: one command per slot
        # in the pipeline (valkey-py's cluster pipeline routes each to its node).
        self._grouped = _grouped_of(client)
        self._client: object = client
        self._batch = Batch()
        self._queued: list[Queued[Any]] = []
        self.transaction: bool = transaction
        """``True``: the commands run in one ``MULTI``/``EXEC`` transaction."""

    def __len__(self) -> int:
        """The number of commands queued since the last ``execute()``."""
        return len(self._queued)

    def _queue(self, req: Request[T]) -> Queued[T]:
        handle: Queued[T] = Queued()
        self._batch.add(req)
        self._queued.append(handle)
        return handle

    def _take(self) -> tuple[Batch, list[Queued[Any]]]:
        batch, queued = self._batch, self._queued
        self._batch, self._queued = Batch(), []
        return batch, queued

    @staticmethod
    def _finish(batch: Batch, queued: list[Queued[Any]], replies: list[Any], raise_on_error: bool) -> list[Any]:
        results: list[Any] = []
        first: BaseException | None = None
        for handle, (value, error) in zip(queued, batch.outcomes(replies)):
            handle._settle(value, error)  # pyright: ignore[reportPrivateUsage]
            results.append(error if error is not None else value)
            if first is None:
                first = error
        if first is not None and raise_on_error:
            with _RAISING:  # a refused write becomes WriteRefused, as from a single call
                raise first
        return results

    # ---------------------------------------------------------------- Django's API

    def get(self, key: str, default: Any = None, version: int | None = None) -> Queued[Any]:
        return self._queue(self._cmd.get(key, default, version))

    def set(
        self,
        key: str,
        value: Any,
        timeout: Timeout = DEFAULT_TIMEOUT,
        version: int | None = None,
        nx: bool = False,
        xx: bool = False,
    ) -> Queued[bool]:
        """Queue a ``set``; its result is whether the value was stored (``nx``/``xx`` may stop it)."""
        return self._queue(self._cmd.set(key, value, timeout, version, nx, xx))

    def add(self, key: str, value: Any, timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None) -> Queued[bool]:
        return self._queue(self._cmd.set(key, value, timeout, version, nx=True))

    def touch(self, key: str, timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None) -> Queued[bool]:
        return self._queue(self._cmd.touch(key, timeout, version))

    def delete(self, key: str, version: int | None = None) -> Queued[bool]:
        return self._queue(self._cmd.delete(key, version))

    def get_many(self, keys: Iterable[str], version: int | None = None) -> Queued[dict[str, Any]]:
        if self._grouped is not None:
            return self._queue(gather(self._grouped.get_many(keys, version), write=False))
        return self._queue(self._cmd.get_many(keys, version))

    def set_many(
        self, data: Mapping[str, Any], timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None
    ) -> Queued[list[str]]:
        if self._grouped is not None:
            return self._queue(gather(self._grouped.set_many(data, timeout, version), write=True))
        return self._queue(self._cmd.set_many(data, timeout, version))

    def delete_many(self, keys: Iterable[str], version: int | None = None) -> Queued[int]:
        """Queue a ``delete_many``; its result is the number of keys deleted."""
        if self._grouped is not None:
            return self._queue(gather(self._grouped.delete_many(keys, version), write=True))
        return self._queue(self._cmd.delete_many(keys, version))

    def has_key(self, key: str, version: int | None = None) -> Queued[bool]:
        return self._queue(self._cmd.has_key(key, version))

    def incr(self, key: str, delta: int = 1, version: int | None = None, ignore_key_check: bool = False) -> Queued[int]:
        return self._queue(self._cmd.incr(key, delta, version, ignore_key_check))

    def decr(self, key: str, delta: int = 1, version: int | None = None, ignore_key_check: bool = False) -> Queued[int]:
        return self._queue(self._cmd.decr(key, delta, version, ignore_key_check))

    # ---------------------------------------------------------------- expiry

    def ttl(self, key: str, version: int | None = None) -> Queued[int | None]:
        return self._queue(self._cmd.ttl(key, version))

    def pttl(self, key: str, version: int | None = None) -> Queued[int | None]:
        return self._queue(self._cmd.pttl(key, version))

    def expire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> Queued[bool]:
        return self._queue(self._cmd.expire(key, timeout, version))

    def pexpire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> Queued[bool]:
        return self._queue(self._cmd.pexpire(key, timeout, version))

    def expire_at(self, key: str, when: AbsoluteTime, version: int | None = None) -> Queued[bool]:
        return self._queue(self._cmd.expire_at(key, when, version))

    def pexpire_at(self, key: str, when: AbsoluteTime, version: int | None = None) -> Queued[bool]:
        return self._queue(self._cmd.pexpire_at(key, when, version))

    def persist(self, key: str, version: int | None = None) -> Queued[bool]:
        return self._queue(self._cmd.persist(key, version))

    # ---------------------------------------------------------------- sets

    def sadd(self, key: str, *values: Any, version: int | None = None) -> Queued[int]:
        return self._queue(self._cmd.sadd(key, values, version))

    def srem(self, key: str, *members: Any, version: int | None = None) -> Queued[int]:
        return self._queue(self._cmd.srem(key, members, version))

    def scard(self, key: str, version: int | None = None) -> Queued[int]:
        return self._queue(self._cmd.scard(key, version))

    def sismember(self, key: str, member: Any, version: int | None = None) -> Queued[bool]:
        return self._queue(self._cmd.sismember(key, member, version))

    def smembers(self, key: str, version: int | None = None) -> Queued[builtins.set[Any]]:
        return self._queue(self._cmd.smembers(key, version))

    # ---------------------------------------------------------------- hashes

    def hset(
        self,
        name: str,
        key: str | None = None,
        value: Any = None,
        version: int | None = None,
        *,
        mapping: Mapping[str, Any] | None = None,
    ) -> Queued[int]:
        return self._queue(self._cmd.hset(name, key, value, version, mapping))

    def hget(self, name: str, key: str, default: Any = None, version: int | None = None) -> Queued[Any]:
        return self._queue(self._cmd.hget(name, key, default, version))

    def hgetall(self, name: str, version: int | None = None) -> Queued[dict[str, Any]]:
        return self._queue(self._cmd.hgetall(name, version))

    def hdel(self, name: str, key: str, version: int | None = None) -> Queued[int]:
        return self._queue(self._cmd.hdel(name, key, version))

    def hlen(self, name: str, version: int | None = None) -> Queued[int]:
        return self._queue(self._cmd.hlen(name, version))

    def hexists(self, name: str, key: str, version: int | None = None) -> Queued[bool]:
        return self._queue(self._cmd.hexists(name, key, version))

    def hincrby(self, name: str, key: str, amount: int = 1, version: int | None = None) -> Queued[int]:
        return self._queue(self._cmd.hincrby(name, key, amount, version))

    # ---------------------------------------------------------------- lists

    def lpush(self, key: str, *values: Any, version: int | None = None) -> Queued[int]:
        return self._queue(self._cmd.push("LPUSH", key, values, version))

    def rpush(self, key: str, *values: Any, version: int | None = None) -> Queued[int]:
        return self._queue(self._cmd.push("RPUSH", key, values, version))

    def lpop(self, key: str, version: int | None = None) -> Queued[Any]:
        """Queue an ``lpop`` of one value (``None`` if the list is empty)."""
        return self._queue(self._cmd.pop("LPOP", key, None, version))

    def rpop(self, key: str, version: int | None = None) -> Queued[Any]:
        """Queue an ``rpop`` of one value (``None`` if the list is empty)."""
        return self._queue(self._cmd.pop("RPOP", key, None, version))

    def lrange(self, key: str, start: int = 0, end: int = -1, version: int | None = None) -> Queued[list[Any]]:
        return self._queue(self._cmd.lrange(key, start, end, version))

    def llen(self, key: str, version: int | None = None) -> Queued[int]:
        return self._queue(self._cmd.llen(key, version))

    # ---------------------------------------------------------------- sorted sets

    def zadd(
        self,
        key: str,
        mapping: Mapping[Any, float],
        version: int | None = None,
        *,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
        ch: bool = False,
    ) -> Queued[int]:
        return self._queue(self._cmd.zadd(key, mapping, version, (nx, xx, gt, lt, ch)))

    def zincrby(self, key: str, amount: float, member: Any, version: int | None = None) -> Queued[float]:
        return self._queue(self._cmd.zincrby(key, amount, member, version))

    def zscore(self, key: str, member: Any, version: int | None = None) -> Queued[float | None]:
        return self._queue(self._cmd.zscore(key, member, version))

    def zrem(self, key: str, *members: Any, version: int | None = None) -> Queued[int]:
        return self._queue(self._cmd.zrem(key, members, version))

    def zcard(self, key: str, version: int | None = None) -> Queued[int]:
        return self._queue(self._cmd.zcard(key, version))


def _sender(client: object, name: str) -> Callable[[list[Args], bool], Any]:
    send: object = getattr(client, "_send_pipeline", None)
    if not callable(send):
        raise TypeError(f"{type(client).__qualname__} cannot run a pipeline: it has no {name}")
    runner: Callable[[list[Args], bool], Any] = send
    return runner


class CachePipeline(PipelineCommands):
    """A pipeline of a sync cache: ``cache.pipeline()``, or ``CachePipeline(cache.client)``."""

    __slots__ = ()

    def __init__(self, client: ClientProtocol[Any], transaction: bool = True) -> None:
        super().__init__(client, transaction)
        _sender(client, "pipeline sender")

    def execute(self, raise_on_error: bool = True) -> list[Any]:
        """Send the queued commands in one round trip (on ``ShardClient``, their keys must live
        on one server). Returns each command's result, in order; a failed command's error is
        raised (the first one, after every handle got its outcome), or with ``raise_on_error=False``
        put in its place. Connection errors raise ``ConnectionInterrupted``, even with
        ``IGNORE_EXCEPTIONS``. The pipeline is empty afterwards, and can be used again."""
        batch, queued = self._take()
        replies: list[Any] = []
        try:
            with _RAISING:
                replies = _sender(self._client, "pipeline sender")(batch.commands, self.transaction)
        except BaseException as exc:
            for handle in queued:
                handle._settle(_PENDING, exc)  # pyright: ignore[reportPrivateUsage]
            raise
        return self._finish(batch, queued, replies, raise_on_error)

    def __enter__(self) -> CachePipeline:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        """Leaving the ``with`` block runs ``execute()``, unless the block raised."""
        if exc is None and len(self):
            self.execute()


class AsyncCachePipeline(PipelineCommands):
    """A pipeline of the native async methods: ``cache.apipeline()`` (``pipeline()`` on
    ``AsyncValkeyCache``), or ``AsyncCachePipeline(cache.async_client)``; ``await pipe.execute()``."""

    __slots__ = ()

    def __init__(self, client: AsyncClientProtocol[Any], transaction: bool = True) -> None:
        super().__init__(client, transaction)
        _sender(client, "pipeline sender")

    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        """The async ``CachePipeline.execute``: one round trip on the running loop's connection."""
        batch, queued = self._take()
        replies: list[Any] = []
        try:
            with _RAISING:
                replies = await _sender(self._client, "pipeline sender")(batch.commands, self.transaction)
        except BaseException as exc:
            for handle in queued:
                handle._settle(_PENDING, exc)  # pyright: ignore[reportPrivateUsage]
            raise
        return self._finish(batch, queued, replies, raise_on_error)

    async def __aenter__(self) -> AsyncCachePipeline:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        """Leaving the ``async with`` block awaits ``execute()``, unless the block raised."""
        if exc is None and len(self):
            await self.execute()
