"""Fault injection through the in-process transport."""

from __future__ import annotations

import json
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import pytest

from sp_cancel.testing import Simulator
from sp_cancel.testing._sim.faults import load_rules, parse_rules

MCF_PATH = "/fba/outbound/2020-07-01/fulfillmentOrders/{}"


def _api(sim: Simulator, timeout: float = 10.0) -> httpx.Client:
    return httpx.Client(
        transport=sim.transport(),
        base_url=sim.base_url,
        headers={"x-amz-access-token": sim.issue_access_token()},
        timeout=timeout,
    )


@pytest.fixture
def sim() -> Simulator:
    """A simulator with one cancellable MCF order."""
    simulator = Simulator(seed=5, orders=0)
    simulator.add_mcf_order("MCF-T-1", status="Received")
    return simulator


@pytest.mark.parametrize(
    ("fault", "status", "code"), [("500", 500, "InternalFailure"), ("503", 503, "ServiceUnavailable")]
)
def test_5xx_faults_answer_errorlists(sim: Simulator, fault: str, status: int, code: str) -> None:
    """500/503 faults answer Amazon-shaped ErrorLists, once (count=1), then the call works."""
    sim.add_fault("fbaOutbound.getFulfillmentOrder", fault)
    http = _api(sim)
    failed = http.get(MCF_PATH.format("MCF-T-1"))
    assert failed.status_code == status
    assert failed.json()["errors"][0]["code"] == code
    assert http.get(MCF_PATH.format("MCF-T-1")).status_code == 200


def test_html_504(sim: Simulator) -> None:
    """html_504 answers a gateway HTML page, not JSON."""
    sim.add_fault("*", "html_504")
    answer = _api(sim).get(MCF_PATH.format("MCF-T-1"))
    assert answer.status_code == 504
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.content.startswith(b"<html>")


def test_empty_200(sim: Simulator) -> None:
    """empty_200 answers status 200 with no body at all."""
    sim.add_fault("fbaOutbound.getFulfillmentOrder", "empty_200")
    answer = _api(sim).get(MCF_PATH.format("MCF-T-1"))
    assert answer.status_code == 200
    assert answer.content == b""


def test_429_is_a_refusal_before_processing(sim: Simulator) -> None:
    """A 429 fault answers QuotaExceeded and the cancel was not processed (Amazon's gate refuses first)."""
    sim.add_fault("fbaOutbound.cancelFulfillmentOrder", "429")
    refused = _api(sim).put(MCF_PATH.format("MCF-T-1") + "/cancel")
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["code"] == "QuotaExceeded"
    assert sim.world.mcf_orders["MCF-T-1"].status == "Received"


def test_drop_does_not_run_the_handler(sim: Simulator) -> None:
    """A drop raises RemoteProtocolError and the cancel never happened."""
    sim.add_fault("fbaOutbound.cancelFulfillmentOrder", "drop")
    with pytest.raises(httpx.RemoteProtocolError):
        _api(sim).put(MCF_PATH.format("MCF-T-1") + "/cancel")
    assert sim.world.mcf_orders["MCF-T-1"].status == "Received"


def test_timeout_after_commit_runs_the_handler(sim: Simulator) -> None:
    """timeout_after_commit raises ReadTimeout but the cancel took effect."""
    sim.add_fault("fbaOutbound.cancelFulfillmentOrder", "timeout_after_commit")
    before = sim.clock.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        _api(sim, timeout=7.0).put(MCF_PATH.format("MCF-T-1") + "/cancel")
    assert sim.world.mcf_orders["MCF-T-1"].status == "Cancelled"
    assert sim.clock.monotonic() - before == pytest.approx(7.0)


def test_delay_advances_the_clock(sim: Simulator) -> None:
    """A delay shorter than the read timeout answers late on the simulated clock."""
    sim.add_fault("fbaOutbound.getFulfillmentOrder", "delay", seconds=3)
    before = sim.clock.monotonic()
    answer = _api(sim, timeout=10).get(MCF_PATH.format("MCF-T-1"))
    assert answer.status_code == 200
    assert sim.clock.monotonic() - before == pytest.approx(3.0)


def test_delay_past_timeout_is_read_timeout(sim: Simulator) -> None:
    """A delay longer than the read timeout becomes httpx.ReadTimeout after the timeout passed."""
    sim.add_fault("fbaOutbound.getFulfillmentOrder", "delay", seconds=30)
    before = sim.clock.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        _api(sim, timeout=5).get(MCF_PATH.format("MCF-T-1"))
    assert sim.clock.monotonic() - before == pytest.approx(5.0)


def _date(answer: httpx.Response) -> object:
    return parsedate_to_datetime(answer.headers["Date"])


@pytest.mark.parametrize(("fault", "year"), [("date_1970", 1970), ("date_2100", 2100)])
def test_date_year_faults_lie_in_one_answer_only(sim: Simulator, fault: str, year: int) -> None:
    """date_1970 / date_2100: that one answer's Date is in that year, its body is the normal one; the next is honest."""
    http = _api(sim)
    honest = http.get(MCF_PATH.format("MCF-T-1"))
    sim.add_fault("fbaOutbound.getFulfillmentOrder", fault)
    lying = http.get(MCF_PATH.format("MCF-T-1"))
    assert lying.status_code == 200
    assert lying.json() == honest.json()
    assert _date(lying) == sim.now().replace(year=year, microsecond=0)
    assert _date(http.get(MCF_PATH.format("MCF-T-1"))) == sim.now().replace(microsecond=0)


