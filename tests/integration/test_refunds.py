"""Partial refunds against the simulator: applied once, idempotent, capped, verifiable, thread-safe."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from lxml import etree

from sp_cancel._refunds.outcomes import RefundOutcome, RefundStatus
from sp_cancel.errors import IdempotencyConflictError, InvalidInputError
from sp_cancel.models import AdjustmentReason, ItemRefund, Money, PriceComponent
from sp_cancel.testing import Simulator
from sp_cancel.testing._sim.world import SimRefund

P = PriceComponent
DAMAGED = AdjustmentReason.GENERAL_ADJUSTMENT


def usd(amount: str) -> Money:
    """US dollars."""
    return Money(amount=amount, currency="USD")


class Recording(httpx.BaseTransport):
    """Forwards to the simulator and remembers every request."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Forward and record."""
        with self._lock:
            self.requests.append((request.method, request.url.path))
        return self.inner.handle_request(request)

    def count(self, path_end: str, method: str = "POST") -> int:
        """How many requests of ``method`` went to a path ending in ``path_end``."""
        return sum(1 for m, p in self.requests if m == method and p.endswith(path_end))


class Seller:
    """The refund methods of a SellerClient, with this file's default reason."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def refund(self, order_id: str, refunds: Any, **kwargs: Any) -> RefundOutcome:
        """Call partial_refund."""
        kwargs.setdefault("reason", DAMAGED)
        return self.client.partial_refund(order_id, refunds, **kwargs)  # type: ignore[no-any-return]

    def verify(self, outcome: RefundOutcome) -> Any:
        """Call verify_refund."""
        return self.client.verify_refund(outcome)

    def wait(self, outcome: RefundOutcome, timeout: float = 1800) -> RefundOutcome:
        """Wait for a submitted outcome."""
        return self.client.wait(outcome, timeout=timeout)  # type: ignore[no-any-return]

    def resume(self) -> list[Any]:
        """Resume the journal."""
        return list(self.client.resume())


@pytest.fixture
def sim() -> Simulator:
    """A small seeded simulator."""
    return Simulator(seed=5, orders=16)


@pytest.fixture
def recording(sim: Simulator) -> Recording:
    """The simulator's transport, recorded."""
    return Recording(sim.transport())


@pytest.fixture
def seller(sim: Simulator, recording: Recording) -> Seller:
    """A client on the recorded transport."""
    return Seller(sim.client(transport=recording))


def applied(sim: Simulator, order_id: str) -> list[SimRefund]:
    """The ledger of refunds Amazon applied to ``order_id``."""
    return [r for r in sim.world.refunds if r.order_id == order_id]


def shipped(sim: Simulator, **kwargs: Any) -> Any:
    """A shipped seller-fulfilled order (one 20.00 item with 4.00 shipping by default)."""
    kwargs.setdefault("items", [{"price": "20.00", "shipping": "4.00"}])
    return sim.add_order(status="Shipped", **kwargs)


def test_damaged_item_refund_is_applied_once_with_its_key(sim: Simulator, seller: Seller, recording: Recording) -> None:
    """A bare amount on a one-item order refunds the principal; Amazon sees our key as MerchantAdjustmentItemID."""
    order = shipped(sim)
    outcome = seller.refund(order.order_id, usd("5.00"), reason=DAMAGED)
    assert outcome.status is RefundStatus.APPLIED
    item_id = order.items[0].order_item_id
    assert outcome.item_status == {item_id: RefundStatus.APPLIED}
    assert outcome.amounts == {item_id: {P.PRINCIPAL: usd("5.00")}}
    [refund] = applied(sim, order.order_id)
    assert (refund.component, refund.amount, refund.feed_id) == ("Principal", Decimal("5.00"), outcome.feed_id)
    assert refund.adjustment_item_id == f"{outcome.idempotency_key}-1"
    document = sim.world.documents[sim.world.feeds[outcome.feed_id].input_document_id].content
    assert document is not None
    root = etree.fromstring(document)
    assert root.findtext("Message/OrderAdjustment/AdjustedItem/AdjustmentReason") == "GeneralAdjustment"
    assert recording.count("/feeds/2021-06-30/feeds") == 1


