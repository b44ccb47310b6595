"""Why notifications would not arrive: ``check`` reads the queue (and its KMS key) and says what is wrong.

What Amazon needs of an SQS destination (docs/notifications.md): a **standard** queue (FIFO queues receive nothing),
in the SP-API endpoint's AWS region, whose policy lets Amazon's notification principal ``437568002678`` call
``sqs:SendMessage`` and ``sqs:GetQueueAttributes``; a queue encrypted with a KMS key also needs that key's policy to
let the principal call ``kms:GenerateDataKey`` and ``kms:Decrypt`` (an AWS-managed key, ``alias/aws/sqs``, cannot
grant it). The judging (``judge_queue``) is pure; reading goes through boto3 clients the caller passes (``sp-cancel
notifications check`` makes them from boto3's own configuration), so the library imports no boto3.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal

import attrs

__all__ = ["AMAZON_NOTIFICATION_PRINCIPAL", "QueueFinding", "judge_key_policy", "judge_queue", "read_queue"]

#: The AWS account Amazon's notification service sends from [D notifications use-case guide].
AMAZON_NOTIFICATION_PRINCIPAL: Final = "437568002678"
_QUEUE_ACTIONS: Final = ("sqs:SendMessage", "sqs:GetQueueAttributes")
_KEY_ACTIONS: Final = ("kms:GenerateDataKey", "kms:Decrypt")
_AWS_MANAGED_KEY: Final = "alias/aws/sqs"

Status = Literal["ok", "problem", "skipped"]


@attrs.frozen(kw_only=True)
class QueueFinding:
    """One check of ``client.notifications.check``.

    Attributes:
        check: ``queue``, ``fifo``, ``region``, ``policy``, ``kms``, ``destination``, ``subscription`` or
            ``test_notification``.
        status: ``ok``, ``problem`` (notifications would not arrive: ``message`` says how to fix it) or
            ``skipped`` (could not be checked here: ``message`` says why).
        message: what was found.
    """

    check: str
    status: Status
    message: str

    @property
    def ok(self) -> bool:
        """Not a problem (``ok`` or ``skipped``)."""
        return self.status != "problem"


def _listed(value: object) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _names_principal(principal: object) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    for entry in _listed(principal.get("AWS")):
        text = str(entry)
        if text in {"*", AMAZON_NOTIFICATION_PRINCIPAL, f"arn:aws:iam::{AMAZON_NOTIFICATION_PRINCIPAL}:root"}:
            return True
    return False


def _allows(action: str, granted: Iterable[object]) -> bool:
    service = action.split(":", 1)[0]
    return any(str(g).lower() in {action.lower(), f"{service}:*", "*"} for g in granted)


def _granted(policy_text: str | None, actions: tuple[str, ...]) -> tuple[bool, list[str]]:
    """Whether an IAM policy document allows the principal every action; the actions it misses."""
    if not policy_text:
        return False, list(actions)
    try:
        policy = json.loads(policy_text)
    except ValueError:
        return False, list(actions)
    allowed: list[object] = []
    for statement in _listed(policy.get("Statement") if isinstance(policy, Mapping) else None):
        if (
            isinstance(statement, Mapping)
            and statement.get("Effect") == "Allow"
            and _names_principal(statement.get("Principal"))
        ):
            allowed.extend(_listed(statement.get("Action")))
    missing = [a for a in actions if not _allows(a, allowed)]
    return not missing, missing


def judge_queue(*, queue_arn: str, attributes: Mapping[str, str], expected_region: str) -> list[QueueFinding]:
    """The findings about a queue from its attributes (``GetQueueAttributes`` ``All``): FIFO, region, policy."""
    region = queue_arn.split(":")[3] if queue_arn.count(":") >= 5 else ""
    findings = []
    if attributes.get("FifoQueue") == "true" or queue_arn.endswith(".fifo"):
        findings.append(
            QueueFinding(
                check="fifo",
                status="problem",
                message="a FIFO queue: Amazon delivers no notification to FIFO queues; create a standard queue",
            )
        )
    else:
        findings.append(QueueFinding(check="fifo", status="ok", message="a standard queue"))
    if region != expected_region:
        findings.append(
            QueueFinding(
                check="region",
                status="problem",
                message=f"the queue is in {region or '?'}; this endpoint's notifications come from "
                f"{expected_region}: create the queue there",
            )
        )
    else:
        findings.append(QueueFinding(check="region", status="ok", message=f"in {region}, the endpoint's region"))
    granted, missing = _granted(attributes.get("Policy"), _QUEUE_ACTIONS)
    if granted:
        findings.append(
            QueueFinding(
                check="policy",
                status="ok",
                message=f"the queue policy lets {AMAZON_NOTIFICATION_PRINCIPAL} call {', '.join(_QUEUE_ACTIONS)}",
            )
        )
    else:
        findings.append(
            QueueFinding(
                check="policy",
                status="problem",
                message=f"the queue policy does not let Amazon's notification principal "
                f"{AMAZON_NOTIFICATION_PRINCIPAL} call {', '.join(missing)}: add an Allow statement for "
                f'{{"AWS": "arn:aws:iam::{AMAZON_NOTIFICATION_PRINCIPAL}:root"}} with those actions',
            )
        )
    return findings


def judge_key_policy(key_id: str, key_policy: str | None, error: str | None = None) -> QueueFinding:
    """The finding about the queue's KMS key, from its key policy (``None`` with ``error``: unreadable)."""
    if key_id == _AWS_MANAGED_KEY or key_id.endswith(":alias/aws/sqs"):
        return QueueFinding(
            check="kms",
            status="problem",
            message="the queue is encrypted with the AWS-managed key alias/aws/sqs, whose policy cannot grant "
            f"Amazon ({AMAZON_NOTIFICATION_PRINCIPAL}): use a customer-managed key, or SSE-SQS",
        )
    if key_policy is None:
        return QueueFinding(check="kms", status="skipped", message=f"key {key_id}: policy not readable ({error})")
    granted, missing = _granted(key_policy, _KEY_ACTIONS)
    if granted:
        return QueueFinding(
            check="kms", status="ok", message=f"key {key_id} lets {AMAZON_NOTIFICATION_PRINCIPAL} encrypt and decrypt"
        )
    return QueueFinding(
        check="kms",
        status="problem",
        message=f"key {key_id}'s policy does not let Amazon's notification principal {AMAZON_NOTIFICATION_PRINCIPAL} "
        f"call {', '.join(missing)}: add them to the key policy",
    )


