"""Async clients."""

from django_valkey.async_cache.client.default import AsyncDefaultClient
from django_valkey.async_cache.client.herd import AsyncHerdClient
from django_valkey.async_cache.client.sentinel import AsyncSentinelClient
from django_valkey.async_cache.client.sharded import AsyncShardClient

__all__ = ["AsyncDefaultClient", "AsyncHerdClient", "AsyncSentinelClient", "AsyncShardClient"]
