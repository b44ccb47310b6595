"""The pyarrow reader behind ``rate_from_all_orders_file`` (the optional ``fast`` extra).

The file is read in Python in chunks of whole orders (cut at the first line of the chunk's last
order, so an order is never split), and each chunk is parsed by ``pyarrow.csv.read_csv`` (one
thread per chunk) into the few columns the rate needs. Plain orders are counted per day with
vectorised kernels; the few cancelled ones go through the same Python classification as the
pure-Python reader. A worker thread parses the next chunk while this one counts the last (Arrow
releases the GIL, so both cores work); at most two chunks are alive and Arrow's freed blocks are
handed back after each, so memory is bounded by the chunk size whatever the file's size (Arrow's
own streaming reader reads ahead without a bound we control).
"""

from __future__ import annotations

import io
import itertools
import os
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, time, timedelta
from typing import IO, Any, Final

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from sp_cancel._inflate import GZIP_MAGIC, inflate
from sp_cancel.errors import InvalidInputError
from sp_cancel.metrics._allorders import (
    BUYER_REQUESTED,
    CHANNEL,
    ITEM_STATUS,
    OPTIONAL,
    ORDER_ID,
    PURCHASED,
    REQUIRED,
    SALES,
    STATUS,
    UPDATED,
    Attribution,
    Counts,
    buyer_asked,
    chunks_of,
    header_names,
    is_cancelled_item,
    marketplace_of,
)
from sp_cancel.metrics._calculator import PENDING
from sp_cancel.metrics._records import Fulfillment, OrderStatus, to_fulfillment, to_status

__all__ = ["arrow_counts"]

_CHUNK: Final = 4 << 20  # bytes of the file per read_csv call: two in flight stay well under 100 MiB
_BLOCK: Final = 1 << 20  # bytes per parallel parsing block inside a chunk
_TIMESTAMP: Final = pa.timestamp("us", tz="UTC")
#: Compressed bytes inflated at a time: about 2 MiB of text, so pieces stay near ``_CHUNK``.
_GZIP_READ: Final = 1 << 18
_TAIL: Final = 1 << 16  # bytes of a piece's end searched first for its last order
_DAY_US: Final = 86_400_000_000
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def _values(column: Any, keep: Callable[[str], bool]) -> Any:
    """The distinct values of a string column for which ``keep`` holds, as an Arrow array (for ``is_in``)."""
    return pa.array([v for v in pc.unique(column).to_pylist() if v is not None and keep(v)], pa.string())


def _mask(column: Any, keep: Callable[[str], bool]) -> Any:
    return pc.is_in(column, value_set=_values(column, keep))


def _field(line: bytes, index: int) -> bytes:
    return line.split(b"\t", index + 1)[index]


def _order_start(buf: bytes, lo: int, hi: int, id_index: int) -> int:
    """Where, in ``buf[lo:hi]``, the last complete line's order starts (``lo`` if the slice holds one order)."""
    end = buf.rfind(b"\n", lo, hi) + 1  # after the last complete line
    if end <= lo:
        return lo
    cut = max(buf.rfind(b"\n", lo, end - 1) + 1, lo)
    last_id = _field(buf[cut:end], id_index)
    while cut > lo:  # walk back to the first line of that order
        previous = max(buf.rfind(b"\n", lo, cut - 1) + 1, lo)
        if _field(buf[previous:cut], id_index) != last_id:
            break
        cut = previous
    return cut


def _file_pieces(opened: Any, start: int, id_index: int) -> Iterator[Any]:
    """The data rows of an uncompressed file (or in-memory document), from byte ``start``, as Arrow buffers.

    Pieces are read by position into Arrow-owned buffers of one size, so the allocator reuses them and the
    resident size stays about one piece whatever the file's size. Only each piece's tail is copied into Python,
    to find where its last order starts; that order is read again with the next piece.
    """
    with opened as source:
        total, pos, size = source.size(), start, _CHUNK
        while pos < total:
            source.seek(pos)
            if pos + size >= total:
                yield source.read_buffer(total - pos)
                return
            buf = source.read_buffer(size)
            cut, tail_len = 0, min(size, _TAIL)
            while True:
                tail = buf.slice(size - tail_len).to_pybytes()
                lo = 0 if tail_len == size else tail.find(b"\n") + 1  # skip a partial first line
                found = _order_start(tail, lo, len(tail), id_index) if lo or tail_len == size else lo
                if found > lo or tail_len == size:
                    cut = size - tail_len + found
                    break
                tail_len = min(size, tail_len * 4)
            if cut == 0:  # one order bigger than a piece: widen
                size *= 2
                continue
            piece = buf.slice(0, cut)
            del buf, tail  # the consumer's slice is the only reference left
            yield piece
            del piece
            pos, size = pos + cut, _CHUNK


def _split_header(chunks: Iterator[bytes]) -> tuple[bytes, Iterator[bytes]]:
    """The first line of an inflated stream (with its newline), and the stream's bytes after it."""
    head = b""
    for chunk in chunks:
        head += chunk
        if b"\n" in head:
            break
    line, newline, rest = head.partition(b"\n")
    return line + newline, itertools.chain((rest,), chunks)