def test_the_same_refund_again_returns_the_first_outcome_without_sending(
    sim: Simulator, seller: Seller, recording: Recording
) -> None:
    """Same derived key: the journaled outcome comes back; no order read, no feed, ledger unchanged."""
    order = shipped(sim)
    first = seller.refund(order.order_id, usd("5.00"))
    before = list(recording.requests)
    again = seller.refund(order.order_id, usd("5.00"))
    assert again == first
    assert recording.requests[len(before) :] == [] or all(m == "GET" for m, _ in recording.requests[len(before) :])
    assert recording.count("/feeds/2021-06-30/feeds") == 1
    assert len(applied(sim, order.order_id)) == 1


def test_a_given_key_is_reused_and_cannot_name_another_refund(sim: Simulator, seller: Seller) -> None:
    """A caller's key returns its first outcome; the same key for other amounts is refused."""
    order = shipped(sim)
    first = seller.refund(order.order_id, usd("3.00"), idempotency_key="ticket:4711")
    assert first.idempotency_key == "ticket:4711"
    assert seller.refund(order.order_id, usd("3.00"), idempotency_key="ticket:4711") == first
    with pytest.raises(IdempotencyConflictError, match="new key") as conflict:
        seller.refund(order.order_id, usd("4.00"), idempotency_key="ticket:4711")
    assert conflict.value.submission_id == first.submission_id
    [item_id] = first.amounts
    assert conflict.value.differences == {
        "amounts": ({item_id: {"Principal": "3.00"}}, {item_id: {"Principal": "4.00"}})
    }
    assert isinstance(conflict.value, InvalidInputError)
    assert [r.adjustment_item_id for r in applied(sim, order.order_id)] == ["ticket:4711-1"]


def test_a_long_key_is_hashed_down_to_fifty_characters(sim: Simulator, seller: Seller) -> None:
    """A key longer than MerchantAdjustmentItemID allows still correlates, through a hash."""
    order = shipped(sim)
    seller.refund(order.order_id, usd("2.00"), idempotency_key="support-case-" + "9" * 80)
    [refund] = applied(sim, order.order_id)
    assert refund.adjustment_item_id is not None
    assert len(refund.adjustment_item_id) <= 50
    assert refund.adjustment_item_id.startswith("k")


def test_several_items_and_components_get_one_verdict_each(sim: Simulator, seller: Seller) -> None:
    """Principal + tax (read from Orders v0) on one item, shipping on another: both applied."""
    order = sim.add_order(status="Shipped", items=[{"price": "10.00"}, {"price": "12.00", "shipping": "3.00"}])
    a, b = (i.order_item_id for i in order.items)
    outcome = seller.refund(
        order.order_id,
        [
            ItemRefund(order_item_id=a, components={P.PRINCIPAL: usd("10.00"), P.TAX: usd("0.80")}),
            ItemRefund(order_item_id=b, components={P.SHIPPING: usd("3.00")}),
        ],
    )
    assert outcome.status is RefundStatus.APPLIED
    assert outcome.item_status == {a: RefundStatus.APPLIED, b: RefundStatus.APPLIED}
    got = sorted((r.order_item_id, r.component, r.amount) for r in applied(sim, order.order_id))
    assert got == sorted(
        [(a, "Principal", Decimal("10.00")), (a, "Tax", Decimal("0.80")), (b, "Shipping", Decimal("3.00"))]
    )


def test_the_cap_counts_refunds_amazon_has_not_posted_yet(sim: Simulator, seller: Seller) -> None:
    """After 15.00 of a 20.00 principal (not yet in Finances), 6.00 more is refused and 5.00 is sent."""
    order = shipped(sim)
    seller.refund(order.order_id, usd("15.00"))
    with pytest.raises(InvalidInputError, match=r"Remaining refundable: Principal 5\.00 USD, Shipping 4\.00 USD"):
        seller.refund(order.order_id, usd("6.00"))
    assert seller.refund(order.order_id, usd("5.00")).status is RefundStatus.APPLIED
    sim.advance(3 * 3600)  # now both are posted: still counted once each
    with pytest.raises(InvalidInputError, match=r"Principal 0\.00 USD"):
        seller.refund(order.order_id, usd("0.01"))
    assert sum(r.amount for r in applied(sim, order.order_id)) == Decimal("20.00")


