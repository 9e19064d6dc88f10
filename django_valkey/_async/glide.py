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

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, Protocol

from glide import (
    AdvancedGlideClientConfiguration,
    Batch,
    GlideClient,
    GlideClientConfiguration,
    NodeAddress,
    ProtocolVersion,
    ServerCredentials,
    TlsAdvancedConfiguration,
)
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
    encode_args,
    glide_settings,
    reply,
    translate,
)
from django_valkey._redact import safe_repr

__all__ = ["AsyncGlideConnectionFactory", "AsyncGlidePipeline", "AsyncGlideRawClient"]


class ScriptEncoder:
    """What valkey-py's ``Script`` asks its client for: the bytes of a script given as text."""

    def encode(self, value: str | bytes) -> bytes:
        return value.encode() if isinstance(value, str) else value


_ENCODER = ScriptEncoder()


def native_config(settings: GlideSettings, read_only: bool = False) -> GlideClientConfiguration:
    """The native client's configuration for ``settings``: RESP2 (valkey-py's reply shapes), the
    database, credentials, TLS, the read timeout as GLIDE's request timeout, and a lazy connect
    (building the client never waits for the server; the first command does)."""
    tls = None
    if settings.tls and (settings.ca_certs is not None or not settings.verify_tls):
        tls = TlsAdvancedConfiguration(
            use_insecure_tls=None if settings.verify_tls else True, root_pem_cacerts=settings.ca_certs
        )
    credentials = None
    if settings.password is not None or settings.username is not None:
        credentials = ServerCredentials(password=settings.password, username=settings.username)
    return GlideClientConfiguration(
        [NodeAddress(settings.host, settings.port)],
        use_tls=settings.tls,
        credentials=credentials,
        request_timeout=settings.request_timeout_ms,
        database_id=settings.db,
        client_name=settings.client_name,
        protocol=ProtocolVersion.RESP2,
        advanced_config=AdvancedGlideClientConfiguration(
            connection_timeout=settings.connect_timeout_ms, tls_config=tls
        ),
        lazy_connect=True,
        read_only=read_only,
    )


class NativeClient(Protocol):
    """The part of GLIDE's client used here, with the replies typed as what they are to this
    module: values for ``reply`` to read (GLIDE's own annotations leave parts of them unknown)."""

    async def custom_command(self, command_args: list[TEncodable]) -> object: ...

    async def exec(self, batch: Batch, raise_on_error: bool) -> Sequence[object] | None: ...

    async def close(self) -> None: ...


class AsyncGlidePipeline:
    """The commands of one round trip, sent as one GLIDE batch (``MULTI``/``EXEC`` when
    ``transaction``); replies come back as valkey-py's, errors among them as valkey-py's
    exceptions (``raise_on_error=False``) or raised (``True``)."""

    def __init__(self, raw: AsyncGlideRawClient, transaction: bool) -> None:
        self._raw = raw
        self._batch = Batch(is_atomic=transaction)
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
        native = await self._raw.native()
        try:
            replies = await native.exec(self._batch, raise_on_error)
        except GlideError as exc:
            raise translate(exc) from None
        if replies is None:  # an aborted transaction (a WATCHed key changed): never sent by django-valkey
            raise ValkeyError("the transaction was aborted")
        return [
            translate(item) if isinstance(item, GlideError) else reply(name, item)
            for name, item in zip(self._names, replies)
        ]


class AsyncGlideRawClient:
    """A raw client on the process's (for asyncio: the event loop's) GLIDE client for one
    server: one multiplexed connection, whatever the number of callers."""

    def __init__(self, settings: GlideSettings) -> None:
        self.settings = settings
        self._native: NativeClient | None = None
        # GLIDE's standalone client looks for a primary when it connects; a replica in LOCATION
        # is reached in its read-only mode instead (switched when the server says which it is).
        self._read_only = False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.settings.host}:{self.settings.port}/{self.settings.db}>"

    async def native(self) -> NativeClient:
        """The GLIDE client, built on first use and again after ``aclose``."""
        native = self._native
        if native is None:
            try:
                built: NativeClient = await GlideClient.create(native_config(self.settings, self._read_only))
            except GlideError as exc:
                raise translate(exc) from None
            native = self._native
            if native is None:
                native = self._native = built
            else:  # another caller built one meanwhile
                await built.close()
        return native

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        """Send one command and return its reply as valkey-py would."""
        native = self._native or await self.native()
        try:
            value = await native.custom_command(encode_args(args))
        except GlideError as exc:
            if not await self._switch_mode(native, exc):
                raise translate(exc) from None
            try:  # not sent: the connection was refused for its mode
                value = await (await self.native()).custom_command(encode_args(args))
            except GlideError as again:
                raise translate(again) from None
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
        if self._native is native:
            self._native = None
            await native.close()
        return retry

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> AsyncGlidePipeline:
        """A batch of commands for one round trip."""
        return AsyncGlidePipeline(self, transaction)

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

    # What valkey-py's Lock calls on its client.
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

    async def aclose(self) -> None:
        """Close the GLIDE client (the next command builds a new one)."""
        native, self._native = self._native, None
        if native is not None:
            await native.close()


class AsyncGlideConnectionFactory:
    """Connection factory for ``OPTIONS["CONNECTION_FACTORY"]``: raw clients on GLIDE.

    Conforms to ``AsyncConnectionFactoryProtocol`` without inheriting from anything. Every cache
    object of a process (for asyncio: of an event loop) with the same server and settings
    shares one ``AsyncGlideRawClient``, so a process holds one connection per server whatever
    its threads, tasks and requests.
    """

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.options = options

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    async def connect(self, url: str) -> AsyncGlideRawClient:
        """The shared raw client for LOCATION entry ``url`` (no connection is opened yet)."""
        return self.get_or_create_connection_pool({"url": url})

    async def disconnect(self, connection: Any) -> None:
        """Close ``connection``'s GLIDE client (``CLOSE_CONNECTION``); its next command reconnects."""
        if isinstance(connection, AsyncGlideRawClient):
            await connection.aclose()

    def get_or_create_connection_pool(self, params: dict[str, Any]) -> AsyncGlideRawClient:
        """The shared raw client for ``params["url"]``: GLIDE multiplexes, so the "pool" is one
        client holding one connection."""
        url = params.get("url")
        if not isinstance(url, str):
            raise TypeError(f"{type(self).__name__} needs params['url'], got {safe_repr(params)}")
        settings = glide_settings(url, self.options)
        shared = scope_objects()
        key = (AsyncGlideRawClient, settings)
        client = shared.get(key)
        if client is None:
            client = shared[key] = AsyncGlideRawClient(settings)
        found: AsyncGlideRawClient = client
        return found
