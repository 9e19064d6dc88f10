"""The asyncio side: the hand-written source of every command layer (``*_commands.py``), and the
few things that really differ from sync (``io.py``). ``tools/unasync.py`` writes the sync side,
``django_valkey/_sync/``, and ``plain_cache_commands.py`` here, from these sources."""
