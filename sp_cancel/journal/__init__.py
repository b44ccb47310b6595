"""Durable idempotency journal: what was planned, sent, and how it ended.

Every non-idempotent submission (a feed, a refund, a listing patch...) is
recorded under a key *before* it is sent, so a crash, a restart or a second
worker never sends it twice::

    planned ──mark_submitting──> submitted (feed id unknown yet: it may have been sent)
       │                            │
       │ release (never sent)       └─mark_submitted(feed id)──> submitted ──mark_done──> done | rejected | failed
       └──> (deleted)

``plan`` inserts a key atomically; exactly one caller creates it and holds a
*lease*. Others wait (``Journal.wait_for_change``) until the entry leaves
``planned`` or its lease expires, and then ``Journal.take_over`` grants the
lease to exactly one of them. The default backend is SQLite (WAL mode,
``BEGIN IMMEDIATE``), safe for threads and for processes sharing the file.
The file must be on a local disk: SQLite's locking is unreliable on network
file systems. Workers on several hosts share a ``RedisJournal`` instead:
the same behaviour, in Redis (``pip install 'sp-cancel[redis]'``).

Payloads and outcomes are JSON: order and item ids, amounts, reasons. Never a
token or a secret; keys that look like one are refused.
"""

from sp_cancel._public import publish
from sp_cancel.journal._entry import (
    DEFAULT_LEASE_SECONDS,
    Entry,
    EntryState,
    FeedTakenError,
    FinalState,
    JournalError,
    JournalLike,
    JournalWaitTimeoutError,
    LeaseLostError,
)
from sp_cancel.journal._redis import RedisJournal
from sp_cancel.journal._sqlite import Journal, default_journal_path

__all__ = [
    "DEFAULT_LEASE_SECONDS",
    "Entry",
    "EntryState",
    "FeedTakenError",
    "FinalState",
    "Journal",
    "JournalError",
    "JournalLike",
    "JournalWaitTimeoutError",
    "LeaseLostError",
    "RedisJournal",
    "default_journal_path",
]

publish(__name__, globals(), __all__)
