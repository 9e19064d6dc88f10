"""Pure key handling: make_key / make_pattern with Django's validation warnings. No I/O."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.base import BaseCache, CacheKeyWarning, default_key_func, memcache_key_warnings

from django_valkey.protocols import CacheContext
from django_valkey.util import CacheKey, default_reverse_key

__all__ = ["KeyMaker", "glob_escape"]

# Characters memcached rejects: a key with none of them (and short enough) needs no slower check.
_SUSPICIOUS = re.compile(r"[\x00-\x20\x7f]")
_MAX_KEY_LENGTH = 250
# Stored keys remembered for the batch fast path (user key -> stored key, current version only);
# emptied when full, so memory stays bounded whatever the keys.
_MEMO_SIZE = 4096
_GLOB_SPECIALS = re.compile(r"([*?\[\]\\])")


def glob_escape(text: str) -> str:
    """Escape the glob characters of ``text`` so that SCAN/KEYS match it literally.

    A backslash escape, not a ``[x]`` class: the server's matcher reads ``[]]`` as an empty class.
    """
    return _GLOB_SPECIALS.sub(r"\\\1", text)


def _warn_like_django(key: str) -> None:
    for message in memcache_key_warnings(key):
        warnings.warn(message, CacheKeyWarning, stacklevel=4)


class KeyMaker:
    """Makes stored keys from user keys, once per call, with the cache's prefix and version.

    Validation follows Django's backends (a ``CacheKeyWarning`` for keys memcached would reject),
    with a fast path for ordinary keys; a cache that overrides ``validate_key`` gets its own
    method called for every key.
    """

    __slots__ = ("_func", "_prefix", "_version", "_validate", "reverse", "_own_head", "_memo", "_made")

    def __init__(self, backend: CacheContext, reverse: Callable[[str], str]) -> None:
        overridden = getattr(type(backend), "validate_key", BaseCache.validate_key) is not BaseCache.validate_key
        self._validate: Callable[[Any], None] | None = backend.validate_key if overridden else None
        self.reverse = reverse
        self.reload(backend)

    def reload(self, backend: CacheContext) -> None:
        """Take ``key_func``, ``key_prefix`` and ``version`` from ``backend`` again (they are read
        once, not on every call; the cache calls this when one of them is reassigned)."""
        self._func: Callable[..., Any] = backend.key_func
        self._prefix = backend.key_prefix
        self._version = backend.version
        # Keys of the current version that passed the checks without a warning (batch fast path).
        self._memo: dict[str, str] = {}
        # The same for single keys, as ``CacheKey``s (``None``: a custom key function or
        # validation, which is called every time).
        plain = self._func is default_key_func and self._validate is None
        self._made: dict[str, CacheKey] | None = {} if plain else None
        # Django's key layout and the default reverse: strip this cache's prefix exactly, since
        # splitting on ":" goes wrong when the prefix itself contains one ("site:a:1:k").
        default_layout = self._func is default_key_func and self.reverse is default_reverse_key
        self._own_head: str | None = f"{self._prefix}:" if default_layout else None

    @property
    def version(self) -> int:
        return self._version

    def make_key(self, key: str, version: int | None = None, prefix: str | None = None) -> CacheKey:
        """The stored key for ``key``; a ``CacheKey`` is returned unchanged."""
        remembered = self._made
        if remembered is not None and version is None and prefix is None and type(key) is str:
            found = remembered.get(key)
            if found is not None:
                return found
        elif type(key) is CacheKey:
            return key
        made = CacheKey(
            self._func(
                key,
                self._prefix if prefix is None else prefix,
                self._version if version is None else version,
            )
        )
        if self._validate is not None:
            self._validate(made)
        elif len(made) > _MAX_KEY_LENGTH or _SUSPICIOUS.search(made) is not None:
            _warn_like_django(made)  # never remembered: it warns every time, as Django's does
        elif remembered is not None and version is None and prefix is None and type(key) is str:
            if len(remembered) >= _MEMO_SIZE:
                remembered.clear()
            remembered[key] = made
        return made

    def make_keys(self, keys: list[str], version: int | None) -> list[CacheKey]:
        """``make_key`` of each key. With Django's key function and plain ``str`` keys (the usual
        case) the keys are built and checked in a few C-level passes instead of one call each."""
        made = self.made_strings(keys, version)
        return list(map(CacheKey, made)) if made is not None else [self.make_key(key, version) for key in keys]

    def made_strings(self, keys: list[str], version: int | None) -> list[str] | None:
        """The stored keys as plain ``str`` (validated like ``make_key``) for the batch fast path,
        or ``None`` when it does not apply (custom key function or validation, non-``str`` keys)."""
        if self._func is not default_key_func or self._validate is not None or not set(map(type, keys)) <= {str}:
            return None
        current = version is None or version == self._version
        memo = self._memo
        if current:
            try:
                # Every key seen before (the usual batch): looked up, not built and checked again.
                return list(map(memo.__getitem__, keys))
            except KeyError:
                pass
        head = f"{self._prefix}:{self._version if version is None else version}:"
        made = [head + key for key in keys]
        joined = "".join(made)
        # isprintable() is False for every control character (and some harmless ones): then
        # check each key exactly, as make_key does.
        if not joined.isprintable() or " " in joined or max(map(len, made), default=0) > _MAX_KEY_LENGTH:
            for key in made:
                if len(key) > _MAX_KEY_LENGTH or _SUSPICIOUS.search(key) is not None:
                    _warn_like_django(key)
        elif current:
            # None of them warns (a key that warns is never remembered, so it warns every time).
            if len(memo) + len(made) > _MEMO_SIZE:
                memo.clear()
            if len(made) <= _MEMO_SIZE:
                memo.update(zip(keys, made))
        return made

    def make_pattern(self, pattern: str, version: int | None = None, prefix: str | None = None) -> CacheKey:
        """A SCAN/KEYS pattern: the glob in ``pattern`` is kept, the prefix is matched literally."""
        return CacheKey(
            self._func(
                pattern,
                glob_escape(self._prefix if prefix is None else prefix),
                self._version if version is None else version,
            )
        )

    def original(self, stored: bytes | str) -> str:
        """The user key of a stored key, with ``REVERSE_KEY_FUNCTION``."""
        text = stored.decode() if isinstance(stored, bytes) else stored
        head = self._own_head
        if head is not None and text.startswith(head):
            return text[len(head) :].split(":", 1)[1]  # drop "prefix:" then "version:"
        return self.reverse(text)
