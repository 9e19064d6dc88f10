"""The GLIDE driver: a raw client and a connection factory on valkey-glide's multiplexed client.

GLIDE's Rust core keeps one connection per server and pipelines every caller's commands over
it, parsing replies outside the GIL. ``AsyncGlideRawClient`` gives it the shape of the
``AsyncRawClient`` Protocol (``execute_command``, ``pipeline``, ``scan_iter``, ``lock``), so
every client of django-valkey runs on it unchanged. Replies and errors are turned into
valkey-py's (``django_valkey._core.glide``), so parsing, the error guard, the breaker and the
error policy see what they see on valkey-py. This module is the asyncio source; unasync writes
the sync twin (``django_valkey/_sync/glide.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any, Generic, Protocol, TypeVar

from glide import Batch, ClusterBatch, GlideClient
from glide_shared.constants import TEncodable
from glide_shared.exceptions import GlideError
from valkey.asyncio.lock import Lock
from valkey.commands.core import AsyncScript
from valkey.exceptions import ValkeyError

from django_valkey._async.io import scope_objects
from django_valkey._core.glide import (
    NO_PRIMARY,
    READ_ONLY_MODE,
    GlideSettings,
    Leases,
    encode_args,
    glide_settings,
    native_config,
    reply,
    translate,
)
from django_valkey._redact import safe_repr

__all__ = [
    "AsyncGlideConnectionFactory",
    "AsyncGlidePipeline",
    "AsyncGlideRawClient",
    "AsyncLeasedClient",
    "AsyncLockCommands",
    "SharedClientFactory",
    "shared_client",
]


class ScriptEncoder:
    """What valkey-py's ``Script`` asks its client for: the bytes of a script given as text."""

    def encode(self, value: str | bytes) -> bytes:
        return value.encode() if isinstance(value, str) else value


_ENCODER = ScriptEncoder()
C = TypeVar("C")


class NativeClient(Protocol):
    """The part of GLIDE's client used here, with the replies typed as what they are to this
    module: values for ``reply`` to read (GLIDE's own annotations leave parts of them unknown)."""

    async def custom_command(self, command_args: list[TEncodable]) -> object: ...

    async def exec(self, batch: Batch, raise_on_error: bool) -> Sequence[object] | None: ...

    async def close(self) -> None: ...


class Batches(Protocol):
    """What a pipeline needs of its raw client: one batch sent, its replies as GLIDE gives them."""

    async def run_batch(self, batch: Batch | ClusterBatch, raise_on_error: bool) -> Sequence[object] | None: ...


class AsyncGlidePipeline:
    """The commands of one round trip, sent as one GLIDE batch (``MULTI``/``EXEC`` when
    ``transaction``; on a cluster, a non-atomic batch GLIDE splits by node); replies come back as
    valkey-py's, errors among them as valkey-py's exceptions (``raise_on_error=False``) or
    raised (``True``)."""

    def __init__(self, raw: Batches, batch: Batch | ClusterBatch) -> None:
        self._raw = raw
        self._batch = batch
        self._names: list[str] = []

    def execute_command(self, *args: Any, **options: Any) -> AsyncGlidePipeline:
        """Queue one command."""
        self._batch.custom_command(encode_args(args))
        self._names.append(str(args[0]))
        return self

    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        """Send the queued commands and return their replies, in order."""
        if not self._names:
            return []
        try:
            replies = await self._raw.run_batch(self._batch, raise_on_error)
        except GlideError as exc:
            raise translate(exc) from None
        if replies is None:  # an aborted transaction (a WATCHed key changed): never sent by django-valkey
            raise ValkeyError("the transaction was aborted")
        return [
            translate(item) if isinstance(item, GlideError) else reply(name, item)
            for name, item in zip(self._names, replies)
        ]


