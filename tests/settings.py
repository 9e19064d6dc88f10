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
