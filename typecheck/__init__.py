"""Static conformance cases: checked by mypy --strict and pyright strict, never run or collected.

``check_*.py`` files hold the cases (pytest collects ``test_*.py`` under ``tests/`` only).
``custom/`` is a third-party-style client and connection factory that conform without
inheriting from django-valkey; ``tests/test_custom_client.py`` runs them against a real server.
"""
