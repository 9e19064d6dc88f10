"""django-debug-toolbar's Cache panel, rendered for real requests through the Django test client:
with ``DebugToolbarObserver`` it lists the same calls for a sync view (WSGI) and for its async
twin (ASGI), the ``a*`` methods and the extended API included, each once."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.test import AsyncClient, Client, override_settings

from tests.servers import ValkeyProcess

OBSERVER = "django_valkey.observers.debug_toolbar.DebugToolbarObserver"
CALLS = ["set", "get", "get", "get_many", "get_or_set", "ttl", "hset", "hget", "lock", "keys", "incr", "delete"]


def toolbar_settings(location: str, observer: bool = True) -> dict[str, Any]:
    options = {"OBSERVER": OBSERVER} if observer else {}
    return {
        "DEBUG": True,
        "INSTALLED_APPS": [
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "debug_toolbar",
        ],
        "MIDDLEWARE": ["debug_toolbar.middleware.DebugToolbarMiddleware"],
        "ROOT_URLCONF": "tests.toolbar_views",
        "TEMPLATES": [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}],
        "CACHES": {
            "default": {"BACKEND": "django_valkey.cache.ValkeyCache", "LOCATION": location, "OPTIONS": options},
            "async": {
                "BACKEND": "django_valkey.async_cache.cache.AsyncValkeyCache",
                "LOCATION": location,
                "OPTIONS": options,
            },
        },
    }


@pytest.fixture
def toolbar(valkey_server: ValkeyProcess) -> Iterator[None]:
    with valkey_server.client() as conn:
        conn.flushall()
    with override_settings(**toolbar_settings(f"{valkey_server.url}/0")):
        yield
    caches["default"].close()


def panel(response: Any) -> str:
    """The Cache panel's rendered content in a page the toolbar was added to."""
    text = response.content.decode()
    assert response.status_code == 200, text[:500]
    start = text.index('id="CachePanel"')
    return text[start : text.index('<div id="djDebugWindow"', start)]


def rows(content: str) -> list[tuple[str, str, str, str]]:
    """The Calls table: (name, args, kwargs, backend) per call (the toolbar's 6.x and 8.x
    templates differ in the time cell only)."""
    found = re.findall(
        r'djdt-toggle">.*?</td>\s*<td>[\d.]+(?:ms)?</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>',
        content,
        re.S,
    )
    return [tuple(html.unescape(cell).strip() for cell in row) for row in found]  # type: ignore[misc]


def summary(content: str) -> tuple[int, int, int]:
    """(total calls, hits, misses) from the Summary table."""
    match = re.search(
        r"<tbody>\s*<tr>\s*<td>(\d+)</td>\s*<td>[\d.]+ ms</td>\s*<td>(\d+)</td>\s*<td>(\d+)</td>", content
    )
    assert match is not None, content[:2000]
    calls, hits, misses = (int(group) for group in match.groups())
    return calls, hits, misses


def flush(valkey_server: ValkeyProcess) -> None:
    with valkey_server.client() as conn:
        conn.flushall()


async def test_a_sync_view_and_its_async_twin_list_the_same_calls(toolbar: None, valkey_server: ValkeyProcess) -> None:
    sync_content = panel(await _sync_get("/sync/"))
    flush(valkey_server)
    async_content = panel(await AsyncClient().get("/async/"))
    flush(valkey_server)
    backend_content = panel(await AsyncClient().get("/async-backend/"))

    sync_rows, async_rows, backend_rows = rows(sync_content), rows(async_content), rows(backend_content)
    assert [row[0] for row in sync_rows] == CALLS
    assert async_rows == sync_rows
    assert [row[:3] for row in backend_rows] == [row[:3] for row in sync_rows]
    assert {row[3] for row in sync_rows} == {"default (ValkeyCache)"}
    assert {row[3] for row in backend_rows} == {"async (AsyncValkeyCache)"}
    assert sync_rows[0][1:3] == ("('page', {'views': 1})", "{'timeout': 60}")
    # get hit + get miss + get_many 1/1 + get_or_set miss + hget hit
    assert summary(sync_content) == summary(async_content) == summary(backend_content) == (12, 3, 3)
    for content, view in ((sync_content, "sync_view"), (async_content, "async_view")):
        # each stack trace ends at the view's call (the innermost frame is listed last), not in
        # django-valkey's wrappers
        traces = re.findall(r'<pre class="djdt-stack">(.*?)</pre>', content, re.S)
        assert len(traces) == 12
        for trace in traces:
            frames = re.findall(r'djdt-file">(.*?)</span> in <span class="djdt-func">(.*?)</span>', trace)
            assert frames[-1] == ("toolbar_views.py", view), frames


def test_extended_names_get_a_column_in_the_commands_table(toolbar: None) -> None:
    content = panel(Client().get("/sync/"))
    header = re.search(r"<h4>Commands</h4>\s*<table>\s*<thead>\s*<tr>(.*?)</tr>", content, re.S)
    assert header is not None
    names = re.findall(r"<th>([\w()]+)</th>", header.group(1))
    assert {"ttl", "hset", "hget", "lock", "keys()"} <= set(names)  # "keys" would clash in the template
    assert names[:2] == ["add", "get"]  # the toolbar's own columns stay first


def test_the_toolbars_own_wrapping_is_left_out(toolbar: None) -> None:
    """Without the observer's flag the toolbar would wrap get/set/... again and list them twice."""
    Client().get("/sync/")
    cache = caches["default"]
    assert "get" not in vars(cache) and "set" not in vars(cache)  # no instance-level wrappers
    assert type(cache)._djdt_panel is None  # type: ignore[attr-defined]


async def test_without_the_observer_the_toolbar_misses_the_async_calls(valkey_server: ValkeyProcess) -> None:
    """What the observer fixes, for the record: the stock panel sees the sync view only."""
    flush(valkey_server)
    with override_settings(**toolbar_settings(f"{valkey_server.url}/0", observer=False)):
        sync_rows = rows(panel(await _sync_get("/sync/")))
        async_rows = rows(panel(await AsyncClient().get("/async/")))
    assert [row[0] for row in sync_rows] == ["set", "get", "get", "get_many", "get_or_set", "incr", "delete"]
    assert async_rows == []


def test_nothing_is_recorded_outside_a_request(toolbar: None) -> None:
    cache = caches["default"]
    cache.set("k", 1)  # no panel: the observer returns at once
    assert cache.get("k") == 1


async def _sync_get(url: str) -> Any:
    from asgiref.sync import sync_to_async

    return await sync_to_async(Client().get)(url)
