"""Sync clients."""

from django_valkey.client.default import DefaultClient
from django_valkey.client.herd import HerdClient
from django_valkey.client.sentinel import SentinelClient
from django_valkey.client.sharded import ShardClient

__all__ = ["DefaultClient", "HerdClient", "SentinelClient", "ShardClient"]
