"""Partial refunds: every bad input raises its typed error and sends nothing; keys and ids are stable."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from sp_cancel._refunds.check import derive_key
from sp_cancel._refunds.payload import ADJUSTMENT_ID_MAX, adjustment_ids
from sp_cancel._refunds.settle import PendingRefund, RefundLine, correlate
from sp_cancel.errors import InvalidInputError, NotCancellableError, NotFoundError, SpCancelError
from sp_cancel.models import AdjustmentReason, ItemRefund, Money, PriceComponent
from sp_cancel.testing import Simulator

P = PriceComponent
USD = "USD"


def usd(amount: str) -> Money:
    """US dollars."""
    return Money(amount=amount, currency=USD)


class Recording(httpx.BaseTransport):
    """Forwards to the simulator and remembers every request."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.requests: list[tuple[str, str]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Forward and record."""
        self.requests.append((request.method, request.url.path))
        return self.inner.handle_request(request)

    @property
    def writes(self) -> list[tuple[str, str]]:
        """Requests that could change something at Amazon (the LWA token exchange excluded)."""
        return [(m, p) for m, p in self.requests if m in {"POST", "PUT", "PATCH", "DELETE"} and "/auth/" not in p]


class Refunder:
    """``partial_refund`` through the client."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def __call__(self, order_id: Any, refunds: Any, **kwargs: Any) -> Any:
        """Call partial_refund."""
        return self.client.partial_refund(order_id, refunds, **kwargs)


@pytest.fixture(scope="module")
def world() -> dict[str, Any]:
    """One small simulated seller with an order of every kind the table needs."""
    sim = Simulator(seed=11, orders=16)
    spec = [{"price": "20.00", "shipping": "4.00"}]
    orders = {
        "shipped": sim.add_order(status="Shipped", items=spec),
        "multi": sim.add_order(status="Shipped", items=[{"price": "10.00"}, {"price": "12.00"}]),
        "afn": sim.add_order(status="Shipped", channel="AFN", items=spec),
        "unshipped": sim.add_order(status="Unshipped", items=spec),
        "partial": sim.add_order(status="PartiallyShipped", items=[{"price": "10.00"}, {"price": "12.00"}]),
        "pending": sim.add_order(status="Pending", items=spec),
        "cancelled": sim.add_order(status="Canceled", items=spec),
    }
    return {"sim": sim, "orders": orders}


Case = tuple[str, Callable[[dict[str, Any]], tuple[Any, Any, dict[str, Any]]], type[SpCancelError], str, bool]


def _one(order: Any, components: dict[Any, Money], **extra: Any) -> list[ItemRefund]:
    return [ItemRefund(order_item_id=order.items[0].order_item_id, components=components, **extra)]


def _o(name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda w: w["orders"][name]


R = "GENERAL_ADJUSTMENT"
# (id, build -> (order_id, refunds, kwargs), error, message fragment, reads the order first)
CASES: list[Case] = [
    ("order-id-malformed", lambda _w: ("123", usd("5.00"), {}), InvalidInputError, "order id", False),
    ("order-id-none", lambda _w: (None, usd("5.00"), {}), InvalidInputError, "order id", False),
    ("reason-unknown", lambda w: (_o("shipped")(w).order_id, usd("5.00"), {"reason": "DAMAGED"}), InvalidInputError,
     "unknown reason", False),
    ("refunds-empty", lambda w: (_o("shipped")(w).order_id, [], {}), InvalidInputError, "empty", False),
    ("refunds-str", lambda w: (_o("shipped")(w).order_id, "5.00", {}), InvalidInputError, "list of ItemRefund", False),
    ("refunds-dict-item", lambda w: (_o("shipped")(w).order_id, [{"Principal": "5"}], {}), InvalidInputError,
     "ItemRefund values", False),
    ("item-id-malformed", lambda w: (_o("shipped")(w).order_id,
     [ItemRefund(order_item_id="123", components={P.PRINCIPAL: usd("1.00")})], {}), InvalidInputError, "14 digits",
     False),
    ("amount-float", lambda w: (_o("shipped")(w).order_id, Money(amount=5.0, currency=USD), {}), InvalidInputError,
     "never float", False),
    ("usd-three-decimals", lambda w: (_o("shipped")(w).order_id, usd("5.001"), {}), InvalidInputError, "decimal",
     False),
    ("jpy-decimals", lambda w: (_o("shipped")(w).order_id, Money(amount="5.5", currency="JPY"), {}),
     InvalidInputError, "decimal", False),
    ("kwd-not-in-cents", lambda w: (_o("shipped")(w).order_id, Money(amount="1.234", currency="KWD"), {}),
     InvalidInputError, "2 decimals", False),
    ("currency-lowercase", lambda w: (_o("shipped")(w).order_id, Money(amount="1.00", currency="usd"), {}),
     InvalidInputError, "3-letter", False),
    ("bare-zero", lambda w: (_o("shipped")(w).order_id, usd("0.00"), {}), InvalidInputError, "positive", False),
    ("bare-negative", lambda w: (_o("shipped")(w).order_id, usd("-5.00"), {}), InvalidInputError, "positive", False),
    ("component-zero", lambda w: (_o("shipped")(w).order_id, _one(_o("shipped")(w), {P.PRINCIPAL: usd("0")}), {}),
     InvalidInputError, "zero", False),
    ("principal-negative", lambda w: (_o("shipped")(w).order_id,
     _one(_o("shipped")(w), {P.PRINCIPAL: usd("-1.00")}), {}), InvalidInputError, "positive", False),
    ("restocking-fee-positive", lambda w: (_o("shipped")(w).order_id,
     _one(_o("shipped")(w), {P.PRINCIPAL: usd("10.00"), P.RESTOCKING_FEE: usd("2.00")}), {}), InvalidInputError,
     "negative amount", False),
    ("net-not-credit", lambda w: (_o("shipped")(w).order_id,
     _one(_o("shipped")(w), {P.PRINCIPAL: usd("1.00"), P.RESTOCKING_FEE: usd("-2.00")}), {}), InvalidInputError,
     "credit to the buyer", False),
    ("component-unsupported", lambda w: (_o("shipped")(w).order_id, _one(_o("shipped")(w), {P.SURCHARGE: usd("1")}),
     {}), InvalidInputError, "does not send Surcharge", False),
    ("component-unknown-name", lambda w: (_o("shipped")(w).order_id, _one(_o("shipped")(w), {"Discount": usd("1")}),
     {}), InvalidInputError, "unknown component", False),
    ("components-not-mapping", lambda w: (_o("shipped")(w).order_id,
     [ItemRefund(order_item_id=_o("shipped")(w).items[0].order_item_id, components=[usd("1")])], {}),
     InvalidInputError, "mapping", False),
    ("item-twice", lambda w: (_o("shipped")(w).order_id,
     _one(_o("shipped")(w), {P.PRINCIPAL: usd("1")}) * 2, {}), InvalidInputError, "twice", False),
    ("currencies-mixed", lambda w: (_o("multi")(w).order_id, [
        ItemRefund(order_item_id=_o("multi")(w).items[0].order_item_id, components={P.PRINCIPAL: usd("1")}),
        ItemRefund(order_item_id=_o("multi")(w).items[1].order_item_id,
                   components={P.PRINCIPAL: Money(amount="1", currency="EUR")}),
    ], {}), InvalidInputError, "mixes currencies", False),
    ("key-empty", lambda w: (_o("shipped")(w).order_id, usd("1.00"), {"idempotency_key": ""}), InvalidInputError,
     "idempotency_key", False),
    ("key-too-long", lambda w: (_o("shipped")(w).order_id, usd("1.00"), {"idempotency_key": "k" * 201}),
     InvalidInputError, "idempotency_key", False),
    ("key-control-char", lambda w: (_o("shipped")(w).order_id, usd("1.00"), {"idempotency_key": "a\nb"}),
     InvalidInputError, "control characters", False),
    ("timeout-zero", lambda w: (_o("shipped")(w).order_id, usd("1.00"), {"timeout": 0}), InvalidInputError,
     "timeout", False),
    # -- these need the order (reads only) --
    ("order-not-found", lambda _w: ("999-9999999-9999999", usd("1.00"), {}), NotFoundError, "", True),
    ("afn-order", lambda w: (_o("afn")(w).order_id, usd("1.00"), {}), NotCancellableError, "fulfilled by Amazon",
     True),
    ("unshipped-order", lambda w: (_o("unshipped")(w).order_id, usd("1.00"), {}), NotCancellableError,
     "ItemCancel", True),
    ("unshipped-item", lambda w: (_o("partial")(w).order_id,
     [ItemRefund(order_item_id=_o("partial")(w).items[1].order_item_id, components={P.PRINCIPAL: usd("1")})], {}),
     NotCancellableError, "ItemCancel", True),
    ("pending-order", lambda w: (_o("pending")(w).order_id, usd("1.00"), {}), NotCancellableError, "PENDING", True),
    ("cancelled-order", lambda w: (_o("cancelled")(w).order_id, usd("1.00"), {}), NotCancellableError, "CANCELLED",
     True),
    ("unknown-item", lambda w: (_o("shipped")(w).order_id,
     [ItemRefund(order_item_id="12345678901234", components={P.PRINCIPAL: usd("1")})], {}), InvalidInputError,
     "has no item 12345678901234", True),
    ("multi-item-bare-amount", lambda w: (_o("multi")(w).order_id, usd("1.00"), {}), InvalidInputError,
     "a bare amount is only for one-item orders", True),
    ("currency-not-the-orders", lambda w: (_o("shipped")(w).order_id, Money(amount="1.00", currency="EUR"), {}),
     InvalidInputError, "is in USD", True),
    ("over-cap-principal", lambda w: (_o("shipped")(w).order_id, usd("20.01"), {}), InvalidInputError,
     "Remaining refundable: Principal 20.00 USD", True),
    ("over-cap-shipping", lambda w: (_o("shipped")(w).order_id, _one(_o("shipped")(w), {P.SHIPPING: usd("4.01")}),
     {}), InvalidInputError, "Shipping 4.01 USD is more than the 4.00 USD", True),
    ("over-cap-tax", lambda w: (_o("shipped")(w).order_id, _one(_o("shipped")(w), {P.TAX: usd("1.61")}), {}),
     InvalidInputError, "Tax 1.61 USD is more than the 1.60 USD", True),
    ("gift-wrap-not-charged", lambda w: (_o("shipped")(w).order_id,
     _one(_o("shipped")(w), {P.GIFT_WRAP: usd("1.00")}), {}), InvalidInputError, "0.00 USD still refundable", True),
    ("goodwill-over-item", lambda w: (_o("shipped")(w).order_id,
     _one(_o("shipped")(w), {P.PRINCIPAL: usd("20.00"), P.GOODWILL: usd("10.00")}), {}), InvalidInputError,
     "left of the item's charges", True),
    ("quantity-over-shipped", lambda w: (_o("shipped")(w).order_id,
     _one(_o("shipped")(w), {P.PRINCIPAL: usd("1.00")}, quantity=2), {}), InvalidInputError, "shipped", True),
]  # fmt: skip


@pytest.mark.parametrize(("case_id", "build", "error", "fragment", "reads"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_before_any_write(  # noqa: PLR0917 - pytest passes the table's columns
    world: dict[str, Any],
    case_id: str,
    build: Callable[[dict[str, Any]], tuple[Any, Any, dict[str, Any]]],
    error: type[SpCancelError],
    fragment: str,
    reads: bool,
) -> None:
    """Each bad refund raises its typed error; pure input errors send nothing at all, the rest only read."""
    sim: Simulator = world["sim"]
    recording = Recording(sim.transport())
    refund = Refunder(sim.client(transport=recording))
    ledger_before = len(sim.world.refunds)

    def attempt() -> None:
        order_id, refunds, kwargs = build(world)  # some inputs fail already here (Money, ItemRefund)
        kwargs.setdefault("reason", R)
        refund(order_id, refunds, **kwargs)

    with pytest.raises(error) as caught:
        attempt()
    assert fragment in str(caught.value), case_id
    if case_id == "multi-item-bare-amount":  # the error names the items
        assert all(i.order_item_id in str(caught.value) for i in world["orders"]["multi"].items)
    assert recording.writes == []
    if not reads:
        assert recording.requests == []
    assert len(sim.world.refunds) == ledger_before


def test_the_table_is_big_enough() -> None:
    """The issue asks for at least 25 bad-input cases."""
    assert len(CASES) >= 25


def _items(amount: str = "5.00") -> list[ItemRefund]:
    return [ItemRefund(order_item_id="12345678901234", components={P.PRINCIPAL: usd(amount), P.TAX: usd("0.40")})]


def test_derived_key_is_stable_and_order_independent() -> None:
    """The same refund in another item/component order derives the same key; any change derives another."""
    a = ItemRefund(order_item_id="12345678901234", components={P.PRINCIPAL: usd("5.00"), P.TAX: usd("0.40")})
    b = ItemRefund(order_item_id="22345678901234", components={P.SHIPPING: usd("1.00")})
    b2 = ItemRefund(order_item_id="22345678901234", components={P.SHIPPING: usd("1.0")})
    reason = AdjustmentReason.GENERAL_ADJUSTMENT
    key = derive_key("A1", "112-1234567-1234567", [a, b], reason)
    assert key == derive_key("A1", "112-1234567-1234567", [b2, a], reason)
    assert key.startswith("refund-")
    assert len(key) == 39
    assert key != derive_key("A2", "112-1234567-1234567", [a, b], reason)
    assert key != derive_key("A1", "112-1234567-1234567", [a, b], AdjustmentReason.CUSTOMER_RETURN)
    assert key != derive_key("A1", "112-1234567-1234567", [*_items("5.01"), b], reason)


@pytest.mark.parametrize(
    ("key", "count", "expected_first"),
    [
        ("refund-0123456789abcdef0123456789abcdef", 2, "refund-0123456789abcdef0123456789abcdef-1"),
        ("ticket:4711", 12, "ticket:4711-1"),
        ("x" * 48, 9, "x" * 48 + "-1"),
        ("x" * 49, 9, None),
        ("ticket 4711 (damaged)", 1, None),
        ("k" * 200, 3, None),
    ],
)
def test_adjustment_ids_fit_amazons_limit(key: str, count: int, expected_first: str | None) -> None:
    """MerchantAdjustmentItemID: the key itself when it fits, else a hash; unique per item, at most 50 chars."""
    ids = adjustment_ids(key, count)
    assert len(ids) == len(set(ids)) == count
    assert all(1 <= len(i) <= ADJUSTMENT_ID_MAX for i in ids)
    if expected_first is not None:
        assert ids[0] == expected_first
    else:
        assert ids[0].startswith("k")
        assert ids == adjustment_ids(key, count)


def test_correlation_never_gives_one_posting_to_two_refunds() -> None:
    """Two identical refunds and one posting: only the earlier refund is posted."""
    sim = Simulator(seed=1, orders=16)
    t0 = sim.now()
    line = RefundLine(order_item_id="12345678901234", component=P.PRINCIPAL, amount=usd("5.00"), posted_at=t0)
    first = PendingRefund(
        key="a",
        order_item_id="12345678901234",
        component=P.PRINCIPAL,
        amount=usd("5.00"),
        submitted_at=t0 - timedelta(hours=3),
    )
    second = PendingRefund(
        key="b",
        order_item_id="12345678901234",
        component=P.PRINCIPAL,
        amount=usd("5.00"),
        submitted_at=t0 - timedelta(hours=1),
    )
    assert correlate([second, first], [line]) == {1: line}
    later = PendingRefund(
        key="c",
        order_item_id="12345678901234",
        component=P.PRINCIPAL,
        amount=usd("5.00"),
        submitted_at=t0 + timedelta(hours=1),
    )
    assert correlate([later], [line]) == {}
    assert Decimal(line.amount.amount) == Decimal("5.00")
