"""Split a batch of feed messages into documents that respect Amazon's size guidance."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from sp_cancel.errors import InvalidInputError
from sp_cancel.feeds._common import MAX_FEED_BYTES

__all__ = ["chunk_messages"]

M = TypeVar("M")


def chunk_messages(
    messages: Sequence[M],
    build: Callable[[Sequence[M]], bytes],
    max_bytes: int = MAX_FEED_BYTES,
    *,
    max_messages: int | None = None,
) -> list[tuple[Sequence[M], bytes]]:
    """Build as few documents as possible, each at most ``max_bytes`` (and ``max_messages``) long.

    One document is built when it fits; only past the limit are the messages
    split, in order, each message going into exactly one chunk. Chunk sizes are
    estimated from the average message size and corrected by rebuilding.

    Args:
        messages: the messages, in the order they should be sent.
        build: a pure builder such as ``lambda ms: build_acknowledgement_feed(seller, ms)``.
        max_bytes: the size limit (default Amazon's 10 MiB guidance).
        max_messages: an optional cap on messages per document (25,000 for listings feeds).

    Returns:
        ``(messages_of_the_chunk, document)`` pairs, in order.

    Raises:
        InvalidInputError: no messages, or one message alone makes a document larger than ``max_bytes``.
    """
    items = tuple(messages)
    if not items:
        raise InvalidInputError("nothing to send: no messages", field="messages")
    if max_bytes < 1 or (max_messages is not None and max_messages < 1):
        raise InvalidInputError("max_bytes and max_messages must be positive", field="max_bytes")
    total = len(items)
    cap = total if max_messages is None else min(total, max_messages)
    if cap == total:
        document = build(items)
        if len(document) <= max_bytes:
            return [(items, document)]
    # Size model: a document is about overhead + n * per_message bytes.
    first = len(build(items[:1]))
    per_message = float(max(1, len(build(items[:2])) - first)) if total > 1 else float(first)
    overhead = max(0.0, first - per_message)
    chunks: list[tuple[Sequence[M], bytes]] = []
    start = 0
    while start < total:
        size, document, per_message = _fit(
            items=items,
            start=start,
            most=min(cap, total - start),
            build=build,
            max_bytes=max_bytes,
            overhead=overhead,
            per_message=per_message,
        )
        chunks.append((items[start : start + size], document))
        start += size
    return chunks


def _fit(
    *,
    items: tuple[M, ...],
    start: int,
    most: int,
    build: Callable[[Sequence[M]], bytes],
    max_bytes: int,
    overhead: float,
    per_message: float,
) -> tuple[int, bytes, float]:
    """Find the largest number of messages from ``start`` (at most ``most``) whose document fits."""
    fits, fits_document = 0, b""  # largest size known to fit
    too_big = most + 1  # smallest size known not to fit
    guess = int((max_bytes - overhead) / per_message)
    step = 1
    while fits + 1 < too_big:
        size = min(max(guess, fits + 1), too_big - 1)
        document = build(items[start : start + size])
        per_message = max(1.0, (len(document) - overhead) / size)
        if len(document) <= max_bytes:
            fits, fits_document = size, document
        else:
            too_big = size
        guess = int((max_bytes - overhead) / per_message)
        if guess <= fits:  # the model says no more fit: probe just past it, widening if it keeps fitting
            guess = fits + step
            step *= 2
    if not fits:
        raise InvalidInputError(
            f"message {start + 1} alone makes a document over the {max_bytes}-byte limit", field="messages"
        )
    return fits, fits_document, per_message