def test_refunds_made_elsewhere_count_once_they_post(sim: Simulator, seller: Seller) -> None:
    """A refund made in Seller Central (visible only in Finances) lowers what is refundable."""
    order = shipped(sim)
    item = order.items[0]
    with sim.lock:
        item.refunded["Principal"] = Decimal("12.00")
        sim.world.refunds.append(
            SimRefund(
                order_id=order.order_id,
                order_item_id=item.order_item_id,
                component="Principal",
                amount=Decimal("12.00"),
                currency="USD",
                adjustment_item_id=None,
                feed_id="seller-central",
                posted_at=sim.now() - timedelta(hours=1),
            )
        )
    with pytest.raises(InvalidInputError, match=r"Principal 8\.00 USD"):
        seller.refund(order.order_id, usd("9.00"))


def test_amazons_rejection_is_the_answer_for_that_key(sim: Simulator, seller: Seller, recording: Recording) -> None:
    """Amazon refuses (a refund we could not see yet); the same key returns REJECTED again without sending."""
    order = shipped(sim)
    with sim.lock:  # refunded at Amazon, not posted to Finances yet: invisible to the pre-check
        order.items[0].refunded["Principal"] = Decimal("18.00")
    outcome = seller.refund(order.order_id, usd("5.00"))
    assert outcome.status is RefundStatus.REJECTED
    assert any("exceeds" in m.description for m in outcome.messages)
    assert seller.refund(order.order_id, usd("5.00")) == outcome
    assert recording.count("/feeds/2021-06-30/feeds") == 1
    assert applied(sim, order.order_id) == []
    with pytest.raises(InvalidInputError, match="nothing will post"):
        seller.verify(outcome)


def test_verify_says_not_yet_posted_then_posted(sim: Simulator, seller: Seller) -> None:
    """Finances shows the refund only after Amazon's posting delay; before that it is no failure."""
    order = shipped(sim)
    outcome = seller.refund(order.order_id, usd("5.00"))
    before = seller.verify(outcome)
    assert before.status == "NOT_YET_POSTED"
    assert "48 h" in before.message
    sim.advance(3 * 3600)
    after = seller.verify(outcome)
    assert after.status == "POSTED"
    assert after.posted == after.expected == {order.items[0].order_item_id: {P.PRINCIPAL: usd("5.00")}}


def test_no_wait_returns_submitted_and_wait_finishes_it(sim: Simulator, seller: Seller) -> None:
    """wait=False returns as soon as the feed exists; wait() brings Amazon's verdict."""
    order = shipped(sim)
    pending = seller.refund(order.order_id, usd("5.00"), wait=False)
    assert pending.status is RefundStatus.SUBMITTED
    assert pending.feed_id is not None
    done = seller.wait(pending)
    assert done.status is RefundStatus.APPLIED
    assert done.feed_id == pending.feed_id
    assert len(applied(sim, order.order_id)) == 1


def test_jpy_and_partially_shipped_orders(sim: Simulator, seller: Seller) -> None:
    """Whole-yen amounts on a JP order; a shipped item of a partly shipped order."""
    jp = sim.add_order(status="Shipped", marketplace="JP", items=[{"price": "3000"}])
    outcome = seller.refund(jp.order_id, Money(amount="500", currency="JPY"))
    assert outcome.status is RefundStatus.APPLIED
    assert sim.world.feeds[outcome.feed_id or ""].marketplace_ids == [jp.marketplace_id]
    partial = sim.add_order(status="PartiallyShipped", items=[{"price": "10.00"}, {"price": "12.00"}])
    first = partial.items[0].order_item_id
    refund = [ItemRefund(order_item_id=first, components={P.PRINCIPAL: usd("2.00")})]
    assert seller.refund(partial.order_id, refund).status is RefundStatus.APPLIED


