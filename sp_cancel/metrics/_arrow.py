"""The pyarrow reader behind ``rate_from_all_orders_file`` and the report route (the optional ``fast`` extra).

The file (or the downloaded document) is cut in Python into pieces of whole orders (at the first line of the
piece's last order, so an order is never split), and each piece is parsed by ``pyarrow.csv.read_csv`` (one
thread) into the few columns the rate needs, the low-cardinality ones dictionary-encoded. Plain orders are
counted per day with vectorised kernels; each distinct status, channel or sales-channel value is classified
once in Python; only the cancelled orders of the window become Python objects and go through the same
classification as the pure-Python reader. Three threads overlap: one reads (and for a gzip document inflates,
with zlib's GIL-free inflate on large blocks), one parses, the caller counts. Each stage is one piece ahead of
the next and Arrow's freed blocks are handed back after each piece, so memory is bounded by the piece size
whatever the file's size (Arrow's own streaming reader reads ahead without a bound we control).
"""

from __future__ import annotations

import io
import itertools
import os
import queue
import threading
import zlib
from collections.abc import Callable, Generator, Iterator
from datetime import UTC, datetime, time, timedelta
from typing import IO, Any, Final, TypeVar

import attrs
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

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
    header_names,
    is_cancelled_item,
    marketplace_of,
)
from sp_cancel.metrics._calculator import PENDING
from sp_cancel.metrics._records import Fulfillment, OrderStatus, to_fulfillment, to_status

__all__ = ["arrow_counts"]

_T = TypeVar("_T")

_CHUNK: Final = 4 << 20  # bytes of the file per read_csv call: two in flight stay well under 100 MiB
_BLOCK: Final = 1 << 20  # bytes per parallel parsing block inside a chunk
_TIMESTAMP: Final = pa.timestamp("us", tz="UTC")
_GZIP_READ: Final = 1 << 19  # compressed bytes inflated per zlib call (about 3.5 MiB of text)
_TAIL: Final = 1 << 16  # bytes of a piece's end searched first for its last order
_DAY_US: Final = 86_400_000_000
_GZIP: Final = b"\x1f\x8b"
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
#: Columns of a few distinct values, read dictionary-encoded: each value is classified once, not once per row.
_CODED: Final = frozenset((STATUS, CHANNEL, SALES, ITEM_STATUS, BUYER_REQUESTED))
_DICTIONARY: Final = pa.dictionary(pa.int32(), pa.string())


def _flags(column: Any, keep: Callable[[str], bool], cache: dict[str, bool], used: Any = None) -> Any:
    """Per row of a dictionary column: whether ``keep`` likes its value, asked once per distinct value.

    ``keep`` runs on every value of the dictionary (so a bad one is refused wherever it is), or, given ``used``
    (the dictionary indices that matter), on those only; the answers are cached across pieces.
    """
    values = column.dictionary.to_pylist()
    wanted = range(len(values)) if used is None else used.to_pylist()
    flags = [False] * len(values)
    for i in wanted:
        value = values[i]
        hit = cache.get(value)
        if hit is None:
            hit = cache[value] = keep(value)
        flags[i] = hit
    return pc.take(pa.array(flags, pa.bool_()), column.indices)


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


def _inflated(raw: IO[bytes]) -> Iterator[bytes]:
    """The gzip stream ``raw`` inflated, a few MiB at a time (members one after another, as ``gzip`` reads them).

    zlib inflates a whole input block with the GIL released, where ``GzipFile`` goes 8 KiB at a time in Python,
    so this thread leaves the parser and the counting thread alone. Errors are ``gzip``'s: ``zlib.error`` for bad
    data, ``EOFError`` for a document cut short.
    """
    inflater, fed = zlib.decompressobj(wbits=31), False
    while data := raw.read(_GZIP_READ):
        while data:
            fed = True
            if out := inflater.decompress(data):
                yield out
            data = b""
            if inflater.eof:  # the next member, if any, starts in the unused bytes
                data, inflater, fed = inflater.unused_data, zlib.decompressobj(wbits=31), False
    if fed and not inflater.eof:
        raise EOFError("Compressed file ended before the end-of-stream marker was reached")


