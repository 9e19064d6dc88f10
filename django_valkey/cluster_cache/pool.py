"""``ClusterConnectionFactory``: builds ``valkey.cluster.ValkeyCluster`` clients."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from valkey.cluster import ClusterNode, ValkeyCluster
from valkey.connection import DefaultParser

from django_valkey.base_pool import BaseConnectionFactory, check_url

__all__ = ["ClusterConnectionFactory", "startup_nodes"]


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
        params: dict[str, Any] = {"url": url}
        if url is not None:
            startup_nodes(url)  # checks every URL's scheme
        if self.socket_timeout is not None:
            params["socket_timeout"] = self.socket_timeout
        if self.socket_connect_timeout is not None:
            params["socket_connect_timeout"] = self.socket_connect_timeout
        if self.password is not None:
            params["password"] = self.password
        return params

    def get_parser_cls(self) -> type[Any]:
        """valkey-py's default parser (``ValkeyCluster`` picks its own; ``PARSER_CLASS`` is not used)."""
        return DefaultParser

    def get_connection_pool(self, params: dict[str, Any]) -> ValkeyCluster:
        kwargs = {**params, **self.pool_cls_kwargs}
        first, others = startup_nodes(kwargs.pop("url"))
        if others:
            node_cls: Any = ClusterNode  # valkey-py leaves ClusterNode unannotated
            kwargs["startup_nodes"] = [node_cls(host, port) for host, port in others]
        cluster: ValkeyCluster = self.pool_cls.from_url(first, **kwargs)
        return cluster

    def get_connection(self, params: dict[str, Any]) -> ValkeyCluster:
        """The shared ``ValkeyCluster`` for ``params`` (it is its own pool of node pools)."""
        return self.get_or_create_connection_pool(params)

    def connect(self, url: str) -> ValkeyCluster:
        return self.get_connection(self.make_connection_params(url))

    def disconnect(self, connection: Any) -> None:
        connection.disconnect_connection_pools()