@pytest.mark.parametrize("given_key", [None, "same-key-for-all"])
def test_eight_threads_with_the_same_key_send_one_refund(
    sim: Simulator, recording: Recording, given_key: str | None
) -> None:
    """8 threads, one client, the same refund at once: one feed, one ledger entry, eight equal outcomes."""
    client = sim.client(transport=recording)
    # Build the client's journal before the threads start: SellerClient creates it lazily, without a lock
    # (reported), and eight first uses at once would each get their own in-memory journal.
    _ = getattr(client, "journal", None)
    seller = Seller(client)
    order = shipped(sim)
    outcomes: list[RefundOutcome] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def run() -> None:
        start.wait()
        try:
            outcomes.append(seller.refund(order.order_id, usd("5.00"), idempotency_key=given_key))
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(outcomes) == 8
    assert all(o == outcomes[0] for o in outcomes), [(o.status, o.feed_id) for o in outcomes]
    assert outcomes[0].status is RefundStatus.APPLIED
    assert len(applied(sim, order.order_id)) == 1
    assert recording.count("/feeds/2021-06-30/feeds") == 1


def test_two_clients_on_one_journal_file_send_one_refund(sim: Simulator, tmp_path: Any) -> None:
    """Two clients (as two workers would) sharing a journal file: the second gets the first's outcome."""
    journal = tmp_path / "journal.sqlite3"
    one = Seller(sim.client(journal=str(journal)))
    two = Seller(sim.client(journal=str(journal)))
    order = shipped(sim)
    first = one.refund(order.order_id, usd("5.00"))
    assert two.refund(order.order_id, usd("5.00")) == first
    assert len(applied(sim, order.order_id)) == 1


def redis_journals(sim: Simulator, count: int) -> list[Any]:
    """``count`` RedisJournals, each on its own connection to one fakeredis server (hosts sharing one Redis)."""
    fakeredis = pytest.importorskip("fakeredis")
    from sp_cancel.journal import RedisJournal  # noqa: PLC0415

    server = fakeredis.FakeServer()
    return [RedisJournal(client=fakeredis.FakeRedis(server=server), clock=sim.clock) for _ in range(count)]


def test_two_clients_on_one_redis_journal_send_one_refund(sim: Simulator, recording: Recording) -> None:
    """Two clients (two hosts) sharing a RedisJournal and a refund key: one refund; the second gets its outcome."""
    journals = redis_journals(sim, 2)
    one, two = (Seller(sim.client(journal=journal, transport=recording)) for journal in journals)
    assert one.client.journal is journals[0]
    order = shipped(sim)
    first = one.refund(order.order_id, usd("5.00"), idempotency_key="ticket:4711")
    assert first.status is RefundStatus.APPLIED
    assert two.refund(order.order_id, usd("5.00"), idempotency_key="ticket:4711") == first
    assert [r.adjustment_item_id for r in applied(sim, order.order_id)] == ["ticket:4711-1"]
    assert recording.count("/feeds/2021-06-30/feeds") == 1
    two.client.close()  # a journal given to a client stays open
    [entry] = journals[1].find("refund", order.order_id)
    assert (entry.key, entry.state, entry.feed_id) == ("refund:ticket:4711", "done", first.feed_id)
    assert journals[1].unfinished() == []


def test_two_clients_on_one_redis_journal_racing_send_one_refund(sim: Simulator, recording: Recording) -> None:
    """Two clients on one RedisJournal store, four threads each, the same refund key at once: one feed, one refund."""
    sellers = [Seller(sim.client(journal=journal, transport=recording)) for journal in redis_journals(sim, 2)]
    order = shipped(sim)
    outcomes: list[RefundOutcome] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def run(seller: Seller) -> None:
        start.wait()
        try:
            outcomes.append(seller.refund(order.order_id, usd("5.00"), idempotency_key="same-key-for-all"))
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(sellers[n % 2],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(outcomes) == 8
    assert all(o == outcomes[0] for o in outcomes), [(o.status, o.feed_id) for o in outcomes]
    assert outcomes[0].status is RefundStatus.APPLIED
    assert len(applied(sim, order.order_id)) == 1
    assert recording.count("/feeds/2021-06-30/feeds") == 1
