"""Streaming reader of the All Orders flat-file report, and the file-to-rate fast path.

``GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL`` (or ``..._BY_LAST_UPDATE_GENERAL``) is
tab-separated, one row per *item*, the rows of one order adjacent. It says nothing about who
cancelled, so its records carry ``cancelled_by=None`` until attributed (``getOrder``
``includedData=CANCELLATION``). Fields are never quoted (product names may hold ``"``), so
quoting is off. Gzip is recognised by its magic bytes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import IO, Final

from sp_cancel._buyer_request import read_buyer_request
from sp_cancel._inflate import inflate
from sp_cancel.errors import InvalidInputError
from sp_cancel.metrics._calculator import (
    EXCLUDED,
    PENDING,
    UNATTRIBUTED,
    AmazonCounts,
    build_report,
    classify,
    counted,
    day_slots,
)
from sp_cancel.metrics._records import (
    CancelledBy,
    Fulfillment,
    OrderRecord,
    OrderStatus,
    norm,
    to_bool,
    to_cancelled_by,
    to_status,
    to_utc,
)
from sp_cancel.metrics._result import CancellationRateReport

__all__ = ["SALES_CHANNELS", "lines", "raw_orders", "records_from_all_orders_report"]

# Amazon's sales-channel column -> marketplace id (the report has no marketplace id column).
SALES_CHANNELS: Final[Mapping[str, str]] = {
    "amazon.com": "ATVPDKIKX0DER",
    "amazon.ca": "A2EUQ1WTGCTBG2",
    "amazon.com.mx": "A1AM78C64UM0Y8",
    "amazon.com.br": "A2Q3Y263D00KWC",
    "amazon.co.uk": "A1F83G8C2ARO7P",
    "amazon.de": "A1PA6795UKMFR9",
    "amazon.fr": "A13V1IB3VIYZZH",
    "amazon.it": "APJ6JRA9NG5V4",
    "amazon.es": "A1RKKUPIHCS9HS",
    "amazon.nl": "A1805IZSGTT6HS",
    "amazon.se": "A2NODRKZP88ZB9",
    "amazon.pl": "A1C3SOZRARQ6R3",
    "amazon.com.be": "AMEN7PMS3EDWL",
    "amazon.ie": "A28R8C7NBKEWEA",
    "amazon.com.tr": "A33AVAJ2PDY3EV",
    "amazon.ae": "A2VIGQ35RCS4UG",
    "amazon.sa": "A17E79C6D8DWNP",
    "amazon.eg": "ARBP9OOSHTCHU",
    "amazon.in": "A21TJRUUN4KGV",
    "amazon.co.za": "AE08WJ6YKNBMC",
    "amazon.co.jp": "A1VC38T7YXB528",
    "amazon.com.au": "A39IBJ37TRP1C6",
    "amazon.sg": "A19VAU5U5O7RUS",
}
ORDER_ID: Final = "amazon-order-id"
PURCHASED: Final = "purchase-date"
UPDATED: Final = "last-updated-date"
STATUS: Final = "order-status"
CHANNEL: Final = "fulfillment-channel"
SALES: Final = "sales-channel"
ITEM_STATUS: Final = "item-status"
#: The buyer asked for the cancellation through Amazon, per item (``true``/``false``): the Unshipped Orders report
#: has it (docs/buyer-requests.md), Amazon's 2022 changelog calls it "an optional field in the Reports API"; read
#: when there.
BUYER_REQUESTED: Final = "is-buyer-requested-cancellation"
REQUIRED: Final = (ORDER_ID, PURCHASED, STATUS, CHANNEL)
OPTIONAL: Final = (UPDATED, SALES, ITEM_STATUS, BUYER_REQUESTED)
_CHUNK: Final = 1 << 20


# One order from the report: (line number, order id, purchase-date, order-status, fulfillment-channel,
# sales-channel or None, last-updated-date or None, whether any item was cancelled, whether the buyer asked to
# cancel any item), raw bytes from its first row.
RawOrder = tuple[int, bytes, bytes, bytes, bytes, bytes | None, bytes | None, bool, bool]


def marketplace_of(sales_channel: str) -> str:
    """Map a sales-channel value (``Amazon.com``) to its marketplace id; unknown ones are kept as written."""
    text = sales_channel.strip()
    return SALES_CHANNELS.get(text.lower(), text)


def is_cancelled_item(item_status: str) -> bool:
    """Whether an ``item-status`` value says the item was cancelled."""
    return norm(item_status) in ("cancelled", "canceled")


def cancelled_at_from(updated: str | None, purchased: datetime) -> datetime | None:
    """The report's stand-in for the cancellation time: last-updated-date (an upper bound), if sane."""
    if updated is None or not updated.strip():
        return None
    when = to_utc(updated, UPDATED)
    return when if when >= purchased else None


