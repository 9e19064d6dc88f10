"""The GLIDE driver: django-valkey's clients on valkey-glide's multiplexed Rust core.

Select it per cache with one option; the sync and the async clients both use it::

    CACHES = {
        "default": {
            "BACKEND": "django_valkey.cache.ValkeyCache",
            "LOCATION": "valkey://127.0.0.1:6379/0",
            "OPTIONS": {"CONNECTION_FACTORY": "django_valkey.glide.GlideConnectionFactory"},
        }
    }

On a Valkey Cluster (``ClusterValkeyCache``, ``AsyncClusterValkeyCache``) the factory is
``django_valkey.glide.GlideClusterConnectionFactory``.

Needs ``pip install django-valkey[glide]`` (``valkey-glide`` and ``valkey-glide-sync``). What it
supports and what it does not is in docs/drivers.md.
"""

from __future__ import annotations

from django_valkey._async.glide import AsyncGlideConnectionFactory, AsyncGlidePipeline, AsyncGlideRawClient
from django_valkey._async.glide_cluster import AsyncGlideClusterConnectionFactory, AsyncGlideClusterRawClient
from django_valkey._core.glide import GlideNode, GlideSettings
from django_valkey._sync.glide import GlideConnectionFactory, GlidePipeline, GlideRawClient
from django_valkey._sync.glide_cluster import GlideClusterConnectionFactory, GlideClusterRawClient

__all__ = [
    "AsyncGlideClusterConnectionFactory",
    "AsyncGlideClusterRawClient",
    "AsyncGlideConnectionFactory",
    "AsyncGlidePipeline",
    "AsyncGlideRawClient",
    "GlideClusterConnectionFactory",
    "GlideClusterRawClient",
    "GlideConnectionFactory",
    "GlideNode",
    "GlidePipeline",
    "GlideRawClient",
    "GlideSettings",
]
