"""The batch fast paths (``KeyMaker.make_keys``, ``Codec.decode_many``) behave exactly like the
one-key paths they replace: same stored keys, same warnings, same errors."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from django.core.cache.backends.base import CacheKeyWarning

from django_valkey.exceptions import SerializerError
from django_valkey.util import CacheKey
from tests.helpers import MakeCache


def one_by_one(cache: Any, keys: list[Any], version: int | None = None) -> list[str]:
    return [cache.client._keys.make_key(key, version) for key in keys]


@pytest.mark.parametrize(
    "keys",
    [
        ["a", "b:c", "ünïcode", "x" * 200],
        ["with space", "ok"],
        ["tab\there", "ok"],
        ["\x7f", "ok"],
        ["y" * 300],
        [],
    ],
)
def test_make_keys_matches_make_key(make_cache: MakeCache, keys: list[str]) -> None:
    cache = make_cache(KEY_PREFIX="p", VERSION=3)
    with warnings.catch_warnings(record=True) as single:
        warnings.simplefilter("always")
        expected = one_by_one(cache, keys)
    with warnings.catch_warnings(record=True) as batch:
        warnings.simplefilter("always")
        made = cache.client._keys.make_keys(keys, None)
    assert made == expected
    assert all(type(key) is CacheKey for key in made)
    assert [str(w.message) for w in batch] == [str(w.message) for w in single]
    assert all(w.category is CacheKeyWarning for w in batch)


def test_make_keys_with_version_non_str_and_cachekey(make_cache: MakeCache) -> None:
    cache = make_cache(KEY_PREFIX="p")
    keys: list[Any] = [1, "two", cache.make_key("three")]
    assert cache.client._keys.make_keys(keys, 7) == one_by_one(cache, keys, 7)
    assert cache.client._keys.make_keys(["k"], 7) == ["p:7:k"]


def test_custom_key_function_is_used_for_batches(make_cache: MakeCache) -> None:
    cache = make_cache(KEY_FUNCTION=lambda key, prefix, version: f"{key}|{version}|{prefix}", KEY_PREFIX="p")
    assert cache.client._keys.make_keys(["a", "b"], None) == ["a|1|p", "b|1|p"]
    cache.set_many({"a": 1, "b": "two"})
    assert cache.get_many(["a", "b", "c"]) == {"a": 1, "b": "two"}


def test_get_many_warns_for_a_bad_key(cache: Any) -> None:
    with pytest.warns(CacheKeyWarning):
        assert cache.get_many(["fine", "not fine"]) == {}


def test_remembered_keys_follow_version_and_prefix_and_bad_keys_warn_every_time(cache: Any) -> None:
    keys = [f"k{i}" for i in range(50)]
    cache.set_many({key: key for key in keys})
    assert cache.get_many(keys) == {key: key for key in keys}  # built and remembered
    assert cache.get_many(keys) == {key: key for key in keys}  # served from what was remembered
    assert cache.client._keys.make_keys(keys, None) == one_by_one(cache, keys)
    assert cache.get_many(keys, version=2) == {}  # another version: not the remembered keys
    cache.version = 5
    assert cache.get_many(keys) == {}
    assert cache.client._keys.made_strings(keys[:2], None) == [":5:k0", ":5:k1"]
    cache.key_prefix = "other"
    assert cache.client._keys.made_strings(keys[:1], None) == ["other:5:k0"]
    for _ in range(3):
        with pytest.warns(CacheKeyWarning):
            cache.get_many(["fine", "not fine"])


def test_remembered_keys_stay_bounded(cache: Any) -> None:
    from django_valkey._core.keys import _MEMO_SIZE

    maker = cache.client._keys
    for start in range(0, 3 * _MEMO_SIZE, 1000):
        batch = [f"b{i}" for i in range(start, start + 1000)]
        assert maker.made_strings(batch, None) == [f":1:{key}" for key in batch]
        assert len(maker._memo) <= _MEMO_SIZE


def test_decode_many_mixed_values(cache: Any, raw: Any) -> None:
    cache.set_many({"int": 12, "neg": -3, "str": "s", "list": [1, 2], "none": None})
    raw.set(cache.make_key("digits-text"), b"12abc")  # starts like an int, is not one
    got = cache.get_many(["int", "neg", "str", "list", "none", "missing"])
    assert got == {"int": 12, "neg": -3, "str": "s", "list": [1, 2], "none": None}
    # only pickles (the pickle fast path), only digits (it fails over to the checked loop)
    assert cache.get_many(["str", "list", "none"]) == {"str": "s", "list": [1, 2], "none": None}
    assert cache.get_many(["int", "neg", "missing"]) == {"int": 12, "neg": -3}
    with pytest.raises(SerializerError, match="digits-text"):
        cache.get_many(["int", "digits-text"])


def test_decode_many_corrupt_and_empty_values_name_the_key(cache: Any, raw: Any) -> None:
    raw.set(cache.make_key("corrupt"), b"\x80\x05garbage")
    with pytest.raises(SerializerError, match="corrupt"):
        cache.get_many(["corrupt"])
    raw.set(cache.make_key("empty"), b"")
    with pytest.raises(SerializerError, match="empty"):
        cache.get_many(["empty"])


def test_decode_many_with_a_compressor(make_cache: MakeCache) -> None:
    cache = make_cache(COMPRESSOR="django_valkey.compressors.zlib.ZlibCompressor")
    data = {"big": "x" * 1000, "small": "y", "n": 5}
    cache.set_many(data)
    assert cache.get_many(list(data)) == data


def test_single_keys_are_remembered_exactly(make_cache: MakeCache) -> None:
    """``make_key`` remembers the stored key of a plain key (current version, own prefix): the
    same result, a warning every time for a key that warns, none kept for other versions or a
    ``CacheKey``, forgotten when the prefix changes, bounded in size."""
    from django_valkey._core.keys import _MEMO_SIZE

    cache = make_cache(KEY_PREFIX="p")
    keys = cache.client._keys
    first = keys.make_key("k")
    assert keys.make_key("k") is first and first == "p:1:k" and type(first) is CacheKey
    assert keys.make_key("k", 2) == "p:2:k" and keys.make_key("k", None, "q") == "q:1:k"
    assert keys.make_key(first) is first  # a CacheKey is not made again (nor looked up)
    for _ in range(2):
        with pytest.warns(CacheKeyWarning):
            keys.make_key("has space")
    cache.key_prefix = "other"
    assert cache.make_key("k") == "other:1:k"
    for i in range(_MEMO_SIZE + 10):
        keys.make_key(f"k{i}")
    assert keys._made is not None and len(keys._made) <= _MEMO_SIZE
    assert keys.make_key("k5") == "other:1:k5"
