"""Sans-I/O commands: what each cache operation sends and how its reply is read.

Every operation is written once here as a ``Request``: the command (or batch of commands) to send
and a function that turns the reply into the typed result. The sync and async clients only
execute requests, so they cannot drift apart. Nothing in this module does I/O.
"""

from __future__ import annotations

import builtins
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar, cast

from django.core.cache.backends.base import DEFAULT_TIMEOUT

from django_valkey._core.codec import Codec
from django_valkey._core.guard import is_refusal
from django_valkey._core.keys import KeyMaker
from django_valkey.exceptions import SerializerError, WriteRefused
from django_valkey.protocols import AbsoluteTime, ExpiryTime

__all__ = ["Commands", "Request", "describe", "key_list", "may_resend", "set_all", "short_repr"]

R = TypeVar("R")
Args = tuple[Any, ...]

# Django's incr: fail on a missing key, never create one; keeps the TTL. One round trip, atomic.
# With ARGV[2] = '1' (django-valkey 0.4's ignore_key_check) a missing key is created holding the
# delta, with no expiry, as INCRBY would. INCRBY's reply reaches Lua as a double: below 2**53 in
# magnitude it is exact and is returned as it is (an integer reply); at or beyond, it may have lost
# precision, and the new value is read back with GET, whose digits are exact. When
# INCRBY refuses because the stored value or the result leaves the signed 64-bit range, the sum is
# done on the decimal digits (as strings) and stored with KEEPTTL, so the result is exact at any
# size, as Python's ints are.
INCR_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  if ARGV[2] ~= '1' then return false end
  redis.call('SET', KEYS[1], ARGV[1])
  return ARGV[1]
end
local done = redis.pcall('INCRBY', KEYS[1], ARGV[1])
if type(done) == 'number' then
  if done < 9007199254740992 and done > -9007199254740992 then return done end
  return redis.call('GET', KEYS[1])
