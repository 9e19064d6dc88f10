"""A third-party-style client and connection factory: no django-valkey base class, only Protocols.

``CountingClient`` counts the commands it runs (the kind of client a team writes for metrics) and
delegates to any ``ClientProtocol`` client; ``SharedPoolFactory`` builds ``valkey.Valkey`` clients
on one pool per URL. ``check_custom.py`` proves both conform; ``tests/test_custom_client.py``
runs them as ``CLIENT_CLASS`` and ``CONNECTION_FACTORY`` against a real server.
"""
