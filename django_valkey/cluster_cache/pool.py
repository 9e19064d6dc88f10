"""Cluster connection factories: ``ClusterConnectionFactory`` (``valkey.cluster.ValkeyCluster``)
and ``AsyncClusterConnectionFactory`` (``valkey.asyncio.cluster.ValkeyCluster``, one per event loop)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from valkey.asyncio.cluster import ClusterNode as AsyncClusterNode
from valkey.asyncio.cluster import ValkeyCluster as AsyncValkeyCluster
from valkey.cluster import ClusterNode, ValkeyCluster
from valkey.connection import ConnectionPool, DefaultParser

from django_valkey.async_cache.pool import AsyncConnectionFactory
from django_valkey.base_pool import BaseConnectionFactory, check_url, url_hostname_check

__all__ = ["AsyncClusterConnectionFactory", "ClusterConnectionFactory", "LoopValkeyCluster", "startup_nodes"]


def startup_nodes(location: str) -> tuple[str, list[tuple[str, int]]]:
    """The first URL of a comma-separated cluster LOCATION and the (host, port) of the others."""
    urls = [url.strip() for url in location.split(",") if url.strip()]
    for url in urls:
        check_url(url)
    others: list[tuple[str, int]] = []
    for url in urls[1:]:
        parts = urlsplit(url)
        others.append((parts.hostname or "127.0.0.1", parts.port or 6379))
    return urls[0], others


def _cluster_params(factory: BaseConnectionFactory[Any, Any], url: str | None) -> dict[str, Any]:
    first = startup_nodes(url)[0] if url is not None else None  # checks every URL's scheme
    params = BaseConnectionFactory.make_connection_params(factory, None)  # timeouts, password
    params.pop("parser_class", None)  # ValkeyCluster picks its own parser
    params["url"] = url
    params.update(url_hostname_check(first, factory.pool_cls_kwargs))  # the first URL's scheme decides TLS
    return params


def sync_cluster_kwargs(params: Mapping[str, Any], pool_kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` and ``pool_kwargs`` merged for the sync ``ValkeyCluster``, which drops
    ``ssl_check_hostname`` from the options of its node connections: when it is true, the node
    pools are built with it bound (``connection_pool_class``) instead."""
    kwargs = {**params, **pool_kwargs}
    if kwargs.pop("ssl_check_hostname", False):
        node_pool: Any = kwargs.get("connection_pool_class", ConnectionPool)
        kwargs["connection_pool_class"] = functools.partial(node_pool, ssl_check_hostname=True)
    return kwargs


def _from_url(cluster_cls: Any, node_cls: Any, params: Mapping[str, Any], pool_kwargs: Mapping[str, Any]) -> Any:
    kwargs = {**params, **pool_kwargs}
    first, others = startup_nodes(kwargs.pop("url"))
    if others:
        kwargs["startup_nodes"] = [node_cls(host, port) for host, port in others]
    return cluster_cls.from_url(first, **kwargs)


class ClusterConnectionFactory(BaseConnectionFactory[ValkeyCluster, ValkeyCluster]):
    """One ``ValkeyCluster`` per distinct set of options, shared process-wide.

    The cluster client keeps a pool per node and follows MOVED/ASK redirections itself. Every
    LOCATION entry is a startup node (any node of the cluster will do; more is safer).
    ``CONNECTION_POOL_KWARGS`` go to ``ValkeyCluster`` (e.g. ``{"read_from_replicas": True}``);
    valkey-py's cluster client does not take ``PARSER_CLASS``.
    """

    path_pool_cls = "valkey.cluster.ValkeyCluster"
    path_base_cls = "valkey.cluster.ValkeyCluster"

    def make_connection_params(self, url: str | None) -> dict[str, Any]:
        return _cluster_params(self, url)

    def get_parser_cls(self) -> type[Any]:
        """valkey-py's default parser (``ValkeyCluster`` picks its own; ``PARSER_CLASS`` is not used)."""
        return DefaultParser

    def get_connection_pool(self, params: dict[str, Any]) -> ValkeyCluster:
        cluster: ValkeyCluster = _from_url(
            self.pool_cls, ClusterNode, sync_cluster_kwargs(params, self.pool_cls_kwargs), {}
        )
        return cluster

    def get_connection(self, params: dict[str, Any]) -> ValkeyCluster:
        """The shared ``ValkeyCluster`` for ``params`` (it is its own pool of node pools)."""
        return self.get_or_create_connection_pool(params)

    def connect(self, url: str) -> ValkeyCluster:
        return self.get_connection(self.make_connection_params(url))

    def disconnect(self, connection: Any) -> None:
        connection.disconnect_connection_pools()


class LoopValkeyCluster(AsyncValkeyCluster):
    """``valkey.asyncio.cluster.ValkeyCluster`` with the ``disconnect()`` that the per-event-loop
    pool registry calls when its loop shuts down (it closes the cluster client for good)."""

    async def disconnect(self, inuse_connections: bool = True) -> None:
        await self.aclose()


class AsyncClusterConnectionFactory(AsyncConnectionFactory):
    """The asyncio twin of ``ClusterConnectionFactory``: one ``valkey.asyncio`` cluster client per
    event loop and set of options, closed when its loop shuts down."""

    path_pool_cls = "django_valkey.cluster_cache.pool.LoopValkeyCluster"
    path_base_cls = "django_valkey.cluster_cache.pool.LoopValkeyCluster"

    def make_connection_params(self, url: str | None) -> dict[str, Any]:
        return _cluster_params(self, url)

    def get_connection_pool(self, params: dict[str, Any]) -> Any:
        return _from_url(self.pool_cls, AsyncClusterNode, params, self.pool_cls_kwargs)

    async def get_connection(self, params: dict[str, Any]) -> Any:
        """The running loop's cluster client for ``params``."""
        return self.get_or_create_connection_pool(params)

    async def connect(self, url: str) -> Any:
        return await self.get_connection(self.make_connection_params(url))

    async def disconnect(self, connection: Any) -> None:
        """Close the idle connections of every node (the cluster client stays usable)."""
        for node in connection.get_nodes():
            idle: list[Any] = list(getattr(node, "_free", ()))
            for conn in idle:
                await conn.disconnect()
