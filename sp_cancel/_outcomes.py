"""What every feed-driven workflow reports, exported from ``sp_cancel``.

A feed's state as polled (``FeedState``, the event a ``ProgressCallback`` receives), one result of
Amazon's processing report (``ProcessingMessage``) and a batch of per-key outcomes (``BatchOutcome``:
a read-only mapping that renders as an HTML table in notebooks and turns into plain records for
DataFrames). Each workflow's own results live with it (``_cancellation.outcomes``,
``_refunds.outcomes``, ``_listings.outcomes``, ``_fba``, ``deals``); the journal keeps them as JSON
through the one codec here (``to_json``/``from_json``, driven by each class's attrs fields). Every
``status`` is a ``str`` enum (``str(status)`` is its value, and it compares equal to it).
"""

from __future__ import annotations

import enum
import functools
import html
import types
import typing
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any, ClassVar, Final, Literal, Protocol, TypeVar

import attrs

from sp_cancel.errors import SpCancelError
from sp_cancel.models import Money

__all__ = [
    "NOT_JOURNALED",
    "BatchOutcome",
    "FeedState",
    "FeedStatus",
    "Outcome",
    "ProcessingMessage",
    "ProgressCallback",
    "Severity",
    "from_json",
    "to_json",
]

Severity = Literal["ERROR", "WARNING", "INFO"]


class FeedStatus(enum.StrEnum):
    """A feed's ``processingStatus`` (Feeds API 2021-06-30)."""

    IN_QUEUE = "IN_QUEUE"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    CANCELLED = "CANCELLED"
    FATAL = "FATAL"


@attrs.frozen(kw_only=True)
class FeedState:
    """What ``getFeed`` said about one feed: the event a [ProgressCallback][sp_cancel.ProgressCallback] receives.

    Attributes:
        feed_id: Amazon's feed id.
        feed_type: e.g. ``POST_ORDER_ACKNOWLEDGEMENT_DATA``.
        status: the feed's processing status.
        created_at: when Amazon created the feed.
        result_document_id: the processing report's document id, once the feed is done.
        processing_end_time: when Amazon finished processing it (``processingEndTime``), once known.
        expected_seconds: how long the last feed of this type this client saw finish took (Amazon's
            ``createdTime`` to ``processingEndTime``), which the next poll is planned on; ``None`` before one
            finished. Not part of equality.
    """

    feed_id: str
    feed_type: str
    status: FeedStatus = attrs.field(converter=FeedStatus)
    created_at: datetime | None = None
    result_document_id: str | None = None
    processing_end_time: datetime | None = None
    expected_seconds: float | None = attrs.field(default=None, eq=False)

    @property
    def finished(self) -> bool:
        """True once the feed is DONE, CANCELLED or FATAL."""
        return self.status in {FeedStatus.DONE, FeedStatus.CANCELLED, FeedStatus.FATAL}


class ProgressCallback(Protocol):
    """The ``progress=`` argument of the workflows that wait for a feed.

    Called after each ``getFeed`` poll with the feed's [FeedState][sp_cancel.FeedState] and the seconds
    waited so far. Any function ``(state, waited) -> None`` fits:

    ```python
    def show(state: FeedState, waited: float) -> None:
        print(f"feed {state.feed_id}: {state.status} after {waited:.0f} s")

    client.cancel_order(order_id, CancelReason.NO_INVENTORY, progress=show)
    ```
    """

    def __call__(self, state: FeedState, waited: float, /) -> None:
        """Receive one poll's state and the seconds waited."""


@attrs.resolve_types  # the journal codec reads the field types (_outcomes.to_json)
@attrs.frozen(kw_only=True)
class ProcessingMessage:
    """One result Amazon reported for a submission (a ProcessingReport ``Result`` or a listings issue)."""

    code: str
    severity: Severity
    description: str
    message_id: int | None = None
    order_id: str | None = None
    order_item_id: str | None = None
    sku: str | None = None


NOT_JOURNALED: Final[Mapping[str, bool]] = MappingProxyType({"journal": False})
"""``attrs.field(metadata=NOT_JOURNALED)``: a member the journal does not keep (an outcome's ``error``)."""

_Convert = Callable[[Any], Any]
_A = TypeVar("_A", bound=attrs.AttrsInstance)


def _same(value: Any) -> Any:
    return value