@pytest.mark.parametrize("seconds", [180.0, -180.0])
def test_date_skew_moves_one_answers_date_by_seconds(sim: Simulator, seconds: float) -> None:
    """date_skew with seconds: that one answer's Date is that far off Amazon's clock, either way."""
    sim.add_fault("fbaOutbound.getFulfillmentOrder", "date_skew", seconds=seconds)
    http = _api(sim)
    assert _date(http.get(MCF_PATH.format("MCF-T-1"))) == (sim.now() + timedelta(seconds=seconds)).replace(
        microsecond=0
    )
    assert _date(http.get(MCF_PATH.format("MCF-T-1"))) == sim.now().replace(microsecond=0)


def test_a_lying_date_changes_nothing_but_the_header(sim: Simulator) -> None:
    """Under a date fault the request does what it does (the cancel applies) and the clock does not move."""
    sim.add_fault("fbaOutbound.cancelFulfillmentOrder", "date_2100")
    before = sim.now()
    answer = _api(sim).put(MCF_PATH.format("MCF-T-1") + "/cancel")
    assert answer.status_code == 200
    assert _date(answer).year == 2100  # type: ignore[attr-defined]
    assert sim.world.mcf_orders["MCF-T-1"].status == "Cancelled"
    assert sim.now() == before


def test_a_date_fault_also_lies_on_a_refusal(sim: Simulator) -> None:
    """The Date of a refused answer (401, no token) lies too: the header does not depend on the status."""
    sim.add_fault("fbaOutbound.getFulfillmentOrder", "date_1970")
    with httpx.Client(transport=sim.transport(), base_url=sim.base_url) as http:
        refused = http.get(MCF_PATH.format("MCF-T-1"))
    assert refused.status_code == 401
    assert _date(refused).year == 1970  # type: ignore[attr-defined]


def test_nth_fires_on_the_nth_request_only(sim: Simulator) -> None:
    """nth=2 leaves the first request alone and fails the second."""
    sim.add_fault("fbaOutbound.getFulfillmentOrder", "503", nth=2)
    http = _api(sim)
    codes = [http.get(MCF_PATH.format("MCF-T-1")).status_code for _ in range(3)]
    assert codes == [200, 503, 200]


def test_probability_and_unlimited_count(sim: Simulator) -> None:
    """probability=1 with count=None fails every time; probability=0 never fires."""
    sim.add_fault("fbaOutbound.getFulfillmentOrder", "500", probability=1.0, count=None)
    sim.add_fault("fbaOutbound2026.getOrder", "500", probability=0.0, count=None)
    http = _api(sim)
    assert {http.get(MCF_PATH.format("MCF-T-1")).status_code for _ in range(4)} == {500}
    assert http.get("/fulfillment/outbound/2026-07-04/orders/MCF-T-1").status_code == 200


def test_star_skips_lwa_but_lwa_can_be_targeted(sim: Simulator) -> None:
    """A '*' fault leaves the token endpoint alone; 'lwa.token' targets it."""
    sim.add_fault("*", "503")
    creds = sim.credentials
    form = {
        "grant_type": "refresh_token",
        "refresh_token": creds.refresh_token,
        "client_id": creds.client_id,
        "client_secret": creds.client_secret,
    }
    with httpx.Client(transport=sim.transport()) as http:
        assert http.post(sim.token_url, data=form).status_code == 200
        sim.add_fault("lwa.token", "503")
        assert http.post(sim.token_url, data=form).status_code == 503


def test_feed_faults_are_taken_by_create_feed_only(sim: Simulator) -> None:
    """feed_stuck/feed_fatal are consumed through take_feed_fault, in order, once each."""
    sim.add_fault("feeds.createFeed", "feed_stuck")
    sim.add_fault("*", "feed_fatal")
    core = sim._core
    assert core.take_feed_fault() == "feed_stuck"
    assert core.take_feed_fault() == "feed_fatal"
    assert core.take_feed_fault() is None
    assert _api(sim).get(MCF_PATH.format("MCF-T-1")).status_code == 200


def test_rules_from_json_file(tmp_path: Path) -> None:
    """A faults file (list or {'faults': [...]}) loads into rules the simulator applies."""
    path = tmp_path / "faults.json"
    path.write_text(json.dumps({"faults": [{"operation": "fbaOutbound.getFulfillmentOrder", "fault": "503"}]}))
    assert load_rules(path)[0].fault == "503"
    sim = Simulator(seed=1, orders=0, faults=path)
    sim.add_mcf_order("MCF-T-2")
    assert _api(sim).get(MCF_PATH.format("MCF-T-2")).status_code == 503


@pytest.mark.parametrize(
    "rule",
    [
        {"fault": "explode"},
        {"fault": "429_after_commit"},  # a 429 is a refusal before processing: there is no 429 after commit
        {"operation": "nope.nothing", "fault": "500"},
        {"operation": "orders.getOrder", "fault": "feed_stuck"},
        {"fault": "delay"},
        {"fault": "date_skew"},  # how far off: seconds is required
        {"fault": "500", "nth": 0},
        {"fault": "500", "probability": 2},
        {"fault": "500", "colour": "red"},
    ],
)
def test_invalid_rules_are_refused(rule: dict[str, object]) -> None:
    """Malformed fault rules raise ValueError instead of silently doing nothing."""
    with pytest.raises(ValueError):
        parse_rules([rule])
