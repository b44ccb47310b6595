"""Inflating Amazon's gzip documents: ISA-L when the ``fast`` extra is installed, else zlib.

One inflater for every document: the All Orders report streamed by the rate's readers (``inflate``), and the
small ones read whole (``inflate_document``: a feed's processing report, the Unshipped Orders and seller
performance reports, through the transport's ``download``).

``isal`` (python-isal, ISA-L's inflater with zlib's API) inflates the same DEFLATE stream three to four times
faster than the stdlib's zlib: on the 1M-row benchmark document, about 0.2 s of CPU against 0.6-0.9 s
(benchmarks/README.md). Both give the same bytes and the same failures: a document cut short raises
``EOFError``, bad data ``zlib.error`` (ISA-L's own error is re-raised as that, so callers see one type
whichever inflater ran).
"""

from __future__ import annotations

import importlib
import itertools
import zlib
from collections.abc import Iterator
from types import ModuleType
from typing import Final

_isal: ModuleType | None
try:
    _isal = importlib.import_module("isal.isal_zlib")
except ImportError:  # the ``fast`` extra is not installed: the stdlib inflates (slower, same result)
    _isal = None

__all__ = ["GZIP_MAGIC", "inflate", "inflate_document", "inflater_name"]

GZIP_MAGIC: Final = b"\x1f\x8b"
_WBITS: Final = 31  # a gzip wrapper (header and CRC-32/size trailer), not raw DEFLATE
#: The module that inflates: ``isal.isal_zlib`` when importable, else ``zlib`` (tests put ``zlib`` here).
_zlib: ModuleType = zlib if _isal is None else _isal
_FOREIGN: Final[tuple[type[Exception], ...]] = () if _isal is None else (_isal.error,)


def inflater_name() -> str:
    """Which inflater runs: ``"isal"`` or ``"zlib"``."""
    return "zlib" if _zlib is zlib else "isal"


def inflate(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The bytes of ``chunks`` inflated when they start with gzip's magic bytes, else passed through.

    Raises:
        EOFError: the stream ended before gzip's end marker (a truncated download).
        zlib.error: the data is not valid gzip.
    """
    first = b""
    for chunk in chunks:  # enough bytes to see the magic ones, however small the chunks
        first += chunk
        if len(first) >= len(GZIP_MAGIC):
            break
    if not first.startswith(GZIP_MAGIC):
        if first:
            yield first
        yield from chunks
        return
    inflater = _zlib.decompressobj(wbits=_WBITS)
    try:
        for chunk in itertools.chain((first,), chunks):
            data = chunk
            while data:
                yield inflater.decompress(data)
                data = b""
                # Another gzip member may follow, read as gzip reads it (zero bytes of padding between are skipped).
                if inflater.eof and (following := inflater.unused_data.lstrip(b"\0")):
                    data, inflater = following, _zlib.decompressobj(wbits=_WBITS)
        yield inflater.flush()
    except _FOREIGN as exc:
        raise zlib.error(str(exc)) from exc
    if not inflater.eof:  # the stream ended before gzip's end marker: the document was cut short
        raise EOFError("the gzip document ended before its end marker (truncated download)")


def inflate_document(content: bytes) -> bytes:
    """``content`` inflated, whole, when it starts with gzip's magic bytes; else ``content`` itself.

    Raises:
        EOFError: the document ended before gzip's end marker (a truncated download).
        zlib.error: the data is not valid gzip.
    """
    if not content.startswith(GZIP_MAGIC):
        return content
    return b"".join(inflate(iter((content,))))
