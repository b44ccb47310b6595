"""Amazon's gzip documents' inflater: ISA-L (the ``fast`` extra) and the stdlib's zlib, same bytes, same failures."""

from __future__ import annotations

import gzip
import random
import zlib

import pytest

from sp_cancel._inflate import inflate, inflate_document


def _text(size: int = 400_000) -> bytes:
    rng = random.Random(5)  # noqa: S311 - test data
    rows = (f"{rng.randrange(10**9)}\tShipped\t{rng.random():.6f}\tAmazon.com" for _ in range(size // 40))
    return "\n".join(rows).encode()


def _pieces(data: bytes, size: int) -> list[bytes]:
    return [data[at : at + size] for at in range(0, len(data), size)]


@pytest.mark.parametrize("size", [1, 37, 4096, 1 << 20])
def test_same_bytes_whatever_the_chunking(inflater: str, size: int) -> None:
    """The document inflates to its text, however the download's chunks fall (even one byte at a time)."""
    text = _text(20_000 if size == 1 else 400_000)
    assert b"".join(inflate(iter(_pieces(gzip.compress(text), size)))) == text


def test_plain_text_passes_through(inflater: str) -> None:
    """A document that is not gzip (no magic bytes) is handed over as it came."""
    text = _text()
    assert b"".join(inflate(iter(_pieces(text, 1000)))) == text
    assert b"".join(inflate(iter([]))) == b""


@pytest.mark.parametrize("keep", [0.5, -4, 10])
def test_a_document_cut_short_raises_eof(inflater: str, keep: float) -> None:
    """Cut inside the data, just before the trailer, or after the header only: ``EOFError``, not a short text."""
    whole = gzip.compress(_text())
    cut = whole[: int(len(whole) * keep)] if isinstance(keep, float) else whole[:keep]
    with pytest.raises(EOFError, match="truncated"):
        b"".join(inflate(iter(_pieces(cut, 1 << 16))))


def test_bad_data_raises_zlib_error(inflater: str) -> None:
    """Corrupt deflate data is ``zlib.error`` on both inflaters (ISA-L's own error is re-raised as that)."""
    whole = bytearray(gzip.compress(_text()))
    whole[200:260] = b"\xff" * 60
    with pytest.raises(zlib.error):
        b"".join(inflate(iter([bytes(whole)])))


@pytest.mark.parametrize("size", [7, 1 << 20])
def test_members_are_read_one_after_another(inflater: str, size: int) -> None:
    """A document of several gzip members inflates to all of them, as ``gzip.decompress`` reads it."""
    text = _text()
    parts = (text[:1000], text[1000:200_000], text[200_000:])
    document = b"".join(gzip.compress(p) for p in parts)
    assert b"".join(inflate(iter(_pieces(document, size)))) == text
    padded = document + b"\0" * 100  # zero padding after the last member, which gzip skips
    assert b"".join(inflate(iter(_pieces(padded, size)))) == gzip.decompress(padded) == text
    with pytest.raises(EOFError):  # the last member cut short is still a truncated document
        b"".join(inflate(iter(_pieces(document[:-4], size))))


def test_a_document_read_whole_inflates_as_gzip_does(inflater: str) -> None:
    """``inflate_document``: a gzip document inflated whole (several members too), plain bytes as they are."""
    text = _text()
    assert inflate_document(gzip.compress(text)) == text
    assert inflate_document(gzip.compress(text[:5]) + gzip.compress(text[5:])) == text
    assert inflate_document(text) is text
    assert inflate_document(b"") == b""
    with pytest.raises(EOFError):
        inflate_document(gzip.compress(text)[:-4])
    with pytest.raises(zlib.error):
        inflate_document(b"\x1f\x8b" + b"\xff" * 40)
