"""Import helper for optional dependencies: a clear ImproperlyConfigured naming the extra."""

from __future__ import annotations

import importlib
from types import ModuleType

from django.core.exceptions import ImproperlyConfigured

__all__ = ["require"]


def require(module: str, extra: str, feature: str) -> ModuleType:
    """Import ``module`` or raise ImproperlyConfigured telling which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"{feature} needs the {module!r} package: pip install 'django-valkey[{extra}]'"
        ) from exc
