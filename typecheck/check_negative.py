"""Negative cases: each line marked here MUST be rejected by both checkers.

Each carries both targeted comments, ``# type: ignore[code]`` for mypy and
``# pyright: ignore[rule]`` for pyright. mypy runs with ``warn_unused_ignores`` (strict) and
pyright with ``enableTypeIgnoreComments = false`` and ``reportUnnecessaryTypeIgnoreComment``,
so each checker reads only its own comment, and a case that stops failing breaks the run.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.base import BaseCache
from valkey import Valkey
from valkey.asyncio import Valkey as AsyncValkey

from django_valkey import get_cache
from django_valkey.cache import ValkeyCache
from django_valkey.config import cache_options
from django_valkey.protocols import (
    CacheProtocol,
    ClientProtocol,
    ConnectionFactoryProtocol,
    SerializerProtocol,
)
from typecheck.custom.client import CountingClient
from typecheck.custom.factory import SharedPoolFactory

# ---------------------------------------------------------------- a client missing methods


class HalfClient:
    """Has ``get`` and ``set`` only."""

    def __init__(self, server: str, params: dict[str, Any], backend: object) -> None:
        self.data: dict[str, Any] = {}

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        return self.data.get(key, default)

    def set(self, key: str, value: Any, timeout: float | None = None, version: int | None = None) -> bool:
        self.data[key] = value
        return True


def missing_methods(client: HalfClient) -> ClientProtocol[Valkey]:
    return client  # type: ignore[return-value]  # pyright: ignore[reportReturnType]


def missing_methods_in_settings() -> None:
    cache_options(client_class=HalfClient)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]


# ---------------------------------------------------------------- wrong parameter name / type


class RenamedKey(CountingClient):
    """``get(k=...)``: Django calls ``get(key=..., version=...)`` by keyword, so the name matters."""

    def get(self, k: str, default: Any = None, version: int | None = None) -> Any:  # pyright: ignore[reportIncompatibleMethodOverride]
        return super().get(k, default, version)


def renamed_parameter(client: RenamedKey) -> ClientProtocol[Valkey]:
    # pyright compares parameter names; mypy 2.4 does not (mypy#18680), so this case is pyright's.
    return client  # pyright: ignore[reportReturnType]


class RenamedAndRetyped(CountingClient):
    """A renamed parameter with a wrong type too: both checkers reject it."""

    def incr(self, amount: str, delta: int = 1, version: int | None = None, ignore_key_check: bool = False) -> int:  # pyright: ignore[reportIncompatibleMethodOverride]
        return super().incr(amount, delta, version, ignore_key_check)

    def decr(self, key: str, delta: str = "1", version: int | None = None, ignore_key_check: bool = False) -> int:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        return super().decr(key, int(delta), version, ignore_key_check)


def wrong_parameter_type(client: RenamedAndRetyped) -> ClientProtocol[Valkey]:
    return client  # type: ignore[return-value]  # pyright: ignore[reportReturnType]


class RenamedSerializer:
    """``dumps(obj)`` instead of ``dumps(value)``: only pyright sees the name."""

    def dumps(self, obj: Any) -> bytes:
        return repr(obj).encode()

    def loads(self, value: bytes) -> Any:
        return value


def renamed_serializer_parameter(serializer: RenamedSerializer) -> SerializerProtocol:
    return serializer  # pyright: ignore[reportReturnType]


# ---------------------------------------------------------------- a serializer returning str


class StrSerializer:
    def __init__(self, options: object = None) -> None:
        pass

    def dumps(self, value: Any) -> str:
        return repr(value)

    def loads(self, value: bytes) -> Any:
        return value.decode()


def serializer_returning_str(serializer: StrSerializer) -> SerializerProtocol:
    return serializer  # type: ignore[return-value]  # pyright: ignore[reportReturnType]


def serializer_returning_str_in_settings() -> object:
    return cache_options(serializer=StrSerializer)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


# ---------------------------------------------------------------- a factory making the wrong client


class AsyncishFactory(SharedPoolFactory):
    """Claims to make sync clients but hands out asyncio ones."""

    def connect(self, url: str) -> AsyncValkey:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        raise NotImplementedError


def factory_making_async_clients(factory: AsyncishFactory) -> ConnectionFactoryProtocol[Valkey]:
    return factory  # type: ignore[return-value]  # pyright: ignore[reportReturnType]


# ---------------------------------------------------------------- sync where async is required
# (sync/async clients, factories, raw clients and caches in both directions: check_async.py;
# a sync client with an async factory in the typed settings path: check_config.py)


def sync_cache_with_async_raw_client(cache: ValkeyCache) -> CacheProtocol[AsyncValkey]:  # type: ignore[type-var]  # pyright: ignore[reportInvalidTypeArguments]
    return cache  # type: ignore[return-value]  # pyright: ignore[reportReturnType]


# ---------------------------------------------------------------- wrong key types


def int_key_through_accessor() -> object:
    return get_cache().get(1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


def int_key_through_protocol(cache: CacheProtocol) -> object:
    return cache.get(1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


def bytes_keys_in_get_many() -> object:
    return get_cache().get_many([b"a", b"b"])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]


def set_result_is_none_without_nx() -> bool:
    return get_cache().set("k", 1)  # type: ignore[return-value]  # pyright: ignore[reportReturnType]


class BoolSetCache(BaseCache):
    """django-stubs' ``BaseCache.set`` returns ``None``: a plain ``set`` returning ``bool`` is rejected
    by both checkers (``BackendCommands.set`` is overloaded instead: ``None``, or ``bool`` with nx/xx)."""

    def set(  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        self, key: str, value: Any, timeout: float | None = None, version: int | None = None
    ) -> bool:
        return True


# ---------------------------------------------------------------- data-structure arguments


def list_ends_are_literals(cache: ValkeyCache) -> None:
    cache.linsert("l", "INSIDE", 1, 2)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    cache.lmove("l", "m", "UP")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    cache.blpop("l")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    cache.zadd("z", {"a": "1"})  # type: ignore[dict-item]  # pyright: ignore[reportCallIssue, reportArgumentType]
