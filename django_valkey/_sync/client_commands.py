# Generated from django_valkey/_async/client_commands.py by tools/unasync.py: do not edit.
# Change the source and run `python tools/unasync.py`.
"""The client layer's operations, written once: each runs the ``Request`` that
``django_valkey._core.commands`` builds for it. This module is the asyncio source;
``tools/unasync.py`` writes the sync ``ClientCommands`` from it (``django_valkey/_sync/``)."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Iterator, Mapping
from time import monotonic
from typing import Any, Generic, Literal, TypeVar, cast, overload

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from typing_extensions import TypeVar as DefaultTypeVar
from valkey.exceptions import ConnectionError as ValkeyConnectionError
from valkey.exceptions import MaxConnectionsError, NoScriptError, ResponseError, ValkeyError
from valkey.exceptions import TimeoutError as ValkeyTimeoutError

from django_valkey._core.breaker import Circuit
from django_valkey._core.codec import Codec
from django_valkey._core.commands import (
    Args,
    Commands,
    Request,
    as_eval,
    count_arg,
    describe,
    lock_times,
    may_resend,
    raise_clearer,
)
from django_valkey._core.guard import CONNECTION_ERRORS, is_refusal, not_run, policy_error, unavailable
from django_valkey._core.keys import KeyMaker
from django_valkey._core.retries import RetryPolicy
from django_valkey._sync.io import (
    CUT_AT_DEADLINE,
    DEADLINE_PASSED,
    ProcessClients,
    deadline_scope,
    encode_off_loop,
    probe_until,
    send_one,
    sleep,
    spawn,
)
from django_valkey.client_cache import ClientCache, Miss, written_batch
from django_valkey.exceptions import ConnectionInterrupted, DeadlineExceeded, SerializerError
from django_valkey.protocols import (
    AbsoluteTime,
    ConnectionFactoryProtocol,
    ExpiryTime,
    InsertWhere,
    ListEnd,
    LockProtocol,
    RawClient,
    ScoreBound,
    Timeout,
)

__all__ = ["ClientCommands"]

Backend = DefaultTypeVar("Backend", default=Any)
R = TypeVar("R")
T = TypeVar("T")


def _swap(items: list[T], index: int) -> None:
    items[0], items[index] = items[index], items[0]


class ClientCommands(ProcessClients, Generic[Backend]):
    """The asyncio operations of ``ClientProtocol``; mixed into a ``BaseClient`` subclass.

    Raw clients are kept per event loop (a ``valkey.asyncio`` connection must not cross loops):
    the running loop's list is found with one identity check on the hot path (``ProcessClients``).
    """

    # Provided by BaseClient.
    _server: list[str]
    _single: bool
    _cmd: Commands
    _keys: KeyMaker
    _scan_itersize: int
    _circuits: list[Circuit]
    _retry: RetryPolicy
    _deadline: float | None
    _attempt_time: float
    _read_timeout: float
    _replica_reads: bool
    _local: ClientCache | None
    _codec: Codec
    connection_factory: ConnectionFactoryProtocol[Any, Any]

    def _read_index(self) -> int:
        raise NotImplementedError  # provided by BaseClient

    def _retrack(self) -> None:
        raise NotImplementedError  # provided by BaseClient

    def connect(self, index: int = 0) -> Backend:
        """A new raw client for LOCATION entry ``index`` (an async client: on the running loop's pool)."""
        client: Backend = self.connection_factory.connect(self._server[index])
        return client

    def _client_at(self, index: int) -> Backend:
        clients = self._raw_clients()
        client = clients[index]
        if client is None:
            client = clients[index] = self.connect(index)
        found: Backend = client
        return found

    def get_client(self, write: bool = True) -> Backend:
        """The raw client for writes (the primary) or for reads (a replica, if any); an async
        client's are the running loop's."""
        return self._client_at(0 if write else self._read_index())

    def _execute(self, client: Any, req: Request[R]) -> R:
        raw: RawClient = client
        if self._local is not None and req.write:
            req = self._local.writing(req)
        if req.batch is not None:
            pipe = raw.pipeline(transaction=False)
            for args in req.batch:
                pipe.execute_command(*args)
            return req.parse(pipe.execute())
        if req.args is None:
            return req.parse(None)
        try:
            try:
                reply = send_one(raw, req.args)
            except NoScriptError:
                reply = raw.execute_command(*as_eval(req.args))
        except ResponseError as exc:
            raise_clearer(req, exc)
            raise
        return req.parse(reply)

    def _read_through(self, req: Request[R]) -> R:
        """``req`` (a ``GET``) answered by the client-side cache, or sent and kept there."""
        local = self._local
        assert local is not None and req.args is not None
        found = local.lookup(req.args[1])
        if not isinstance(found, Miss):
            return req.parse(found)
        return self._run(local.fill_request(req, found))

    def _pipeline_client(self, commands: list[Args]) -> Backend:
        """The raw client a pipeline of ``commands`` runs on: the primary (a sharded client: the
        server that owns their keys)."""
        return self._client_at(0)

    def _send_pipeline(self, commands: list[Args], transaction: bool) -> list[Any]:
        """``commands`` in one valkey-py pipeline (``django_valkey.pipeline``): the replies, with
        the exception a failed command got in its place."""
        if not commands:
            return []
        raw: RawClient = cast(RawClient, self._pipeline_client(commands))
        pipe = raw.pipeline(transaction=transaction)
        for args in commands:
            pipe.execute_command(*args)
        local = self._local
        if local is None:
            return pipe.execute(raise_on_error=False)
        written = written_batch(commands)
        local.forget(written)
        try:
            return pipe.execute(raise_on_error=False)
        finally:
            local.forget(written)

    def _run(self, req: Request[R]) -> R:
        index = 0 if req.write or self._single else self._read_index()
        if self._deadline is not None:
            return self._run_within(index, req)
        return self._attempt(index, req, 0.0)

    def _send(self, index: int, req: Request[R]) -> R:
        """``req`` on server ``index``, within the deadline if there is one."""
        if self._deadline is not None:
            return self._run_within(index, req)
        return self._attempt(index, req, 0.0)

    def _attempt(self, index: int, req: Request[R], started: float) -> R:
        """``req`` on server ``index`` through its circuit; the hot path reads two attributes of
        the circuit, and anything else happens in ``_recover``."""
        circuit = self._circuits[index]
        if circuit.open_until and circuit.enter():  # CircuitOpen while open
            index = self._start_probe(index)
            circuit = self._circuits[index]
        client = self._raw_clients()[index]  # no extra call once connected
        if client is None:
            client = self._client_at(index)
        try:
            reply = self._execute(client, req)
        except Exception as error:
            return self._recover(index, req, error, started)
        if circuit.failures:
            circuit.succeeded()
        return reply

    def _run_within(self, index: int, req: Request[R]) -> R:
        """``_attempt`` cut at ``OPTIONS["DEADLINE"]``, retries and waits included."""
        deadline = self._deadline
        assert deadline is not None
        started = monotonic()
        try:
            with deadline_scope(deadline):
                return self._attempt(index, req, started)
        except DEADLINE_PASSED as error:
            if isinstance(error, ConnectionInterrupted):
                raise
            self._circuits[index].failed()
            raise DeadlineExceeded(f"{describe(req)} on {self._circuits[index].server}", deadline) from error

    def _recover(self, index: int, req: Request[R], error: Exception, started: float) -> R:
        """After ``error``: count it against the server's circuit, send ``req`` again when that
        is safe and time is left (a replica's read on the primary; a request the server did not
        run; after a lost connection, one whose second run changes nothing), else raise the
        error the policy names (see ``_core.guard.policy_error``)."""
        policy = self._retry
        attempt = 0
        counted = -1  # a call counts once against a server's circuit, however often it retries
        while True:
            circuit = self._circuits[index]
            if self._counts_against_circuit(error):
                if counted != index:
                    timed_out = isinstance(error, (ValkeyTimeoutError, TimeoutError))
                    circuit.failed(monotonic() - self._read_timeout if timed_out else None)
                    counted = index
            elif circuit.failures and isinstance(error, ValkeyError):
                circuit.succeeded()  # the server answered
            if index and self._replica_reads and unavailable(error):
                index = 0  # a replica is down: the primary answers its reads
            elif attempt < policy.attempts and self._may_retry(req, error):
                pause = policy.pause(attempt)
                if not self._time_left(started, pause):
                    break
                attempt += 1
                sleep(pause)
                self._reconnect(index, error)
            else:
                break
            circuit = self._circuits[index]
            if circuit.open_until and circuit.enter():
                index = self._start_probe(index)
                circuit = self._circuits[index]
            try:
                reply = self._execute(self._client_at(index), req)
            except Exception as again:
                error = again
                continue
            if circuit.failures:
                circuit.succeeded()
            return reply
        better = policy_error(error, describe(req), self._circuits[index].server)
        if better is None:
            raise error
        raise better from error

    def _start_probe(self, index: int) -> int:
        """Start the probe of server ``index``'s open circuit beside this call, which fails;
        a replica's read goes on to the primary instead (returned), unless its circuit is open too."""
        spawn(self._probe, index)
        primary = self._circuits[0]
        if not (index and self._replica_reads) or primary.blocked():
            raise self._circuits[index].rejection()
        if primary.open_until and primary.enter():
            spawn(self._probe, 0)
            raise primary.rejection()
        return 0

    def _probe(self, index: int) -> None:
        """PING server ``index`` until it answers (its circuit closes) or the probe gives up
        (``Circuit.probe_again``: it stays open)."""

        def ping() -> object:
            raw = cast(RawClient, self._client_at(index))
            return raw.execute_command("PING")

        probe_until(self._circuits[index], ping, self._counts_against_circuit)

    def _counts_against_circuit(self, error: Exception) -> bool:
        """Whether ``error`` is a failure of the server behind the circuit (see ``unavailable``)."""
        return unavailable(error)

    def _may_retry(self, req: Request[Any], error: Exception) -> bool:
        if not_run(error):
            return True
        # A lost connection (not a timeout: the server may be running the command): only a
        # request whose second run changes nothing.
        return (
            isinstance(error, ValkeyConnectionError)
            and not isinstance(error, (ValkeyTimeoutError, ConnectionInterrupted, MaxConnectionsError))
            and may_resend(req)
        )

    def _time_left(self, started: float, pause: float) -> bool:
        """Whether a retry after ``pause`` seconds still fits within the call's deadline."""
        if self._deadline is None:
            return True
        worst = 0.0 if CUT_AT_DEADLINE else self._attempt_time
        return monotonic() + pause + worst < started + self._deadline

    def _promote(self, index: int) -> None:
        """Make LOCATION entry ``index`` the primary (a failover promoted it) and the old primary
        a replica: servers, circuits and every list of raw clients swap places."""
        _swap(self._server, index)
        _swap(self._circuits, index)
        self._retrack()  # the client cache follows the new primary
        for clients in self._client_lists():
            _swap(clients, index)

    def _reconnect(self, index: int, error: Exception) -> None:
        """Before sending again to server ``index`` after ``error``. With a LOCATION list of a
        primary and replicas, a primary that answers READONLY (or cannot be reached) may have
        been replaced by a failover: the server that now says it is the primary (``ROLE``) takes
        its place. (valkey-py reconnects a closed connection itself; the Sentinel client asks
        the sentinels instead.)"""
        if index or not self._replica_reads or isinstance(error, ValkeyTimeoutError):
            return
        if not (isinstance(error, ValkeyConnectionError) or is_refusal(error)):
            return
        for other in range(1, len(self._server)):
            try:
                raw = cast(RawClient, self._client_at(other))
                role = raw.execute_command("ROLE")
            except Exception:  # a replica that cannot answer is not the new primary
                continue
            if role and role[0] in (b"master", "master"):
                self._promote(other)
                return

    # ---------------------------------------------------------------- Django's API

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        local = self._local
        if local is not None:  # OPTIONS["CLIENT_CACHE"]
            made = self._keys.make_key(key, version)
            found = local.lookup(made)
            if not isinstance(found, Miss):
                return default if found is None else self._codec.decode(found, made)
            return self._run(local.fill_request(self._cmd.get(key, default, version), found))
        return self._run(self._cmd.get(key, default, version))

    def set(
        self,
        key: str,
        value: Any,
        timeout: Timeout = DEFAULT_TIMEOUT,
        version: int | None = None,
        nx: bool = False,
        xx: bool = False,
    ) -> bool:
        try:
            req = self._cmd.set(key, value, timeout, version, nx, xx)
        except SerializerError as exc:
            req = encode_off_loop(exc, self._cmd.set, key, value, timeout, version, nx, xx)
        return self._run(req)

    def add(self, key: str, value: Any, timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        try:
            req = self._cmd.set(key, value, timeout, version, nx=True)
        except SerializerError as exc:
            req = encode_off_loop(exc, self._cmd.set, key, value, timeout, version, nx=True)
        return self._run(req)

    def touch(self, key: str, timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._run(self._cmd.touch(key, timeout, version))

    def delete(self, key: str, version: int | None = None) -> bool:
        return self._run(self._cmd.delete(key, version))

    def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        req = self._cmd.get_many(keys, version)
        local = self._local
        if local is None or req.args is None:
            return self._run(req)
        made = cast("list[str]", req.args[1:])  # OPTIONS["CLIENT_CACHE"]: the MGET's keys
        found = local.lookup_many(made)
        fill = local.fill_many_request(made, found)
        if fill is not None:
            self._run(fill)  # puts the server's values in ``found``
        return req.parse(found)

    def set_many(
        self, data: Mapping[str, Any], timeout: Timeout = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[str]:
        try:
            req = self._cmd.set_many(data, timeout, version)
        except SerializerError as exc:
            req = encode_off_loop(exc, self._cmd.set_many, data, timeout, version)
        return self._run(req)

    def delete_many(self, keys: Iterable[str], version: int | None = None) -> int:
        return self._run(self._cmd.delete_many(keys, version))

    def has_key(self, key: str, version: int | None = None) -> bool:
        return self._run(self._cmd.has_key(key, version))

    def incr(self, key: str, delta: int = 1, version: int | None = None, ignore_key_check: bool = False) -> int:
        """Add ``delta`` atomically, keeping the TTL; ValueError if the key is missing, unless
        ``ignore_key_check`` (django-valkey 0.4's): then a missing key is created holding ``delta``."""
        return self._run(self._cmd.incr(key, delta, version, ignore_key_check))

    def decr(self, key: str, delta: int = 1, version: int | None = None, ignore_key_check: bool = False) -> int:
        """``incr`` by ``-delta`` (with ``ignore_key_check``, a missing key is created holding ``-delta``)."""
        return self._run(self._cmd.decr(key, delta, version, ignore_key_check))

    def incr_version(self, key: str, delta: int = 1, version: int | None = None) -> int:
        return self._run(self._cmd.incr_version(key, delta, version))

    def clear(self) -> None:
        self._run(self._cmd.clear())

    def close(self) -> None:
        """Disconnect the pools this client opened (an async client: the running loop's); the
        next call reconnects."""
        for client in self._release_clients():
            if client is not None:
                self.connection_factory.disconnect(client)

    # ---------------------------------------------------------------- expiry

    def ttl(self, key: str, version: int | None = None) -> int | None:
        return self._run(self._cmd.ttl(key, version))

    def pttl(self, key: str, version: int | None = None) -> int | None:
        return self._run(self._cmd.pttl(key, version))

    def expire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> bool:
        """A new TTL in seconds (or a timedelta); Django's ``DEFAULT_TIMEOUT`` means the cache's
        ``TIMEOUT`` (``None``: the key stops expiring)."""
        return self._run(self._cmd.expire(key, timeout, version))

    def pexpire(self, key: str, timeout: ExpiryTime, version: int | None = None) -> bool:
        """A new TTL in milliseconds (or a timedelta); ``DEFAULT_TIMEOUT`` means the cache's
        ``TIMEOUT``, which is in seconds."""
        return self._run(self._cmd.pexpire(key, timeout, version))

    def expire_at(self, key: str, when: AbsoluteTime, version: int | None = None) -> bool:
        return self._run(self._cmd.expire_at(key, when, version))

    def pexpire_at(self, key: str, when: AbsoluteTime, version: int | None = None) -> bool:
        return self._run(self._cmd.pexpire_at(key, when, version))

    def persist(self, key: str, version: int | None = None) -> bool:
        return self._run(self._cmd.persist(key, version))

    # ---------------------------------------------------------------- locks and key space

    def get_lock(
        self,
        key: str,
        version: int | None = None,
        timeout: float | None = None,
        sleep: float = 0.1,
        blocking: bool = True,
        blocking_timeout: float | None = None,
        thread_local: bool = True,
    ) -> LockProtocol:
        """A valkey-py ``Lock`` on the made key (so it follows KEY_PREFIX and VERSION)."""
        raw = self._lock_client(key, version)
        lock_times(timeout, blocking_timeout)
        lock: LockProtocol = raw.lock(
            self._keys.make_key(key, version),
            timeout=timeout,
            sleep=sleep,
            blocking=blocking,
            blocking_timeout=blocking_timeout,
            thread_local=thread_local,
        )
        return lock

    lock = get_lock

    def keys(self, search: str, version: int | None = None) -> list[str]:
        """User keys matching the glob ``search`` (KEYS: prefer ``iter_keys`` on big databases)."""
        return self._run(self._cmd.keys_matching(search, version))

    def _scan(self, client: Any, match: str, count: int) -> Iterator[Any]:
        raw: RawClient = client
        return raw.scan_iter(match=match, count=count_arg(count, "itersize"))

    def iter_keys(self, search: str, itersize: int | None = None, version: int | None = None) -> Iterator[str]:
        """User keys matching the glob ``search``, fetched with SCAN ``itersize`` at a time.

        Every page comes from one server (a replica, if any). If that replica cannot be reached
        before the first key, the scan runs on the primary; a scan cut off halfway raises.
        """
        pattern = self._keys.make_pattern(search, version)
        original = self._keys.original
        count = itersize or self._scan_itersize
        index = self._read_index()
        started = False
        try:
            for stored in self._scan(self._client_at(index), pattern, count):
                started = True
                yield original(stored)
        except CONNECTION_ERRORS:
            if started or index == 0:
                raise
            for stored in self._scan(self._client_at(0), pattern, count):
                yield original(stored)

    def delete_pattern(
        self,
        pattern: str,
        version: int | None = None,
        prefix: str | None = None,
        itersize: int | None = None,
    ) -> int:
        """Delete the keys matching the glob ``pattern``; SCAN and DEL ``itersize`` keys at a time."""
        made = self._keys.make_pattern(pattern, version, prefix)
        count = itersize or self._scan_itersize
        deleted = 0
        for client in self._key_space_clients():
            batch: list[Any] = []
            for stored in self._scan(client, made, count):
                batch.append(stored)
                if len(batch) >= count:
                    deleted += self._execute(client, self._delete_stored(batch))
                    batch = []
            deleted += self._execute(client, self._delete_stored(batch))
        return deleted

    def _key_space_clients(self) -> list[Backend]:
        """The raw clients ``delete_pattern`` scans (a sharded client: every server)."""
        return [self.get_client(write=True)]

    def _delete_stored(self, stored: list[Any]) -> Request[int]:
        """The request deleting a page of scanned keys (a cluster client: one DEL per slot)."""
        return self._cmd.delete_stored(stored)

    def _lock_client(self, key: str, version: int | None) -> RawClient:
        """The raw client a lock on ``key`` lives on (a sharded client: the key's server)."""
        return cast(RawClient, self.get_client(write=True))

    # ---------------------------------------------------------------- sets (members go through the serializer)

    def sadd(self, key: str, *values: Any, version: int | None = None) -> int:
        return self._run(self._cmd.sadd(key, values, version))

    def srem(self, key: str, *members: Any, version: int | None = None) -> int:
        return self._run(self._cmd.srem(key, members, version))

    def scard(self, key: str, version: int | None = None) -> int:
        return self._run(self._cmd.scard(key, version))

    def sismember(self, key: str, member: Any, version: int | None = None) -> bool:
        return self._run(self._cmd.sismember(key, member, version))

    def smismember(self, key: str, *members: Any, version: int | None = None) -> list[bool]:
        return self._run(self._cmd.smismember(key, members, version))

    def smembers(self, key: str, version: int | None = None) -> builtins.set[Any]:
        return self._run(self._cmd.smembers(key, version))

    def smove(self, source: str, destination: str, member: Any, version: int | None = None) -> bool:
        return self._run(self._cmd.smove(source, destination, member, version))

    @overload
    def spop(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    def spop(self, key: str, count: int, version: int | None = None) -> builtins.set[Any]: ...
    def spop(self, key: str, count: int | None = None, version: int | None = None) -> Any:
        return self._run(self._cmd.spop(key, count, version))

    @overload
    def srandmember(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    def srandmember(self, key: str, count: int, version: int | None = None) -> list[Any]: ...
    def srandmember(self, key: str, count: int | None = None, version: int | None = None) -> Any:
        return self._run(self._cmd.srandmember(key, count, version))

    def sdiff(self, *keys: str, version: int | None = None) -> builtins.set[Any]:
        return self._run(self._cmd.set_algebra("SDIFF", keys, version))

    def sinter(self, *keys: str, version: int | None = None) -> builtins.set[Any]:
        return self._run(self._cmd.set_algebra("SINTER", keys, version))

    def sunion(self, *keys: str, version: int | None = None) -> builtins.set[Any]:
        return self._run(self._cmd.set_algebra("SUNION", keys, version))

    def sdiffstore(
        self,
        destination: str,
        *keys: str,
        version: int | None = None,
        version_dest: int | None = None,
        version_keys: int | None = None,
    ) -> int:
        return self._run(
            self._cmd.set_algebra_store("SDIFFSTORE", destination, keys, version, version_dest, version_keys)
        )

    def sinterstore(
        self,
        destination: str,
        *keys: str,
        version: int | None = None,
        version_dest: int | None = None,
        version_keys: int | None = None,
    ) -> int:
        return self._run(
            self._cmd.set_algebra_store("SINTERSTORE", destination, keys, version, version_dest, version_keys)
        )

    def sunionstore(
        self,
        destination: str,
        *keys: str,
        version: int | None = None,
        version_dest: int | None = None,
        version_keys: int | None = None,
    ) -> int:
        return self._run(
            self._cmd.set_algebra_store("SUNIONSTORE", destination, keys, version, version_dest, version_keys)
        )

    def sscan(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> builtins.set[Any]:
        """Every member of the set, fetched with SSCAN (``match`` filters the stored bytes)."""
        return {member for member in self.sscan_iter(key, match, count, version)}

    def sscan_iter(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> Iterator[Any]:
        cursor = 0
        while True:
            cursor, members = self._run(self._cmd.sscan_page(key, cursor, match, count, version))
            for member in members:
                yield member
            if cursor == 0:
                return

    # ---------------------------------------------------------------- hashes (the hash name is a key; fields are plain strings; values go through the serializer)

    def hset(
        self,
        name: str,
        key: str | None = None,
        value: Any = None,
        version: int | None = None,
        *,
        mapping: Mapping[str, Any] | None = None,
    ) -> int:
        return self._run(self._cmd.hset(name, key, value, version, mapping))

    def hsetnx(self, name: str, key: str, value: Any, version: int | None = None) -> bool:
        return self._run(self._cmd.hsetnx(name, key, value, version))

    def hget(self, name: str, key: str, default: Any = None, version: int | None = None) -> Any:
        return self._run(self._cmd.hget(name, key, default, version))

    def hmget(self, name: str, *keys: str, version: int | None = None) -> list[Any]:
        return self._run(self._cmd.hmget(name, keys, version))

    def hgetall(self, name: str, version: int | None = None) -> dict[str, Any]:
        return self._run(self._cmd.hgetall(name, version))

    def hvals(self, name: str, version: int | None = None) -> list[Any]:
        return self._run(self._cmd.hvals(name, version))

    def hdel(self, name: str, key: str, version: int | None = None) -> int:
        return self._run(self._cmd.hdel(name, key, version))

    def hlen(self, name: str, version: int | None = None) -> int:
        return self._run(self._cmd.hlen(name, version))

    def hkeys(self, name: str, version: int | None = None) -> list[str]:
        return self._run(self._cmd.hkeys(name, version))

    def hexists(self, name: str, key: str, version: int | None = None) -> bool:
        return self._run(self._cmd.hexists(name, key, version))

    def hstrlen(self, name: str, key: str, version: int | None = None) -> int:
        return self._run(self._cmd.hstrlen(name, key, version))

    def hincrby(self, name: str, key: str, amount: int = 1, version: int | None = None) -> int:
        return self._run(self._cmd.hincrby(name, key, amount, version))

    def hincrbyfloat(self, name: str, key: str, amount: float = 1.0, version: int | None = None) -> float:
        return self._run(self._cmd.hincrbyfloat(name, key, amount, version))

    def hscan(self, name: str, match: str | None = None, count: int = 10, version: int | None = None) -> dict[str, Any]:
        """Every field of the hash, fetched with HSCAN (``match`` filters the field names)."""
        return {field: value for field, value in self.hscan_iter(name, match, count, version)}

    def hscan_iter(
        self, name: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> Iterator[tuple[str, Any]]:
        cursor = 0
        while True:
            cursor, pairs = self._run(self._cmd.hscan_page(name, cursor, match, count, version))
            for pair in pairs:
                yield pair
            if cursor == 0:
                return

    def hexpire(self, name: str, timeout: ExpiryTime, *fields: str, version: int | None = None) -> list[bool]:
        return self._run(self._cmd.hexpire(name, timeout, fields, version))

    def hpexpire(self, name: str, timeout: ExpiryTime, *fields: str, version: int | None = None) -> list[bool]:
        return self._run(self._cmd.hexpire(name, timeout, fields, version, ms=True))

    def httl(self, name: str, *fields: str, version: int | None = None) -> list[int | None]:
        return self._run(self._cmd.httl(name, fields, version))

    def hpttl(self, name: str, *fields: str, version: int | None = None) -> list[int | None]:
        return self._run(self._cmd.httl(name, fields, version, ms=True))

    def hpersist(self, name: str, *fields: str, version: int | None = None) -> list[bool]:
        return self._run(self._cmd.hpersist(name, fields, version))

    # ---------------------------------------------------------------- lists

    def lpush(self, key: str, *values: Any, version: int | None = None) -> int:
        return self._run(self._cmd.push("LPUSH", key, values, version))

    def rpush(self, key: str, *values: Any, version: int | None = None) -> int:
        return self._run(self._cmd.push("RPUSH", key, values, version))

    @overload
    def lpop(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    def lpop(self, key: str, count: int, version: int | None = None) -> list[Any]: ...
    def lpop(self, key: str, count: int | None = None, version: int | None = None) -> Any:
        return self._run(self._cmd.pop("LPOP", key, count, version))

    @overload
    def rpop(self, key: str, count: None = None, version: int | None = None) -> Any: ...
    @overload
    def rpop(self, key: str, count: int, version: int | None = None) -> list[Any]: ...
    def rpop(self, key: str, count: int | None = None, version: int | None = None) -> Any:
        return self._run(self._cmd.pop("RPOP", key, count, version))

    def lrange(self, key: str, start: int = 0, end: int = -1, version: int | None = None) -> list[Any]:
        return self._run(self._cmd.lrange(key, start, end, version))

    def llen(self, key: str, version: int | None = None) -> int:
        return self._run(self._cmd.llen(key, version))

    def lindex(self, key: str, index: int, version: int | None = None) -> Any:
        return self._run(self._cmd.lindex(key, index, version))

    def lset(self, key: str, index: int, value: Any, version: int | None = None) -> bool:
        return self._run(self._cmd.lset(key, index, value, version))

    def lrem(self, key: str, count: int, value: Any, version: int | None = None) -> int:
        return self._run(self._cmd.lrem(key, count, value, version))

    def ltrim(self, key: str, start: int, end: int, version: int | None = None) -> bool:
        return self._run(self._cmd.ltrim(key, start, end, version))

    def linsert(self, key: str, where: InsertWhere, pivot: Any, value: Any, version: int | None = None) -> int:
        return self._run(self._cmd.linsert(key, where, pivot, value, version))

    def lmove(
        self, source: str, destination: str, src: ListEnd = "LEFT", dest: ListEnd = "RIGHT", version: int | None = None
    ) -> Any:
        return self._run(self._cmd.lmove(source, destination, src, dest, version))

    def blpop(self, *keys: str, timeout: float, version: int | None = None) -> tuple[str, Any] | None:
        return self._run(self._cmd.bpop("BLPOP", keys, timeout, version))

    def brpop(self, *keys: str, timeout: float, version: int | None = None) -> tuple[str, Any] | None:
        return self._run(self._cmd.bpop("BRPOP", keys, timeout, version))

    def blmove(
        self,
        source: str,
        destination: str,
        timeout: float,
        src: ListEnd = "LEFT",
        dest: ListEnd = "RIGHT",
        version: int | None = None,
    ) -> Any:
        return self._run(self._cmd.blmove(source, destination, timeout, src, dest, version))

    # ---------------------------------------------------------------- sorted sets

    @overload
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
        incr: Literal[False] = False,
    ) -> int: ...
    @overload
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
        incr: Literal[True],
    ) -> float | None: ...
    @overload
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
        incr: bool = False,
    ) -> float | None: ...
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
        incr: bool = False,
    ) -> float | None:
        flags = (nx, xx, gt, lt, ch)
        if incr:
            return self._run(self._cmd.zadd_incr(key, mapping, version, flags))
        return self._run(self._cmd.zadd(key, mapping, version, flags))

    def zincrby(self, key: str, amount: float, member: Any, version: int | None = None) -> float:
        return self._run(self._cmd.zincrby(key, amount, member, version))

    def zscore(self, key: str, member: Any, version: int | None = None) -> float | None:
        return self._run(self._cmd.zscore(key, member, version))

    def zmscore(self, key: str, *members: Any, version: int | None = None) -> list[float | None]:
        return self._run(self._cmd.zmscore(key, members, version))

    def zrank(self, key: str, member: Any, version: int | None = None) -> int | None:
        return self._run(self._cmd.zrank(key, member, version))

    def zrevrank(self, key: str, member: Any, version: int | None = None) -> int | None:
        return self._run(self._cmd.zrank(key, member, version, rev=True))

    @overload
    def zrange(
        self,
        key: str,
        start: ScoreBound = 0,
        end: ScoreBound = -1,
        version: int | None = None,
        *,
        byscore: bool = False,
        bylex: bool = False,
        rev: bool = False,
        offset: int | None = None,
        count: int | None = None,
        withscores: Literal[False] = False,
    ) -> list[Any]: ...
    @overload
    def zrange(
        self,
        key: str,
        start: ScoreBound = 0,
        end: ScoreBound = -1,
        version: int | None = None,
        *,
        byscore: bool = False,
        bylex: bool = False,
        rev: bool = False,
        offset: int | None = None,
        count: int | None = None,
        withscores: Literal[True],
    ) -> list[tuple[Any, float]]: ...
    @overload
    def zrange(
        self,
        key: str,
        start: ScoreBound = 0,
        end: ScoreBound = -1,
        version: int | None = None,
        *,
        byscore: bool = False,
        bylex: bool = False,
        rev: bool = False,
        offset: int | None = None,
        count: int | None = None,
        withscores: bool = False,
    ) -> list[Any]: ...
    def zrange(
        self,
        key: str,
        start: ScoreBound = 0,
        end: ScoreBound = -1,
        version: int | None = None,
        *,
        byscore: bool = False,
        bylex: bool = False,
        rev: bool = False,
        offset: int | None = None,
        count: int | None = None,
        withscores: bool = False,
    ) -> list[Any]:
        return self._run(self._cmd.zrange(key, start, end, version, byscore, bylex, rev, offset, count, withscores))

    def zrem(self, key: str, *members: Any, version: int | None = None) -> int:
        return self._run(self._cmd.zrem(key, members, version))

    def zremrangebyscore(self, key: str, min: ScoreBound, max: ScoreBound, version: int | None = None) -> int:
        return self._run(self._cmd.zremrangebyscore(key, min, max, version))

    def zremrangebyrank(self, key: str, start: int, end: int, version: int | None = None) -> int:
        return self._run(self._cmd.zremrangebyrank(key, start, end, version))

    def zcard(self, key: str, version: int | None = None) -> int:
        return self._run(self._cmd.zcard(key, version))

    def zcount(self, key: str, min: ScoreBound, max: ScoreBound, version: int | None = None) -> int:
        return self._run(self._cmd.zcount(key, min, max, version))

    def zpopmin(self, key: str, count: int | None = None, version: int | None = None) -> list[tuple[Any, float]]:
        return self._run(self._cmd.zpop("ZPOPMIN", key, count, version))

    def zpopmax(self, key: str, count: int | None = None, version: int | None = None) -> list[tuple[Any, float]]:
        return self._run(self._cmd.zpop("ZPOPMAX", key, count, version))

    def zscan(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> list[tuple[Any, float]]:
        """Every ``(member, score)`` of the sorted set, fetched with ZSCAN (``match``: stored bytes)."""
        return [pair for pair in self.zscan_iter(key, match, count, version)]

    def zscan_iter(
        self, key: str, match: str | None = None, count: int = 10, version: int | None = None
    ) -> Iterator[tuple[Any, float]]:
        cursor = 0
        while True:
            cursor, pairs = self._run(self._cmd.zscan_page(key, cursor, match, count, version))
            for pair in pairs:
                yield pair
            if cursor == 0:
                return
