"""Compressors: shrink serialized values above a minimum length. Choose one with ``OPTIONS["COMPRESSOR"]``."""
