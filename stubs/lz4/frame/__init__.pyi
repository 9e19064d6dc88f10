from typing import Final, Literal, overload

from typing_extensions import Buffer

BLOCKSIZE_DEFAULT: Final[int]
BLOCKSIZE_MAX64KB: Final[int]
BLOCKSIZE_MAX256KB: Final[int]
BLOCKSIZE_MAX1MB: Final[int]
BLOCKSIZE_MAX4MB: Final[int]
COMPRESSIONLEVEL_MIN: Final[int]
COMPRESSIONLEVEL_MINHC: Final[int]
COMPRESSIONLEVEL_MAX: Final[int]

@overload
def compress(
    data: Buffer,
    compression_level: int = 0,
    block_size: int = 0,
    content_checksum: bool = False,
    block_checksum: bool = False,
    block_linked: bool = True,
    store_size: bool = True,
    return_bytearray: Literal[False] = False,
) -> bytes: ...
@overload
def compress(
    data: Buffer,
    compression_level: int = 0,
    block_size: int = 0,
    content_checksum: bool = False,
    block_checksum: bool = False,
    block_linked: bool = True,
    store_size: bool = True,
    *,
    return_bytearray: Literal[True],
) -> bytearray: ...
@overload
def decompress(data: Buffer, return_bytearray: Literal[False] = False, return_bytes_read: Literal[False] = False) -> bytes: ...
@overload
def decompress(data: Buffer, return_bytearray: Literal[True], return_bytes_read: Literal[False] = False) -> bytearray: ...
@overload
def decompress(data: Buffer, return_bytearray: Literal[False] = False, *, return_bytes_read: Literal[True]) -> tuple[bytes, int]: ...
@overload
def decompress(data: Buffer, return_bytearray: Literal[True], return_bytes_read: Literal[True]) -> tuple[bytearray, int]: ...
