"""``DefaultClient``: one primary, optional read replicas."""

from __future__ import annotations

from typing import ClassVar

from valkey import Valkey

from django_valkey.base_client import BaseClient, ClientCommands

__all__ = ["DefaultClient"]


class DefaultClient(BaseClient[Valkey], ClientCommands[Valkey]):
    """The default client. LOCATION is one URL, or several (a list or a comma-separated string):
    the first is the primary and takes every write, reads go to the others, and a read whose
    replica cannot be reached is retried on the primary."""

    CONNECTION_FACTORY_PATH: ClassVar[str] = "django_valkey.pool.ConnectionFactory"
