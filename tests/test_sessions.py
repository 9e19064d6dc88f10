"""Django's session engines that store sessions in the cache, on ValkeyCache."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from typing import Any

import pytest
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import caches
from django.test import override_settings

from tests.helpers import cache_params
from tests.servers import ValkeyProcess


@pytest.fixture
def sessions_on_valkey(valkey_server: ValkeyProcess) -> Iterator[Any]:
    """CACHES with a ``sessions`` alias on our backend (its own prefix); yields a raw client."""
    with valkey_server.client() as conn:
        conn.flushall()
    caches_setting = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "sessions": cache_params(f"{valkey_server.url}/0", KEY_PREFIX="sess"),
    }
    with override_settings(CACHES=caches_setting, SESSION_CACHE_ALIAS="sessions"), valkey_server.client() as raw:
        yield raw


def store_class(engine: str) -> type[SessionBase]:
    cls: type[SessionBase] = import_module(engine).SessionStore
    return cls


def test_cache_session_engine(sessions_on_valkey: Any) -> None:
    raw = sessions_on_valkey
    engine = "django.contrib.sessions.backends.cache"
    with override_settings(SESSION_ENGINE=engine):
        Store = store_class(engine)
        session = Store()
        session["user"] = {"id": 7, "name": "ann"}
        session.set_expiry(120)
        session.save()
        key = session.session_key
        assert key is not None
        stored = caches["sessions"].make_key(f"django.contrib.sessions.cache{key}")
        assert raw.exists(stored) == 1
        assert 115 <= raw.ttl(stored) <= 120

        again = Store(key)
        assert again["user"] == {"id": 7, "name": "ann"}
        assert Store().exists(key)

        again["user"] = "changed"
        again.save()
        assert Store(key)["user"] == "changed"

        old_key = key
        again.cycle_key()
        assert again.session_key != old_key
        assert not Store().exists(old_key)
        assert Store(again.session_key)["user"] == "changed"

        again.flush()
        assert Store(again.session_key or "x").load() == {}
        assert raw.keys("sess:*") == []


def test_cache_session_unknown_key_starts_empty(sessions_on_valkey: Any) -> None:
    engine = "django.contrib.sessions.backends.cache"
    with override_settings(SESSION_ENGINE=engine):
        session = store_class(engine)("doesnotexist0123456789abcdefghij")
        assert session.load() == {}
        assert session.session_key is None


def test_cache_session_expires(sessions_on_valkey: Any) -> None:
    engine = "django.contrib.sessions.backends.cache"
    with override_settings(SESSION_ENGINE=engine):
        Store = store_class(engine)
        session = Store()
        session["x"] = 1
        session.save()
        key = session.session_key
        assert key is not None
        caches["sessions"].expire(f"django.contrib.sessions.cache{key}", 0)
        assert not Store().exists(key)


@pytest.mark.django_db
def test_cached_db_session_engine(sessions_on_valkey: Any) -> None:
    from django.contrib.sessions.models import Session

    raw = sessions_on_valkey
    engine = "django.contrib.sessions.backends.cached_db"
    with override_settings(SESSION_ENGINE=engine):
        Store = store_class(engine)
        session = Store()
        session["cart"] = [1, 2, 3]
        session.save()
        key = session.session_key
        assert key is not None
        cache_key = f"django.contrib.sessions.cached_db{key}"
        assert raw.exists(caches["sessions"].make_key(cache_key)) == 1
        assert Session.objects.filter(session_key=key).exists()

        assert Store(key)["cart"] == [1, 2, 3]
        # The cache lost it: the database still has it, and the cache is filled again.
        caches["sessions"].delete(cache_key)
        assert Store(key)["cart"] == [1, 2, 3]
        assert caches["sessions"].has_key(cache_key)

        session.delete()
        assert not Session.objects.filter(session_key=key).exists()
        assert not caches["sessions"].has_key(cache_key)
        assert not Store().exists(key)
