"""What closing or deleting a listing returns, exported from ``sp_cancel``, and how the journal keeps it.

``ListingOutcome`` with its issues; ``listing_to_json``/``listing_from_json`` for the journal.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from sp_cancel._outcomes import NOT_JOURNALED, ProcessingMessage, Severity, from_json, to_json
from sp_cancel.errors import SpCancelError

__all__ = ["ListingIssue", "ListingOutcome", "ListingStatus", "listing_from_json", "listing_to_json"]


class ListingStatus(enum.StrEnum):
    """What happened to a listing (``REFUSED``: refused before sending)."""

    ACCEPTED = "ACCEPTED"
    INVALID = "INVALID"
    SUBMITTED = "SUBMITTED"
    DELETED = "DELETED"
    DELETE_PENDING = "DELETE_PENDING"
    REFUSED = "REFUSED"


@attrs.resolve_types  # the journal codec reads the field types (_outcomes.to_json)
@attrs.frozen(kw_only=True)
class ListingIssue:
    """One issue Amazon reported for a listing."""

    code: str
    message: str
    severity: Severity
    attribute_names: tuple[str, ...] = ()


@attrs.resolve_types  # the journal codec reads the field types (_outcomes.to_json)
@attrs.frozen(kw_only=True)
class ListingOutcome:
    """The outcome of closing or deleting one listing.

    Attributes:
        sku: the seller SKU.
        status: ACCEPTED / INVALID / SUBMITTED / DELETED / DELETE_PENDING / REFUSED (in a batch: refused
            before sending; ``error`` says why).
        submission_id: the journal key of this submission; ``client.wait``/``refresh`` use it.
        issues: Amazon's issues for this SKU.
        feed_id: the ``JSON_LISTINGS_FEED`` id, for bulk closes.
        detail: a human sentence about what was observed.
        error: for ``REFUSED``, the typed error that refused it; ``None`` otherwise.
    """

    sku: str
    status: ListingStatus = attrs.field(converter=ListingStatus)
    submission_id: str | None = None
    issues: tuple[ListingIssue, ...] = ()
    feed_id: str | None = None
    detail: str | None = None
    error: SpCancelError | None = attrs.field(default=None, eq=False, metadata=NOT_JOURNALED)

    kind: ClassVar[str] = "listing"

    @property
    def messages(self) -> tuple[ProcessingMessage, ...]:
        """The issues as ``ProcessingMessage`` values (uniform with other outcomes)."""
        return tuple(
            ProcessingMessage(code=i.code, severity=i.severity, description=i.message, sku=self.sku)
            for i in self.issues
        )

    @property
    def ok(self) -> bool:
        """True when Amazon accepted the change (or the listing is gone)."""
        return self.status in {ListingStatus.ACCEPTED, ListingStatus.DELETED}


def listing_to_json(outcome: ListingOutcome) -> dict[str, Any]:
    """Serialise a ``ListingOutcome`` (not its ``error``)."""
    return to_json(outcome)


def listing_from_json(data: Mapping[str, Any]) -> ListingOutcome:
    """Deserialise a ``ListingOutcome``."""
    return from_json(ListingOutcome, data)