def _header(chunks: Iterator[bytes]) -> tuple[bytes, bytes]:
    """The first line of an inflated stream, and the bytes after it."""
    head = b""
    for chunk in chunks:
        head += chunk
        if b"\n" in head:
            break
    line, newline, rest = head.partition(b"\n")
    return line + newline, rest


def _streamed_pieces(chunks: Iterator[bytes], id_index: int) -> Iterator[bytes]:
    """The data rows of an inflated stream, after its header line, in pieces of whole orders."""
    rest = b""
    for data in chunks:
        buf = rest + data
        cut = _order_start(buf, 0, len(buf), id_index) if len(buf) >= _CHUNK else 0
        if cut == 0:
            rest = buf
            continue
        yield buf[:cut]
        rest = buf[cut:]
    if rest.strip():
        yield rest


_PENDING_KIND: Final = 2


def _status_kind(value: str) -> int:
    status = to_status(value)
    return 1 if status is OrderStatus.CANCELED else 2 if status in PENDING else 0


class _Pass:
    """One streaming pass: the window's bounds as Arrow scalars, and where to count.

    The low-cardinality columns arrive dictionary-encoded, so each distinct value is classified once in Python
    (and cached across pieces) and the rows get their flags by one ``take``; only the cancelled orders of the
    window, a few per cent, are turned into Python objects.
    """

    def __init__(
        self, counts: Counts, attribution: Attribution | None, marketplace: str | None, marketplace_id: str | None
    ) -> None:
        self.counts = counts
        self.attribution = attribution
        self.marketplace = marketplace
        self.marketplace_id = marketplace_id
        self.start = pa.scalar(counts.start, _TIMESTAMP)
        self.end = pa.scalar(counts.end, _TIMESTAMP)
        midnight = datetime.combine(counts.start.date(), time(), UTC)
        self.day0 = (midnight - _EPOCH) // timedelta(microseconds=1)  # day numbers = toordinal() - counts.first
        self._cancelled: dict[str, bool] = {}
        self._pending: dict[str, bool] = {}
        self._canceled: dict[str, bool] = {}
        self._mfn: dict[str, bool] = {}
        self._asked: dict[str, bool] = {}
        self._chosen: dict[str, bool] = {}
        self._markets: dict[str, str] = {}

    def _any_item(self, table: Any, column: str, keep: Callable[[str], bool], cache: dict[str, bool], at: Any) -> Any:
        """Per order (its first row in ``at``): whether any of its rows has a ``column`` value ``keep`` likes."""
        if column not in table.column_names:
            return None
        hit = _flags(table[column].chunk(0), keep, cache)
        if not pc.any(hit).as_py():
            return None
        # Orders are numbered by their first rows; an order has a hit when one of its rows' numbers is among them.
        group = pc.subtract(pc.cumulative_sum(pc.cast(at["first"], pa.int32())), 1)
        return pc.is_in(pc.take(group, at["starts"]), value_set=pc.unique(pc.filter(group, hit)))

    def _market_of(self, sales: str) -> str:
        market = self._markets.get(sales)
        if market is None:
            market = self._markets[sales] = self.marketplace_id or marketplace_of(sales)
        return market

    def _keep(self, table: Any, starts: Any) -> tuple[Any, Any, Any, Any, dict[str, str]]:
        """Per order: (status Cancelled, counted if not cancelled, purchase time, sales-channel, its markets)."""
        # The order's fields come from its first row, and only those rows' values are read (as in Python).
        status = pc.take(table[STATUS].chunk(0), starts)
        used = pc.unique(status.indices)
        canceled = _flags(status, lambda v: _status_kind(v) == 1, self._canceled, used)
        pending = _flags(status, lambda v: _status_kind(v) == _PENDING_KIND, self._pending, used)
        channel = pc.take(table[CHANNEL].chunk(0), starts)
        mfn = _flags(channel, lambda v: to_fulfillment(v) is Fulfillment.MFN, self._mfn, pc.unique(channel.indices))
        bought = pc.cast(pc.take(table[PURCHASED].chunk(0), starts), _TIMESTAMP)
        in_window = pc.and_(pc.greater_equal(bought, self.start), pc.less(bought, self.end))
        keep = pc.and_(pc.and_(mfn, pc.invert(pending)), in_window)
        if self.marketplace_id is not None or SALES not in table.column_names:
            sales, only = None, self.marketplace_id or ""
            markets = {only: only} if pc.any(keep).as_py() else {}  # as if read from the orders counted
        else:
            sales = pc.take(table[SALES].chunk(0), starts)
            markets = {v: self._market_of(v) for v in pc.unique(pc.filter(sales, keep)).dictionary_decode().to_pylist()}
        if "" in markets.values():
            raise InvalidInputError("All Orders report: no sales-channel; pass marketplace_id")
        if self.marketplace is not None:
            if sales is not None:
                chosen = _flags(sales, lambda v: self._market_of(v) == self.marketplace, self._chosen)
                keep = pc.and_(keep, chosen)
            elif self.marketplace not in markets.values():
                keep = pa.repeat(pa.scalar(value=False), len(starts))
        self.counts.seen.update(v for v in markets.values() if self.marketplace in (None, v))
        return canceled, keep, bought, sales, markets

    def count(self, table: Any) -> None:
        """Count the complete orders in ``table`` (whose last order is complete too)."""
        n = table.num_rows
        if n == 0:
            return
        table = table.unify_dictionaries().combine_chunks()
        ids = table[ORDER_ID].chunk(0)
        is_first = pa.concat_arrays([pa.array([True]), pc.not_equal(ids.slice(1), ids.slice(0, n - 1))])
        starts = pc.indices_nonzero(is_first)
        at = {"first": is_first, "starts": starts}
        canceled, keep, bought, sales, markets = self._keep(table, starts)
        any_item = self._any_item(table, ITEM_STATUS, is_cancelled_item, self._cancelled, at)
        cancelled = canceled if any_item is None else pc.or_(canceled, any_item)
        plain = pc.and_(keep, pc.invert(cancelled))
        days = pc.divide(pc.subtract(pc.cast(pc.filter(bought, plain), pa.int64()), self.day0), _DAY_US)
        for entry in pc.value_counts(days).to_pylist():
            self.counts.orders[entry["values"]] += entry["counts"]
        # Read (and a bad value refused) on every order, as the Python reader does, not only the cancelled ones.
        asked = self._any_item(table, BUYER_REQUESTED, lambda v: buyer_asked(v.encode()), self._asked, at)
        odd = pc.and_(keep, cancelled)
        rows = pc.filter(starts, odd)
        if not len(rows):
            return
        order_ids = pc.take(ids, rows).to_pylist()
        none = [None] * len(order_ids)
        said = [False] * len(order_ids) if asked is None else pc.filter(asked, odd).to_pylist()
        updated = pc.take(table[UPDATED].chunk(0), rows).to_pylist() if UPDATED in table.column_names else none
        where = none if sales is None else pc.filter(sales, odd).dictionary_decode().to_pylist()
        only = self.marketplace_id or ""
        for order_id, purchased, upd, mkt, asked_ in zip(
            order_ids, pc.filter(bought, odd).to_pylist(), updated, where, said, strict=True
        ):
            market = only if mkt is None else markets[mkt]
            self.counts.add_cancelled(order_id.strip(), purchased, upd, market, self.attribution, asked=asked_)