def _streamed_pieces(chunks: Iterator[bytes], id_index: int) -> Iterator[Any]:
    """The data rows of an inflated stream, after its header line, in pieces of whole orders of ``_CHUNK``+ bytes.

    Each piece is an Arrow slice of the joined chunks (no copy); only its last order's rows, cut off for the next
    piece, are copied.
    """
    held: list[bytes] = []
    size = 0
    for data in chunks:
        held.append(data)
        size += len(data)
        if size < _CHUNK:
            continue
        buf = b"".join(held)
        cut = _order_start(buf, 0, len(buf), id_index)
        if cut == 0:  # one order so far: read on
            held = [buf]
            continue
        yield pa.py_buffer(buf).slice(0, cut)
        held = [buf[cut:]]
        size = len(buf) - cut
        del buf
    rest = b"".join(held)
    if rest.strip():
        yield pa.py_buffer(rest)


class _Pass:
    """One streaming pass: the window's bounds as Arrow scalars, and where to count."""

    def __init__(
        self,
        counts: Counts,
        attribution: Attribution | None,
        marketplace: str | None,
        marketplace_id: str | None,
        exclude: Collection[str] = frozenset(),
    ) -> None:
        self.counts = counts
        # Order ids left out (``count_report``): None when there are none, so the common pass pays nothing.
        self.exclude = pa.array(sorted({i.strip() for i in exclude}), pa.string()) if exclude else None
        self.attribution = attribution
        self.marketplace = marketplace
        self.marketplace_id = marketplace_id
        self.start = pa.scalar(counts.start, _TIMESTAMP)
        self.end = pa.scalar(counts.end, _TIMESTAMP)
        midnight = datetime.combine(counts.start.date(), time(), UTC)
        self.day0 = (midnight - _EPOCH) // timedelta(microseconds=1)  # day numbers = toordinal() - counts.first

    def _any_item(self, table: Any, column: str, keep: Callable[[str], bool], is_first: Any, starts: Any) -> Any:
        """Per order (its first row in ``starts``): whether any of its rows has a ``column`` value ``keep`` likes."""
        if column not in table.column_names:
            return pa.repeat(pa.scalar(value=False), len(starts))
        hit = _mask(table[column], keep)
        group = pc.subtract(pc.cumulative_sum(pc.cast(is_first, pa.int64())), 1)
        return pc.is_in(pc.take(group, starts), value_set=pc.unique(pc.filter(group, hit)))

    def _markets(self, orders: Any, keep: Any) -> tuple[Any, dict[str, str]]:
        if self.marketplace_id is not None or SALES not in orders.column_names:
            market = pa.repeat(pa.scalar(self.marketplace_id or "", pa.string()), orders.num_rows)
        else:
            market = orders[SALES]
        found = {v: (self.marketplace_id or marketplace_of(v)) for v in pc.unique(pc.filter(market, keep)).to_pylist()}
        if "" in found.values():
            raise InvalidInputError("All Orders report: no sales-channel; pass marketplace_id")
        return market, found

    def count(self, table: Any) -> None:
        """Count the complete orders in ``table`` (whose last order is complete too)."""
        n = table.num_rows
        if n == 0:
            return
        ids = table[ORDER_ID].combine_chunks()
        is_first = pa.concat_arrays([pa.array([True]), pc.not_equal(ids.slice(1), ids.slice(0, n - 1))])
        starts = pc.indices_nonzero(is_first)
        any_item = self._any_item(table, ITEM_STATUS, is_cancelled_item, is_first, starts)
        orders = table.take(starts)
        status = orders[STATUS]
        canceled = _mask(status, lambda v: to_status(v) is OrderStatus.CANCELED)
        pending = _mask(status, lambda v: to_status(v) in PENDING)
        mfn = _mask(orders[CHANNEL], lambda v: to_fulfillment(v) is Fulfillment.MFN)
        bought = pc.cast(orders[PURCHASED], _TIMESTAMP)
        in_window = pc.and_(pc.greater_equal(bought, self.start), pc.less(bought, self.end))
        keep = pc.and_(pc.and_(mfn, pc.invert(pending)), in_window)
        if self.exclude is not None:
            ids_kept = pc.utf8_trim_whitespace(orders[ORDER_ID])
            keep = pc.and_(keep, pc.invert(pc.is_in(ids_kept, value_set=self.exclude)))
        market, markets = self._markets(orders, keep)
        if self.marketplace is not None:
            chosen = pa.array([k for k, v in markets.items() if v == self.marketplace], pa.string())
            keep = pc.and_(keep, pc.is_in(market, value_set=chosen))
        self.counts.seen.update(v for v in markets.values() if self.marketplace in (None, v))
        cancelled = pc.or_(canceled, any_item)
        plain = pc.and_(keep, pc.invert(cancelled))
        days = pc.divide(pc.subtract(pc.cast(pc.filter(bought, plain), pa.int64()), self.day0), _DAY_US)
        for entry in pc.value_counts(days).to_pylist():
            self.counts.orders[entry["values"]] += entry["counts"]
        odd_mask = pc.and_(keep, cancelled)
        odd = orders.filter(odd_mask)
        odd_bought = pc.filter(bought, odd_mask)
        # Read (and a bad value refused) on every order, as the Python reader does, not only the cancelled ones.
        asked = self._any_item(table, BUYER_REQUESTED, lambda v: buyer_asked(v.encode()), is_first, starts)
        if not odd.num_rows:
            return
        odd_asked = pc.filter(asked, odd_mask).to_pylist()
        updated = odd[UPDATED].to_pylist() if UPDATED in odd.column_names else [None] * odd.num_rows
        for order_id, purchased, upd, mkt, said in zip(
            odd[ORDER_ID].to_pylist(),
            odd_bought.to_pylist(),
            updated,
            pc.filter(market, odd_mask).to_pylist(),
            odd_asked,
            strict=True,
        ):
            self.counts.add_cancelled(order_id.strip(), purchased, upd, markets[mkt], self.attribution, asked=said)


