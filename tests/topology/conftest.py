"""Fixtures shared by the topology tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import ValkeyProcess
from tests.topology.launchers import ClusterTopology


@pytest.fixture(scope="module")
def shard_servers() -> Iterator[list[ValkeyProcess]]:
    """Three independent servers for the shard clients."""
    servers = [ValkeyProcess().start() for _ in range(3)]
    yield servers
    for server in servers:
        server.cleanup()


@pytest.fixture(scope="module")
def cluster() -> Iterator[ClusterTopology]:
    """A 6-node cluster (three primaries, a replica each) for the tests of one module."""
    topo = ClusterTopology().start()
    yield topo
    topo.cleanup()