def read_queue(*, queue_arn: str, expected_region: str, sqs: Any, kms: Any | None) -> list[QueueFinding]:
    """Read the queue's attributes (and its KMS key's policy) with boto3 clients and judge them.

    Args:
        queue_arn: the queue.
        expected_region: the AWS region of the SP-API endpoint.
        sqs: a boto3 SQS client.
        kms: a boto3 KMS client, or ``None`` (a KMS-encrypted queue's key is then not checked).
    """
    parts = queue_arn.split(":")
    try:
        url = sqs.get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=parts[4])["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]).get("Attributes", {})
    except Exception as exc:  # noqa: BLE001 - botocore's errors, reported as a finding, whatever their class
        return [QueueFinding(check="queue", status="problem", message=f"cannot read the queue {queue_arn}: {exc}")]
    findings = [QueueFinding(check="queue", status="ok", message=f"found at {url}")]
    findings.extend(judge_queue(queue_arn=queue_arn, attributes=attributes, expected_region=expected_region))
    key_id = attributes.get("KmsMasterKeyId")
    if not key_id:
        sse = attributes.get("SqsManagedSseEnabled") == "true"
        findings.append(
            QueueFinding(
                check="kms",
                status="ok",
                message="encrypted with SSE-SQS (no grant needed)" if sse else "not encrypted with a KMS key",
            )
        )
    elif kms is None:
        findings.append(judge_key_policy(key_id, None, "no KMS client given"))
    else:
        try:
            policy = kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
        except Exception as exc:  # noqa: BLE001 - botocore's errors, reported as a finding
            findings.append(judge_key_policy(key_id, None, str(exc)))
        else:
            findings.append(judge_key_policy(key_id, policy))
    return findings