def _release() -> None:
    # Arrow's allocator keeps freed blocks for reuse; hand them back so the peak stays at two pieces.
    pa.default_memory_pool().release_unused()


def _pipeline(pieces: Iterator[Any], parse: Callable[[Any], Any], count: Callable[[Any], None]) -> None:
    """Read and parse the next piece on a worker thread while this thread counts the previous one.

    The worker takes the piece from ``pieces`` itself, so a gzip document is inflated there too (by ISA-L or
    zlib, see ``_inflate``), while this thread counts: both cores work. One worker and one piece in flight: the
    generator is only ever advanced by one thread at a time, and the peak stays at two pieces, not the file.
    """

    def produce() -> Any:
        piece = next(pieces, None)
        return None if piece is None else parse(piece)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sp-cancel-csv") as pool:
        table = pool.submit(produce).result()
        while table is not None:
            following = pool.submit(produce)
            count(table)
            del table
            _release()
            table = following.result()


def _opened(source: str | os.PathLike[str] | bytes) -> tuple[IO[bytes], Any]:
    """``source`` as a byte stream (for the header and gzip) and as an Arrow file (for pieces read by position)."""
    if isinstance(source, bytes):
        return io.BytesIO(source), pa.BufferReader(pa.py_buffer(source))
    return open(source, "rb"), pa.OSFile(os.fspath(source))  # noqa: PTH123 - closed by the caller


def arrow_counts(
    source: str | os.PathLike[str] | bytes,
    counts: Counts,
    attribution: Attribution | None,
    marketplace: str | None,
    marketplace_id: str | None,
    *,
    exclude: Collection[str] = frozenset(),
) -> None:
    """Read the report in ``source`` (a path, or the document's bytes) into ``counts`` (see the module docstring).

    The orders of ``exclude`` (order ids) are read and checked but not counted (see ``count_report``).

    Bytes are read in place: an uncompressed document is sliced without a copy, a gzip one inflated piece by
    piece, so memory holds the document as downloaded plus two pieces.
    """
    raw, arrow_file = _opened(source)
    with raw:
        gzipped = raw.read(2) == GZIP_MAGIC
        raw.seek(0)
        if gzipped:
            arrow_file.close()
            header, body = _split_header(inflate(chunks_of(raw, _GZIP_READ)))
        else:
            header = raw.readline()
        names = header_names(header)
        missing = [c for c in REQUIRED if c not in names]
        if missing:
            arrow_file.close()
            raise InvalidInputError(f"All Orders report: missing column(s) {', '.join(missing)}", field="path")
        # Duplicate or blank names would confuse Arrow; give them unique placeholders.
        unique = [n if n and names.index(n) == i else f"_col{i}" for i, n in enumerate(names)]
        wanted = [c for c in (*REQUIRED, *OPTIONAL) if c in unique]
        # One thread: Arrow's parallel parse keeps a piece per thread alive and freed blocks in per-thread
        # caches, about doubling the peak for little gain on a two-core machine (benchmarks/README.md).
        read = pacsv.ReadOptions(column_names=unique, block_size=_BLOCK, use_threads=False)
        parse = pacsv.ParseOptions(delimiter="\t", quote_char=False, ignore_empty_lines=True)
        convert = pacsv.ConvertOptions(
            include_columns=wanted, column_types=dict.fromkeys(wanted, pa.string()), strings_can_be_null=False
        )
        one = _Pass(counts, attribution, marketplace, marketplace_id, exclude)
        id_index = names.index(ORDER_ID)
        if gzipped:
            pieces: Iterator[Any] = _streamed_pieces(body, id_index)
        else:
            pieces = _file_pieces(arrow_file, len(header), id_index)
        try:
            _pipeline(pieces, lambda piece: pacsv.read_csv(pa.BufferReader(piece), read, parse, convert), one.count)
        except pa.ArrowInvalid as exc:
            raise InvalidInputError(f"All Orders report: {exc}", field="path") from None
        finally:
            arrow_file.close()
