"""Fixtures shared by the topology tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import ValkeyProcess


@pytest.fixture(scope="module")
def shard_servers() -> Iterator[list[ValkeyProcess]]:
    """Three independent servers for the shard clients."""
    servers = [ValkeyProcess().start() for _ in range(3)]
    yield servers
    for server in servers:
        server.cleanup()
