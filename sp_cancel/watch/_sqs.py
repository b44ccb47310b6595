"""The SQS side of the watch (``boto3``, ``pip install 'sp-cancel[watch]'``): receive, keep, delete, dead letters.

Amazon delivers ``ORDER_CHANGE`` to a Standard queue only: at least once, in any order, unsigned. A message
is received in batches of 10 by a 20 s long poll, kept invisible while it is handled (``Heartbeat``), deleted
only after its decision is journaled, and left to come back on failure. A dead-letter queue (redrive policy)
catches one that keeps failing; ``dead_letters`` lists it and ``redrive`` moves it back.
"""

from __future__ import annotations

import importlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

import attrs

from sp_cancel.errors import InvalidInputError, SpCancelError
from sp_cancel.logging import get_logger

__all__ = ["DeadLetterPolicy", "Heartbeat", "QueueMessage", "SqsQueue", "WatchSetupError"]

WAIT_SECONDS: Final = 20  # SQS's longest long poll
BATCH: Final = 10  # SQS's largest batch
VISIBILITY: Final = 65  # Amazon's sample worker's visibility timeout


_log = get_logger()

# SQS's answers for a receipt handle that no longer names a message in flight: its visibility ran out and the
# message was received again (by this or another watcher, with a new handle), or it was deleted. Nothing to act
# on: the copy now in flight is someone else's to decide, and the journal dedupes it.
_STALE_HANDLE: Final = frozenset(
    {"ReceiptHandleIsInvalid", "MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight", "InvalidIdFormat"}
)


@contextmanager
def _stale_handle_left(message: QueueMessage, action: str) -> Iterator[None]:
    """Run an SQS call on ``message``'s receipt handle; a handle SQS no longer knows is logged, not raised."""
    try:
        yield
    except Exception as error:
        response = getattr(error, "response", None)  # botocore's ClientError carries SQS's error code here
        code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
        if code not in _STALE_HANDLE:
            raise
        _log.info("sp_cancel.watch_receipt_stale", message_id=message.message_id, action=action)


class WatchSetupError(SpCancelError):
    """The queue or its settings cannot carry ``ORDER_CHANGE`` safely (no boto3, a FIFO queue, no dead letters)."""


@attrs.frozen(kw_only=True)
class QueueMessage:
    """One received SQS message.

    Attributes:
        message_id: SQS's message id (not Amazon's ``NotificationId``, which is in the body).
        receipt_handle: what deletes it or changes its visibility (valid for this receive only).
        body: the notification's JSON text.
        receive_count: ``ApproximateReceiveCount`` (1 on the first delivery).
    """

    message_id: str
    receipt_handle: str = attrs.field(repr=False)
    body: str = attrs.field(repr=False)
    receive_count: int = 1


@attrs.frozen(kw_only=True)
class DeadLetterPolicy:
    """A queue's redrive policy: where a message goes after ``max_receive_count`` failed receives."""

    dead_letter_arn: str
    max_receive_count: int


def _boto3() -> Any:
    try:
        return importlib.import_module("boto3")
    except ImportError:
        raise WatchSetupError(
            "the SQS source needs boto3: pip install 'sp-cancel[watch]' (or run the sweep alone, without --queue-url)"
        ) from None


