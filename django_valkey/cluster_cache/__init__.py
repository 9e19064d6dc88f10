"""Valkey Cluster backends: ``cache.ClusterValkeyCache`` (sync) and ``cache.AsyncClusterValkeyCache``."""
