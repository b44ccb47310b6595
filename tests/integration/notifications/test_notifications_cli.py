"""`sp-cancel notifications setup` and `check` (boto3 configured from the environment, against moto_server)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sp_cancel.cli import main


def test_setup_creates_then_finds(capsys: pytest.CaptureFixture[str]) -> None:
    """Setup against the simulator prints what it created; a wrong-region queue is a usage error, nothing sent."""
    assert main(["notifications", "setup", "--queue-arn", "arn:aws:sqs:us-east-1:123456789012:q", "--simulator", "1",
                 "--json"]) == 0  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert data["created_subscription"] is True
    assert data["order_change_types"] == ["BuyerRequestedChange", "OrderStatusChange"]
    assert main(["notifications", "setup", "--queue-arn", "arn:aws:sqs:eu-west-1:123456789012:q", "--simulator",
                 "1"]) == 2  # fmt: skip
    assert "us-east-1" in capsys.readouterr().err


def test_check_reads_the_queue_with_boto3_and_exits_1_on_a_problem(
    aws: Any, moto_reset: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """A FIFO queue without Amazon's grant: problems listed in JSON, exit 1."""
    sqs = aws("sqs")
    url = sqs.create_queue(QueueName="cli.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    code = main(["notifications", "check", "--queue-arn", arn, "--simulator", "1", "--json", "--no-test"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert data["ok"] is False
    status = {f["check"]: f["status"] for f in data["findings"]}
    assert status["queue"] == "ok"
    assert status["fifo"] == "problem"
    assert status["policy"] == "problem"
