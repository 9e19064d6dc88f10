"""The screenshot of django-debug-toolbar's Cache panel in docs/observability.md.

    python tools/toolbar_screenshot.py            # writes docs/img/toolbar-cache-panel.png

Starts a throwaway valkey-server and a Django dev server (wsgiref, in this process) whose one page
is an async view making native ``a*`` calls and extended-API calls on a ``ValkeyCache`` with
``DebugToolbarObserver``; then headless Chromium loads the page, a script on it opens the Cache
panel, and Chromium writes the screenshot. Needs django-debug-toolbar and Chromium (Debian:
``apt-get install chromium``; ``--chromium`` names another binary). Not run by CI: the PNG is
committed.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUTPUT = ROOT / "docs" / "img" / "toolbar-cache-panel.png"

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Orders</title>
<style>body { font-family: sans-serif; margin: 2rem; color: #333 }</style></head>
<body><h1>Order #1024</h1><p>An async view, cached with django-valkey.</p>
<script>
  // Open the toolbar's Cache panel once its script has set the toolbar up.
  window.addEventListener("load", () => setTimeout(() => {
    document.querySelector("#djdt-CachePanel a").click();
  }, 500));
</script>
</body></html>"""


async def order_view(request: Any) -> Any:
    """The page: what a view of a shop might ask its cache, through the native async API."""
    from django.core.cache import caches
    from django.http import HttpResponse

    cache: Any = caches["default"]
    order = await cache.aget_or_set("order:1024", {"id": 1024, "total": "42.00"}, timeout=300)
    await cache.aget_many(["user:7", "cart:7", "order:1024"])
    await cache.ahset("user:7:profile", mapping={"name": "Ada", "locale": "en"})
    await cache.ahget("user:7:profile", "name")
    await cache.attl("order:1024")
    await cache.alpush("recent:7", order["id"])
    await cache.altrim("recent:7", 0, 9)
    await cache.azincrby("bestsellers", 1, "sku-981")
    await cache.azrange("bestsellers", 0, 4, rev=True, withscores=True)
    async with await cache.alock("order:1024:lock", timeout=5):
        await cache.aincr_version("order:1024")
    await cache.akeys("order:*")
    await cache.aget("coupon:SPRING")
    return HttpResponse(PAGE)


def show_toolbar(request: object) -> bool:
    return True


def configure(location: str) -> None:
    from django.conf import settings

    settings.configure(
        DEBUG=True,
        SECRET_KEY="screenshot",
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        INSTALLED_APPS=["django.contrib.staticfiles", "debug_toolbar"],
        MIDDLEWARE=["debug_toolbar.middleware.DebugToolbarMiddleware"],
        ROOT_URLCONF=__name__,
        STATIC_URL="/static/",
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}],
        USE_TZ=True,
        CACHES={
            "default": {
                "BACKEND": "django_valkey.cache.ValkeyCache",
                "LOCATION": location,
                "OPTIONS": {"OBSERVER": "django_valkey.observers.debug_toolbar.DebugToolbarObserver"},
            }
        },
        DEBUG_TOOLBAR_PANELS=[
            "debug_toolbar.panels.versions.VersionsPanel",
            "debug_toolbar.panels.timer.TimerPanel",
            "debug_toolbar.panels.headers.HeadersPanel",
            "debug_toolbar.panels.request.RequestPanel",
            "debug_toolbar.panels.cache.CachePanel",
            "debug_toolbar.panels.signals.SignalsPanel",
        ],
        DEBUG_TOOLBAR_CONFIG={
            "SHOW_TOOLBAR_CALLBACK": show_toolbar,
            "RENDER_PANELS": True,  # the panel's content is in the page: no request after load
            "USE_SHADOW_DOM": False,  # so that the page's script finds the panel's button
            "ENABLE_STACKTRACES": True,
            "HIDE_IN_STACKTRACES": (
                "socketserver",
                "threading",
                "wsgiref",
                "asgiref",
                "asyncio",
                "django",
                "debug_toolbar",
            ),
        },
    )
    import django

    django.setup()


def urlpatterns_for() -> list[Any]:
    from debug_toolbar.toolbar import debug_toolbar_urls
    from django.urls import path

    return [path("", order_view), *debug_toolbar_urls()]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve() -> WSGIServer:
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.wsgi import get_wsgi_application

    server = make_server("127.0.0.1", 0, StaticFilesHandler(get_wsgi_application()), handler_class=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def screenshot(chromium: str, url: str, output: Path, size: str) -> None:
    with tempfile.TemporaryDirectory(prefix="dv-chromium-") as profile:
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={profile}",
                "--hide-scrollbars",
                f"--window-size={size}",
                "--virtual-time-budget=4000",
                f"--screenshot={output}",
                url,
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium", help="the browser binary")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"where to write the PNG (default {OUTPUT})")
    parser.add_argument("--size", default="1400,1050", help="window size, width,height")
    args = parser.parse_args(argv)

    from django_valkey._server import ThrowawayServer

    with ThrowawayServer().start() as valkey:
        configure(valkey.url)
        global urlpatterns
        urlpatterns = urlpatterns_for()  # ROOT_URLCONF is this module
        http = serve()
        try:
            url = f"http://127.0.0.1:{http.server_port}/"
            output: Path = args.output
            output.parent.mkdir(parents=True, exist_ok=True)
            screenshot(args.chromium, url, output, args.size)
        finally:
            http.shutdown()
    print(f"wrote {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
    return 0


urlpatterns: list[Any] = []

if __name__ == "__main__":
    sys.exit(main())
