"""The GLIDE driver conforms to the factory and raw-client Protocols without inheriting."""

from __future__ import annotations

from django_valkey.glide import (
    AsyncGlideConnectionFactory,
    AsyncGlideRawClient,
    GlideConnectionFactory,
    GlideRawClient,
)
from django_valkey.protocols import (
    AsyncConnectionFactoryProtocol,
    AsyncRawClient,
    ConnectionFactoryProtocol,
    RawClient,
)

factory: ConnectionFactoryProtocol[GlideRawClient, GlideRawClient] = GlideConnectionFactory({})
async_factory: AsyncConnectionFactoryProtocol[AsyncGlideRawClient, AsyncGlideRawClient] = AsyncGlideConnectionFactory(
    {}
)


def sync_raw(raw: GlideRawClient) -> RawClient:
    return raw


def async_raw(raw: AsyncGlideRawClient) -> AsyncRawClient:
    return raw
