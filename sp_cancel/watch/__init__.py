"""``sp-cancel watch`` as a library: answer buyer cancellation requests in time, report Amazon's own cancels.

Two sources feed one pipeline:

- **SQS** (``SqsQueue``; ``pip install 'sp-cancel[watch]'`` for boto3): Amazon's ``ORDER_CHANGE``
  notifications, long-polled 10 at a time. Standard queues deliver at least once, in any order, unsigned:
  a message of another application is refused, a message is kept invisible while handled and deleted only
  after its decision is journaled.
- **The sweep** (``Watch.sweep``): orders updated since the last sweep (Orders 2026-01-01 ``searchOrders``),
  the backup Amazon advises, so a lost notification is caught.

Each (seller, order, kind of change) is **one** journal entry, planned atomically (the dedupe): ten
deliveries, a sweep that sees the same request and a second watcher sharing the journal (SQLite on one host,
``RedisJournal`` across hosts) make one decision. The ``WatchPolicy`` decides with the order read again
right before sending; every ``Decision`` is journaled with its reason (``decisions``; ``sp-cancel watch
status``).

Example:
    ```python
    from sp_cancel.watch import Watch, WatchPolicy, SqsQueue

    watch = Watch(client, policy=WatchPolicy(hold=my_wms.has_label), queue=SqsQueue(queue_url))
    watch.run()          # until watch.stop() (sp-cancel watch calls it on SIGTERM/SIGINT)
    ```
"""

from sp_cancel._public import publish
from sp_cancel.watch._events import EventKind, ForeignMessageError, WatchEvent, event_from_message, events_from_order
from sp_cancel.watch._ledger import decision_key, decisions
from sp_cancel.watch._metrics import MetricsSnapshot, WatchMetrics, serve_health
from sp_cancel.watch._policy import Decision, DecisionKind, Hold, WatchPolicy
from sp_cancel.watch._service import MIN_SWEEP_SECONDS, Handled, Watch
from sp_cancel.watch._sqs import DeadLetterPolicy, QueueMessage, SqsQueue, WatchSetupError

__all__ = [
    "MIN_SWEEP_SECONDS",
    "DeadLetterPolicy",
    "Decision",
    "DecisionKind",
    "EventKind",
    "ForeignMessageError",
    "Handled",
    "Hold",
    "MetricsSnapshot",
    "QueueMessage",
    "SqsQueue",
    "Watch",
    "WatchEvent",
    "WatchMetrics",
    "WatchPolicy",
    "WatchSetupError",
    "decision_key",
    "decisions",
    "event_from_message",
    "events_from_order",
    "serve_health",
]

publish(__name__, globals(), __all__)
