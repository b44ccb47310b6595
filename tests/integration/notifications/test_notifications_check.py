"""client.notifications.check reads a real queue (moto_server) and says why notifications would not arrive."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sp_cancel._subscriptions.check import judge_key_policy, judge_queue
from sp_cancel.testing import Simulator

PRINCIPAL = "arn:aws:iam::437568002678:root"


def _policy(arn: str, actions: list[str], principal: object = None) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": principal if principal is not None else {"AWS": PRINCIPAL},
                    "Action": actions,
                    "Resource": arn,
                }
            ],
        }
    )


def _queue(aws: Any, name: str, *, region: str = "us-east-1", **attributes: str) -> str:
    sqs = aws("sqs", region)
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn: str = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return arn


def _grant(aws: Any, arn: str, actions: list[str], region: str = "us-east-1") -> None:
    sqs = aws("sqs", region)
    url = sqs.get_queue_url(QueueName=arn.rsplit(":", 1)[1])["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": _policy(arn, actions)})


def _by_check(findings: list[Any]) -> dict[str, Any]:
    return {f.check: f for f in findings}


def test_a_well_set_up_queue_passes_and_the_test_notification_arrives(
    aws: Any, moto_url: str, moto_reset: None
) -> None:
    """Standard queue, right region, granted, subscribed: every check ok, and the test message is in the queue."""
    arn = _queue(aws, "good")
    _grant(aws, arn, ["sqs:SendMessage", "sqs:GetQueueAttributes"])
    sim = Simulator(seed=31, orders=1)
    client = sim.client()
    client.notifications.ensure(arn)
    sim.connect_sqs(moto_url, aws_access_key_id="testing", aws_secret_access_key="testing")
    findings = client.notifications.check(arn, sqs=aws("sqs"), kms=aws("kms"))
    assert {f.check: f.status for f in findings} == {
        "queue": "ok",
        "fifo": "ok",
        "region": "ok",
        "policy": "ok",
        "kms": "ok",
        "destination": "ok",
        "subscription": "ok",
        "test_notification": "ok",
    }
    sqs = aws("sqs")
    url = sqs.get_queue_url(QueueName="good")["QueueUrl"]
    [message] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    body = json.loads(message["Body"])
    assert body["NotificationType"] == "ORDER_CHANGE"
    assert body["NotificationMetadata"]["ApplicationId"] == sim.application_id


def test_fifo_policy_region_and_subscription_problems_are_named(aws: Any, moto_reset: None) -> None:
    """A FIFO queue in the wrong region, without the grant, not subscribed: each one a problem saying what to do."""
    arn = _queue(aws, "bad.fifo", region="eu-west-1", FifoQueue="true")
    sim = Simulator(seed=32, orders=1)
    findings = _by_check(sim.client().notifications.check(arn, sqs=aws("sqs", "eu-west-1"), send_test=False))
    assert findings["fifo"].status == "problem"
    assert "FIFO" in findings["fifo"].message
    assert findings["region"].status == "problem"
    assert "us-east-1" in findings["region"].message
    assert findings["policy"].status == "problem"
    assert "437568002678" in findings["policy"].message
    assert findings["destination"].status == "problem"
    assert "notifications setup" in findings["destination"].message


def test_a_grant_missing_one_action_is_a_problem(aws: Any, moto_reset: None) -> None:
    """SendMessage alone is not enough: Amazon also calls GetQueueAttributes."""
    arn = _queue(aws, "half")
    _grant(aws, arn, ["sqs:SendMessage"])
    findings = _by_check(Simulator(seed=33, orders=1).client().notifications.check(arn, sqs=aws("sqs")))
    assert findings["policy"].status == "problem"
    assert "sqs:GetQueueAttributes" in findings["policy"].message
    assert "sqs:SendMessage," not in findings["policy"].message


def test_a_kms_key_must_grant_amazon(aws: Any, moto_reset: None) -> None:
    """A customer key without Amazon in its policy is a problem; granting kms:GenerateDataKey and Decrypt fixes it."""
    kms = aws("kms")
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    arn = _queue(aws, "encrypted", KmsMasterKeyId=key_id)
    _grant(aws, arn, ["sqs:*"])
    notifications = Simulator(seed=34, orders=1).client().notifications
    findings = _by_check(notifications.check(arn, sqs=aws("sqs"), kms=kms, send_test=False))
    assert findings["policy"].status == "ok"
    assert findings["kms"].status == "problem"
    assert "kms:GenerateDataKey" in findings["kms"].message
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=_policy("*", ["kms:GenerateDataKey", "kms:Decrypt"]))
    assert _by_check(notifications.check(arn, sqs=aws("sqs"), kms=kms, send_test=False))["kms"].status == "ok"
    assert _by_check(notifications.check(arn, sqs=aws("sqs"), send_test=False))["kms"].status == "skipped"


def test_a_missing_queue_is_a_problem(aws: Any, moto_reset: None) -> None:
    """A queue that does not exist is reported, not raised."""
    findings = (
        Simulator(seed=35, orders=1)
        .client()
        .notifications.check("arn:aws:sqs:us-east-1:123456789012:nowhere", sqs=aws("sqs"), send_test=False)
    )
    assert findings[0].check == "queue"
    assert findings[0].status == "problem"


@pytest.mark.parametrize(
    ("principal", "actions", "ok"),
    [
        ({"AWS": PRINCIPAL}, ["sqs:SendMessage", "sqs:GetQueueAttributes"], True),
        ({"AWS": ["111122223333", "437568002678"]}, ["sqs:*"], True),
        ("*", "*", True),
        ({"AWS": "111122223333"}, ["sqs:SendMessage", "sqs:GetQueueAttributes"], False),
        ({"Service": "sns.amazonaws.com"}, ["sqs:SendMessage", "sqs:GetQueueAttributes"], False),
        ({"AWS": PRINCIPAL}, ["sqs:ReceiveMessage"], False),
    ],
)
def test_the_policy_table(principal: object, actions: object, ok: bool) -> None:
    """Who is granted what, read from the policy document as IAM reads it (list or string, wildcards)."""
    arn = "arn:aws:sqs:us-east-1:123456789012:q"
    policy = json.dumps({"Statement": {"Effect": "Allow", "Principal": principal, "Action": actions}})
    findings = _by_check(judge_queue(queue_arn=arn, attributes={"Policy": policy}, expected_region="us-east-1"))
    assert (findings["policy"].status == "ok") is ok


def test_the_aws_managed_key_cannot_grant() -> None:
    """alias/aws/sqs cannot name Amazon in its policy: always a problem."""
    assert judge_key_policy("alias/aws/sqs", None, "AccessDenied").status == "problem"
    assert judge_key_policy("k", None, "AccessDenied").status == "skipped"
