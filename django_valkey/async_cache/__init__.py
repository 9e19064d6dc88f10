"""The asyncio backend: ``AsyncValkeyCache`` (``cache``), its clients (``client``) and
connection factories (``pool``)."""