def chunks_of(stream: IO[bytes] | Iterable[bytes], size: int = _CHUNK) -> Iterator[bytes]:
    """The bytes of a binary stream (read ``size`` bytes at a time) or of an iterable of chunks (empty ones skipped)."""
    read: Callable[[int], bytes] | None = getattr(stream, "read", None)
    if read is not None:
        while chunk := read(size):
            yield chunk
    else:
        for chunk in stream:
            if chunk:
                yield bytes(chunk)


def lines(stream: IO[bytes] | Iterable[bytes]) -> Iterator[bytes]:
    """Yield the lines of a byte stream (or an iterable of arbitrary chunks), gzip or not, without newlines."""
    rest = b""
    for chunk in inflate(chunks_of(stream)):
        parts = (rest + chunk).split(b"\n")
        rest = parts.pop()
        yield from parts
    if rest:
        yield rest


def header_names(line: bytes) -> list[str]:
    """Normalised column names of a header line (BOM, case, spaces removed)."""
    return [name.strip().lower() for name in line.decode("utf-8-sig", errors="replace").split("\t")]


def _positions(names: list[str]) -> dict[str, int]:
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise InvalidInputError(f"All Orders report: missing column(s) {', '.join(missing)}", field="stream")
    return {c: names.index(c) for c in (*REQUIRED, *OPTIONAL) if c in names}


def buyer_asked(raw: bytes) -> bool:
    """Read one ``is-buyer-requested-cancellation`` field (the one buyer-request parser; blank is ``False``)."""
    try:
        return read_buyer_request(raw.decode("utf-8", "replace"), shape="report").requested
    except ValueError as exc:
        raise InvalidInputError(f"All Orders report: {BUYER_REQUESTED}: {exc}", field=BUYER_REQUESTED) from None


def raw_orders(rows: Iterator[bytes]) -> Iterator[RawOrder]:  # noqa: C901 - one flat loop is the fast loop
    """Group the item rows after the header into orders (adjacent rows with the same order id)."""
    header = next(rows, None)
    if header is None:
        return
    pos = _positions(header_names(header))
    i_id, i_buy, i_status, i_channel = (pos[c] for c in REQUIRED)
    i_upd, i_sales, i_item, i_asked = (pos.get(c) for c in OPTIONAL)
    width = max(pos.values())
    item_cache: dict[bytes, bool] = {}
    asked_cache: dict[bytes, bool] = {}
    current: list[bytes] | None = None
    current_id = b""
    current_line = 0
    any_cancelled = cancelled = any_asked = asked = False
    # One None after the last row hands over the last order through the same yield as every other one.
    for number, line in enumerate(itertools.chain(rows, (None,)), start=2):
        if line is not None:
            if not line or line == b"\r":
                continue
            f = line.split(b"\t", width + 1)
            if len(f) <= width:
                raise InvalidInputError(f"All Orders report line {number}: {len(f)} columns, need {width + 1}")
            if i_item is not None:
                raw = f[i_item]
                hit = item_cache.get(raw)
                if hit is None:
                    hit = item_cache[raw] = is_cancelled_item(raw.decode("utf-8", "replace"))
                cancelled = hit
            if i_asked is not None:
                raw = f[i_asked]
                said = asked_cache.get(raw)
                if said is None:
                    said = asked_cache[raw] = buyer_asked(raw)
                asked = said
            oid = f[i_id]
            if oid == current_id and current is not None:
                any_cancelled = any_cancelled or cancelled
                any_asked = any_asked or asked
                continue
        if current is not None:
            yield (
                current_line,
                current_id,
                current[i_buy],
                current[i_status],
                current[i_channel],
                None if i_sales is None else current[i_sales],
                None if i_upd is None else current[i_upd],
                any_cancelled,
                any_asked,
            )
        if line is not None:
            current, current_id, current_line, any_cancelled, any_asked = f, oid, number, cancelled, asked


def text(raw: bytes) -> str:
    """Decode one raw field."""
    return raw.decode("utf-8", "replace").strip()


def records_from_all_orders_report(
    stream: IO[bytes] | Iterable[bytes], *, marketplace_id: str | None = None
) -> Iterator[OrderRecord]:
    """Stream an All Orders report (tab-separated, gzip or not) as one ``OrderRecord`` per order.

    Items of one order (adjacent rows) are grouped: order fields come from the first row, and the order counts as
    cancelled when its status is ``Cancelled`` or any item's ``item-status`` is. A cancelled record has
    ``cancelled_at`` = the report's ``last-updated-date`` (an upper bound) and ``cancelled_by=None``:
    ``OrderRecord.needs_attribution`` tells which orders to look up.

    Args:
        stream: a binary file, or any iterable of byte chunks (e.g. an HTTP body).
        marketplace_id: the report's marketplace; default: mapped from ``sales-channel`` (``Amazon.com``...).

    Raises:
        InvalidInputError: a required column is missing, or a row is short or holds an unknown value.
    """
    for line, order_id, bought, status_raw, channel, sales, updated_raw, item_cancelled, asked in raw_orders(
        lines(stream)
    ):
        purchased = to_utc(text(bought), PURCHASED)
        status = to_status(text(status_raw))
        updated = None if updated_raw is None else text(updated_raw)
        cancelled = status is OrderStatus.CANCELED or item_cancelled
        market = marketplace_id or (marketplace_of(text(sales)) if sales is not None else None)
        if not market:
            raise InvalidInputError(
                f"All Orders report line {line}: no sales-channel; pass marketplace_id", field="marketplace_id"
            )
        yield OrderRecord(
            order_id=text(order_id),
            purchased_at=purchased,
            marketplace_id=market,
            fulfillment=text(channel),
            status=status,
            buyer_requested=asked,
            cancelled_at=cancelled_at_from(updated, purchased) if cancelled else None,
        )


