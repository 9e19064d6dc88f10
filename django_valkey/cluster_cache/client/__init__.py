"""Cluster clients."""

from django_valkey.cluster_cache.client.default import DefaultClusterClient

__all__ = ["DefaultClusterClient"]
