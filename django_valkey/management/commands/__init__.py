"""``manage.py valkey``: see ``django_valkey.management.commands.valkey``."""
