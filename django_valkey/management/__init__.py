"""Management commands of the ``django_valkey`` app."""
