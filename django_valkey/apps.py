"""The ``django_valkey`` app: add it to ``INSTALLED_APPS`` for the system checks and ``manage.py valkey``.

Neither is needed to use the cache backends. Without the app, the checks are registered only when a
backend module is first imported, which in ``manage.py check`` is usually too late to run them.
"""

from __future__ import annotations

from django.apps import AppConfig

__all__ = ["DjangoValkeyConfig"]


class DjangoValkeyConfig(AppConfig):
    """``INSTALLED_APPS = [..., "django_valkey"]``: registers the system checks (``django_valkey.checks``)
    and provides the ``valkey`` management command. It has no models."""

    name = "django_valkey"

    def ready(self) -> None:
        from django_valkey.checks import register

        register()
