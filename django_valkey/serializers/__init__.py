"""Serializers: turn cache values into bytes. Choose one with ``OPTIONS["SERIALIZER"]``."""