def _optional(convert: _Convert) -> _Convert:
    return lambda value: None if value is None else convert(value)


def _value_codec(hint: Any) -> tuple[_Convert, _Convert]:
    """How one annotated value is encoded to JSON data and decoded back (types here, no value yet)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is types.UnionType or origin is typing.Union:  # only ``X | None``: a member or nothing
        (inner,) = (arg for arg in args if arg is not type(None))
        encode, decode = _value_codec(inner)
        return _optional(encode), _optional(decode)
    if origin is tuple:  # ``tuple[X, ...]``, stored as a list
        encode, decode = _value_codec(args[0])
        return (lambda value: [encode(v) for v in value]), (lambda data: tuple(decode(v) for v in data))
    if origin is Mapping:
        encode_key, decode_key = _value_codec(args[0])
        encode, decode = _value_codec(args[1])
        return (
            lambda value: {encode_key(k): encode(v) for k, v in value.items()},
            lambda data: {decode_key(k): decode(v) for k, v in data.items()},
        )
    return _single_codec(hint)


def _single_codec(hint: Any) -> tuple[_Convert, _Convert]:
    """``_value_codec`` of one value, not a container of them: money, an enum, an attrs class, text or a number."""
    if hint is Money:  # ``[amount, currency]``, the amount a Decimal's exact text
        return (lambda m: [str(m.amount), m.currency]), (lambda d: Money(amount=Decimal(d[0]), currency=d[1]))
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return (lambda member: member.value), hint
    if attrs.has(hint):
        return to_json, functools.partial(from_json, hint)
    if hint in (str, int) or typing.get_origin(hint) is Literal:
        return _same, _same
    raise TypeError(f"the journal has no encoding for {hint!r}")


@functools.cache
def _fields(cls: type[attrs.AttrsInstance]) -> tuple[tuple[str, str, _Convert, _Convert, bool], ...]:
    """Each stored field of ``cls``: name, ``__init__`` keyword, encoder, decoder, whether it has a default.

    The field types must be resolved where the class is defined (``@attrs.resolve_types`` over its
    ``@attrs.frozen``): the public gates rename its module, so its annotations cannot be read later.
    """
    if not getattr(cls, "__attrs_types_resolved__", False):
        raise TypeError(f"{cls.__qualname__} is journaled: decorate it with @attrs.resolve_types")
    return tuple(
        (f.name, f.alias, *_value_codec(f.type), f.default is not attrs.NOTHING)
        for f in attrs.fields(cls)
        if f.metadata.get("journal", True)
    )


def to_json(value: attrs.AttrsInstance) -> dict[str, Any]:
    """The JSON data the journal keeps for an outcome: each field in class order, by its name.

    Enums are stored as their values, tuples as lists, a ``Money`` as ``[amount, currency]`` (the
    ``Decimal``'s exact text), nested outcome types as objects; fields marked ``NOT_JOURNALED`` are left
    out.
    """
    return {name: encode(getattr(value, name)) for name, _, encode, _, _ in _fields(type(value))}


def from_json(cls: type[_A], data: Mapping[str, Any]) -> _A:
    """The ``cls`` value ``to_json`` stored as ``data``.

    A member with a default may be missing or ``null`` (an entry journaled before it existed): it takes its
    default. A member without one must be there (``KeyError`` otherwise).
    """
    kwargs: dict[str, Any] = {}
    for name, keyword, _, decode, has_default in _fields(cls):
        value = data.get(name) if has_default else data[name]
        if value is not None:
            kwargs[keyword] = decode(value)
        elif not has_default:
            kwargs[keyword] = None
    return cls(**kwargs)


class Outcome(Protocol):
    """What every per-key outcome in a ``BatchOutcome`` offers (``CancelOutcome``, ``ListingOutcome``)."""

    kind: ClassVar[str]  # "order" or "listing": the noun a batch's repr uses

    @property
    def status(self) -> enum.StrEnum:
        """The outcome's status."""

    @property
    def ok(self) -> bool:
        """True when it ended as asked."""

    @property
    def error(self) -> SpCancelError | None:
        """For ``REFUSED``: the typed error that refused it."""

    @property
    def feed_id(self) -> str | None:
        """The feed that carried it, once sent."""

    @property
    def messages(self) -> tuple[ProcessingMessage, ...]:
        """Amazon's results for it."""


_O = TypeVar("_O", bound=Outcome)


@attrs.frozen(kw_only=True, repr=False)
class BatchOutcome(Mapping[str, _O]):
    """One outcome per key (order id or SKU), in submission order: a read-only ``Mapping[str, Outcome]``.

    ``len``, iteration, ``in``, ``keys()``, ``values()`` and ``items()`` all agree: every key asked for has
    exactly one outcome. A key refused before sending (bad input, not cancellable, unknown) has status
    ``REFUSED`` and carries the typed error in ``outcome.error``; nothing was sent for it.

    Example:
        ```python
        batch = client.cancel_orders(requests)
        for order_id, outcome in batch.items():
            print(order_id, outcome.status)
        batch.failed      # every outcome not done: refused, rejected, still submitted
        ```
    """

    outcomes: Mapping[str, _O] = attrs.field(hash=False)
    feed_ids: tuple[str, ...] = ()

    def __getitem__(self, key: str) -> _O:
        """The outcome for ``key`` (``KeyError`` when it was not in the batch)."""
        return self.outcomes[key]

    def __iter__(self) -> Iterator[str]:
        """The keys, in submission order."""
        return iter(self.outcomes)

    def __len__(self) -> int:
        """How many keys (orders or SKUs) the batch had."""
        return len(self.outcomes)

    @property
    def succeeded(self) -> list[_O]:
        """Outcomes that ended as asked (cancelled, partially cancelled, accepted, deleted)."""
        return [o for o in self.outcomes.values() if o.ok]

    @property
    def failed(self) -> list[_O]:
        """Every outcome not done: refused before sending, rejected by Amazon, or not finished (submitted)."""
        return [o for o in self.outcomes.values() if not o.ok]

    @property
    def refused(self) -> list[_O]:
        """Outcomes refused before sending (status ``REFUSED``; each carries its ``error``)."""
        return [o for o in self.outcomes.values() if o.error is not None]

    @property
    def counts(self) -> Mapping[str, int]:
        """How many outcomes per status value, in the order the statuses first appear."""
        counts: dict[str, int] = {}
        for outcome in self.outcomes.values():
            counts[outcome.status.value] = counts.get(outcome.status.value, 0) + 1
        return counts

    @property
    def errors(self) -> Mapping[str, Exception]:
        """Deprecated: the refusals are outcomes now (status ``REFUSED``, ``outcome.error``); see ``refused``."""
        warnings.warn(
            "BatchOutcome.errors is deprecated: refusals are outcomes with status REFUSED and an .error; "
            "use batch.refused or {k: o.error for k, o in batch.items() if o.error}",
            DeprecationWarning,
            stacklevel=2,
        )
        return {k: o.error for k, o in self.outcomes.items() if o.error is not None}

    def to_records(self) -> list[dict[str, object]]:
        """Plain dicts, one per key, for ``pandas.DataFrame(batch.to_records())``.

        A cancel that told its buyer why also has ``buyer_message``: that message's status.
        """
        records: list[dict[str, object]] = []
        for key, outcome in self.outcomes.items():
            if outcome.error is not None:
                messages = f"{type(outcome.error).__name__}: {outcome.error}"
            else:
                messages = "; ".join(f"{m.code}: {m.description}" for m in outcome.messages)
            record: dict[str, object] = {
                "key": key,
                "status": outcome.status.value,
                "feed_id": outcome.feed_id,
                "messages": messages,
            }
            told = getattr(outcome, "buyer_message", None)
            if told is not None:
                record["buyer_message"] = told.status.value
            records.append(record)
        return records

    def __repr__(self) -> str:
        """``9 orders: 8 cancelled, 1 refused``."""
        noun = next(iter(self.outcomes.values())).kind if self.outcomes else "order"
        plural = "" if len(self) == 1 else "s"
        counts = ", ".join(f"{n} {status.lower().replace('_', ' ')}" for status, n in self.counts.items())
        return f"{len(self)} {noun}{plural}" + (f": {counts}" if counts else "")

    def _repr_html_(self) -> str:
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(r[c] or ''))}</td>" for c in _COLUMNS) + "</tr>"
            for r in self.to_records()
        )
        head = "".join(f"<th>{c}</th>" for c in _COLUMNS)
        return f"<table><caption>{html.escape(repr(self))}</caption><tr>{head}</tr>{rows}</table>"


_COLUMNS: Sequence[str] = ("key", "status", "feed_id", "messages")
