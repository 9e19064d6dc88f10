"""Credentials out of everything the package renders: reprs, error messages, log lines, the demo.

The rule: a URL keeps its scheme, user name, host, port, path and query, and its password
becomes ``***`` (``valkey://bob:s3cret@host/0`` -> ``valkey://bob:***@host/0``,
``valkey://:s3cret@host`` -> ``valkey://:***@host``); a query argument whose name contains
``pass``, ``secret``, ``token``, ``credential`` or ``auth`` has its value replaced the same way
(``?password=s3cret`` -> ``?password=***``). A user name alone (``valkey://bob@host``) is shown:
valkey-py reads it as a user name, not a password. In mappings (``SENTINEL_KWARGS``, pool
kwargs), a value under such a key is ``***``. The functions are pure and never raise, whatever
they are given: they are used while an error is being reported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import FrameType, TracebackType
from typing import cast

__all__ = ["MASK", "drop_secret_frames", "is_secret_name", "redact_text", "redact_url", "safe_repr"]

#: What a secret is replaced with.
MASK = "***"

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
_SECRET_NAME = re.compile(r"pass|secret|token|credential|auth", re.IGNORECASE)
_SECRET_ARG = re.compile(
    r"(?P<name>[?&;][^=&#;?]*(?:pass|secret|token|credential|auth)[^=&#;]*=)[^&#;]+", re.IGNORECASE
)
# Where a URL embedded in free text (an error message, a repr) ends.
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\",<>]*")
_MAX_DEPTH = 8


def is_secret_name(name: object) -> bool:
    """Whether a keyword or setting called ``name`` holds a secret (``password``,
    ``sentinel_password``, ``credential_provider``, ``auth_token``...)."""
    return isinstance(name, str) and _SECRET_NAME.search(name) is not None


def _userinfo_end(rest: str) -> int:
    """Index of the ``@`` that ends the user info of ``rest`` (the URL after ``scheme://``), or -1.

    Normally the last ``@`` before the query; a ``?`` or ``#`` left unencoded in a password
    moves the query start, so an ``@`` after it still ends the user info when no ``/`` (the
    start of a path) comes before it."""
    query = len(rest)
    for mark in ("?", "#"):
        found = rest.find(mark)
        if 0 <= found < query:
            query = found
    at = rest.rfind("@", 0, query)
    if at >= 0:
        return at
    at = rest.rfind("@")
    if at > query and "/" not in rest[:at]:
        return at
    return -1


def _mask_args(text: str) -> str:
    return _SECRET_ARG.sub(lambda m: m.group("name") + MASK, text)


def _redact_one(url: str) -> str:
    stripped = url.lstrip()
    lead = url[: len(url) - len(stripped)]
    match = _SCHEME.match(stripped)
    if match is None:  # not a URL: there may still be URLs or password=... in it
        return _mask_args(_URL_IN_TEXT.sub(lambda m: _redact_one(m.group(0)), url))
    head, rest = stripped[: match.end()], stripped[match.end() :]
    at = _userinfo_end(rest)
    if at < 0:
        return lead + head + _mask_args(rest)
    user, colon, _password = rest[:at].partition(":")
    # Only the part after the user info can hold query arguments.
    return f"{lead}{head}{user}{':' + MASK if colon else ''}@{_mask_args(rest[at + 1 :])}"


def redact_url(url: str) -> str:
    """``url`` (one LOCATION URL, or several separated by commas) with passwords replaced by
    ``***``; everything else is kept as written."""
    try:
        return ",".join(_redact_one(part) for part in url.split(","))
    except Exception:  # not a str after all: say nothing about it
        return f"<{type(url).__name__}>"


def redact_text(text: str) -> str:
    """``text`` (an error message, a repr) with the passwords of the URLs in it replaced by ``***``."""
    try:
        return _URL_IN_TEXT.sub(lambda m: _redact_one(m.group(0)), text)
    except Exception:
        return f"<{type(text).__name__}>"


def _safe_repr(value: object, depth: int) -> str:
    if depth > _MAX_DEPTH:
        return "..."
    if isinstance(value, str):
        return repr(redact_url(value))
    if isinstance(value, Mapping):
        items = cast("Mapping[object, object]", value).items()
        shown = (
            f"{_safe_repr(k, depth + 1)}: {repr(MASK) if is_secret_name(k) else _safe_repr(v, depth + 1)}"
            for k, v in items
        )
        return "{" + ", ".join(shown) + "}"
    if isinstance(value, (list, tuple)):
        entries = list(cast("list[object] | tuple[object, ...]", value))
        # A (name, value) pair whose name is a secret's, as in a list of keyword pairs.
        if len(entries) == 2 and is_secret_name(entries[0]):
            inner = f"{_safe_repr(entries[0], depth + 1)}, {MASK!r}"
        else:
            inner = ", ".join(_safe_repr(v, depth + 1) for v in entries)
        if isinstance(value, list):
            return f"[{inner}]"
        return f"({inner},)" if len(entries) == 1 else f"({inner})"
    return redact_text(repr(value))


def safe_repr(value: object) -> str:
    """``repr(value)`` for a message, with URL passwords and secret-named entries of mappings
    (and ``(name, value)`` pairs) replaced by ``***``; never raises."""
    try:
        return _safe_repr(value, 0)
    except Exception:
        return f"<{type(value).__name__} object>"


# --- tracebacks ------------------------------------------------------------------------------------

# Modules whose frames may be dropped: ours and valkey-py's (never the caller's code).
_OWN_MODULES = ("valkey.", "django_valkey.")
# Not "token": valkey-py's lock frames hold lock tokens, which are not credentials.
_CREDENTIAL_LOCAL = re.compile(r"pass|secret|cred|auth", re.IGNORECASE)
_MAX_CHAIN = 16


def _holds_secret(value: object, depth: int = 0) -> bool:
    """Whether a local variable's value (named like a credential) is a secret worth hiding: a
    non-empty string or bytes, or a sequence or mapping with one in it."""
    if isinstance(value, (str, bytes)):
        return bool(value)
    if depth > 2:
        return False
    if isinstance(value, (list, tuple)):
        return any(_holds_secret(v, depth + 1) for v in cast("list[object] | tuple[object, ...]", value))
    if isinstance(value, Mapping):
        return any(_holds_secret(v, depth + 1) for v in cast("Mapping[object, object]", value).values())
    return False


def _is_auth_command(value: object, depth: int = 0) -> bool:
    """Whether ``value`` is (or holds) an AUTH command with its arguments: ``("AUTH", user,
    password)`` or ``HELLO 3 AUTH ...`` as valkey-py's ``send_command`` gets them, or packed for the
    wire as ``send_packed_command`` gets them."""
    if isinstance(value, bytes):
        return b"\r\nauth\r\n" in value.lower()
    if isinstance(value, str):
        return "\r\nauth\r\n" in value.lower()
    if depth > 2 or not isinstance(value, (list, tuple)):
        return False
    items = list(cast("list[object] | tuple[object, ...]", value))
    for item in items:
        if (isinstance(item, str) and item.lower() == "auth") or (isinstance(item, bytes) and item.lower() == b"auth"):
            return True
    return any(_is_auth_command(item, depth + 1) for item in items)


def _frame_holds_secret(frame: FrameType) -> bool:
    """A frame of valkey-py or django-valkey with a credential in its locals: a local named like
    one (valkey-py's ``auth_args`` during AUTH, a ``password``), the AUTH command itself, a URL
    with a password, a mapping with a password entry."""
    module = frame.f_globals.get("__name__")
    if not isinstance(module, str) or not (module + ".").startswith(_OWN_MODULES):
        return False
    for name, value in frame.f_locals.items():
        if _CREDENTIAL_LOCAL.search(name) is not None and _holds_secret(value):
            return True
        if isinstance(value, str) and "://" in value and redact_url(value) != value:
            return True
        if _is_auth_command(value):
            return True
        if isinstance(value, Mapping) and any(
            isinstance(key, str) and _CREDENTIAL_LOCAL.search(key) is not None and _holds_secret(entry)
            for key, entry in cast("Mapping[object, object]", value).items()
        ):
            return True
    return False


def drop_secret_frames(error: BaseException) -> None:
    """Remove from the tracebacks of ``error`` and the errors chained to it the frames of
    valkey-py and django-valkey whose local variables hold a credential, so that a debug page or
    an error tracker that shows locals (Django's DEBUG page, Sentry) cannot show them. The
    message and every other frame are kept. Never raises."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen and len(seen) < _MAX_CHAIN:
        seen.add(id(current))
        try:
            kept: list[TracebackType] = []
            tb = current.__traceback__
            dropped = False
            while tb is not None:
                if _frame_holds_secret(tb.tb_frame):
                    dropped = True
                else:
                    kept.append(tb)
                tb = tb.tb_next
            if dropped:
                for first, second in zip(kept, kept[1:]):
                    first.tb_next = second
                if kept:
                    kept[-1].tb_next = None
                current.__traceback__ = kept[0] if kept else None
        except Exception:  # a frame whose locals cannot be read: leave this traceback as it is
            pass
        current = current.__cause__ or current.__context__
