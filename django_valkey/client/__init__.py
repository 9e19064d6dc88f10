"""Sync clients."""

from django_valkey.client.default import DefaultClient

__all__ = ["DefaultClient"]
