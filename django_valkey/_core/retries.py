"""When a failed request is sent again, and after how long (``OPTIONS["RETRY"]``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from django.core.exceptions import ImproperlyConfigured
from valkey.backoff import AbstractBackoff, EqualJitterBackoff, NoBackoff

from django_valkey._options import settings_dict

__all__ = ["DEFAULTS", "RetryPolicy", "retry_policy"]

#: ``OPTIONS["RETRY"]`` keys and their defaults: at most 3 more attempts, waiting before each
#: ``BASE * 2**n`` seconds (capped at ``CAP``), half of it random (valkey-py's equal jitter).
DEFAULTS: Final[Mapping[str, float]] = {"ATTEMPTS": 3, "BASE": 0.02, "CAP": 0.5}


class RetryPolicy:
    """How many more attempts a failed request gets and the pause before each."""

    __slots__ = ("attempts", "backoff")

    def __init__(self, attempts: int, backoff: AbstractBackoff) -> None:
        self.attempts: int = attempts
        self.backoff: AbstractBackoff = backoff

    def pause(self, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt`` (0: the first retry)."""
        return self.backoff.compute(attempt)


NO_RETRY: Final = RetryPolicy(0, NoBackoff())


def retry_policy(given: object) -> RetryPolicy:
    """``OPTIONS["RETRY"]`` read: the defaults when missing or ``True``, no retries when
    ``False``, else a dict of the keys in ``DEFAULTS``."""
    if given is False:
        return NO_RETRY
    options = settings_dict(given, "RETRY", DEFAULTS, "a dict (or False for no retries)")
    attempts = options.get("ATTEMPTS", DEFAULTS["ATTEMPTS"])
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 0:
        raise ImproperlyConfigured(f"OPTIONS['RETRY']['ATTEMPTS'] must be an int >= 0, got {attempts!r}")
    times: list[float] = []
    for name in ("BASE", "CAP"):
        value = options.get(name, DEFAULTS[name])
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ImproperlyConfigured(f"OPTIONS['RETRY']['{name}'] must be a number of seconds >= 0, got {value!r}")
        times.append(float(value))
    base, cap = times
    return RetryPolicy(attempts, EqualJitterBackoff(cap=cap, base=base))
