"""Pure thundering-herd logic for ``HerdClient`` / ``AsyncHerdClient``: value envelopes and the
requests that read, claim and refresh them. No I/O.

A value stored with a timeout carries a 13-byte header: a magic marker, a state byte (``F``
fresh, ``C`` claimed) and its *soft* expiry (a Unix time, big-endian double). The server keeps
it ``CACHE_HERD_TIMEOUT`` seconds longer than asked. A reader that finds the soft expiry passed
tries to *claim* the value with one atomic script that compares the header it saw: exactly one
reader wins and gets a miss (so it recomputes and stores a fresh value); the others keep getting
the stale value until the fresh one lands or the herd timeout runs out.

Plain ints stay raw (so INCR works on them) and values without a timeout carry no header; neither
gets the herd's extra time on the server, so a plain int expires at its timeout.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from django_valkey._core.codec import Codec
from django_valkey._core.commands import Args, Commands, Request, script_sha, set_all
from django_valkey._core.keys import KeyMaker

__all__ = ["HEADER_LENGTH", "MAGIC", "HerdCommands", "Stale", "herd_timeout", "pack", "unpack"]

MAGIC = b"\x00dvH"
FRESH = b"F"
CLAIMED = b"C"
_SOFT = struct.Struct(">d")
HEADER_LENGTH = len(MAGIC) + 1 + _SOFT.size  # 13
DEFAULT_HERD_TIMEOUT = 60

# Claim a stale value: only if its header is still the one the reader saw. Marks it claimed with a
# new soft expiry, and keeps it alive for two herd timeouts so others can be served meanwhile.
CLAIM_SCRIPT = (
    "if redis.call('GETRANGE', KEYS[1], 0, 12) == ARGV[1] then "
    "redis.call('SETRANGE', KEYS[1], 0, ARGV[2]) redis.call('PEXPIRE', KEYS[1], ARGV[3]) "
    "return 1 end return 0"
)
# add(): store if the key is absent, or holds a value that has expired for Django's API (its soft
# expiry passed) or that a reader has claimed for recomputation. ARGV: magic, value, real TTL in
# ms ('' for none), the caller's clock (soft expiries are client Unix times).
ADD_SCRIPT = (
    "if redis.call('EXISTS', KEYS[1]) == 1 then "
    "local h = redis.call('GETRANGE', KEYS[1], 0, 12) "
    "if string.sub(h, 1, 4) ~= ARGV[1] or #h < 13 then return 0 end "
    "if string.sub(h, 5, 5) ~= 'C' and struct.unpack('>d', string.sub(h, 6, 13)) > tonumber(ARGV[4]) then "
    "return 0 end end "
    "if ARGV[3] == '' then redis.call('SET', KEYS[1], ARGV[2]) "
    "else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end return 1"
)
# touch(): new soft expiry in the header (if the value has one) and the new real TTL; a value whose
# soft expiry passed has expired for Django's API, so it is not revived. ARGV: magic, state byte +
# new soft expiry, real TTL in ms ('' for none), the caller's clock, and the TTL of a value with no
# header (a plain int, or one stored with no timeout), which has no herd time to add.
TOUCH_SCRIPT = (
    "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end "
    "local h = redis.call('GETRANGE', KEYS[1], 0, 12) "
    "local ttl = ARGV[5] "
    "if string.sub(h, 1, 4) == ARGV[1] and #h == 13 then "
    "if struct.unpack('>d', string.sub(h, 6, 13)) <= tonumber(ARGV[4]) then return 0 end "
    "redis.call('SETRANGE', KEYS[1], 4, ARGV[2]) ttl = ARGV[3] end "
    "if ttl == '' then redis.call('PERSIST', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ttl) end "
    "return 1"
)

ADD_SHA = script_sha(ADD_SCRIPT)
TOUCH_SHA = script_sha(TOUCH_SCRIPT)


def pack(data: bytes, soft_expiry: float, state: bytes = FRESH) -> bytes:
    """``data`` behind a herd header carrying ``soft_expiry`` (Unix seconds)."""
    return MAGIC + state + _SOFT.pack(soft_expiry) + data


def unpack(raw: bytes) -> tuple[bytes, float] | None:
    """``(header, soft_expiry)`` of an enveloped value, or ``None`` for a plain one."""
    if raw[:4] != MAGIC or len(raw) < HEADER_LENGTH:
        return None
    return raw[:HEADER_LENGTH], _SOFT.unpack_from(raw, 5)[0]


def _alive(head: bytes) -> bool:
    """``has_key`` from the first bytes of a value (empty: no such key)."""
    if not head:
        return False
    header = unpack(head)
    return header is None or header[1] > time.time()


def _empty(reply: Any) -> dict[str, Any]:
    return {}


class Stale:
    """A value whose soft expiry has passed, as read; the client tries to claim it."""

    __slots__ = ("key", "header", "value")

    def __init__(self, key: str, header: bytes, value: Any) -> None:
        self.key = key
        self.header = header
        self.value = value


class HerdCommands(Commands):
    """``Commands`` whose values carry a soft expiry; reads report stale values as ``Stale``."""

    __slots__ = ("herd_ms",)

    def __init__(self, keys: KeyMaker, codec: Codec, default_timeout: float | None, herd_timeout: float) -> None:
        super().__init__(keys, codec, default_timeout)
        self.herd_ms = int(herd_timeout * 1000)

    def _envelope(self, value: Any, ms: int, now: float) -> bytes | int:
        data = self.codec.encode(value)
        if type(data) is int:
            return data
        assert isinstance(data, bytes)
        return pack(data, now + ms / 1000)

    def _real_ms(self, stored: bytes | int, ms: int) -> int:
        """The server TTL of a value stored for ``ms``: the herd's extra time for an enveloped
        value; a plain int carries no soft expiry, so it expires when it was asked to."""
        return ms if type(stored) is int else ms + self.herd_ms

    def _read(self, made: str, raw: bytes, now: float) -> Any:
        header = unpack(raw)
        if header is None:
            return self.codec.decode(raw, made)
        value = self.codec.decode(raw[HEADER_LENGTH:], made)
        return Stale(made, header[0], value) if header[1] <= now else value

    # ---------------------------------------------------------------- reads

    def get(self, key: str, default: Any, version: int | None) -> Request[Any]:
        made = self.keys.make_key(key, version)
        read = self._read
        return Request(("GET", made), lambda raw: default if raw is None else read(made, raw, time.time()))

    def get_many(self, keys: Iterable[str], version: int | None) -> Request[dict[str, Any]]:
        wanted = list(keys)
        if not wanted:
            return Request(None, _empty)
        made = self.keys.make_keys(wanted, version)
        read = self._read

        def parse(reply: list[bytes | None]) -> dict[str, Any]:
            now = time.time()
            return {key: read(stored, raw, now) for key, stored, raw in zip(wanted, made, reply) if raw is not None}

        return Request(("MGET", *made), parse)

    def claim(self, stale: Stale, default: Any) -> Request[Any]:
        """Claim one stale value: the winner gets ``default`` (a miss), the others the stale value."""
        return Request(self._claim_args(stale, time.time()), lambda won: default if won else stale.value, write=True)

    def _claim_args(self, stale: Stale, now: float) -> Args:
        new_header = pack(b"", now + self.herd_ms / 1000, CLAIMED)
        # EVAL, not EVALSHA: claims also go out in pipelines, where a NOSCRIPT is not resent.
        return ("EVAL", CLAIM_SCRIPT, 1, stale.key, stale.header, new_header, 2 * self.herd_ms)

    def claim_many(self, found: Mapping[str, Any]) -> Request[dict[str, Any]] | None:
        """Claims for the stale values in a ``get_many`` result (``None`` if there are none)."""
        stale = {key: value for key, value in found.items() if type(value) is Stale}
        if not stale:
            return None
        now = time.time()
        batch = [self._claim_args(value, now) for value in stale.values()]
        fresh = {key: value for key, value in found.items() if type(value) is not Stale}

        def parse(replies: list[Any]) -> dict[str, Any]:
            for (key, value), won in zip(stale.items(), replies):
                if not won:
                    fresh[key] = value.value
            return fresh

        return Request(None, parse, write=True, batch=batch)

    # ---------------------------------------------------------------- writes

    def set(
        self, key: str, value: Any, timeout: object, version: int | None, nx: bool = False, xx: bool = False
    ) -> Request[bool]:
        ms = self.timeout_ms(timeout)
        if ms is not None and ms <= 0:
            return super().set(key, value, timeout, version, nx, xx)
        made, now = self.keys.make_key(key, version), time.time()
        data = self.codec.encode(value) if ms is None else self._envelope(value, ms, now)
        real = "" if ms is None else self._real_ms(data, ms)
        if nx:
            # add(): a soft-expired value, or one a reader has claimed for recomputation, is replaced.
            return Request(("EVALSHA", ADD_SHA, 1, made, MAGIC, data, real, repr(now)), bool, write=True)
        args: Args = ("SET", made, data) if ms is None else ("SET", made, data, "PX", real)
        if xx:
            args += ("XX",)
        return Request(args, bool, write=True)

    def set_many(self, data: Mapping[str, Any], timeout: object, version: int | None) -> Request[list[str]]:
        ms = self.timeout_ms(timeout)
        if ms is None or ms <= 0:
            return super().set_many(data, timeout, version)
        now, make_key, envelope, real_ms = time.time(), self.keys.make_key, self._envelope, self._real_ms
        items: list[tuple[str, bytes | int, int]] = []
        for key, value in data.items():
            stored = envelope(value, ms, now)
            items.append((make_key(key, version), stored, real_ms(stored, ms)))
        return set_all(items)

    def touch(self, key: str, timeout: object, version: int | None) -> Request[bool]:
        ms = self.timeout_ms(timeout)
        if ms is not None and ms <= 0:
            return super().touch(key, timeout, version)
        made, now = self.keys.make_key(key, version), time.time()
        soft = float("inf") if ms is None else now + ms / 1000
        real = "" if ms is None else ms + self.herd_ms
        plain = "" if ms is None else ms
        args = ("EVALSHA", TOUCH_SHA, 1, made, MAGIC, FRESH + _SOFT.pack(soft), real, repr(now), plain)
        return Request(args, bool, write=True)

    def has_key(self, key: str, version: int | None) -> Request[bool]:
        """True unless the key is missing or its soft expiry has passed (then it has expired for
        Django's API, though the server keeps it for the herd)."""
        return Request(("GETRANGE", self.keys.make_key(key, version), 0, HEADER_LENGTH - 1), _alive)


def herd_timeout() -> float:
    """The ``CACHE_HERD_TIMEOUT`` setting (seconds, default 60), validated."""
    value = getattr(settings, "CACHE_HERD_TIMEOUT", DEFAULT_HERD_TIMEOUT)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ImproperlyConfigured(f"CACHE_HERD_TIMEOUT must be a positive number of seconds, got {value!r}")
    return float(value)
