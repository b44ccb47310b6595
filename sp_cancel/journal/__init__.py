"""Durable idempotency journal: what was planned, sent, and how it ended.

Every non-idempotent submission (a feed, a refund, a listing patch...) is
recorded under a key *before* it is sent, so a crash, a restart or a second
worker never sends it twice::

    plan ──> planned ──mark_submitting──> submitted, no feed id (it may have reached Amazon)
               │  ▲                          │
     release   │  └──────take_back───────────┤  (harmless writes only, once Amazon shows no feed)
    (never     │                             │
     sent)     ▼                             └─mark_submitted(feed id)──> submitted
           (deleted)                                                         │
                               done | rejected | failed  <──mark_done────────┘

``plan`` inserts a key atomically; exactly one caller creates it and holds a
*lease*, named by an owner token (``"<host>:<pid>:<start id>:<uuid>"``; ``holder``
says whether that worker can still be alive). Others wait (``wait_for_change``)
until the entry leaves ``planned`` or its lease expires, and then ``take_over``
grants the lease to exactly one of them (at once when the holder's process is
provably gone). Only a ``planned`` entry is ever deleted (``release``): what may
have reached Amazon is kept. Every write increments ``Entry.version``.

The default backend is SQLite (WAL mode, ``BEGIN IMMEDIATE``), safe for threads
and for processes sharing the file. The file must be on a local disk: SQLite's
locking is unreliable on network file systems. Workers on several hosts share a
``RedisJournal`` instead: the same behaviour, in Redis (``pip install
'sp-cancel[redis]'``). A failure of either store is raised as
``JournalUnavailableError``.

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
    JournalUnavailableError,
    JournalWaitTimeoutError,
    LeaseLostError,
)
from sp_cancel.journal._lazy import LazyJournal
from sp_cancel.journal._owner import Holder, HolderState, drop_owner, holder, in_use
from sp_cancel.journal._redis import RedisJournal
from sp_cancel.journal._sqlite import Journal, default_journal_path

__all__ = [
    "DEFAULT_LEASE_SECONDS",
    "Entry",
    "EntryState",
    "FeedTakenError",
    "FinalState",
    "Holder",
    "HolderState",
    "Journal",
    "JournalError",
    "JournalLike",
    "JournalUnavailableError",
    "JournalWaitTimeoutError",
    "LazyJournal",
    "LeaseLostError",
    "RedisJournal",
    "default_journal_path",
    "drop_owner",
    "holder",
    "in_use",
]

publish(__name__, globals(), __all__)
# sp_cancel exports these too (imported on first use there): they say so whichever path imported them first.
publish("sp_cancel", globals(), ["Journal", "JournalLike", "JournalUnavailableError", "RedisJournal"])
