"""Django settings for the test suite. CACHES is pointed at the session's valkey-server per test
(its port is only known then) by the ``django_caches`` fixture of tests/conftest.py."""

SECRET_KEY = "django-valkey-tests"
USE_TZ = True
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django_valkey",  # the system checks and manage.py valkey
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
ROOT_URLCONF = "tests.urls"
MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]

# For tests/test_observer_toolbar.py, which adds debug_toolbar to INSTALLED_APPS for its cases:
# the toolbar reads these when its app becomes ready, before the test's other overrides apply.
STATIC_URL = "/static/"
DEBUG_TOOLBAR_PANELS = ["debug_toolbar.panels.cache.CachePanel"]
DEBUG_TOOLBAR_CONFIG = {
    "IS_RUNNING_TESTS": False,
    "SHOW_TOOLBAR_CALLBACK": "tests.toolbar_views.show",
    "RENDER_PANELS": True,
}
