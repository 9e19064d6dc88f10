"""The stored format: plain ints, serialized payloads and escaped payloads never mistaken for one
another, whatever the serializer and compressor; huge ints never crash the process."""

from __future__ import annotations

import enum
import importlib
import subprocess
import sys
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_valkey._core.codec import ESCAPE, Codec, stored_int
from django_valkey.async_cache.cache import AsyncValkeyCache
from django_valkey.exceptions import SerializerError
from django_valkey.serializers.pickle import PickleSerializer
from tests.helpers import MakeCache, cache_params
from tests.servers import ValkeyProcess

SER = "django_valkey.serializers."
COMP = "django_valkey.compressors."
SERIALIZERS = {
    "pickle": SER + "pickle.PickleSerializer",
    "json": SER + "json.JSONSerializer",
    "msgpack": SER + "msgpack.MSGPackSerializer",
    "msgspec_json": SER + "msgspec.MsgSpecJsonSerializer",
    "msgspec_msgpack": SER + "msgspec.MsgSpecMsgPackSerializer",
}
COMPRESSORS = {
    "none": COMP + "identity.IdentityCompressor",
    "zlib": COMP + "zlib.ZlibCompressor",
    "gzip": COMP + "gzip.GzipCompressor",
    "lzma": COMP + "lzma.LzmaCompressor",
    "bz2": COMP + "bz2.Bz2Compressor",
    "lz4": COMP + "lz4.Lz4Compressor",
    "zstd": COMP + "zstd.ZStdCompressor",
    "brotli": COMP + "brotli.BrotliCompressor",
}

HUGE = 10**5000  # str() of it fails: more digits than Python converts by default
HUGE_NEGATIVE = -(10**4400)


class Digit(enum.IntEnum):
    """An int subclass whose values msgpack packs as the single bytes '0'-'9'."""

    ZERO = 48
    SEVEN = 55
    NINE = 57


def _load(path: str) -> Any:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _codec(serializer: str, compressor: str) -> Codec:
    comp = _load(COMPRESSORS[compressor])({})
    return Codec(_load(SERIALIZERS[serializer])({}), None if compressor == "none" else comp)


# ------------------------------------------------------------------ item 1: huge ints


def test_huge_ints_round_trip_in_every_sync_command(cache: Any) -> None:
    """A >4,300-digit int used to be sent raw and crash libvalkey's command packer (SIGSEGV)."""
    cache.set("k", HUGE)
    assert cache.get("k") == HUGE
    assert cache.set_many({"a": HUGE, "b": HUGE_NEGATIVE, "c": 5}) == []
    assert cache.get_many(["a", "b", "c"]) == {"a": HUGE, "b": HUGE_NEGATIVE, "c": 5}
    assert cache.set_many({"t": HUGE}, timeout=30) == []
    assert cache.get("t") == HUGE
    assert cache.add("new", HUGE) is True
    assert cache.sadd("s", HUGE, 1) == 2
    assert cache.smembers("s") == {HUGE, 1}
    assert cache.hset("h", "f", HUGE) == 1
    assert cache.hget("h", "f") == HUGE


async def test_huge_ints_round_trip_async(cache: Any, valkey_server: ValkeyProcess) -> None:
    """``aset`` used to raise a bare ValueError from valkey-py's encoder."""
    await cache.aset("k", HUGE)
    assert await cache.aget("k") == HUGE
    assert await cache.aset_many({"a": HUGE_NEGATIVE}) == []
    assert await cache.aget_many(["a"]) == {"a": HUGE_NEGATIVE}
    native = AsyncValkeyCache(f"{valkey_server.url}/0", cache_params(f"{valkey_server.url}/0", AsyncValkeyCache))
    try:
        await native.set("n", HUGE)
        assert await native.get("n") == HUGE
        assert await native.sadd("ns", HUGE) == 1
    finally:
        await native.aclose()


def test_huge_int_under_a_serializer_that_cannot_hold_it_is_a_clear_error(make_cache: MakeCache) -> None:
    cache = make_cache(SERIALIZER=SERIALIZERS["msgpack"])
    with pytest.raises(SerializerError, match="MSGPackSerializer cannot serialize a value of type int"):
        cache.set("k", HUGE)
    assert cache.get("k") is None


