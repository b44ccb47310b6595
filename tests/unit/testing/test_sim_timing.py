"""Amazon's lags in the simulator: the getFeeds listing lag (fixed, or drawn per feed), its JSON settings."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from sp_cancel.cli import main
from sp_cancel.clock import FakeClock
from sp_cancel.testing import Lags, Scenario, Simulator, SkewedClock
from sp_cancel.testing._sim import app
from sp_cancel.testing._sim.timing import FEED_LISTING_CAP, draw_feed_listing

FEEDS = "/feeds/2021-06-30"
ACK = "POST_ORDER_ACKNOWLEDGEMENT_DATA"
XML = "text/xml; charset=UTF-8"
SWEEP = (0.0, 45.0, 89.0, 200.0, 600.0, 3600.0)


def _empty_world(**kwargs: Any) -> Simulator:
    return Simulator(seed=kwargs.pop("seed", 17), scenario=Scenario(orders=0, listings=0, mcf_orders=False), **kwargs)


@contextmanager
def _api(sim: Simulator) -> Iterator[httpx.Client]:
    token = sim.issue_access_token()
    with httpx.Client(transport=sim.transport(), base_url=sim.base_url, headers={"x-amz-access-token": token}) as http:
        yield http


def _create_feed(http: httpx.Client) -> str:
    """Upload an (empty-of-orders) acknowledgement document and create a feed of it; return the feed id."""
    created = http.post(f"{FEEDS}/documents", json={"contentType": XML}).json()
    http.put(created["url"], content=b"<AmazonEnvelope/>", headers={"Content-Type": XML}).raise_for_status()
    body = {"feedType": ACK, "marketplaceIds": ["ATVPDKIKX0DER"], "inputFeedDocumentId": created["feedDocumentId"]}
    answer = http.post(f"{FEEDS}/feeds", json=body)
    assert answer.status_code == 202, answer.text
    return str(answer.json()["feedId"])


def _listed(sim: Simulator, http: httpx.Client) -> set[str]:
    token = sim.issue_access_token()  # a fresh one: an hour's advance outlives the first
    answer = http.get(
        f"{FEEDS}/feeds", params={"feedTypes": ACK, "pageSize": 100}, headers={"x-amz-access-token": token}
    )
    assert answer.status_code == 200, answer.text
    return {f["feedId"] for f in answer.json()["feeds"]}


def _lag(sim: Simulator, feed_id: str) -> float:
    feed = sim.world.feeds[feed_id]
    assert feed.listed_at is not None
    return (feed.listed_at - feed.created_at).total_seconds()


# --------------------------------------------------------------------------- Lags


def test_the_default_draws_the_listing_lag_and_none_is_all_zero() -> None:
    """Lags() draws feed_listing per feed (None); the other defaults lag; Lags.none() is 0 everywhere."""
    lags = Lags()
    assert lags.feed_listing is None
    assert min(lags.listing_patch, lags.listing_delete, lags.refund_posting, lags.report_processing) > 0
    assert set(vars(Lags.none()).values()) == {0.0}


@pytest.mark.parametrize("bad", [{"feed_listing": -1}, {"listing_patch": None}, {"refund_posting": "2h"}])
def test_lags_refuse_what_is_not_seconds(bad: dict[str, Any]) -> None:
    """A negative, missing or non-numeric lag is a ValueError (only feed_listing may be None: drawn)."""
    with pytest.raises(ValueError, match=next(iter(bad))):
        Lags(**bad)


def test_lags_from_json_settings() -> None:
    """Settings map names to seconds; feed_listing null or "drawn" draws; anything else is refused."""
    assert Lags.from_mapping({"feed_listing": 45}).feed_listing == 45.0
    assert Lags.from_mapping({"feed_listing": None}).feed_listing is None
    assert Lags.from_mapping({"feed_listing": "drawn", "listing_patch": 0}) == Lags(listing_patch=0.0)
    assert Lags.from_mapping({}) == Lags()
    for bad in ({"feed_listin": 4}, {"feed_listing": "soon"}, {"listing_patch": None}, {"feed_listing": True}):
        with pytest.raises(ValueError, match="Lags"):
            Lags.from_mapping(bad)


# --------------------------------------------------------------------------- the draw


def test_the_draw_is_heavy_tailed_as_documented() -> None:
    """40 % within a minute, 40 % more within ten, 20 % later with P(> t) = 0.2 * 600 / t, never past a day."""
    draws = [draw_feed_listing(random.Random(f"draw-{n}")) for n in range(20_000)]  # noqa: S311 - simulation
    share = {limit: sum(d <= limit for d in draws) / len(draws) for limit in (60, 600, 3600, 21_600)}
    assert share[60] == pytest.approx(0.4, abs=0.02)
    assert share[600] == pytest.approx(0.8, abs=0.02)
    assert 1 - share[3600] == pytest.approx(0.2 / 6, abs=0.006)
    assert 1 - share[21_600] == pytest.approx(0.2 / 36, abs=0.003)
    assert min(draws) >= 0
    assert max(draws) <= FEED_LISTING_CAP
    for wait in SWEEP:  # whatever fixed wait a client picks, some feeds list after it
        assert any(d > wait for d in draws), wait


def test_each_feed_gets_its_own_lag_deterministic_for_a_seed() -> None:
    """Feeds of one simulator list at different times; the same seed draws the same times, another seed others."""

    def lags(seed: int) -> list[float]:
        sim = _empty_world(seed=seed)
        with _api(sim) as http:
            return [_lag(sim, _create_feed(http)) for _ in range(6)]

    first = lags(3)
    assert len(set(first)) == 6
    assert lags(3) == first
    assert lags(4) != first


def test_get_feeds_lists_a_feed_only_from_its_own_listing_time() -> None:
    """GetFeed sees a new feed at once; getFeeds lists each feed exactly when now reaches its listed_at."""
    sim = _empty_world(seed=5)
    with _api(sim) as http:
        ids = [_create_feed(http) for _ in range(3)]
        for feed_id in ids:
            assert http.get(f"{FEEDS}/feeds/{feed_id}").status_code == 200
        start = sim.now()
        for feed_id in sorted(ids, key=lambda f: _lag(sim, f)):
            listed_at = sim.world.feeds[feed_id].listed_at
            assert listed_at is not None
            sim.advance((listed_at - sim.now()).total_seconds() - 0.001)
            assert feed_id not in _listed(sim, http)
            sim.advance(0.001)
            assert feed_id in _listed(sim, http)
        assert sim.now() - start == max(timedelta(seconds=_lag(sim, f)) for f in ids)


@pytest.mark.parametrize("seconds", SWEEP)
def test_a_fixed_listing_lag_is_the_same_for_every_feed(seconds: float) -> None:
    """Lags(feed_listing=N): every feed is listed exactly N seconds after createFeed."""
    sim = _empty_world(lags=Lags(feed_listing=seconds))
    with _api(sim) as http:
        ids = [_create_feed(http), _create_feed(http)]
        assert [_lag(sim, f) for f in ids] == [seconds, seconds]
        if seconds:
            sim.advance(seconds - 0.001)
            assert _listed(sim, http) == set()
            sim.advance(0.001)
        assert _listed(sim, http) == set(ids)


def test_scale_divides_the_drawn_lag() -> None:
    """With scale 10 the same seed draws the same lags, ten times shorter."""
    for seed in (1, 2):
        plain, fast = _empty_world(seed=seed), _empty_world(seed=seed, scale=10)
        with _api(plain) as slow_http, _api(fast) as fast_http:
            slow, quick = _lag(plain, _create_feed(slow_http)), _lag(fast, _create_feed(fast_http))
        assert quick == pytest.approx(slow / 10, abs=1e-6)  # timedelta keeps microseconds


# --------------------------------------------------------------------------- the served simulator's settings


@pytest.mark.parametrize(("setting", "expected"), [(45, 45.0), (None, None), ("drawn", None)])
def test_a_settings_file_sets_the_listing_lag(tmp_path: Path, setting: object, expected: float | None) -> None:
    """{"faults": [...], "lags": {"feed_listing": ...}} gives fixed or drawn lags; lags= wins over the file."""
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"faults": [], "lags": {"feed_listing": setting}}))
    assert _empty_world(faults=path).lags.feed_listing == expected
    assert _empty_world(faults=path, lags=Lags.none()).lags == Lags.none()
    path.write_text(json.dumps({"lags": [1]}))
    with pytest.raises(TypeError, match="lags"):
        _empty_world(faults=path)


@pytest.mark.parametrize(("setting", "expected"), [(600, 600.0), (None, None)])
def test_simulator_serve_takes_the_settings_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: object, expected: float | None
) -> None:
    """``sp-cancel simulator serve --faults FILE`` serves a simulator with the file's lags (both forms)."""
    served: list[Any] = []
    monkeypatch.setattr(app, "serve_forever", lambda sim, **_: served.append(sim))
    path = tmp_path / "settings.json"
    path.write_text(
        json.dumps({"faults": [{"fault": "503", "operation": "feeds.getFeeds"}], "lags": {"feed_listing": setting}})
    )
    # serve returns once Ctrl-C stopped it (exit 130); the stand-in above returns at once.
    assert main(["simulator", "serve", "--port", "0", "--faults", str(path)]) == 130
    [sim] = served
    assert sim.lags.feed_listing == expected
    assert [rule.fault for rule in sim._core.faults.rules] == ["503"]


