"""Django's own cache tests (``BaseCacheTests`` from Django's ``tests/cache/tests.py``) against
``ValkeyCache`` on a throwaway valkey-server: the conformance gate.

    python tests/django_suite/run.py [--cache-dir DIR] [-v 0|1|2]

Django ships its test suite in the source distribution only, so the sdist of the *installed*
Django version is fetched with pip (``pip download --no-binary :all: --no-deps``) into the cache
directory the first time, and its ``tests/cache`` package is extracted next to it. The tests run
the way Django runs them for its own ``RedisCache``: a subclass of ``BaseCacheTests`` and
``TestCase`` with ``CACHES`` overridden (``caches_setting_for_tests``, without the culling
caches), under Django's test runner (test environment and a test database for the model tests).

Exits 0 when every test passed (the skips below aside), 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tarfile
import tempfile
import time
import unittest
from pathlib import Path
from typing import Any

import django

# Tests of BaseCacheTests that do not apply to this backend, with the reason. Every other test
# of BaseCacheTests runs and must pass.
SKIPPED: dict[str, str] = {
    # Culling (MAX_ENTRIES / CULL_FREQUENCY) is for the local-memory, file and database backends;
    # Valkey evicts by its own maxmemory policy. Django excludes the "cull" and "zero_cull"
    # caches for RedisCache too, and these tests then skip themselves.
    "test_cull": "culling is not a Valkey feature (MAX_ENTRIES / CULL_FREQUENCY); as for RedisCache",
    "test_zero_cull": "culling is not a Valkey feature (MAX_ENTRIES / CULL_FREQUENCY); as for RedisCache",
    "test_cull_delete_when_store_empty": "culling is not a Valkey feature; as for RedisCache",
}
# Not run at all, since they are not in BaseCacheTests: RedisCacheTests' own tests
# (test_incr_write_connection, test_cache_client_class, test_get_backend_timeout_method,
# test_get_connection_pool_index, test_get_connection_pool, test_get_client,
# test_serializer_dumps, test_redis_pool_options) inspect RedisCacheClient's internals and
# redis-py's option names; django-valkey's own suite covers the same ground for its client.

BACKEND = "django_valkey.cache.ValkeyCache"


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "django-valkey" / "django-suite"


def fetch_cache_tests(cache_dir: Path) -> Path:
    """The folder that holds Django's ``cache`` test package for the installed Django version,
    downloading and extracting the sdist if it is not there yet."""
    version = django.__version__
    root = cache_dir / f"django-{version}"
    package = root / "cache"
    if (package / "tests.py").is_file():
        return root
    cache_dir.mkdir(parents=True, exist_ok=True)
    sdists = sorted(cache_dir.glob(f"[dD]jango-{version}.tar.gz"))
    if not sdists:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-binary",
                ":all:",
                "--no-deps",
                f"django=={version}",
                "-d",
                str(cache_dir),
            ],
            check=True,
        )
        sdists = sorted(cache_dir.glob(f"[dD]jango-{version}.tar.gz"))
    if not sdists:
        raise SystemExit(f"pip did not leave django-{version}.tar.gz in {cache_dir}")
    # Extract tests/cache/*.py only, file by file (no member paths are trusted), then move the
    # folder into place in one step so that an interrupted run leaves nothing half-written.
    staging = Path(tempfile.mkdtemp(prefix="cache-", dir=cache_dir))
    with tarfile.open(sdists[0]) as sdist:
        for member in sdist.getmembers():
            parts = Path(member.name).parts
            if member.isfile() and parts[1:3] == ("tests", "cache") and len(parts) == 4 and parts[3].endswith(".py"):
                extracted = sdist.extractfile(member)
                assert extracted is not None
                (staging / parts[3]).write_bytes(extracted.read())
    if not (staging / "tests.py").is_file():
        raise SystemExit(f"{sdists[0]} has no tests/cache/tests.py")
    root.mkdir(parents=True, exist_ok=True)
    staging.rename(package)
    return root


CLUSTER_BACKEND = "django_valkey.cluster_cache.cache.ClusterValkeyCache"

# The configurations the suite runs on: (name, backend, OPTIONS, which servers): "one" / "two"
# standalone servers, "sentinel" (a primary, a replica and three sentinels), or "cluster" (the
# three primaries of a 6-node cluster).
VARIANTS: list[tuple[str, str, dict[str, Any], str]] = [
    ("DefaultClient", BACKEND, {}, "one"),
    ("HerdClient", BACKEND, {"CLIENT_CLASS": "django_valkey.client.HerdClient"}, "one"),
    ("ShardClient", BACKEND, {"CLIENT_CLASS": "django_valkey.client.ShardClient"}, "two"),
    ("SentinelClient", BACKEND, {"CLIENT_CLASS": "django_valkey.client.SentinelClient"}, "sentinel"),
    ("zlib", BACKEND, {"COMPRESSOR": "django_valkey.compressors.zlib.ZlibCompressor"}, "one"),
    # Django's sync API run through ValkeyCache's native a* methods (async_facade.py).
    ("a-methods", "tests.django_suite.async_facade.AsyncFacadeCache", {}, "one"),
    # The operation hooks on (a do-nothing observer): the wrapped methods behave the same.
    ("observed", BACKEND, {"OBSERVER": "django_valkey.observers.Observer"}, "one"),
    # The client-side cache on: hits served from process memory behave as the server would.
    ("client-cache", BACKEND, {"CLIENT_CACHE": True}, "one"),
    (
        "client-cache-sentinel",
        BACKEND,
        {"CLIENT_CLASS": "django_valkey.client.SentinelClient", "CLIENT_CACHE": True},
        "sentinel",
    ),
    ("Cluster", CLUSTER_BACKEND, {}, "cluster"),
    ("client-cache-cluster", CLUSTER_BACKEND, {"CLIENT_CACHE": True}, "cluster"),
    ("GLIDE", BACKEND, {"CONNECTION_FACTORY": "django_valkey.glide.GlideConnectionFactory"}, "one"),
    (
        "GLIDE-cluster",
        CLUSTER_BACKEND,
        {"CONNECTION_FACTORY": "django_valkey.glide.GlideClusterConnectionFactory"},
        "cluster",
    ),
    # Auto-pipelining: the sync API on the thread client; the a-methods config's async twin too.
    ("auto-pipelined", BACKEND, {"BASE_CLIENT_CLASS": "django_valkey.autopipeline.AutoPipelineValkey"}, "one"),
    (
        "a-methods-auto-pipelined",
        "tests.django_suite.async_facade.AsyncFacadeCache",
        {"ASYNC_OPTIONS": {"BASE_CLIENT_CLASS": "django_valkey.async_cache.autopipeline.AutoPipelineValkey"}},
        "one",
    ),
]

# Where each kind of servers is: LOCATION, and the OPTIONS it needs (SENTINELS).
Servers = dict[str, tuple[list[str], dict[str, Any]]]


def build_suite(servers: Servers) -> unittest.TestSuite:
    """BaseCacheTests once per entry of ``VARIANTS``, as Django builds RedisCacheTests; the tests
    in SKIPPED are marked skipped with their reason."""
    from cache.tests import BaseCacheTests, caches_setting_for_tests
    from django.test import TestCase, override_settings

    missing = [name for name in SKIPPED if not hasattr(BaseCacheTests, name)]
    if missing:
        print(f"note: skipped tests no longer in Django {django.__version__}: {', '.join(missing)}")

    suite = unittest.TestSuite()
    for name, backend, options, kind in VARIANTS:
        location, extra = servers[kind]
        params = {"BACKEND": backend, "LOCATION": location, "OPTIONS": {**options, **extra}}
        caches = caches_setting_for_tests(base=params, exclude={"cull", "zero_cull"})
        case = override_settings(CACHES=caches)(type(f"ValkeyCache_{name}", (BaseCacheTests, TestCase), {}))
        for test, reason in SKIPPED.items():
            if hasattr(case, test):
                setattr(case, test, unittest.skip(reason)(getattr(case, test)))
        suite.addTests(unittest.TestLoader().loadTestsFromTestCase(case))
    return suite


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--cache-dir", type=Path, default=default_cache_dir(), help="where the sdist is kept")
    parser.add_argument("-v", "--verbosity", type=int, default=1, choices=(0, 1, 2))
    args = parser.parse_args(argv)

    started = time.monotonic()
    sys.path.insert(0, str(fetch_cache_tests(args.cache_dir)))

    from django.conf import settings
    from django.test.runner import DiscoverRunner

    from django_valkey._server import ThrowawayServer

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repo, for tests.topology
    from tests.topology.launchers import SERVICE, ClusterTopology, SentinelTopology

    with ThrowawayServer() as server, ThrowawayServer() as second, contextlib.ExitStack() as stack:
        cluster, sentinel = ClusterTopology(), SentinelTopology()
        stack.callback(cluster.cleanup)
        stack.callback(sentinel.cleanup)
        cluster.start()
        sentinel.start()
        servers: Servers = {
            "one": ([server.url], {}),
            "two": ([server.url, second.url], {}),
            # The primary twice: reads from the primary only (docs/topologies/sentinel.md). Django's
            # tests read each write back at once, which a replica, replicated asynchronously,
            # does not promise: on a loaded machine such reads came before the write.
            "sentinel": ([f"valkey://{SERVICE}/0"] * 2, {"SENTINELS": sentinel.sentinel_addresses}),
            "cluster": ([f"valkey://127.0.0.1:{node.port}" for node in cluster.nodes[: cluster.primary_count]], {}),
        }
        settings.configure(
            SECRET_KEY="django-valkey-django-suite",
            USE_TZ=True,
            INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "cache"],
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
            CACHES={"default": {"BACKEND": BACKEND, "LOCATION": server.url}},
            DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        )
        django.setup()
        runner = DiscoverRunner(verbosity=args.verbosity)
        suite = build_suite(servers)
        runner.setup_test_environment()
        databases: Any = runner.setup_databases()
        try:
            result = runner.run_suite(suite)
        finally:
            runner.teardown_databases(databases)
            runner.teardown_test_environment()

    # A test with failing subtests counts once.
    failed = len({getattr(test, "test_case", test).id() for test, _ in result.failures + result.errors})
    failed += len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped
    print(
        f"Django {django.__version__} BaseCacheTests ({len(VARIANTS)} configurations): {passed} passed, {failed} failed, "
        f"{skipped} skipped in {time.monotonic() - started:.1f} s"
    )
    return 0 if result.wasSuccessful() and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
