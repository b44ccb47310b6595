"""Sending notifications to a real SQS endpoint (AWS, or ``moto_server`` on loopback) with boto3.

boto3 is the optional extra ``sp-cancel[watch]``; it is imported when a sender is made, and a missing boto3 is
an ``ImportError`` naming the extra. A queue is named by its ARN (``arn:aws:sqs:<region>:<account>:<name>``, as a
destination holds it); the sender finds its URL once (``GetQueueUrl`` with the owner's account) and sends each
body with ``SendMessage``, as Amazon's notification service does.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["SqsSender", "parse_queue_arn"]


def parse_queue_arn(arn: str) -> tuple[str, str, str]:
    """``(region, account, queue name)`` of an SQS queue ARN; ``ValueError`` when it is not one."""
    parts = arn.split(":")
    if len(parts) != 6 or parts[:3] != ["arn", "aws", "sqs"] or not all(parts[3:]):
        raise ValueError(f"not an SQS queue ARN: {arn!r} (arn:aws:sqs:<region>:<account>:<name>)")
    return parts[3], parts[4], parts[5]


class SqsSender:
    """Sends one notification body to the queue with a given ARN (a ``core.NotificationSender``).

    Args:
        endpoint_url: the SQS endpoint (``http://127.0.0.1:PORT`` for ``moto_server``); ``None``: AWS's, per region.
        client_kwargs: more ``boto3.client("sqs", ...)`` arguments (credentials...).
    """

    def __init__(self, endpoint_url: str | None = None, **client_kwargs: Any) -> None:
        try:
            self._boto3: Any = importlib.import_module("boto3")
        except ImportError as exc:  # pragma: no cover - the dev extra installs it
            raise ImportError("delivering notifications to SQS needs boto3: pip install 'sp-cancel[watch]'") from exc
        self._endpoint_url = endpoint_url
        self._client_kwargs = client_kwargs
        self._clients: dict[str, Any] = {}
        self._urls: dict[str, str] = {}

    def _client(self, region: str) -> Any:
        found = self._clients.get(region)
        if found is None:
            found = self._clients[region] = self._boto3.client(
                "sqs", region_name=region, endpoint_url=self._endpoint_url, **self._client_kwargs
            )
        return found

    def __call__(self, queue_arn: str, body: str) -> None:
        """Send ``body`` to the queue ``queue_arn`` (botocore's errors propagate: the copy is kept and retried)."""
        region, account, name = parse_queue_arn(queue_arn)
        client = self._client(region)
        url = self._urls.get(queue_arn)
        if url is None:
            url = self._urls[queue_arn] = client.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)[
                "QueueUrl"
            ]
        client.send_message(QueueUrl=url, MessageBody=body)

    def __repr__(self) -> str:
        return f"SqsSender(endpoint_url={self._endpoint_url!r})"