class AsyncLockCommands:
    """What valkey-py's ``Lock`` and ``Script`` (and ``manage.py valkey``'s ``unlink``) call on
    their client by name, over ``execute_command``; shared by the standalone and cluster raw clients."""

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        raise NotImplementedError

    async def get(self, name: Any) -> Any:
        return await self.execute_command("GET", name)

    async def set(self, name: Any, value: Any, nx: bool = False, px: int | None = None) -> Any:
        args: list[Any] = ["SET", name, value]
        if nx:
            args.append("NX")
        if px is not None:
            args += ["PX", px]
        return await self.execute_command(*args)

    async def evalsha(self, sha: str, numkeys: int, *keys_and_args: Any) -> Any:
        return await self.execute_command("EVALSHA", sha, numkeys, *keys_and_args)

    async def script_load(self, script: Any) -> Any:
        return await self.execute_command("SCRIPT LOAD", script)

    async def unlink(self, *names: Any) -> Any:
        return await self.execute_command("UNLINK", *names)

    def register_script(self, script: str | bytes) -> AsyncScript:
        registered: Any = self  # valkey-py annotates a Valkey; it calls evalsha and script_load only
        return AsyncScript(registered, script)

    def get_encoder(self) -> ScriptEncoder:
        return _ENCODER

    def lock(
        self,
        name: str,
        timeout: float | None = None,
        sleep: float = 0.1,
        blocking: bool = True,
        blocking_timeout: float | None = None,
        lock_class: Any = None,
        thread_local: bool = True,
    ) -> Any:
        """valkey-py's Lua ``Lock`` on ``name``, run over this client."""
        cls: Any = lock_class or Lock
        return cls(
            self,
            name,
            timeout=timeout,
            sleep=sleep,
            blocking=blocking,
            blocking_timeout=blocking_timeout,
            thread_local=thread_local,
        )


class Closable(Protocol):
    """A native GLIDE client as far as its lease needs it."""

    async def close(self) -> None: ...


N = TypeVar("N", bound=Closable)


class AsyncLeasedClient(AsyncLockCommands, Generic[N]):
    """A raw client that lends its GLIDE client to each call (``Leases``), so closing it never
    frees the native client under a call in flight; ``build`` makes the native client."""

    def __init__(self, settings: GlideSettings) -> None:
        self.settings = settings
        self._leases: Leases[N] = Leases()

    async def build(self) -> N:
        """A new native client for ``settings`` (the connection opens on its first command)."""
        raise NotImplementedError

    async def lend(self) -> N:
        """The GLIDE client, lent to one call (built on first use and again after ``aclose``):
        hand it back with ``give_back``."""
        native = self._leases.take()
        if native is not None:
            return native
        try:
            built = await self.build()
        except GlideError as exc:
            raise translate(exc) from None
        native, spare = self._leases.install(built)
        if spare is not None:  # another caller built one meanwhile
            await spare.close()
        return native

    async def give_back(self, native: N) -> None:
        """End a call's loan of ``native``; the last call out of a retired client closes it."""
        idle = self._leases.give_back(native)
        if idle is not None:
            await idle.close()

    async def aclose(self) -> None:
        """Close the GLIDE client once no call is using it (the next command builds a new one)."""
        idle = self._leases.retire()
        if idle is not None:
            await idle.close()

    def abandon(self) -> None:
        """Forget the GLIDE client without closing it, when nothing can be awaited any more
        (for asyncio: its event loop is closed): GLIDE closes a client it collects, and nothing
        here keeps that loop alive. The next command builds a new one."""
        self._leases.retire()

    async def disconnect(self) -> None:
        """``aclose``: what a scope's objects are closed with when it ends (for asyncio, when the
        event loop shuts down: ``django_valkey._loop_objects``)."""
        await self.aclose()


