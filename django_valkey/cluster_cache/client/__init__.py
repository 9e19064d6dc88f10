"""Cluster clients."""

from django_valkey.cluster_cache.client.async_default import AsyncDefaultClusterClient
from django_valkey.cluster_cache.client.default import DefaultClusterClient

__all__ = ["AsyncDefaultClusterClient", "DefaultClusterClient"]
