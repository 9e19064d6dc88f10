"""Serializers and compressors: round trips through a real server, and what is really stored."""

from __future__ import annotations

import datetime
import importlib
import pickle
import sys
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from django_valkey._core.codec import Codec
from django_valkey.compressors.identity import IdentityCompressor
from django_valkey.exceptions import CompressorError
from django_valkey.serializers.pickle import PickleSerializer
from tests.helpers import MakeCache

SER = "django_valkey.serializers."
COMP = "django_valkey.compressors."

JSON_LIKE: list[Any] = ["text", "ünï©ødé", "", 0, 7, -3, 2.5, True, False, None, [1, "a", None], {"k": [1, {"n": 2.0}]}]

SERIALIZERS = {
    "pickle": (
        SER + "pickle.PickleSerializer",
        [
            *JSON_LIKE,
            (1, 2),
            {1, 2},
            b"raw",
            Decimal("1.10"),
            datetime.date(2024, 1, 2),
            {1: "int key", (2, 3): "tuple key"},
        ],
    ),
    "json": (SER + "json.JSONSerializer", JSON_LIKE),
    "msgpack": (SER + "msgpack.MSGPackSerializer", [*JSON_LIKE, b"raw", {1: "int key", "s": {2: [3]}}]),
    "msgspec_json": (SER + "msgspec.MsgSpecJsonSerializer", JSON_LIKE),
    "msgspec_msgpack": (SER + "msgspec.MsgSpecMsgPackSerializer", [*JSON_LIKE, b"raw", {1: "int key"}]),
}

COMPRESSORS = {
    "identity": COMP + "identity.IdentityCompressor",
    "zlib": COMP + "zlib.ZlibCompressor",
    "gzip": COMP + "gzip.GzipCompressor",
    "lzma": COMP + "lzma.LzmaCompressor",
    "bz2": COMP + "bz2.Bz2Compressor",
    "lz4": COMP + "lz4.Lz4Compressor",
    "zstd": COMP + "zstd.ZStdCompressor",
    "brotli": COMP + "brotli.BrotliCompressor",
}


@pytest.mark.parametrize("name", sorted(SERIALIZERS))
def test_serializer_round_trips(make_cache: MakeCache, name: str) -> None:
    path, values = SERIALIZERS[name]
    cache = make_cache(SERIALIZER=path)
    data = {f"k{i}": value for i, value in enumerate(values)}
    for key, value in data.items():
        cache.set(key, value)
        got = cache.get(key)
        assert got == value and type(got) is type(value), (key, value, got)
    cache.clear()
    assert cache.set_many(data) == []
    assert cache.get_many(list(data)) == data
    cache.sadd("s", "a", 1, 2.5)
    assert cache.smembers("s") == {"a", 1, 2.5}
    cache.hset("h", "f", [1, 2])
    assert cache.hget("h", "f") == [1, 2]


def test_json_serializer_conversions(make_cache: MakeCache) -> None:
    cache = make_cache(SERIALIZER=SER + "json.JSONSerializer")
    cache.set("t", (1, 2))
    assert cache.get("t") == [1, 2]
    when = datetime.datetime(2024, 5, 6, 7, 8, 9)
    cache.set("d", {"when": when, "price": Decimal("1.50")})
    assert cache.get("d") == {"when": "2024-05-06T07:08:09", "price": "1.50"}


def test_ints_stored_raw_with_every_serializer(make_cache: MakeCache, raw: Any) -> None:
    for name, (path, _) in SERIALIZERS.items():
        cache = make_cache(SERIALIZER=path, KEY_PREFIX=name)
        cache.set("n", 12)
        assert raw.get(cache.make_key("n")) == b"12"
        assert cache.incr("n", 3) == 15
        assert cache.get("n") == 15


@pytest.mark.parametrize("serializer", ["pickle", "json", "msgpack"])
@pytest.mark.parametrize("compressor", sorted(COMPRESSORS))
def test_compressor_round_trips(make_cache: MakeCache, raw: Any, serializer: str, compressor: str) -> None:
    path, _ = SERIALIZERS[serializer]
    cache = make_cache(SERIALIZER=path, COMPRESSOR=COMPRESSORS[compressor])
    dumps = cache.client._serializer.dumps
    small: Any = None if serializer == "pickle" else "tiny"  # serialized, under 15 bytes
    large = {"text": "abc" * 2000, "n": list(range(200))}
    cache.set("small", small)
    cache.set("large", large)
    cache.set_many({"m_small": small, "m_large": large})
    assert cache.get("small") == small
    assert cache.get("large") == large
    assert cache.get_many(["m_small", "m_large"]) == {"m_small": small, "m_large": large}
    assert len(dumps(small)) <= 15
    # Below CACHE_COMPRESS_MIN_LENGTH: stored as the serializer wrote it.
    assert raw.get(cache.make_key("small")) == dumps(small)
    stored_large = raw.get(cache.make_key("large"))
    if compressor == "identity":
        assert stored_large == dumps(large)
    else:
        assert stored_large != dumps(large)
        assert len(stored_large) < len(dumps(large)) // 4
        assert cache.client._compressor.decompress(stored_large) == dumps(large)
    cache.set("n", 123456789012345678)
    assert raw.get(cache.make_key("n")) == b"123456789012345678"
    assert cache.incr("n") == 123456789012345679