def test_ints_up_to_600_digits_stay_digits_for_incr(cache: Any, raw: Any) -> None:
    big = 10**599
    cache.set("k", big)
    assert raw.get(cache.make_key("k")) == str(big).encode()
    assert cache.incr("k") == big + 1


# ------------------------------------------------------------------ item 4: ints vs payloads


@pytest.mark.parametrize("serializer", ["msgpack", "msgspec_msgpack"])
def test_int_subclasses_packed_as_digits_keep_their_value(make_cache: MakeCache, serializer: str) -> None:
    """msgpack packs 48-57 as the bytes '0'-'9'; they used to be read back as the ints 0-9."""
    cache = make_cache(SERIALIZER=SERIALIZERS[serializer])
    values = {f"k{member.value}": member for member in Digit}
    for key, value in values.items():
        cache.set(key, value)
        assert cache.get(key) == value.value
    assert cache.get_many(list(values)) == {key: value.value for key, value in values.items()}


@pytest.mark.parametrize("stored", [b" 7 ", b"1_000", b"007", b"-0", b"+5", b"\xd9\x9b", b"7\n"])
def test_bytes_that_only_look_like_ints_are_not_read_as_ints(cache: Any, raw: Any, stored: bytes) -> None:
    """Only canonical digits (what an int is stored as) are an int: int() alone accepts these."""
    raw.set(cache.make_key("k"), stored)
    with pytest.raises(SerializerError, match="':1:k'"):
        cache.get("k")
    with pytest.raises(SerializerError):
        cache.get_many(["k"])


@pytest.mark.parametrize("stored", [b"0", b"7", b"-12", b"9223372036854775808", b"-" + b"9" * 500])
def test_canonical_digits_written_by_another_client_are_ints(cache: Any, raw: Any, stored: bytes) -> None:
    raw.set(cache.make_key("k"), stored)
    assert cache.get("k") == int(stored)
    assert cache.get_many(["k"]) == {"k": int(stored)}


class DigitsSerializer:
    """A custom serializer whose payloads can be bare digits (Decimal as text)."""

    def __init__(self, options: Any = None) -> None:
        pass

    def dumps(self, value: Any) -> bytes:
        return str(value).encode()

    def loads(self, value: bytes) -> Any:
        return Decimal(value.decode())


def test_a_custom_serializer_that_writes_digits_gets_its_value_back(make_cache: MakeCache, raw: Any) -> None:
    cache = make_cache(SERIALIZER=DigitsSerializer)
    cache.set("k", Decimal("12"))
    got = cache.get("k")
    assert got == Decimal("12") and type(got) is Decimal
    assert raw.get(cache.make_key("k")) == ESCAPE + b"12"
    cache.set("plain", Decimal("1.5"))
    assert raw.get(cache.make_key("plain")) == b"1.5"  # escaped only when it would be misread
    assert cache.get_many(["k", "plain"]) == {"k": Decimal("12"), "plain": Decimal("1.5")}


def test_stored_int_accepts_only_canonical_digits() -> None:
    assert [stored_int(b) for b in (b"0", b"-1", b"42", b"-9876543210123")] == [0, -1, 42, -9876543210123]
    for bad in (b"", b"-", b"00", b"-0", b"01", b" 1", b"1 ", b"1_0", b"+1", b"1.0", "٣".encode()):
        assert stored_int(bad) is None, bad


# ------------------------------------------------------------------ item 7: short payloads


SHORT_VALUES: list[Any] = [
    "",
    "\x01",
    "\x06",
    "a",
    "\x00",
    "7",
    "-1",
    "\xc1",
    0.5,
    True,
    False,
    None,
    [],
    {},
    [1],
    "x" * 14,
]