class AsyncGlideRawClient(AsyncLeasedClient[NativeClient]):
    """A raw client on the process's (for asyncio: the event loop's) GLIDE client for one
    server: one multiplexed connection, whatever the number of callers."""

    def __init__(self, settings: GlideSettings) -> None:
        super().__init__(settings)
        # GLIDE's standalone client looks for a primary when it connects; a replica in LOCATION
        # is reached in its read-only mode instead (switched when the server says which it is).
        self._read_only = False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.settings.host}:{self.settings.port}/{self.settings.db}>"

    async def build(self) -> NativeClient:
        """GLIDE's standalone client for the server (in read-only mode once it proved a replica)."""
        built: NativeClient = await GlideClient.create(native_config(self.settings, self._read_only))
        return built

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        """Send one command and return its reply as valkey-py would."""
        encoded = encode_args(args)
        native = await self.lend()
        try:
            value = await native.custom_command(encoded)
        except GlideError as exc:
            if not await self._switch_mode(native, exc):
                raise translate(exc) from None
        else:
            return reply(str(args[0]), value)
        finally:
            await self.give_back(native)
        native = await self.lend()  # not sent: the connection was refused for its mode
        try:
            value = await native.custom_command(encoded)
        except GlideError as again:
            raise translate(again) from None
        finally:
            await self.give_back(native)
        return reply(str(args[0]), value)

    async def _switch_mode(self, native: NativeClient, exc: GlideError) -> bool:
        """Whether ``exc`` says the server is not what the client took it for; if so the next
        client is built in the other mode (a replica read-only, a primary read-write). A write
        refused by the read-only mode is not resent: it fails as a replica's READONLY would."""
        said = str(exc)
        if not self._read_only and NO_PRIMARY in said:
            retry = True
        elif self._read_only and READ_ONLY_MODE in said:
            retry = False  # promoted, perhaps: the next command finds out
        else:
            return False
        self._read_only = not self._read_only
        self._leases.retire(native)  # this call holds it: closed when handed back
        return retry

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> AsyncGlidePipeline:
        """A batch of commands for one round trip."""
        return AsyncGlidePipeline(self, Batch(is_atomic=transaction))

    async def run_batch(self, batch: Batch | ClusterBatch, raise_on_error: bool) -> Sequence[object] | None:
        """Send ``batch`` (a ``Batch``: this is one server) on the GLIDE client."""
        assert isinstance(batch, Batch)
        native = await self.lend()
        try:
            return await native.exec(batch, raise_on_error)
        finally:
            await self.give_back(native)

    async def scan_iter(
        self,
        match: str | None = None,
        count: int | None = None,
        _type: str | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[Any]:
        """Every key matching ``match``, by ``SCAN`` pages of about ``count``."""
        extra: list[Any] = []
        if match is not None:
            extra += ["MATCH", match]
        if count is not None:
            extra += ["COUNT", count]
        if _type is not None:
            extra += ["TYPE", _type]
        cursor: Any = 0
        while True:
            cursor, keys = await self.execute_command("SCAN", cursor, *extra)
            for key in keys:
                yield key
            if int(cursor) == 0:
                return


class SharedClientFactory(Generic[C]):
    """What both GLIDE factories do: hand every cache object the process's (for asyncio: the
    event loop's) one raw client for its LOCATION and settings. ``raw_client`` builds it;
    ``settings`` reads the LOCATION entry and OPTIONS."""

    raw_client: Callable[[GlideSettings], C]

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.options = options

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def settings(self, url: str) -> GlideSettings:
        """The settings the raw client for ``url`` is built from."""
        raise NotImplementedError

    async def connect(self, url: str) -> C:
        """The shared raw client for LOCATION entry ``url`` (no connection is opened yet)."""
        return self.get_or_create_connection_pool({"url": url})

    async def disconnect(self, connection: Any) -> None:
        """Close ``connection``'s GLIDE client (``CLOSE_CONNECTION``); its next command reconnects."""
        if isinstance(connection, AsyncLeasedClient):
            await connection.aclose()

    def get_or_create_connection_pool(self, params: dict[str, Any]) -> C:
        """The shared raw client for ``params["url"]``: GLIDE multiplexes, so the "pool" is one
        client holding one connection per server."""
        url = params.get("url")
        if not isinstance(url, str):
            raise TypeError(f"{type(self).__name__} needs params['url'], got {safe_repr(params)}")
        return shared_client(self.raw_client, self.settings(url))


class AsyncGlideConnectionFactory(SharedClientFactory[AsyncGlideRawClient]):
    """Connection factory for ``OPTIONS["CONNECTION_FACTORY"]``: raw clients on GLIDE.

    Conforms to ``AsyncConnectionFactoryProtocol`` without inheriting from it. Every cache
    object of a process (for asyncio: of an event loop) with the same server and settings
    shares one ``AsyncGlideRawClient``, so a process holds one connection per server whatever
    its threads, tasks and requests.
    """

    raw_client: Callable[[GlideSettings], AsyncGlideRawClient] = AsyncGlideRawClient

    def settings(self, url: str) -> GlideSettings:
        """``url`` and OPTIONS read as one server's settings."""
        return glide_settings(url, self.options)


def shared_client(cls: Callable[[GlideSettings], C], settings: GlideSettings) -> C:
    """The process's (for asyncio: the event loop's) raw client ``cls`` for ``settings``."""
    shared = scope_objects()
    key = (cls, settings)
    client = shared.get(key)
    if client is None:
        client = shared[key] = cls(settings)
    found: C = client
    return found
