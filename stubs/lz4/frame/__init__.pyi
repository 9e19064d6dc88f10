from typing import Final

BLOCKSIZE_DEFAULT: Final[int]
BLOCKSIZE_MAX64KB: Final[int]
BLOCKSIZE_MAX256KB: Final[int]
BLOCKSIZE_MAX1MB: Final[int]
BLOCKSIZE_MAX4MB: Final[int]
COMPRESSIONLEVEL_MIN: Final[int]
COMPRESSIONLEVEL_MINHC: Final[int]
COMPRESSIONLEVEL_MAX: Final[int]

def compress(
    data: bytes | bytearray | memoryview,
    compression_level: int = 0,
    block_size: int = 0,
    content_checksum: bool = False,
    block_checksum: bool = False,
    block_linked: bool = True,
    store_size: bool = True,
    return_bytearray: bool = False,
) -> bytes: ...
def decompress(
    data: bytes | bytearray | memoryview,
    return_bytearray: bool = False,
    return_bytes_read: bool = False,
) -> bytes: ...