# --- counting orders of the report, for the file-to-rate path (Python and pyarrow readers) ----------


#: order id -> (who cancelled, whether the buyer asked), as the client reads them from ``getOrder``.
Attribution = Mapping[str, tuple[CancelledBy | str | None, bool]]


def attribution_of(attribution: Attribution | None, order_id: str) -> tuple[CancelledBy | None, bool]:
    """Look up and convert one order's attribution (``(None, False)`` when unknown)."""
    if attribution is None:
        return None, False
    found = attribution.get(order_id)
    if found is None:
        return None, False
    who, asked = found
    return to_cancelled_by(who), to_bool(asked)


#: order id -> (Amazon's cancellation text, the ship-by date), for the cancelled orders the client looked up.
Facts = Mapping[str, tuple[str | None, datetime | None]]


class Counts:
    """Per-day counters of one pass over report orders, shared by the Python and pyarrow readers."""

    def __init__(
        self, start: datetime, end: datetime, *, late_shipment_counts: bool = True, facts: Facts | None = None
    ) -> None:
        """Empty counters for ``[start, end)``.

        ``facts``: what ``getOrder`` said of a looked-up order (read after its attribution), so Amazon's own
        cancellations are classified with its words and the ship-by date, not only the report's timing.
        """
        self.start, self.end = start, end
        self.first = start.toordinal()
        slots = day_slots(start, end)
        self.orders = [0] * slots
        self.cancelled = [0] * slots
        self.unattributed = 0
        self.seen: set[str] = set()
        self.amazon = AmazonCounts(slots)
        self.late_shipment_counts = late_shipment_counts
        self.facts: Facts = facts or {}

    def add_cancelled(
        self,
        order_id: str,
        purchased: datetime,
        updated: str | None,
        market: str,
        attribution: Attribution | None,
        *,
        asked: bool = False,
    ) -> None:
        """Count one cancelled (wholly or partly) MFN, non-Pending order purchased in the window.

        ``asked``: the report itself says the buyer requested it; then nobody is asked who cancelled (a buyer
        request never counts), which spares the report route a ``getOrder`` per such order.
        """
        who, asked = (None, True) if asked else attribution_of(attribution, order_id)
        reason, ship_by = self.facts.get(order_id, (None, None))
        code = classify(who, asked, purchased, cancelled_at_from(updated, purchased), reason, ship_by)
        self.seen.add(market)
        self._add_code(code, purchased.toordinal() - self.first)

    def add_record(self, record: OrderRecord, marketplace: str | None) -> None:
        """Count one order read through the Orders API instead of the report's rows, as ``cancellation_rate`` does.

        For the report route's re-read of the orders updated after the report's data end: the record says who
        cancelled (``includedData=CANCELLATION``), so nobody is asked. An AFN, Pending, other-marketplace order or
        one purchased outside the window is not counted.
        """
        purchased = record.purchased_at
        if record.fulfillment is not Fulfillment.MFN or not self.start <= purchased < self.end:
            return
        if (marketplace is not None and record.marketplace_id != marketplace) or record.status in PENDING:
            return
        self.seen.add(record.marketplace_id)
        day = purchased.toordinal() - self.first
        if record.cancelled_by is None and record.status is not OrderStatus.CANCELED and record.cancelled_at is None:
            self.orders[day] += 1
            return
        code = classify(
            record.cancelled_by,
            record.buyer_requested,
            purchased,
            record.cancelled_at,
            record.cancel_reason,
            record.ship_by,
        )
        self._add_code(code, day)

    def _add_code(self, code: int, day: int) -> None:
        """Count one classified cancellation (a ``classify`` code) of an order purchased on ``day``."""
        if code >= EXCLUDED:
            self.amazon.add(code, day)
            if code == EXCLUDED:
                return
        self.orders[day] += 1
        if counted(code, self.late_shipment_counts):
            self.cancelled[day] += 1
            self.unattributed += code == UNATTRIBUTED

    def report(self, target: Decimal | str | float | None, marketplace: str | None) -> CancellationRateReport:
        """Build the report from the counters."""
        return build_report(
            start=self.start,
            end=self.end,
            orders=self.orders,
            cancelled=self.cancelled,
            unattributed=self.unattributed,
            target=target,
            marketplace=marketplace,
            seen_marketplaces=self.seen,
            source="all_orders_report",
            amazon=self.amazon,
            late_shipment_counts=self.late_shipment_counts,
        )