# --------------------------------------------------------------------------- a client's clock stepped as NTP does


def test_step_jumps_the_wall_clock_from_now_on_and_leaves_monotonic_alone() -> None:
    """SkewedClock.step(s) adds s to the skew: now() jumps, monotonic() and the base clock do not."""
    base = FakeClock()
    clock = SkewedClock(base, 30)
    wall, mono = clock.now(), clock.monotonic()
    clock.step(-300)
    assert clock.skew == -270
    assert clock.now() == wall - timedelta(seconds=300)
    assert clock.monotonic() == mono
    assert base.now() == wall - timedelta(seconds=30)
    clock.advance(10)
    assert clock.now() == wall - timedelta(seconds=290)
    assert clock.monotonic() == mono + 10


def test_a_clock_on_the_simulators_timeline_steps_apart_from_amazons() -> None:
    """A SkewedClock of sim.clock (what a test gives a client): a step moves it, not Amazon; time moves both."""
    sim = _empty_world()
    client_clock = SkewedClock(sim.clock, 0)
    amazon = sim.now()
    client_clock.step(3600)
    assert client_clock.now() - sim.now() == timedelta(hours=1)
    assert sim.now() == amazon
    sim.advance(5)  # a client's sleep advances the shared timeline: both move on together
    assert client_clock.now() - sim.now() == timedelta(hours=1)
    assert sim.now() - amazon == timedelta(seconds=5)
