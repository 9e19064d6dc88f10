"""URLconf of the test settings: the views of tests/async_views.py under ``async/``."""

from django.urls import include, path

urlpatterns: list[object] = [path("async/", include("tests.async_views"))]