def _release() -> None:
    # Arrow's allocator keeps freed blocks for reuse; hand them back so the peak stays at a few pieces.
    pa.default_memory_pool().release_unused()


_END: Final = object()  # handed over after the last item


def _give(handover: queue.Queue[Any], entry: Any, stop: threading.Event) -> bool:
    """Hand ``entry`` over, waiting for room; ``False`` when ``stop`` was set first (nobody will take it)."""
    while not stop.is_set():
        try:
            handover.put(entry, timeout=0.05)
        except queue.Full:
            continue
        return True
    return False


def _take(handover: queue.Queue[Any], worker: threading.Thread) -> Any:
    """The next entry, or ``_END`` when the worker ended without one (it was stopped)."""
    while True:
        try:
            return handover.get(timeout=0.05)
        except queue.Empty:
            if not worker.is_alive():
                break
    try:  # it may have handed over its last entry just before ending
        return handover.get_nowait()
    except queue.Empty:
        return _END


def _ahead(items: Iterator[_T]) -> Generator[_T, None, None]:
    """``items``, produced on a thread of their own one item ahead of the consumer (errors re-raised here).

    At most one finished item waits in the hand-over, so memory holds the one being made, the one waiting and
    the one being used. Closing the generator (the consumer gives up) ends the thread at its next hand-over.
    """
    handover: queue.Queue[Any] = queue.Queue(maxsize=1)
    stop = threading.Event()  # this stage's own: an error further up must still be handed down

    def produce() -> None:
        try:
            for item in items:
                if not _give(handover, item, stop):
                    return
                del item
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            _give(handover, _Failed(exc), stop)
        else:
            _give(handover, _END, stop)

    worker = threading.Thread(target=produce, name="sp-cancel-csv", daemon=True)
    worker.start()
    try:
        while (entry := _take(handover, worker)) is not _END:
            if isinstance(entry, _Failed):
                raise entry.error
            yield entry
            del entry
    finally:
        stop.set()
        worker.join()


