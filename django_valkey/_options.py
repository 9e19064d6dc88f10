"""Pure configuration parsing: OPTIONS and settings, read once when a cache is built. No I/O."""

from __future__ import annotations

import functools
import logging
from inspect import iscoroutinefunction
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from typing_extensions import get_protocol_members

__all__ = ["CacheOptions", "check_members", "load_object", "number_or_none", "positive_or_none", "setting_or_option"]

DEFAULT_SCAN_ITERSIZE = 1000


def load_object(value: object, setting: str) -> Any:
    """``value`` itself, or the object its dotted path names; ImproperlyConfigured names ``setting``."""
    if not isinstance(value, str):
        return value
    try:
        return import_string(value)
    except ImportError as exc:
        raise ImproperlyConfigured(f"{setting} = {value!r} cannot be imported: {exc}") from exc


# (class, Protocol) pairs already found conforming. Django builds a cache object per thread, and
# under ASGI per request, so the check must cost nothing after its first run for a class.
_CONFORMING: set[tuple[type, type]] = set()


def check_members(obj: object, protocol: type, setting: str) -> None:
    """Raise ImproperlyConfigured naming what ``obj`` lacks to satisfy ``protocol``.

    Run at configuration time, never per call; a class that passed once is not checked again.
    """
    cls = obj if isinstance(obj, type) else type(obj)
    if (cls, protocol) in _CONFORMING:
        return
    problem = _nonconformance(obj, protocol)
    if problem is not None:
        name = getattr(obj, "__qualname__", type(obj).__qualname__)
        raise ImproperlyConfigured(f"{setting}: {name} does not implement {protocol.__name__}; {problem}")
    _CONFORMING.add((cls, protocol))


def _nonconformance(obj: object, protocol: type) -> str | None:
    """What ``obj`` lacks for ``protocol`` (missing members, or sync/async mix-ups), or None."""
    spec = _protocol_spec(protocol)
    missing = [member for member, _ in spec if not hasattr(obj, member)]
    if missing:
        return f"missing: {', '.join(missing)}"
    # A sync client in an async cache (or the reverse) has every name but the wrong kind of method.
    wrong_kind = [
        (member, is_async)
        for member, is_async in spec
        if is_async is not None and is_async != iscoroutinefunction(getattr(obj, member))
    ]
    if not wrong_kind:
        return None
    names = [member for member, _ in wrong_kind]
    kind = "coroutines (async def)" if wrong_kind[0][1] else "plain methods (not async)"
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    return f"these must be {kind}: {', '.join(names[:5])}{more}"


@functools.cache
def _protocol_spec(protocol: type) -> tuple[tuple[str, bool | None], ...]:
    """``protocol``'s members, sorted, each with whether it is declared ``async def``."""
    return tuple((member, _declared_async(protocol, member)) for member in sorted(get_protocol_members(protocol)))


def _declared_async(protocol: type, member: str) -> bool | None:
    """Whether ``protocol`` declares ``member`` with ``async def``; None for overloads and data."""
    declared: object = getattr(protocol, member, None)
    qualname: str = getattr(declared, "__qualname__", "")
    owners = {f"{cls.__qualname__}." for cls in protocol.__mro__}
    if not callable(declared) or not any(qualname.startswith(owner) for owner in owners):
        return None  # an @overload stub (typing's dummy function) or a data member
    return iscoroutinefunction(declared)


def load_class(value: object, setting: str, protocol: type) -> Any:
    """Load a class from settings and check it has every member of ``protocol``."""
    obj = load_object(value, setting)
    if not callable(obj):
        raise ImproperlyConfigured(f"{setting} must name a class, got {obj!r}")
    check_members(obj, protocol, setting)
    return obj


def number_or_none(value: object, setting: str) -> float | None:
    """A number of seconds from settings (``None`` allowed), or ImproperlyConfigured."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ImproperlyConfigured(f"{setting} must be a number of seconds or None, got {value!r}")
    return value


def positive_or_none(value: object, setting: str) -> float | None:
    """A socket timeout: ``None`` (wait forever) or seconds > 0 (0 would make sockets non-blocking)."""
    number = number_or_none(value, setting)
    if number is not None and not number > 0:
        raise ImproperlyConfigured(f"{setting} must be a number of seconds > 0 or None, got {value!r}")
    return number


def setting_or_option(options: Mapping[str, Any], key: str, setting: str, default: object) -> object:
    """``options[key]`` if present, else the Django setting, else ``default``; callers validate it."""
    if key in options:
        value: object = options[key]
        return value
    value = getattr(settings, setting, default)
    return value


def _flag(options: Mapping[str, Any], key: str, setting: str, default: bool) -> bool:
    value = setting_or_option(options, key, setting, default)
    if not isinstance(value, bool):
        raise ImproperlyConfigured(f"OPTIONS[{key!r}] / {setting} must be True or False, got {value!r}")
    return value


@dataclass(frozen=True)
class CacheOptions:
    """What the cache backend itself reads from ``OPTIONS`` and settings."""

    client_class: Callable[..., Any]
    ignore_exceptions: bool
    log_ignored_exceptions: bool
    logger: logging.Logger
    close_connection: bool

    @classmethod
    def parse(cls, options: Mapping[str, Any], default_client: str, client_protocol: type) -> CacheOptions:
        logger_name = getattr(settings, "DJANGO_VALKEY_LOGGER", None) or "django_valkey"
        if not isinstance(logger_name, str):
            raise ImproperlyConfigured(f"DJANGO_VALKEY_LOGGER must be a logger name, got {logger_name!r}")
        return cls(
            client_class=load_class(
                options.get("CLIENT_CLASS", default_client), "OPTIONS['CLIENT_CLASS']", client_protocol
            ),
            ignore_exceptions=_flag(options, "IGNORE_EXCEPTIONS", "DJANGO_VALKEY_IGNORE_EXCEPTIONS", False),
            log_ignored_exceptions=_flag(
                options, "LOG_IGNORED_EXCEPTIONS", "DJANGO_VALKEY_LOG_IGNORED_EXCEPTIONS", False
            ),
            logger=logging.getLogger(logger_name),
            close_connection=_flag(options, "CLOSE_CONNECTION", "DJANGO_VALKEY_CLOSE_CONNECTION", False),
        )


def scan_itersize(options: Mapping[str, Any]) -> int:
    value = setting_or_option(options, "SCAN_ITERSIZE", "DJANGO_VALKEY_SCAN_ITERSIZE", DEFAULT_SCAN_ITERSIZE)
    if type(value) is not int or value < 1:
        raise ImproperlyConfigured(f"DJANGO_VALKEY_SCAN_ITERSIZE must be a positive int, got {value!r}")
    return value


def validate_timeout_param(params: Mapping[str, Any]) -> None:
    """Django silently replaces a bad TIMEOUT with 300; name the setting instead."""
    for key in ("TIMEOUT", "timeout"):
        value = params.get(key)
        if isinstance(value, str):
            try:
                int(value)  # what Django's BaseCache does with it (and falls back to 300 on failure)
            except ValueError:
                raise ImproperlyConfigured(f"{key} must be a number of seconds or None, got {value!r}") from None
        elif key in params:
            number_or_none(value, key)
