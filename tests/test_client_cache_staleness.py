"""The client-side cache under writers in other processes: over 100,000 reads, none returns a
value older than the documented bound (1 ms after a newer write returned)."""

from __future__ import annotations

from benchmarks.client_cache_staleness import DEFAULT_BOUND, check
from tests.servers import running


def test_no_read_is_staler_than_the_bound() -> None:
    with running() as server:
        result = check(server.url, reads=100_000, writers=2, keys=20, bound=DEFAULT_BOUND)
    assert result.reads == 100_000
    assert result.writes > 1_000  # the writers really wrote while the checker read
    assert result.hits > 10_000  # and many reads were local hits
    assert result.stale == 0
    assert len(result.push_delay) == 2000
