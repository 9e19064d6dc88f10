"""The hand-written ``stubs/lz4`` give the right types (lz4 ships none; msgpack and brotli use
``msgpack-types`` and ``brotli-stubs``). ``tests/test_typing_gates.py`` runs stubtest on them."""

import lz4.frame
from typing_extensions import assert_type

assert_type(lz4.frame.compress(b"x"), bytes)
assert_type(lz4.frame.compress(b"x", return_bytearray=True), bytearray)
assert_type(lz4.frame.decompress(b"x"), bytes)
assert_type(lz4.frame.decompress(b"x", return_bytes_read=True), tuple[bytes, int])
assert_type(lz4.frame.decompress(memoryview(b"x"), True), bytearray)
