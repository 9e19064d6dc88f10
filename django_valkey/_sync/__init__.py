"""The sync side: ``io.py`` is hand-written (what differs from asyncio); the ``*_commands.py``
modules are generated from ``django_valkey/_async/`` by ``tools/unasync.py``: do not edit them."""
