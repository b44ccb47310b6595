"""``sp-cancel watch``, ``watch status`` and ``watch dlq`` from the command line."""

import json
import os
import signal
import subprocess
import sys
import urllib.request

import pytest
from order_change import APPLICATION_ID

from sp_cancel.cli import main


def run(capsys, *argv):
    """Run the CLI in process; (exit code, stdout, stderr)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_watch_on_the_simulator_decides_the_seeded_requests_once(capsys, tmp_path):
    """--simulator: sweeps on simulated time, every seeded buyer request accepted once, status shows why."""
    journal = str(tmp_path / "journal.sqlite")
    code, out, err = run(capsys, "watch", "--simulator", "7", "--hours", "2", "--journal", journal)
    assert code == 0
    assert "watch ready" in err
    assert "accepted" in out
    code, out, _ = run(capsys, "watch", "status", "--simulator", "7", "--journal", journal, "--json")
    assert code == 0
    decisions = json.loads(out)
    accepted = [d["order_id"] for d in decisions if d["kind"] == "accepted"]
    assert accepted
    assert len(accepted) == len(set(accepted))
    assert all(d["reason"] for d in decisions)


def test_watch_status_with_nothing_journaled_says_so(capsys, tmp_path):
    """An empty journal: one sentence, exit 0."""
    code, out, _ = run(capsys, "watch", "status", "--simulator", "7", "--journal", str(tmp_path / "j.sqlite"))
    assert code == 0
    assert "No decisions journaled" in out


def test_a_queue_needs_the_application_id(capsys, monkeypatch):
    """Without it, messages of other applications could be acted on: refused as bad usage."""
    monkeypatch.delenv("SP_API_APPLICATION_ID", raising=False)
    code, _, err = run(capsys, "watch", "--simulator", "7", "--queue-url", "http://127.0.0.1:1/123/q")
    assert code == 2
    assert "application" in err


def test_a_sweep_more_often_than_searchorders_allows_is_refused(capsys):
    """--sweep-every under 180 s is refused before anything runs."""
    code, _, err = run(capsys, "watch", "--simulator", "7", "--sweep-every", "60")
    assert code == 2
    assert "sweep_every" in err


@pytest.fixture
def aws_env(moto_server, monkeypatch):
    """boto3's own configuration pointed at the moto server."""
    for name, value in {
        "AWS_ENDPOINT_URL_SQS": moto_server,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)


def test_watch_dlq_lists_and_redrives(capsys, aws_env, sqs, watch_queue):
    """Dead letters are listed (and stay), then moved back with --redrive."""
    policy = json.loads(
        sqs.get_queue_attributes(QueueUrl=watch_queue, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
    )
    dead = sqs.get_queue_url(QueueName=policy["deadLetterTargetArn"].rsplit(":", 1)[-1])["QueueUrl"]
    sqs.send_message(QueueUrl=dead, MessageBody='{"NotificationType": "SOMETHING_ELSE"}')
    code, out, _ = run(capsys, "watch", "dlq", "--queue-url", watch_queue, "--json")
    assert code == 0
    assert [m["body"] for m in json.loads(out)] == ['{"NotificationType": "SOMETHING_ELSE"}']
    code, out, _ = run(capsys, "watch", "dlq", "--queue-url", watch_queue, "--redrive", "--json")
    assert (code, json.loads(out)) == (0, {"redriven": 1})


@pytest.mark.slow
def test_sigterm_stops_the_service_with_exit_0(aws_env, watch_queue, tmp_path):
    """A real process on a real queue: ready line, SIGTERM, exit 0 (bounded waits on lines and exit)."""
    env = {**os.environ, "SP_API_APPLICATION_ID": APPLICATION_ID}
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "sp_cancel.cli",
            "watch",
            "--simulator",
            "3",
            "--queue-url",
            watch_queue,
            "--journal",
            str(tmp_path / "j.sqlite"),
            "--health-port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        ready = process.stderr.readline()  # blocks until the line (or EOF if it died)
        assert "watch ready" in ready, ready + process.stderr.read()
        assert "/healthz" in ready
        health = ready.split("health ", 1)[1].split("/healthz")[0]
        with urllib.request.urlopen(health + "/healthz", timeout=10) as answer:  # noqa: S310 - loopback http
            assert answer.status == 200
        with urllib.request.urlopen(health + "/metrics", timeout=10) as answer:  # noqa: S310 - loopback http
            assert answer.status == 200
            assert b"sp_cancel_watch_received_total" in answer.read()
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
        if process.stderr is not None and not process.stderr.closed:
            process.communicate(timeout=60)  # every pipe closed, a dead process's too
    assert process.returncode == 0, err
    assert "watch stopped" in err
