"""Async clients."""

from django_valkey.async_cache.client.default import AsyncDefaultClient

__all__ = ["AsyncDefaultClient"]