class SqsQueue:
    """One SQS queue, through a boto3 client.

    Args:
        queue_url: the queue's URL.
        sqs: a boto3 SQS client (default ``boto3.client("sqs")``: boto3's own configuration, credentials chain,
            ``AWS_REGION``, ``AWS_ENDPOINT_URL_SQS`` for a local endpoint).
        wait_seconds: long-poll length (1-20).
        visibility: seconds a received message stays invisible; the heartbeat extends it while handled.

    Raises:
        InvalidInputError: an empty URL or settings out of SQS's ranges.
        WatchSetupError: boto3 is not installed.
    """

    def __init__(
        self, queue_url: str, *, sqs: Any = None, wait_seconds: int = WAIT_SECONDS, visibility: int = VISIBILITY
    ) -> None:
        url: object = queue_url
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise InvalidInputError(f"queue_url must be the queue's http(s) URL, got {queue_url!r}", field="queue_url")
        if queue_url.endswith(".fifo"):
            raise WatchSetupError(
                f"{queue_url} is a FIFO queue: Amazon delivers nothing to FIFO queues; use a Standard queue"
            )
        if not 0 <= wait_seconds <= WAIT_SECONDS:
            raise InvalidInputError(f"wait_seconds must be 0-20, got {wait_seconds!r}", field="wait_seconds")
        if not 1 <= visibility <= 12 * 3600:
            raise InvalidInputError(f"visibility must be 1 s to 12 h, got {visibility!r}", field="visibility")
        self.queue_url = queue_url
        self.wait_seconds = wait_seconds
        self.visibility = visibility
        self._sqs = sqs if sqs is not None else _boto3().client("sqs")

    def receive(self, *, wait_seconds: int | None = None, at_most: int = BATCH) -> list[QueueMessage]:
        """Long-poll one batch (up to ``at_most`` messages, 10 at the most); an empty list when none came."""
        if not 1 <= at_most <= BATCH:
            raise InvalidInputError(f"at_most must be 1 to {BATCH}, got {at_most!r}", field="at_most")
        answer = self._sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=at_most,
            WaitTimeSeconds=self.wait_seconds if wait_seconds is None else wait_seconds,
            VisibilityTimeout=self.visibility,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        return [
            QueueMessage(
                message_id=str(raw["MessageId"]),
                receipt_handle=str(raw["ReceiptHandle"]),
                body=str(raw.get("Body") or ""),
                receive_count=int((raw.get("Attributes") or {}).get("ApproximateReceiveCount", 1)),
            )
            for raw in answer.get("Messages") or []
        ]

    def delete(self, message: QueueMessage) -> None:
        """Delete a handled message (only once its decision is journaled).

        A handle SQS no longer knows (the message came back to someone else meanwhile) is logged and left: that
        copy's receiver finds the decision in the journal and deletes it.
        """
        with _stale_handle_left(message, "delete"):
            self._sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message.receipt_handle)

    def keep(self, message: QueueMessage, seconds: int | None = None) -> None:
        """Keep ``message`` invisible for ``seconds`` more (default the queue's visibility).

        A handle SQS no longer knows is logged and left (the message is already visible or with another
        receiver): changing its visibility is a hint, and losing it only means another delivery, deduped.
        """
        with _stale_handle_left(message, "visibility"):
            self._sqs.change_message_visibility(
                QueueUrl=self.queue_url,
                ReceiptHandle=message.receipt_handle,
                VisibilityTimeout=self.visibility if seconds is None else seconds,
            )

    def release(self, message: QueueMessage, *, after: int = 0) -> None:
        """Make ``message`` visible again after ``after`` seconds (left for another worker or a retry)."""
        self.keep(message, after)

    def dead_letter_policy(self) -> DeadLetterPolicy | None:
        """The queue's redrive policy, or ``None`` when it has none."""
        answer = self._sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["RedrivePolicy"])
        raw = (answer.get("Attributes") or {}).get("RedrivePolicy")
        if not raw:
            return None
        policy = json.loads(raw)
        return DeadLetterPolicy(
            dead_letter_arn=str(policy["deadLetterTargetArn"]), max_receive_count=int(policy["maxReceiveCount"])
        )

    def require_dead_letters(self) -> DeadLetterPolicy:
        """The redrive policy, checked at start: a message that keeps failing must land somewhere to be seen.

        Raises:
            WatchSetupError: the queue has no redrive policy.
        """
        policy = self.dead_letter_policy()
        if policy is None:
            raise WatchSetupError(
                f"{self.queue_url} has no dead-letter queue: a message that keeps failing would come back forever. "
                "Give it a redrive policy (maxReceiveCount 3, as Amazon's sample does), or pass --no-dead-letters"
            )
        return policy

    def dead_letter_queue(self) -> SqsQueue:
        """The dead-letter queue of this queue's redrive policy.

        Raises:
            WatchSetupError: the queue has no redrive policy.
        """
        policy = self.require_dead_letters()
        name = policy.dead_letter_arn.rsplit(":", 1)[-1]
        url = self._sqs.get_queue_url(QueueName=name)["QueueUrl"]
        return SqsQueue(str(url), sqs=self._sqs, wait_seconds=0, visibility=30)

    def dead_letters(self, *, limit: int = 100) -> list[QueueMessage]:
        """Up to ``limit`` messages waiting in the dead-letter queue (made visible again at once)."""
        dead = self.dead_letter_queue()
        seen: list[QueueMessage] = []
        while len(seen) < limit:
            batch = dead.receive(wait_seconds=0)
            if not batch:
                break
            seen.extend(batch)
        for message in seen:
            dead.release(message)
        return seen[:limit]

    def redrive(self, *, limit: int = 100) -> int:
        """Move up to ``limit`` dead letters back to this queue (sent again, then deleted there); how many."""
        dead = self.dead_letter_queue()
        moved = 0
        while moved < limit:
            batch = dead.receive(wait_seconds=0)
            if not batch:
                break
            for message in batch[: limit - moved]:
                self._sqs.send_message(QueueUrl=self.queue_url, MessageBody=message.body)
                dead.delete(message)
                moved += 1
        return moved


class Heartbeat:
    """Keeps one message invisible while it waits and is handled: extends its visibility every half of it.

    Wall time on purpose: it keeps a lease on a real server's clock, it decides nothing. ``running`` beats for
    a block; ``start``/``stop`` for a message handed from one thread to another (a seller's lane).
    """

    def __init__(self, queue: SqsQueue, message: QueueMessage) -> None:
        self._queue = queue
        self._message = message
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="sp-cancel-watch-heartbeat", daemon=True)

    def _beat(self) -> None:
        while not self._done.wait(self._queue.visibility / 2):
            try:
                self._queue.keep(self._message)
            except Exception:  # noqa: BLE001 - a lost extension only means SQS may deliver it again: deduped
                return

    def start(self) -> None:
        """Begin beating (once)."""
        self._thread.start()

    def stop(self) -> None:
        """Stop beating and wait for the beat in progress, if any."""
        self._done.set()
        self._thread.join()

    @contextmanager
    def running(self) -> Iterator[None]:
        """Beat while the block runs."""
        self.start()
        try:
            yield
        finally:
            self.stop()