@attrs.frozen
class _Failed:
    error: BaseException


def _pipeline(pieces: Iterator[Any], parse: Callable[[Any], Any], count: Callable[[Any], None]) -> None:
    """Three threads: one reads (and inflates) the pieces, one parses them, this one counts.

    zlib and Arrow's parser release the GIL, so reading, parsing and counting overlap on two cores; the Python
    left per piece is small. Each stage is one piece ahead of the next, so a few pieces are alive, never the file.
    """
    read = _ahead(pieces)
    tables = _ahead(parse(piece) for piece in read)
    try:
        for table in tables:
            count(table)
            del table
            _release()
    finally:
        tables.close()  # first the parser, which reads from ``read``; then the reader
        read.close()


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
) -> None:
    """Read the report in ``source`` (a path, or the document's bytes) into ``counts`` (see the module docstring).

    Bytes are read in place: an uncompressed document is sliced without a copy, a gzip one inflated piece by
    piece, so memory holds the document as downloaded plus two pieces.
    """
    raw, arrow_file = _opened(source)
    with raw:
        gzipped = raw.read(2) == _GZIP
        raw.seek(0)
        if gzipped:
            header, rest = _header(chunks := _inflated(raw))
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
        types = {c: _DICTIONARY if c in _CODED else pa.string() for c in wanted}
        convert = pacsv.ConvertOptions(include_columns=wanted, column_types=types, strings_can_be_null=False)
        one = _Pass(counts, attribution, marketplace, marketplace_id)
        id_index = names.index(ORDER_ID)
        if gzipped:
            arrow_file.close()
            pieces: Iterator[Any] = _streamed_pieces(itertools.chain((rest,), chunks), id_index)
        else:
            pieces = _file_pieces(arrow_file, len(header), id_index)
        try:
            _pipeline(pieces, lambda piece: pacsv.read_csv(pa.BufferReader(piece), read, parse, convert), one.count)
        except pa.ArrowInvalid as exc:
            raise InvalidInputError(f"All Orders report: {exc}", field="path") from None
        finally:
            arrow_file.close()
