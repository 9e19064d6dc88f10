"""``ClusterValkeyCache``: the Valkey Cluster backend."""

from __future__ import annotations

from typing import ClassVar

from valkey.cluster import ValkeyCluster

from django_valkey.base import BackendCommands, BaseValkeyCache
from django_valkey.cluster_cache.client import DefaultClusterClient

__all__ = ["ClusterValkeyCache"]


class ClusterValkeyCache(BaseValkeyCache[DefaultClusterClient, ValkeyCluster], BackendCommands):
    """``"BACKEND": "django_valkey.cluster_cache.cache.ClusterValkeyCache"``; LOCATION lists one or
    more nodes of the cluster (startup nodes). Django's cache API plus the extended API."""

    DEFAULT_CLIENT_CLASS: ClassVar[str] = "django_valkey.cluster_cache.client.DefaultClusterClient"