end
local x, y = redis.call('GET', KEYS[1]), ARGV[1]
if x ~= '0' and not string.match(x, '^%-?[1-9]%d*$') then return done end
local function plus(a, b)
  local r, c, i, j = {}, 0, #a, #b
  while i > 0 or j > 0 or c > 0 do
    local d = c + (i > 0 and a:byte(i) - 48 or 0) + (j > 0 and b:byte(j) - 48 or 0)
    c = d >= 10 and 1 or 0
    r[#r + 1] = d - 10 * c
    i, j = i - 1, j - 1
  end
  return string.reverse(table.concat(r))
end
local function minus(a, b)
  local r, k, i, j = {}, 0, #a, #b
  while i > 0 do
    local d = a:byte(i) - 48 - k - (j > 0 and b:byte(j) - 48 or 0)
    k = d < 0 and 1 or 0
    r[#r + 1] = d + 10 * k
    i, j = i - 1, j - 1
  end
  local m = string.gsub(string.reverse(table.concat(r)), '^0+', '')
  return m == '' and '0' or m
end
local xn, yn = x:sub(1, 1) == '-', y:sub(1, 1) == '-'
local a, b = xn and x:sub(2) or x, yn and y:sub(2) or y
local sum
if xn == yn then
  sum = (xn and '-' or '') .. plus(a, b)
elseif #a > #b or (#a == #b and a >= b) then
  sum = minus(a, b)
  if xn and sum ~= '0' then sum = '-' .. sum end
else
  sum = minus(b, a)
  if yn then sum = '-' .. sum end
end
redis.call('SET', KEYS[1], sum, 'KEEPTTL')
return sum
"""
# Django's touch(timeout=None): True whenever the key exists, even if it had no TTL to remove.
PERSIST_SCRIPT = "if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('PERSIST', KEYS[1]) return 1 end return 0"

# set_many with a timeout: every SET in one script, so the write is all-or-nothing. Under
# maxmemory the server refuses a script's first write, and once a script has written it lets the
# rest through, so an out-of-memory refusal leaves nothing half-written (a pipeline of SETs
# would store the ones before the refusal). ARGV: value, milliseconds, value, milliseconds, ...
SET_ALL_SCRIPT = "for i = 1, #KEYS do redis.call('SET', KEYS[i], ARGV[2 * i - 1], 'PX', ARGV[2 * i]) end return #KEYS"

_SCRIPTS: dict[str, str] = {}


def script_sha(script: str) -> str:
    """The SHA1 that ``EVALSHA`` names ``script`` by, remembered so that ``as_eval`` can send the
    text to a server that answers NOSCRIPT (single commands only: pipelines send ``EVAL``)."""
    sha = hashlib.sha1(script.encode()).hexdigest()
    _SCRIPTS[sha] = script
    return sha


INCR_SHA = script_sha(INCR_SCRIPT)
PERSIST_SHA = script_sha(PERSIST_SCRIPT)
SET_ALL_SHA = script_sha(SET_ALL_SCRIPT)
# ZADD ... INCR through a script: its reply is the new score as text (or nil), which valkey-py's
# ZADD reply callback would read as an int.
ZADD_INCR_SCRIPT = "return redis.call('ZADD', KEYS[1], unpack(ARGV))"
ZADD_INCR_SHA = script_sha(ZADD_INCR_SCRIPT)


# What a script is called in error messages, and whether running it twice is harmless.
SCRIPT_NAMES = {INCR_SHA: "incr", PERSIST_SHA: "touch", SET_ALL_SHA: "set_many", ZADD_INCR_SHA: "zadd"}
_SAFE_SCRIPTS = {PERSIST_SHA, SET_ALL_SHA}

# Commands whose second run does something the first did not (or answers differently in a way
# that changes the caller's result): never sent again once they may have reached the server.
_ONCE = frozenset(
    "INCR INCRBY DECR DECRBY INCRBYFLOAT RENAME LPUSH RPUSH LPOP RPOP BLPOP BRPOP LMOVE BLMOVE LREM "
    "LTRIM LINSERT SPOP SMOVE HINCRBY HINCRBYFLOAT HSETNX ZINCRBY ZPOPMIN ZPOPMAX BZPOPMIN BZPOPMAX "
    "ZREMRANGEBYRANK GETDEL GETSET RESTORE".split()
)


def _resendable(args: Args) -> bool:
    name = str(args[0]).upper()
    if name in ("EVALSHA", "EVAL"):
        return args[1] in _SAFE_SCRIPTS
    if name in _ONCE:
        return False
    # SET ... NX (add) would answer "not stored" the second time; ZADD ... INCR adds again.
    return not (name in ("SET", "ZADD") and any(isinstance(arg, str) and arg.upper() in ("NX", "INCR") for arg in args))


def may_resend(req: Request[Any]) -> bool:
    """Whether ``req`` may be sent again after a failure that may have let it reach the server
    (its second run would leave the same data and the same answer); a request the server
    refused before running it (READONLY, LOADING...) may always be sent again."""
    if req.batch is not None:
        return all(_resendable(args) for args in req.batch)
    return req.args is None or _resendable(req.args)


def describe(req: Request[Any]) -> str:
    """The operation and first key of ``req`` for an error message (``GET ':1:k'``), never values."""
    args = req.args if req.args is not None else (req.batch[0] if req.batch else None)
    if args is None:
        return "nothing"
    name = str(args[0]).upper()
    key_at = 1
    if name in ("EVALSHA", "EVAL"):
        name, key_at = SCRIPT_NAMES.get(str(args[1]), "script"), 3
    elif name in ("FLUSHDB", "SCAN", "KEYS", "PING", "INFO"):
        return name
    more = f" (a pipeline of {len(req.batch)} commands)" if req.batch is not None and len(req.batch) > 1 else ""
    if len(args) > key_at:
        return f"{name} {short_repr(args[key_at])}{more}"
    return f"{name}{more}"


def as_eval(args: Args) -> Args:
    """The ``EVAL`` form of an ``EVALSHA`` command, for a server that answered NOSCRIPT (a new
    or restarted node, a failover, ``SCRIPT FLUSH``); ``EVAL`` also caches the script there."""
    return ("EVAL", _SCRIPTS[args[1]], *args[2:])


def raise_clearer(req: Request[Any], exc: Exception) -> None:
    """Raise ``req.on_error``'s clearer exception for the server error ``exc``, if it has one
    (chained to ``exc``); return when the original should stand."""
    better = req.on_error(exc) if req.on_error is not None else None
    if better is not None:
        raise better from exc


class Request(Generic[R]):
    """One round trip: a command (``args``) or a pipeline (``batch``), and how to read the reply.

    ``args`` and ``batch`` both ``None`` means nothing needs sending (e.g. ``get_many([])``);
    ``parse`` then receives ``None``. ``write`` sends it to the primary. ``on_error`` may turn a
    server error reply into a clearer exception (return ``None`` to keep the original).
    """

    __slots__ = ("args", "parse", "write", "batch", "on_error")

    def __init__(
        self,
        args: Args | None,
        parse: Callable[[Any], R],
        write: bool = False,
        batch: list[Args] | None = None,
        on_error: Callable[[Exception], Exception | None] | None = None,
    ) -> None:
        self.args: Args | None = args
        self.parse: Callable[[Any], R] = parse
        self.write: bool = write
        self.batch: list[Args] | None = batch
        self.on_error: Callable[[Exception], Exception | None] | None = on_error


def _bool(reply: Any) -> bool:
    return bool(reply)


def _int(reply: Any) -> int:
    return int(reply)


def _none(reply: Any) -> None:
    return None


def _true(reply: Any) -> bool:
    return True


def _missing(reply: Any) -> bool:
    return not reply


def all_ok(reply: Any) -> bool:
    """A node's OK, or (a command sent to several cluster nodes) a dict of them: all true."""
    if isinstance(reply, Mapping):
        replies = cast("Mapping[object, object]", reply)
        return all(bool(value) for value in replies.values())
    return bool(reply)


def _empty_dict(reply: Any) -> dict[str, Any]:
    return {}


def _no_failures(reply: Any) -> list[str]:
    return []


def _zero(reply: Any) -> int:
    return 0


def _ttl(reply: Any) -> int | None:
    """TTL/PTTL reply: -1 (no expiry) is None, -2 (no key) is 0."""
    value = int(reply)
    if value >= 0:
        return value
    return None if value == -1 else 0


def _text_list(reply: Iterable[bytes | str]) -> list[str]:
    return [item.decode() if isinstance(item, bytes) else item for item in reply]


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def int64(value: int, what: str) -> int:
    """``value`` if the server can take it as a signed 64-bit integer argument, else ValueError.

    Every user-given int that goes into a command passes here (the codec handles values): an
    int too large to print crashes libvalkey's command packer, and one merely too large for the
    server would come back as a raw server error.
    """
    if _INT64_MIN <= value <= _INT64_MAX:
        return value
    raise ValueError(f"{what} is out of range: an int of {value.bit_length()} bits, the server takes 64")


def seconds_to_ms(timeout: object, what: str = "timeout") -> int:
    """Milliseconds for a number of seconds or a timedelta; TypeError names anything else."""
    if type(timeout) is int:
        return int64(timeout * 1000, what)
    if isinstance(timeout, timedelta):
        return int(timeout.total_seconds() * 1000)
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        try:
            return int64(int(timeout * 1000), what)
        except (OverflowError, ValueError):  # inf, nan, too large
            raise ValueError(f"{what} must be a finite number of seconds in range, got {timeout!r}") from None
    raise TypeError(f"{what} must be a number of seconds or None, got {timeout!r}")


def _ms_as_given(timeout: object) -> int:
    if isinstance(timeout, timedelta):
        return int(timeout.total_seconds() * 1000)
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        return int64(_finite_int(timeout, "timeout"), "timeout")
    raise TypeError(f"timeout must be a number of milliseconds or a timedelta, got {timeout!r}")


def _unix_ms(when: object, unit: int) -> int:
    if isinstance(when, datetime):
        return int(when.timestamp() * 1000)
    if isinstance(when, (int, float)) and not isinstance(when, bool):
        return int64(_finite_int(when * unit, "when"), "when")
    raise TypeError(f"when must be a datetime or a Unix timestamp, got {when!r}")


def _finite_int(number: float, what: str) -> int:
    try:
        return int(number)
    except (OverflowError, ValueError):  # inf, nan
        raise ValueError(f"{what} must be a finite number, got {number!r}") from None


def count_arg(count: object, what: str = "count") -> int:
    """A COUNT-like argument: an ``int`` (not a bool) in the 64-bit range."""
    if type(count) is not int:
        raise TypeError(f"{what} must be an int, got {count!r}")
    return int64(count, what)


def lock_times(timeout: float | None, blocking_timeout: float | None) -> None:
    """Check a lock's ``timeout`` and ``blocking_timeout`` (seconds or None) before valkey-py
    turns them into command arguments."""
    for value, what in ((timeout, "lock timeout"), (blocking_timeout, "blocking_timeout")):
        if value is not None:
            seconds_to_ms(value, what)


def field_arg(field: object) -> object:
    """A hash field name as given; a non-``str`` one (valkey-py sends ints and floats as their
    digits) is checked like any other int argument."""
    if type(field) is int:
        int64(field, "hash field")
    return field


def _not_found(key: str) -> Callable[[Exception], Exception | None]:
    def on_error(exc: Exception) -> Exception | None:
        return ValueError(f"Key {key!r} not found.") if "no such key" in str(exc).lower() else None

    return on_error


def _not_integer(key: str) -> Callable[[Exception], Exception | None]:
    def on_error(exc: Exception) -> Exception | None:
        if "not an integer" in str(exc):
            return TypeError(f"cannot increment {key!r}: its value is not an integer")
        return None

    return on_error


# The largest delta accepted: ints of this size are still stored as digits (see _codec).
_DELTA_LIMIT = 10**600


def key_list(keys: Iterable[str], most: int = 3) -> str:
    """A short text naming ``keys`` for an error message: the first few, then how many more."""
    listed = list(keys)
    shown = ", ".join(short_repr(key) for key in listed[:most])
    return f"{shown} and {len(listed) - most} more" if len(listed) > most else shown


def short_repr(value: object, limit: int = 80) -> str:
    """``repr(value)`` cut to about ``limit`` characters, for error messages."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 5]}...{text[-1]}"


def _refused(operation: str, items: Sequence[tuple[Any, ...]]) -> Callable[[Exception], Exception | None]:
    """``on_error`` naming the keys (``items[i][0]``, read only on error) of a refused write."""

    def on_error(exc: Exception) -> Exception | None:
        if not is_refusal(exc):
            return None
        return WriteRefused(f"{operation} of {key_list(item[0] for item in items)} was refused by the server")

    return on_error


def set_all(items: list[tuple[str, bytes | int, int]]) -> Request[list[str]]:
    """Store each ``(stored key, data, milliseconds)`` at once, all or nothing (``set_many``)."""
    if not items:
        return Request(None, _no_failures)
    args: list[Any] = ["EVALSHA", SET_ALL_SHA, len(items)]
    args += [key for key, _, _ in items]
    for _, data, ms in items:
        args += (data, ms)
    return Request(tuple(args), _no_failures, write=True, on_error=_refused("set_many", items))


def check_delta(delta: object) -> int:
    """``delta`` if it is an ``int`` (not a bool); TypeError naming it otherwise."""
    if type(delta) is not int:
        raise TypeError(f"delta must be an int, got {delta!r}")
    return delta


def wrong_type(
    key: str | Sequence[str], kind: str, also: Callable[[Exception], Exception | None] | None = None
) -> Callable[[Exception], Exception | None]:
    """``on_error`` turning the server's WRONGTYPE reply into a TypeError naming ``key`` (the user's
    key, or keys) and the ``kind`` of value the command needs; other errors go to ``also``, if given."""

    def on_error(exc: Exception) -> Exception | None:
        if "WRONGTYPE" in str(exc):
            named = repr(key) if isinstance(key, str) else f"one of {key_list(key)}"
            return TypeError(f"{named} holds another type of value, not a {kind}")
        return also(exc) if also is not None else None

    return on_error


def _field_not(number: str, name: str, field: object) -> Callable[[Exception], Exception | None]:
    def on_error(exc: Exception) -> Exception | None:
        if f"not {number}" in str(exc):
            return TypeError(f"cannot increment field {field!r} of {name!r}: its value is not {number}")
        if "overflow" in str(exc):
            return ValueError(f"incrementing field {field!r} of {name!r} would overflow")
        return None

    return on_error


def float_arg(number: object, what: str) -> float:
    """A finite ``int`` or ``float`` (not a bool) as a float, for a score or an increment."""
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        raise TypeError(f"{what} must be a number, got {number!r}")
    try:
        value = float(number)
    except OverflowError:
        raise ValueError(f"{what} is out of range: {short_repr(number)}") from None
    if value != value:
        raise ValueError(f"{what} must not be NaN")
    return value


def _field_ttl(reply: Any) -> int | None:
    """One HTTL/HPTTL answer: -1 (no expiry) is None, -2 (no field) is 0."""
    return _ttl(reply)


def _applied(reply: Iterable[Any]) -> list[bool]:
    """HEXPIRE / HPERSIST answers: 1 (or 2: deleted by a past expiry) is True; 0, -1, -2 False."""
    return [int(code) > 0 for code in reply]


def _pairs(reply: Mapping[Any, Any] | Sequence[Any]) -> Iterable[tuple[Any, Any]]:
    """The (field, value) pairs of a hash reply: a dict, or a flat list (RESP2 without a callback)."""
    if isinstance(reply, Mapping):
        return reply.items()
    return zip(reply[::2], reply[1::2])


# What HINCRBYFLOAT stores: a number as text, which no serializer wrote (see Commands._field_decoder).
_FLOAT_TEXT = re.compile(rb"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


_ENDS = ("LEFT", "RIGHT")


def _end(end: object, what: str) -> str:
    """``"LEFT"`` or ``"RIGHT"`` (any case), for LMOVE / BLMOVE."""
    if isinstance(end, str) and end.upper() in _ENDS:
        return end.upper()
    raise ValueError(f"{what} must be 'LEFT' or 'RIGHT', got {end!r}")


def _list_errors(key: str, index: int | None = None) -> Callable[[Exception], Exception | None]:
    def also(exc: Exception) -> Exception | None:
        text = str(exc).lower()
        if "no such key" in text:
            return ValueError(f"Key {key!r} not found.")
        if "out of range" in text:
            return IndexError(f"index {index} is out of range for the list {key!r}")
        return None

    return wrong_type(key, "list", also)


def score_bound(bound: object, what: str) -> float | str:
    """A score range bound: a number, or the server's text form (``"(1.5"``, ``"-inf"``, ``"+inf"``)."""
    return bound if isinstance(bound, str) else float_arg(bound, what)


def _lex_bound(bound: object, what: str) -> str:
    if isinstance(bound, str) and (bound in ("-", "+") or bound[:1] in ("[", "(")):
        return bound
    raise ValueError(f"{what} of a lex range must be '-', '+', or start with '[' or '(', got {bound!r}")


def _score_or_none(reply: Any) -> float | None:
    return None if reply is None else float(reply)


def _rank(reply: Any) -> int | None:
    return None if reply is None else int(reply)


def _scored_pairs(reply: Sequence[Any] | None) -> Iterable[tuple[Any, Any]]:
    """(member, score) pairs of a reply: a flat list (RESP2) or a list of pairs (RESP3, ZSCAN)."""
    if not reply:
        return ()
    if isinstance(reply[0], (list, tuple)):
        return [(pair[0], pair[1]) for pair in reply]
    return zip(reply[::2], reply[1::2])


def _text(item: bytes | str) -> str:
    return item.decode() if isinstance(item, bytes) else item


class Commands:
    """Builds the ``Request`` of every cache operation from user keys and values."""

    __slots__ = ("keys", "codec", "default_timeout", "socket_timeout")

    def __init__(self, keys: KeyMaker, codec: Codec, default_timeout: float | None) -> None:
        self.keys = keys
        self.codec = codec
        self.default_timeout = default_timeout
        self.socket_timeout: float | None = None
        """Seconds a reply may take (``None``: no limit); a blocking pop must time out before."""

    def timeout_ms(self, timeout: object) -> int | None:
        """Milliseconds to keep a value: ``None`` forever, ``<= 0`` expire at once."""
        if timeout is DEFAULT_TIMEOUT:
            timeout = self.default_timeout
        if timeout is None:
            return None
        return seconds_to_ms(timeout)

    def _decoder(self, key: str) -> Callable[[bytes], Any]:
        decode = self.codec.decode
        return lambda raw: decode(raw, key)

    def _decode_set(self, key: str) -> Callable[[Iterable[bytes]], builtins.set[Any]]:
        decode = self.codec.decode
        return lambda reply: {decode(raw, key) for raw in reply}

    # ---------------------------------------------------------------- Django's API

    def get(self, key: str, default: Any, version: int | None) -> Request[Any]:
        made = self.keys.make_key(key, version)
        decode = self.codec.decode
        return Request(("GET", made), lambda raw: default if raw is None else decode(raw, made))

    def set(
        self, key: str, value: Any, timeout: object, version: int | None, nx: bool = False, xx: bool = False
    ) -> Request[bool]:
        made = self.keys.make_key(key, version)
        data = self.codec.encode(value)
        ms = self.timeout_ms(timeout)
        if ms is not None and ms <= 0:
            # Expires at once: nothing is stored, the old value goes.
            if nx:
                return Request(("EXISTS", made), _missing, write=True)
            return Request(("DEL", made), _bool if xx else _true, write=True)
        args: Args = ("SET", made, data) if ms is None else ("SET", made, data, "PX", ms)
        if nx:
            args += ("NX",)
        elif xx:
            args += ("XX",)
        return Request(args, _bool, write=True)

    def touch(self, key: str, timeout: object, version: int | None) -> Request[bool]:
        made = self.keys.make_key(key, version)
        ms = self.timeout_ms(timeout)
        if ms is None:
            return Request(("EVALSHA", PERSIST_SHA, 1, made), _bool, write=True)
        if ms <= 0:
            return Request(("DEL", made), _bool, write=True)
        return Request(("PEXPIRE", made, ms), _bool, write=True)

    def delete(self, key: str, version: int | None) -> Request[bool]:
        return Request(("DEL", self.keys.make_key(key, version)), _bool, write=True)

    def get_many(self, keys: Iterable[str], version: int | None) -> Request[dict[str, Any]]:
        wanted = list(keys)
        if not wanted:
            return Request(None, _empty_dict)
        made: list[str] | None = self.keys.made_strings(wanted, version)
        if made is None:
            made = list(self.keys.make_keys(wanted, version))
        decode_many = self.codec.decode_many

        def parse(reply: list[bytes | None]) -> dict[str, Any]:
            return decode_many(wanted, made, reply)

        return Request(("MGET", *made), parse)

    def set_many(self, data: Mapping[str, Any], timeout: object, version: int | None) -> Request[list[str]]:
        ms = self.timeout_ms(timeout)
        encode = self.codec.encode
        # Everything is encoded before anything is sent: a bad value leaves the cache untouched.
        made: Sequence[str] | None = self.keys.made_strings(list(data), version)
        if made is None:
            made = self.keys.make_keys(list(data), version)
        items = list(zip(made, map(encode, data.values())))
        if not items:
            return Request(None, _no_failures)
        if ms is None:
            args = ("MSET", *[part for item in items for part in item])
            return Request(args, _no_failures, write=True, on_error=_refused("set_many", items))
        if ms <= 0:
            return Request(("DEL", *[key for key, _ in items]), _no_failures, write=True)
        return set_all([(key, value, ms) for key, value in items])

    def delete_many(self, keys: Iterable[str], version: int | None) -> Request[int]:
        wanted = list(keys)
        made: Sequence[str] | None = self.keys.made_strings(wanted, version)
        if made is None:
            made = self.keys.make_keys(wanted, version)
        if not made:
            return Request(None, _zero)
        return Request(("DEL", *made), _int, write=True)

    def has_key(self, key: str, version: int | None) -> Request[bool]:
        return Request(("EXISTS", self.keys.make_key(key, version)), _bool)

    def incr(self, key: str, delta: int, version: int | None, create: bool = False) -> Request[int]:
        """Django's ``incr``: atomic, TTL kept, ValueError on a missing key, never creates it
        (unless ``create``: then a missing key starts at ``delta``, with no expiry); exact beyond
        the server's 64-bit range (see ``INCR_SCRIPT``)."""
        check_delta(delta)
        if not -_DELTA_LIMIT < delta < _DELTA_LIMIT:
            raise OverflowError(f"delta has {len(str(abs(delta)))} digits, more than the 600 incr takes")
        if type(create) is not bool:
            raise TypeError(f"ignore_key_check must be True or False, got {create!r}")
        made = self.keys.make_key(key, version)

        def parse(reply: int | None) -> int:
            if reply is None:
                raise ValueError(f"Key {key!r} not found.")
            return int(reply)

        args: Args = ("EVALSHA", INCR_SHA, 1, made, delta, "1") if create else ("EVALSHA", INCR_SHA, 1, made, delta)
        return Request(args, parse, write=True, on_error=_not_integer(key))

    def decr(self, key: str, delta: int, version: int | None, create: bool = False) -> Request[int]:
        """``incr`` by ``-delta`` (``delta`` checked first, so errors name what the caller gave)."""
        return self.incr(key, -check_delta(delta), version, create)

    def incr_version(self, key: str, delta: int, version: int | None) -> Request[int]:
        check_delta(delta)
        current = self.keys.version if version is None else version
        old = self.keys.make_key(key, current)
        new = self.keys.make_key(key, current + delta)
        # RENAME moves the value in one step and keeps its TTL.
        return Request(("RENAME", old, new), lambda _: current + delta, write=True, on_error=_not_found(key))

    def clear(self) -> Request[None]:
        return Request(("FLUSHDB",), _none, write=True)

    def flushall(self, asynchronous: bool = False) -> Request[bool]:
        """FLUSHALL (every database; on a cluster, every primary): ``True`` when each node said OK."""
        args: Args = ("FLUSHALL", "ASYNC") if asynchronous else ("FLUSHALL",)
        return Request(args, all_ok, write=True)

    def msetnx(self, data: Mapping[str, Any], version: int | None) -> Request[bool]:
        """MSETNX: every value stored (with no expiry), or none if any key exists; ``True`` if stored."""
        make_key, encode = self.keys.make_key, self.codec.encode
        items = [(make_key(key, version), encode(value)) for key, value in data.items()]
        if not items:
            return Request(None, _true)
        args = ("MSETNX", *[part for item in items for part in item])
        return Request(args, _bool, write=True, on_error=_refused("msetnx", items))

    # ---------------------------------------------------------------- expiry

    def ttl(self, key: str, version: int | None) -> Request[int | None]:
        return Request(("TTL", self.keys.make_key(key, version)), _ttl)

    def pttl(self, key: str, version: int | None) -> Request[int | None]:
        return Request(("PTTL", self.keys.make_key(key, version)), _ttl)

    def expire(self, key: str, timeout: ExpiryTime, version: int | None) -> Request[bool]:
        made = self.keys.make_key(key, version)
        if timeout is DEFAULT_TIMEOUT:
            return self._expire_default(made)
        return Request(("PEXPIRE", made, seconds_to_ms(timeout)), _bool, write=True)

    def pexpire(self, key: str, timeout: ExpiryTime, version: int | None) -> Request[bool]:
        made = self.keys.make_key(key, version)
        if timeout is DEFAULT_TIMEOUT:
            return self._expire_default(made)
        return Request(("PEXPIRE", made, _ms_as_given(timeout)), _bool, write=True)

    def _expire_default(self, made: str) -> Request[bool]:
        """``expire``/``pexpire`` with Django's ``DEFAULT_TIMEOUT`` (as django-valkey 0.4 took it):
        the cache's ``TIMEOUT`` from now, in seconds whichever of the two is called; with
        ``TIMEOUT: None`` the key stops expiring (``True`` if it exists, as ``touch`` does)."""
        ms = self.timeout_ms(DEFAULT_TIMEOUT)
        if ms is None:
            return Request(("EVALSHA", PERSIST_SHA, 1, made), _bool, write=True)
        return Request(("PEXPIRE", made, ms), _bool, write=True)

    def expire_at(self, key: str, when: AbsoluteTime, version: int | None) -> Request[bool]:
        made = self.keys.make_key(key, version)
        return Request(("PEXPIREAT", made, _unix_ms(when, 1000)), _bool, write=True)

    def pexpire_at(self, key: str, when: AbsoluteTime, version: int | None) -> Request[bool]:
        made = self.keys.make_key(key, version)
        return Request(("PEXPIREAT", made, _unix_ms(when, 1)), _bool, write=True)

    def persist(self, key: str, version: int | None) -> Request[bool]:
        return Request(("PERSIST", self.keys.make_key(key, version)), _bool, write=True)

    # ---------------------------------------------------------------- key space

    def keys_matching(self, search: str, version: int | None) -> Request[list[str]]:
        original = self.keys.original
        pattern = self.keys.make_pattern(search, version)
        return Request(("KEYS", pattern), lambda reply: [original(key) for key in reply])

    def delete_stored(self, stored: list[Any]) -> Request[int]:
        """DEL of keys already made (from SCAN)."""
        if not stored:
            return Request(None, _zero)
        return Request(("DEL", *stored), _int, write=True)

    # ---------------------------------------------------------------- sets

    def _members(self, command: str, key: str, members: tuple[Any, ...], version: int | None) -> Args:
        return (command, self.keys.make_key(key, version), *self.codec.encode_many(list(members)))

    def sadd(self, key: str, values: tuple[Any, ...], version: int | None) -> Request[int]:
        if not values:
            return Request(None, _zero)
        return Request(self._members("SADD", key, values, version), _int, write=True)

    def srem(self, key: str, members: tuple[Any, ...], version: int | None) -> Request[int]:
        if not members:
            return Request(None, _zero)
        return Request(self._members("SREM", key, members, version), _int, write=True)

    def scard(self, key: str, version: int | None) -> Request[int]:
        return Request(("SCARD", self.keys.make_key(key, version)), _int)

    def sismember(self, key: str, member: Any, version: int | None) -> Request[bool]:
        return Request(self._members("SISMEMBER", key, (member,), version), _bool)

    def smismember(self, key: str, members: tuple[Any, ...], version: int | None) -> Request[list[bool]]:
        if not members:
            return Request(None, lambda _: [])
        return Request(self._members("SMISMEMBER", key, members, version), lambda reply: [bool(x) for x in reply])

    def smembers(self, key: str, version: int | None) -> Request[builtins.set[Any]]:
        made = self.keys.make_key(key, version)
        return Request(("SMEMBERS", made), self._decode_set(made))

    def smove(self, source: str, destination: str, member: Any, version: int | None) -> Request[bool]:
        args = ("SMOVE", self.keys.make_key(source, version), self.keys.make_key(destination, version))
        return Request((*args, self.codec.encode(member)), _bool, write=True)

    def spop_one(self, key: str, version: int | None) -> Request[Any]:
        made = self.keys.make_key(key, version)
        decode = self._decoder(made)
        return Request(("SPOP", made), lambda raw: None if raw is None else decode(raw), write=True)

    def spop_many(self, key: str, count: int, version: int | None) -> Request[builtins.set[Any]]:
        made = self.keys.make_key(key, version)
        return Request(("SPOP", made, count_arg(count)), self._decode_set(made), write=True)

    def srandmember_one(self, key: str, version: int | None) -> Request[Any]:
        made = self.keys.make_key(key, version)
        decode = self._decoder(made)
        return Request(("SRANDMEMBER", made), lambda raw: None if raw is None else decode(raw))

    def srandmember_many(self, key: str, count: int, version: int | None) -> Request[list[Any]]:
        made = self.keys.make_key(key, version)
        decode = self._decoder(made)
        return Request(("SRANDMEMBER", made, count_arg(count)), lambda reply: [decode(raw) for raw in reply])

    def spop(self, key: str, count: int | None, version: int | None) -> Request[Any]:
        """SPOP of one member (``count=None``: the member or ``None``) or of ``count`` (a set)."""
        return self.spop_one(key, version) if count is None else self.spop_many(key, count, version)

    def srandmember(self, key: str, count: int | None, version: int | None) -> Request[Any]:
        """SRANDMEMBER of one member (``count=None``: the member or ``None``) or of ``count`` (a list)."""
        return self.srandmember_one(key, version) if count is None else self.srandmember_many(key, count, version)

    def set_algebra(self, command: str, keys: tuple[str, ...], version: int | None) -> Request[builtins.set[Any]]:
        """SDIFF / SINTER / SUNION."""
        made = self.keys.make_keys(list(keys), version)
        return Request((command, *made), self._decode_set(made[0] if made else ""))

    def set_algebra_store(
        self,
        command: str,
        destination: str,
        keys: tuple[str, ...],
        version: int | None,
        version_dest: int | None = None,
        version_keys: int | None = None,
    ) -> Request[int]:
        """SDIFFSTORE / SINTERSTORE / SUNIONSTORE; ``version_dest`` / ``version_keys`` (django-valkey
        0.4's) give the destination's and the source keys' versions, each defaulting to ``version``."""
        if version_dest is None and version_keys is None:
            made = self.keys.make_keys([destination, *keys], version)
        else:
            dest = self.keys.make_key(destination, version if version_dest is None else version_dest)
            made = [dest, *self.keys.make_keys(list(keys), version if version_keys is None else version_keys)]
        return Request((command, *made), _int, write=True)

    def sscan_page(
        self, key: str, cursor: int, match: str | None, count: int, version: int | None
    ) -> Request[tuple[int, list[Any]]]:
        made = self.keys.make_key(key, version)
        args: Args = ("SSCAN", made, count_arg(cursor, "cursor"), "COUNT", count_arg(count))
        if match is not None:
            args += ("MATCH", match)
        decode = self._decoder(made)
        # Pages of one scan must come from one server: always the primary.
        return Request(args, lambda reply: (int(reply[0]), [decode(raw) for raw in reply[1]]), write=True)

    # ---------------------------------------------------------------- hashes

    def _hash(self, name: str, version: int | None) -> str:
        return self.keys.make_key(name, version)

    def _field_decoder(self, made: str) -> Callable[[bytes], Any]:
        """Decode a hash value; a number HINCRBYFLOAT left as text comes back as a float."""
        decode = self.codec.decode

        def decode_field(raw: bytes) -> Any:
            try:
                return decode(raw, made)
            except SerializerError:
                if _FLOAT_TEXT.fullmatch(raw):
                    return float(raw)
                raise

        return decode_field

    def _fields(self, fields: Iterable[Any]) -> list[Any]:
        return [field_arg(field) for field in fields]

    def hset(
        self, name: str, key: str | None, value: Any, version: int | None, mapping: Mapping[str, Any] | None = None
    ) -> Request[int]:
        """HSET of ``key`` = ``value`` and/or every item of ``mapping``: the number of new fields."""
        made = self._hash(name, version)
        encode = self.codec.encode
        args: list[Any] = ["HSET", made]
        if key is not None:
            args += (field_arg(key), encode(value))
        elif mapping is None:
            raise TypeError("hset needs a field and a value, or a mapping")
        if mapping is not None:
            for field, item in mapping.items():
                args += (field_arg(field), encode(item))
        if len(args) == 2:
            return Request(None, _zero)
        return Request(tuple(args), _int, write=True, on_error=wrong_type(name, "hash"))

    def hsetnx(self, name: str, key: str, value: Any, version: int | None) -> Request[bool]:
        args = ("HSETNX", self._hash(name, version), field_arg(key), self.codec.encode(value))
        return Request(args, _bool, write=True, on_error=wrong_type(name, "hash"))

    def hget(self, name: str, key: str, default: Any, version: int | None) -> Request[Any]:
        made = self._hash(name, version)
        decode = self._field_decoder(made)
        return Request(
            ("HGET", made, field_arg(key)),
            lambda raw: default if raw is None else decode(raw),
            on_error=wrong_type(name, "hash"),
        )

    def hmget(self, name: str, keys: tuple[str, ...], version: int | None) -> Request[list[Any]]:
        if not keys:
            return Request(None, lambda _: [])
        made = self._hash(name, version)
        decode = self._field_decoder(made)
        return Request(
            ("HMGET", made, *self._fields(keys)),
            lambda reply: [None if raw is None else decode(raw) for raw in reply],
            on_error=wrong_type(name, "hash"),
        )

    def hgetall(self, name: str, version: int | None) -> Request[dict[str, Any]]:
        made = self._hash(name, version)
        decode = self._field_decoder(made)

        def parse(reply: Mapping[bytes, bytes] | list[bytes]) -> dict[str, Any]:
            return {_text(field): decode(raw) for field, raw in _pairs(reply)}

        return Request(("HGETALL", made), parse, on_error=wrong_type(name, "hash"))

    def hvals(self, name: str, version: int | None) -> Request[list[Any]]:
        made = self._hash(name, version)
        decode = self._field_decoder(made)
        return Request(("HVALS", made), lambda reply: [decode(raw) for raw in reply], on_error=wrong_type(name, "hash"))

    def hdel(self, name: str, key: str, version: int | None) -> Request[int]:
        return Request(
            ("HDEL", self._hash(name, version), field_arg(key)), _int, write=True, on_error=wrong_type(name, "hash")
        )

    def hlen(self, name: str, version: int | None) -> Request[int]:
        return Request(("HLEN", self._hash(name, version)), _int, on_error=wrong_type(name, "hash"))

    def hkeys(self, name: str, version: int | None) -> Request[list[str]]:
        return Request(("HKEYS", self._hash(name, version)), _text_list, on_error=wrong_type(name, "hash"))

    def hexists(self, name: str, key: str, version: int | None) -> Request[bool]:
        args = ("HEXISTS", self._hash(name, version), field_arg(key))
        return Request(args, _bool, on_error=wrong_type(name, "hash"))

    def hstrlen(self, name: str, key: str, version: int | None) -> Request[int]:
        args = ("HSTRLEN", self._hash(name, version), field_arg(key))
        return Request(args, _int, on_error=wrong_type(name, "hash"))

    def hincrby(self, name: str, key: str, amount: int, version: int | None) -> Request[int]:
        args = ("HINCRBY", self._hash(name, version), field_arg(key), count_arg(amount, "amount"))
        return Request(args, _int, write=True, on_error=wrong_type(name, "hash", _field_not("an integer", name, key)))

    def hincrbyfloat(self, name: str, key: str, amount: float, version: int | None) -> Request[float]:
        args = ("HINCRBYFLOAT", self._hash(name, version), field_arg(key), float_arg(amount, "amount"))
        return Request(args, float, write=True, on_error=wrong_type(name, "hash", _field_not("a float", name, key)))

    def hscan_page(
        self, name: str, cursor: int, match: str | None, count: int, version: int | None
    ) -> Request[tuple[int, list[tuple[str, Any]]]]:
        made = self._hash(name, version)
        args: Args = ("HSCAN", made, count_arg(cursor, "cursor"), "COUNT", count_arg(count))
        if match is not None:
            args += ("MATCH", match)
        decode = self._field_decoder(made)

        def parse(reply: Any) -> tuple[int, list[tuple[str, Any]]]:
            return int(reply[0]), [(_text(field), decode(raw)) for field, raw in _pairs(reply[1])]

        # Pages of one scan must come from one server: always the primary.
        return Request(args, parse, write=True, on_error=wrong_type(name, "hash"))

    # Field expiry (Valkey 9): one answer per field, in the order given.

    def _field_expiry(self, command: str, name: str, fields: tuple[str, ...], *before: Any) -> Args:
        if not fields:
            raise ValueError(f"{command.lower()} needs at least one field")
        return (command, name, *before, "FIELDS", len(fields), *self._fields(fields))

    def hexpire(
        self, name: str, timeout: ExpiryTime, fields: tuple[str, ...], version: int | None, ms: bool = False
    ) -> Request[list[bool]]:
        """HPEXPIRE: a TTL for each field (``ms``: ``timeout`` is in milliseconds)."""
        # HPEXPIRE refuses a negative time; 0 deletes the field, as a TTL in the past should.
        duration = max(_ms_as_given(timeout) if ms else seconds_to_ms(timeout), 0)
        args = self._field_expiry("HPEXPIRE", self._hash(name, version), fields, duration)
        return Request(args, _applied, write=True, on_error=wrong_type(name, "hash"))

    def httl(
        self, name: str, fields: tuple[str, ...], version: int | None, ms: bool = False
    ) -> Request[list[int | None]]:
        """HTTL / HPTTL: per field, the time left, ``None`` if it never expires, ``0`` if missing."""
        args = self._field_expiry("HPTTL" if ms else "HTTL", self._hash(name, version), fields)
        return Request(args, lambda reply: [_field_ttl(code) for code in reply], on_error=wrong_type(name, "hash"))

    def hpersist(self, name: str, fields: tuple[str, ...], version: int | None) -> Request[list[bool]]:
        args = self._field_expiry("HPERSIST", self._hash(name, version), fields)
        return Request(args, _applied, write=True, on_error=wrong_type(name, "hash"))

    # ---------------------------------------------------------------- lists

    def _list_decoder(self, made: str) -> Callable[[bytes | None], Any]:
        decode = self.codec.decode
        return lambda raw: None if raw is None else decode(raw, made)

    def _list_values(self, made: str) -> Callable[[list[bytes] | None], list[Any]]:
        decode = self.codec.decode
        return lambda reply: [] if reply is None else [decode(raw, made) for raw in reply]

    def push(self, command: str, key: str, values: tuple[Any, ...], version: int | None) -> Request[int]:
        """LPUSH / RPUSH: the length of the list after the push (LLEN when there is nothing to push)."""
        made = self.keys.make_key(key, version)
        if not values:
            return Request(("LLEN", made), _int, on_error=wrong_type(key, "list"))
        args = (command, made, *self.codec.encode_many(list(values)))
        return Request(args, _int, write=True, on_error=wrong_type(key, "list"))

    def pop(self, command: str, key: str, count: int | None, version: int | None) -> Request[Any]:
        """LPOP / RPOP: one value (or ``None``), or with ``count`` a list of up to ``count``."""
        made = self.keys.make_key(key, version)
        if count is None:
            return Request((command, made), self._list_decoder(made), write=True, on_error=wrong_type(key, "list"))
        args = (command, made, count_arg(count))
        return Request(args, self._list_values(made), write=True, on_error=wrong_type(key, "list"))

    def lrange(self, key: str, start: int, end: int, version: int | None) -> Request[list[Any]]:
        made = self.keys.make_key(key, version)
        args = ("LRANGE", made, count_arg(start, "start"), count_arg(end, "end"))
        return Request(args, self._list_values(made), on_error=wrong_type(key, "list"))

    def llen(self, key: str, version: int | None) -> Request[int]:
        return Request(("LLEN", self.keys.make_key(key, version)), _int, on_error=wrong_type(key, "list"))

    def lindex(self, key: str, index: int, version: int | None) -> Request[Any]:
        made = self.keys.make_key(key, version)
        args = ("LINDEX", made, count_arg(index, "index"))
        return Request(args, self._list_decoder(made), on_error=wrong_type(key, "list"))

    def lset(self, key: str, index: int, value: Any, version: int | None) -> Request[bool]:
        made = self.keys.make_key(key, version)
        args = ("LSET", made, count_arg(index, "index"), self.codec.encode(value))
        return Request(args, _true, write=True, on_error=_list_errors(key, index))

    def lrem(self, key: str, count: int, value: Any, version: int | None) -> Request[int]:
        made = self.keys.make_key(key, version)
        args = ("LREM", made, count_arg(count), self.codec.encode(value))
        return Request(args, _int, write=True, on_error=wrong_type(key, "list"))

    def ltrim(self, key: str, start: int, end: int, version: int | None) -> Request[bool]:
        made = self.keys.make_key(key, version)
        args = ("LTRIM", made, count_arg(start, "start"), count_arg(end, "end"))
        return Request(args, _true, write=True, on_error=wrong_type(key, "list"))

    def linsert(self, key: str, where: object, pivot: Any, value: Any, version: int | None) -> Request[int]:
        if not isinstance(where, str) or where.upper() not in ("BEFORE", "AFTER"):
            raise ValueError(f"where must be 'BEFORE' or 'AFTER', got {where!r}")
        made = self.keys.make_key(key, version)
        args = ("LINSERT", made, where.upper(), self.codec.encode(pivot), self.codec.encode(value))
        return Request(args, _int, write=True, on_error=wrong_type(key, "list"))

    def lmove(self, source: str, destination: str, src: str, dest: str, version: int | None) -> Request[Any]:
        made = self.keys.make_keys([source, destination], version)
        args = ("LMOVE", *made, _end(src, "src"), _end(dest, "dest"))
        return Request(
            args, self._list_decoder(made[0]), write=True, on_error=wrong_type((source, destination), "list")
        )

    # Blocking pops: the server waits up to ``timeout`` seconds for a value.

    def block_timeout(self, timeout: object) -> float:
        """``timeout`` if a blocking pop may wait that long: a positive number of seconds (at
        least a millisecond, the server's unit: less would block for ever, as 0 does), shorter than
        the socket timeout so that the reply comes before the connection gives up."""
        if timeout is None or isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
            raise TypeError(f"timeout must be a number of seconds, got {timeout!r} (None would block for ever)")
        if not timeout >= 0.001:
            raise ValueError(f"timeout must be at least 0.001 seconds, got {timeout!r} (0 would block for ever)")
        limit = self.socket_timeout
        if limit is not None and timeout >= limit:
            raise ValueError(f"timeout must be shorter than the socket timeout ({limit} s), got {timeout!r}")
        seconds_to_ms(timeout)  # in range
        return float(timeout)

    def bpop(
        self, command: str, keys: tuple[str, ...], timeout: float, version: int | None
    ) -> Request[tuple[str, Any] | None]:
        """BLPOP / BRPOP: ``(key, value)`` from the first of ``keys`` that has a value, or ``None``."""
        if not keys:
            raise ValueError(f"{command.lower()} needs at least one key")
        seconds = self.block_timeout(timeout)
        made = self.keys.make_keys(list(keys), version)
        users: dict[str, str] = dict(zip(made, keys))
        decode = self.codec.decode

        def parse(reply: Sequence[bytes] | None) -> tuple[str, Any] | None:
            if reply is None:
                return None
            stored = _text(reply[0])
            return users[stored], decode(reply[1], stored)

        return Request((command, *made, seconds), parse, write=True, on_error=wrong_type(keys, "list"))

    def blmove(
        self, source: str, destination: str, timeout: float, src: str, dest: str, version: int | None
    ) -> Request[Any]:
        seconds = self.block_timeout(timeout)
        made = self.keys.make_keys([source, destination], version)
        args = ("BLMOVE", *made, _end(src, "src"), _end(dest, "dest"), seconds)
        return Request(
            args, self._list_decoder(made[0]), write=True, on_error=wrong_type((source, destination), "list")
        )

    # ---------------------------------------------------------------- sorted sets

    def _zset(self, key: str, version: int | None) -> str:
        return self.keys.make_key(key, version)

    def _scored(self, made: str) -> Callable[[Any], list[tuple[Any, float]]]:
        decode = self.codec.decode
        return lambda reply: [(decode(raw, made), float(score)) for raw, score in _scored_pairs(reply)]

    def _zadd_args(
        self, key: str, mapping: Mapping[Any, float], version: int | None, flags: tuple[bool, ...], incr: bool
    ) -> tuple[str, list[str], list[Any]]:
        nx, xx, gt, lt, _ = flags
        if nx and xx:
            raise ValueError("zadd takes nx or xx, not both")
        if (gt or lt) and (nx or (gt and lt)):
            raise ValueError("zadd takes one of gt and lt, and neither with nx")
        if incr and len(mapping) != 1:
            raise ValueError(f"zadd with incr takes one member, got {len(mapping)}")
        made = self._zset(key, version)
        named = [name for name, on in zip(("NX", "XX", "GT", "LT", "CH"), flags) if on]
        encode = self.codec.encode
        pairs: list[Any] = []
        for member, score in mapping.items():
            pairs += (float_arg(score, "score"), encode(member))
        return made, named, pairs

    def zadd(
        self, key: str, mapping: Mapping[Any, float], version: int | None, flags: tuple[bool, ...] = (False,) * 5
    ) -> Request[int]:
        """ZADD of every ``member: score`` (``flags``: nx, xx, gt, lt, ch): the number added
        (or changed, with ch)."""
        made, named, pairs = self._zadd_args(key, mapping, version, flags, incr=False)
        if not pairs:
            return Request(None, _zero)
        return Request(("ZADD", made, *named, *pairs), _int, write=True, on_error=wrong_type(key, "sorted set"))

    def zadd_incr(
        self, key: str, mapping: Mapping[Any, float], version: int | None, flags: tuple[bool, ...] = (False,) * 5
    ) -> Request[float | None]:
        """ZADD ... INCR of one ``member: amount``: the new score, ``None`` if a flag stopped it."""
        made, named, pairs = self._zadd_args(key, mapping, version, flags, incr=True)
        args = ("EVALSHA", ZADD_INCR_SHA, 1, made, *named, "INCR", *pairs)
        return Request(args, _score_or_none, write=True, on_error=wrong_type(key, "sorted set"))

    def zincrby(self, key: str, amount: float, member: Any, version: int | None) -> Request[float]:
        args = ("ZINCRBY", self._zset(key, version), float_arg(amount, "amount"), self.codec.encode(member))
        return Request(args, float, write=True, on_error=wrong_type(key, "sorted set"))

    def zscore(self, key: str, member: Any, version: int | None) -> Request[float | None]:
        args = ("ZSCORE", self._zset(key, version), self.codec.encode(member))
        return Request(args, _score_or_none, on_error=wrong_type(key, "sorted set"))

    def zmscore(self, key: str, members: tuple[Any, ...], version: int | None) -> Request[list[float | None]]:
        if not members:
            return Request(None, lambda _: [])
        args = ("ZMSCORE", self._zset(key, version), *self.codec.encode_many(list(members)))
        return Request(
            args, lambda reply: [_score_or_none(score) for score in reply], on_error=wrong_type(key, "sorted set")
        )

    def zrank(self, key: str, member: Any, version: int | None, rev: bool = False) -> Request[int | None]:
        args = ("ZREVRANK" if rev else "ZRANK", self._zset(key, version), self.codec.encode(member))
        return Request(args, _rank, on_error=wrong_type(key, "sorted set"))

    def zrange(
        self,
        key: str,
        start: object,
        end: object,
        version: int | None,
        byscore: bool = False,
        bylex: bool = False,
        rev: bool = False,
        offset: int | None = None,
        count: int | None = None,
        withscores: bool = False,
    ) -> Request[Any]:
        """ZRANGE by index (``start``/``end`` ints), by score or by lex; members, or with
        ``withscores`` ``(member, score)`` pairs."""
        if byscore and bylex:
            raise ValueError("zrange takes byscore or bylex, not both")
        if bylex and withscores:
            raise ValueError("zrange by lex has no scores to return")
        if (offset is None) != (count is None):
            raise ValueError("zrange takes offset and count together")
        if offset is not None and not (byscore or bylex):
            raise ValueError("zrange takes offset and count only with byscore or bylex")
        made = self._zset(key, version)
        bounds: tuple[Any, Any]
        if byscore:
            bounds = (score_bound(start, "start"), score_bound(end, "end"))
        elif bylex:
            bounds = (_lex_bound(start, "start"), _lex_bound(end, "end"))
        else:
            bounds = (count_arg(start, "start"), count_arg(end, "end"))
        args: Args = ("ZRANGE", made, *bounds)
        if byscore:
            args += ("BYSCORE",)
        elif bylex:
            args += ("BYLEX",)
        if rev:
            args += ("REV",)
        if offset is not None:
            args += ("LIMIT", count_arg(offset, "offset"), count_arg(count, "count"))
        if withscores:
            return Request((*args, "WITHSCORES"), self._scored(made), on_error=wrong_type(key, "sorted set"))
        decode = self.codec.decode
        return Request(args, lambda reply: [decode(raw, made) for raw in reply], on_error=wrong_type(key, "sorted set"))

    def zrem(self, key: str, members: tuple[Any, ...], version: int | None) -> Request[int]:
        if not members:
            return Request(None, _zero)
        args = ("ZREM", self._zset(key, version), *self.codec.encode_many(list(members)))
        return Request(args, _int, write=True, on_error=wrong_type(key, "sorted set"))

    def zremrangebyscore(self, key: str, low: object, high: object, version: int | None) -> Request[int]:
        args = ("ZREMRANGEBYSCORE", self._zset(key, version), score_bound(low, "min"), score_bound(high, "max"))
        return Request(args, _int, write=True, on_error=wrong_type(key, "sorted set"))

    def zremrangebyrank(self, key: str, start: int, end: int, version: int | None) -> Request[int]:
        args = ("ZREMRANGEBYRANK", self._zset(key, version), count_arg(start, "start"), count_arg(end, "end"))
        return Request(args, _int, write=True, on_error=wrong_type(key, "sorted set"))

    def zcard(self, key: str, version: int | None) -> Request[int]:
        return Request(("ZCARD", self._zset(key, version)), _int, on_error=wrong_type(key, "sorted set"))

    def zcount(self, key: str, low: object, high: object, version: int | None) -> Request[int]:
        args = ("ZCOUNT", self._zset(key, version), score_bound(low, "min"), score_bound(high, "max"))
        return Request(args, _int, on_error=wrong_type(key, "sorted set"))

    def zpop(self, command: str, key: str, count: int | None, version: int | None) -> Request[list[tuple[Any, float]]]:
        """ZPOPMIN / ZPOPMAX of one member (or ``count``): ``(member, score)`` pairs."""
        made = self._zset(key, version)
        args: Args = (command, made) if count is None else (command, made, count_arg(count))
        return Request(args, self._scored(made), write=True, on_error=wrong_type(key, "sorted set"))

    def zscan_page(
        self, key: str, cursor: int, match: str | None, count: int, version: int | None
    ) -> Request[tuple[int, list[tuple[Any, float]]]]:
        made = self._zset(key, version)
        args: Args = ("ZSCAN", made, count_arg(cursor, "cursor"), "COUNT", count_arg(count))
        if match is not None:
            args += ("MATCH", match)
        scored = self._scored(made)
        # Pages of one scan must come from one server: always the primary.
        return Request(
            args, lambda reply: (int(reply[0]), scored(reply[1])), write=True, on_error=wrong_type(key, "sorted set")
        )