def test_compress_min_length_setting(make_cache: MakeCache, raw: Any) -> None:
    value = "x" * 100
    with override_settings(CACHE_COMPRESS_MIN_LENGTH=1000):
        cache = make_cache(COMPRESSOR=COMPRESSORS["zlib"])
        cache.set("k", value)
    assert raw.get(cache.make_key("k")) == pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    assert cache.get("k") == value
    other = make_cache(COMPRESSOR=COMPRESSORS["zlib"], KEY_PREFIX="z")
    other.set("k", value)
    assert raw.get(other.make_key("k")) != pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    # Either cache reads what the other wrote.
    assert other.get("k") == value


def test_compress_level_setting(make_cache: MakeCache, raw: Any) -> None:
    value = "".join(chr(65 + (i * 7919) % 26) for i in range(20000))
    sizes = {}
    for level in (1, 9):
        with override_settings(CACHE_COMPRESS_LEVEL=level):
            cache = make_cache(COMPRESSOR=COMPRESSORS["zlib"], KEY_PREFIX=f"l{level}")
            cache.set("k", value)
        sizes[level] = len(raw.get(cache.make_key("k")))
        assert cache.get("k") == value
    assert sizes[9] < sizes[1]


@pytest.mark.parametrize("setting, bad", [("CACHE_COMPRESS_MIN_LENGTH", "10"), ("CACHE_COMPRESS_LEVEL", 1.5)])
def test_bad_compressor_settings(make_cache: MakeCache, setting: str, bad: Any) -> None:
    with override_settings(**{setting: bad}):
        cache = make_cache(COMPRESSOR=COMPRESSORS["zlib"])
        with pytest.raises(ImproperlyConfigured, match=setting):
            cache.get("k")


def test_compressor_error_on_foreign_data() -> None:
    from django_valkey.compressors.zlib import ZlibCompressor

    with pytest.raises(CompressorError, match="ZlibCompressor"):
        ZlibCompressor().decompress(b"not zlib at all")


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_pickle_version(make_cache: MakeCache, raw: Any, protocol: int) -> None:
    cache = make_cache(PICKLE_VERSION=protocol)
    cache.set("k", {"a": [1, 2]})
    stored = raw.get(cache.make_key("k"))
    assert stored[0] == 0x80 and stored[1] == protocol
    assert cache.get("k") == {"a": [1, 2]}


def test_pickle_version_default_and_negative(raw: Any) -> None:
    assert PickleSerializer({}).protocol == pickle.HIGHEST_PROTOCOL
    assert PickleSerializer({"PICKLE_VERSION": -1}).protocol == pickle.HIGHEST_PROTOCOL


@pytest.mark.parametrize("bad", [pickle.HIGHEST_PROTOCOL + 1, "5", 2.0])
def test_bad_pickle_version(make_cache: MakeCache, bad: Any) -> None:
    cache = make_cache(PICKLE_VERSION=bad)
    with pytest.raises(ImproperlyConfigured, match="PICKLE_VERSION"):
        cache.get("k")


def test_codec_reads_digits_as_int_only_when_whole() -> None:
    codec = Codec(PickleSerializer({}), None)
    assert codec.decode(b"-12") == -12
    assert codec.encode(5) == 5
    assert codec.encode(True) != 1
    assert codec.decode(codec.encode(True)) is True
    assert codec.decode(codec.encode("12")) == "12"


# ------------------------------------------------------------------ missing optional dependencies

OPTIONAL = [
    ("msgpack", ["msgpack"], SER + "msgpack.MSGPackSerializer", "SERIALIZER"),
    ("msgspec", ["msgspec"], SER + "msgspec.MsgSpecJsonSerializer", "SERIALIZER"),
    ("lz4", ["lz4", "lz4.frame"], COMP + "lz4.Lz4Compressor", "COMPRESSOR"),
    ("brotli", ["brotli"], COMP + "brotli.BrotliCompressor", "COMPRESSOR"),
    ("zstd", ["backports.zstd"], COMP + "zstd.ZStdCompressor", "COMPRESSOR"),
]


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="zstd is in the standard library from 3.14")
@pytest.mark.parametrize("extra, modules, path, option", OPTIONAL, ids=[o[0] for o in OPTIONAL])
def test_missing_optional_dependency_names_the_extra(
    make_cache: MakeCache, monkeypatch: pytest.MonkeyPatch, extra: str, modules: list[str], path: str, option: str
) -> None:
    module_name = path.rsplit(".", 1)[0]
    importlib.import_module(module_name)  # loaded for real first: the restore below is exact
    for module in modules:
        monkeypatch.setitem(sys.modules, module, None)  # "import module" now fails
    monkeypatch.delitem(sys.modules, module_name)
    with pytest.raises(ImproperlyConfigured, match=rf"django-valkey\[{extra}\]"):
        importlib.import_module(module_name)
    cache = make_cache(**{option: path})
    with pytest.raises(ImproperlyConfigured, match=rf"django-valkey\[{extra}\]"):
        cache.get("k")
    monkeypatch.undo()
    assert importlib.import_module(module_name) is sys.modules[module_name]


def test_identity_compressor_is_skipped() -> None:
    assert IdentityCompressor().compress(b"x" * 100) == b"x" * 100
