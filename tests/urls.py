from django.urls import include, path

urlpatterns: list[object] = [path("async/", include("tests.async_views"))]