@pytest.mark.parametrize("compressor", sorted(COMPRESSORS))
@pytest.mark.parametrize("serializer", sorted(SERIALIZERS))
def test_every_compressor_reads_back_every_short_value(make_cache: MakeCache, serializer: str, compressor: str) -> None:
    """Values at or under the minimum length are stored uncompressed; brotli has no magic
    number, so some of them used to be taken for brotli streams on read."""
    cache = make_cache(SERIALIZER=SERIALIZERS[serializer], COMPRESSOR=COMPRESSORS[compressor])
    data = {f"k{i}": value for i, value in enumerate(SHORT_VALUES)}
    data.update({f"d{member.value}": member for member in Digit})
    data.update({f"long{i}": "y" * size for i, size in enumerate((15, 16, 17, 40, 300))})
    expected = {key: value.value if isinstance(value, Digit) else value for key, value in data.items()}
    assert cache.set_many(data) == []
    assert cache.get_many(list(data)) == expected
    for key, value in expected.items():
        assert cache.get(key) == value, (key, value)


def test_a_short_payload_the_compressor_would_accept_is_escaped() -> None:
    codec = _codec("msgpack", "brotli")
    for value in ("\x01", "\x06"):
        assert codec.encode(value)[:1] == ESCAPE
        assert codec.decode(codec.encode(value)) == value  # type: ignore[arg-type]  # bytes here


# ------------------------------------------------------------------ fuzzed: every codec


VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=40) | st.floats(allow_nan=False),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@pytest.mark.parametrize("compressor", sorted(COMPRESSORS))
@pytest.mark.parametrize("serializer", ["pickle", "msgpack", "json"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=VALUES)
def test_codec_round_trips_fuzzed_values(serializer: str, compressor: str, value: Any) -> None:
    codec = _codec(serializer, compressor)
    stored = codec.encode(value)
    data = str(stored).encode() if type(stored) is int else stored
    assert isinstance(data, bytes)
    assert codec.decode(data) == value


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=40))
def test_arbitrary_stored_bytes_decode_or_raise_serializer_error(data: bytes) -> None:
    """Bytes written behind the cache's back: a value or a SerializerError, nothing else."""
    for compressor in ("none", "brotli", "zlib"):
        codec = _codec("pickle", compressor)
        try:
            codec.decode(data)
        except SerializerError:
            pass


def test_pickle_payloads_are_never_escaped() -> None:
    codec = Codec(PickleSerializer({}), None)
    for value in ("7", 7.0, Digit.SEVEN, b"12", "\xc1"):
        stored = codec.encode(value)
        assert isinstance(stored, bytes) and stored[:1] == b"\x80"


# ------------------------------------------------------------------ item 1: huge int arguments

_CHILD = """
import sys
from django.conf import settings
settings.configure(CACHES={})
from django_valkey.cache import ValkeyCache
H = 10**5000
cache = ValkeyCache(sys.argv[1], {"KEY_PREFIX": "child"})
cache.set("k", 1)
cache.sadd("s", 1)
calls = {
    "set timeout": lambda: cache.set("k", 1, timeout=H),
    "set_many timeout": lambda: cache.set_many({"a": 1}, timeout=H),
    "expire": lambda: cache.expire("k", H),
    "pexpire": lambda: cache.pexpire("k", H),
    "expire_at": lambda: cache.expire_at("k", H),
    "touch": lambda: cache.touch("k", H),
    "spop": lambda: cache.spop("s", H),
    "srandmember": lambda: cache.srandmember("s", H),
    "sscan": lambda: cache.sscan("s", count=H),
    "iter_keys": lambda: list(cache.iter_keys("*", itersize=H)),
    "lock": lambda: cache.lock("l", timeout=H).acquire(),
    "hset field": lambda: cache.hset("h", H, 1),
    "hget field": lambda: cache.hget("h", H),
}
for name, call in calls.items():
    try:
        call()
    except ValueError as exc:
        print(name, "ValueError", exc)
    else:
        print(name, "no error")
print("alive", cache.get("k"))
"""


def test_huge_int_arguments_are_refused_without_crashing(valkey_server: ValkeyProcess, tmp_path: Any) -> None:
    """Timeouts, counts and hash fields too large to print used to reach libvalkey's packer,
    which crashed the interpreter. Run in a child process, so a crash cannot take pytest down."""
    script = tmp_path / "child.py"
    script.write_text(_CHILD)
    done = subprocess.run(
        [sys.executable, str(script), f"{valkey_server.url}/0"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[-1] == "alive 1"
    assert len(lines) == 14
    for line in lines[:-1]:
        assert "ValueError" in line and "out of range" in line, line
