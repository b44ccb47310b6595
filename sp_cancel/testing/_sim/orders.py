"""Orders in the simulator: Orders API 2026-01-01, Orders API v0, and the JSON views of a ``SimOrder``.

- 2026-01-01: ``searchOrders``, ``getOrder`` and the withdrawn ``cancelOrder`` (docs/cancel-orders.md, §6);
  https://developer-docs.amazon.com/sp-api/reference/searchorders
- v0 (deprecated, still served): ``getOrders``, ``getOrder``, ``getOrderItems``;
  https://developer-docs.amazon.com/sp-api/reference/getorders
- views: the 2026-01-01 ``Order`` and the v0 ``Order``/``OrderItem`` of a ``SimOrder``;
- what Amazon does to orders on its own, when a test makes it: ``ship`` (a shipment confirmed for some
  units) and ``withdraw_buyer_request`` (a buyer's cancellation request no longer shown).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final, get_args

from sp_cancel.testing._sim.core import (
    Handler,
    Router,
    SimRequest,
    SimResponse,
    SimulatorCore,
    allowed_values,
    error_response,
    invalid_input,
    json_body,
    not_found,
    page_size,
)
from sp_cancel.testing._sim.formats import (
    BY_ORDER,
    ORDER_ID_RE,
    decode_token,
    encode_token,
    iso,
    money_str,
    parse_iso,
    quantize,
    query_digest,
)
from sp_cancel.testing._sim.markets import market_for
from sp_cancel.testing._sim.world import SimCancellation, SimItem, SimOrder, V0Status

__all__ = [
    "CANCEL_REASONS",
    "INCLUDED_DATA",
    "STATUS_2026",
    "cancel_by_amazon",
    "fulfillment_status",
    "order_2026",
    "order_item_v0",
    "order_v0",
    "register",
    "seller_cancelled",
    "ship",
    "withdraw_buyer_request",
]

# -- views ----------------------------------------------------------------------------------------

STATUS_2026: Final = {
    "PendingAvailability": "PENDING_AVAILABILITY",
    "Pending": "PENDING",
    "Unshipped": "UNSHIPPED",
    "PartiallyShipped": "PARTIALLY_SHIPPED",
    "Shipped": "SHIPPED",
    "InvoiceUnconfirmed": "SHIPPED",
    "Canceled": "CANCELLED",
    "Unfulfillable": "UNFULFILLABLE",
}
_PROCEEDS_TYPES: Final = (
    ("ITEM", ("Principal",)),
    ("SHIPPING", ("Shipping",)),
    ("GIFT_WRAP", ("GiftWrap",)),
    ("COD_FEE", ("COD",)),
    ("OTHER", ("Other",)),
    ("TAX", ("Tax", "ShippingTax", "GiftWrapTax")),
)
# Promotions: the DISCOUNT breakdown's detailedBreakdowns subtypes, by the component they reduce.
_DISCOUNT_SUBTYPES: Final = (("ITEM", "Principal"), ("SHIPPING", "Shipping"))


def _discount_breakdown(item: SimItem, currency: str) -> dict[str, object] | None:
    """The ``DISCOUNT`` proceeds breakdown of ``item`` (negative amounts: they reduce the proceeds)."""
    if not any(item.discounts.values()):
        return None
    return {
        "type": "DISCOUNT",
        "subtotal": _money(-sum(item.discounts.values(), Decimal(0)), currency),
        "detailedBreakdowns": [
            {"subtype": subtype, "value": _money(-item.discounts[comp], currency)}
            for subtype, comp in _DISCOUNT_SUBTYPES
            if item.discounts.get(comp)
        ],
    }


_TAX_SUBTYPES: Final = (("ITEM", "Tax"), ("SHIPPING", "ShippingTax"), ("GIFT_WRAP", "GiftWrapTax"))


def fulfillment_status(order: SimOrder) -> str:
    """The 2026-01-01 ``fulfillmentStatus`` of ``order``."""
    return STATUS_2026[order.status]


def _money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"amount": money_str(amount, currency), "currencyCode": currency}


def _v0_money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"CurrencyCode": currency, "Amount": money_str(amount, currency)}


def _charged(item: SimItem, *components: str) -> Decimal:
    return sum((item.charged.get(c, Decimal(0)) for c in components), Decimal(0))


def _unit_price(item: SimItem, currency: str) -> Decimal:
    return quantize(_charged(item, "Principal") / max(item.quantity_ordered, 1), currency)


def buyer_requested(order: SimOrder) -> bool:
    """Whether the buyer asked (through Amazon) to cancel any item of ``order``."""
    return order.buyer_requested_at is not None or any(i.buyer_requested_cancel for i in order.items)


def seller_cancelled(order: SimOrder) -> bool:
    """Whether ``order`` counts against the cancellation rate.

    That is: cancelled (wholly or partly) by the merchant
    without a buyer request, or auto-cancelled by Amazon for late shipment.
    """
    cancelled = order.status == "Canceled" or any(i.quantity_cancelled > 0 for i in order.items)
    if not cancelled:
        return False
    by = order.cancelled_by or "MERCHANT"
    if by == "MERCHANT":
        return not buyer_requested(order)
    return by == "AMAZON" and order.late_ship_auto_cancel


def _item_cancellation(order: SimOrder, item: SimItem) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    if item.buyer_requested_cancel or (order.buyer_requested_at is not None and order.status != "Canceled"):
        out["cancellationRequest"] = {"requester": "BUYER", "cancelReason": item.buyer_cancel_reason or ""}
    if item.quantity_cancelled > 0 or order.status == "Canceled":
        execution: dict[str, str] = {"cancelledBy": order.cancelled_by or "MERCHANT"}
        if order.cancel_reason:
            execution["cancelReason"] = order.cancel_reason
        out["cancellationExecution"] = execution
    return out or None


def _order_item_2026(order: SimOrder, item: SimItem, included: Collection[str]) -> dict[str, Any]:
    cur = order.currency
    out: dict[str, Any] = {
        "orderItemId": item.order_item_id,
        "quantityOrdered": item.quantity_ordered,
        "product": {
            "asin": item.asin,
            "title": item.title,
            "sellerSku": item.sku,
            "condition": {"conditionType": "NEW", "conditionSubtype": "NEW"},
            "price": {"unitPrice": _money(_unit_price(item, cur), cur)},
        },
    }
    if "PROCEEDS" in included:
        breakdowns: list[dict[str, object]] = []
        for kind, comps in _PROCEEDS_TYPES:
            if not any(c in item.charged for c in comps):
                continue
            entry: dict[str, object] = {"type": kind, "subtotal": _money(_charged(item, *comps), cur)}
            if kind == "TAX":
                # The model's detailedBreakdowns ("only available for TAX and DISCOUNT") split the tax by what
                # it was charged on: ITEM, SHIPPING, GIFT_WRAP.
                entry["detailedBreakdowns"] = [
                    {"subtype": subtype, "value": _money(_charged(item, comp), cur)}
                    for subtype, comp in _TAX_SUBTYPES
                    if comp in item.charged
                ]
            breakdowns.append(entry)
        discount = _discount_breakdown(item, cur)
        if discount is not None:
            breakdowns.append(discount)
        paid = _charged(item, *item.charged) - sum(item.discounts.values(), Decimal(0))
        out["proceeds"] = {"proceedsTotal": _money(paid, cur), "breakdowns": breakdowns}
    if "CANCELLATION" in included:
        cancellation = _item_cancellation(order, item)
        if cancellation is not None:
            out["cancellation"] = cancellation
    if "FULFILLMENT" in included:
        out["fulfillment"] = {
            "quantityFulfilled": item.quantity_shipped,
            "quantityUnfulfilled": max(item.quantity_unshipped, 0),
        }
    return out


def order_2026(order: SimOrder, included: Collection[str]) -> dict[str, Any]:  # noqa: C901 - one block per includedData
    """The Orders 2026-01-01 ``Order`` of ``order`` with the ``includedData`` blocks asked for."""
    market = market_for(order.marketplace_id)
    out: dict[str, Any] = {
        "orderId": order.order_id,
        "createdTime": iso(order.purchase_date),
        "lastUpdatedTime": iso(order.last_update_date),
        "salesChannel": {
            "channelName": "AMAZON",
            "marketplaceId": order.marketplace_id,
            "marketplaceName": market.name if market else "Amazon",
        },
    }
    if "BUYER" in included and order.fulfillment_channel == "MFN":
        out["buyer"] = {"buyerEmail": f"{order.order_id.replace('-', '')}@marketplace.amazon.com"}
    if "RECIPIENT" in included:
        out["recipient"] = {
            "deliveryAddress": {
                "city": "SIMVILLE",
                "stateOrRegion": "WA",
                "postalCode": "98101",
                "countryCode": market.ship_country if market else "US",
                "addressType": "RESIDENTIAL",
            }
        }
    if "PROCEEDS" in included:
        cur = order.currency
        totals: dict[str, Decimal] = {}
        for item in order.items:
            for kind, comps in _PROCEEDS_TYPES:
                if any(c in item.charged for c in comps):
                    totals[kind] = totals.get(kind, Decimal(0)) + _charged(item, *comps)
            if any(item.discounts.values()):
                totals["DISCOUNT"] = totals.get("DISCOUNT", Decimal(0)) - sum(item.discounts.values(), Decimal(0))
        grand = sum(totals.values(), Decimal(0))
        out["proceeds"] = {
            "grandTotal": _money(grand, cur),
            "breakdowns": [{"type": k, "subtotal": _money(v, cur)} for k, v in totals.items()],
        }
    if "FULFILLMENT" in included:
        fulfillment: dict[str, Any] = {
            "fulfillmentStatus": fulfillment_status(order),
            "fulfilledBy": "MERCHANT" if order.fulfillment_channel == "MFN" else "AMAZON",
            "fulfillmentServiceLevel": "STANDARD",
        }
        if order.latest_ship_date is not None:
            fulfillment["shipByWindow"] = {
                "earliestDateTime": iso(order.purchase_date),
                "latestDateTime": iso(order.latest_ship_date),
            }
        out["fulfillment"] = fulfillment
    out["orderItems"] = [_order_item_2026(order, item, included) for item in order.items]
    if "PACKAGES" in included and order.fulfillment_channel == "MFN":
        out["packages"] = []
    return out


# Optional fields of the 2026-01-01 Order (not in any "required" list of the model) the switch may leave out:
# dotted paths from the order; "orderItems[]." paths apply to every item.
OPTIONAL_FIELDS: Final = (
    "fulfillment.fulfilledBy",
    "fulfillment.fulfillmentServiceLevel",
    "fulfillment.shipByWindow",
    "buyer",
    "recipient",
    "proceeds",
    "packages",
    "orderItems[].proceeds",
    "orderItems[].product.price",
    "orderItems[].product.title",
    "orderItems[].product.asin",
    # Last, so the draws for the fields above stay what they were: a TAX subtotal without its split by subtype.
    "orderItems[].proceeds.breakdowns[].detailedBreakdowns",
)


def _drop(target: dict[str, Any], path: list[str]) -> None:
    """Remove ``path`` from ``target``; a ``name[]`` segment walks every element of that list."""
    for n, key in enumerate(path[:-1]):
        if key.endswith("[]"):
            for element in target.get(key[:-2]) or []:
                if isinstance(element, dict):
                    _drop(element, path[n + 1 :])
            return
        nxt = target.get(key)
        if not isinstance(nxt, dict):
            return
        target = nxt
    target.pop(path[-1], None)


def omit_optional(sim: SimulatorCore, body: dict[str, Any]) -> dict[str, Any]:
    """Leave out each optional field of an ``Order`` with probability ``sim.omit_optional`` (seeded per order)."""
    if sim.omit_optional <= 0:
        return body
    rng = random.Random(f"sp-cancel-sim-omit-{sim.seed}-{body.get('orderId')}")
    for path in OPTIONAL_FIELDS:
        if rng.random() >= sim.omit_optional:
            continue
        if path.startswith("orderItems[]."):
            for item in body.get("orderItems") or []:
                _drop(item, path.removeprefix("orderItems[].").split("."))
        else:
            _drop(body, path.split("."))
    return body


# Optional fields of the v0 Order the switch may leave out (required: AmazonOrderId, PurchaseDate,
# LastUpdateDate, OrderStatus).
OPTIONAL_V0_FIELDS: Final = ("FulfillmentChannel", "OrderTotal", "LatestShipDate", "EarliestShipDate")


def omit_optional_v0(sim: SimulatorCore, body: dict[str, Any]) -> dict[str, Any]:
    """Leave out each optional field of a v0 ``Order`` with probability ``sim.omit_optional`` (seeded)."""
    if sim.omit_optional <= 0:
        return body
    rng = random.Random(f"sp-cancel-sim-omit-v0-{sim.seed}-{body.get('AmazonOrderId')}")
    for name in OPTIONAL_V0_FIELDS:
        if rng.random() < sim.omit_optional:
            body.pop(name, None)
    return body


def order_v0(order: SimOrder) -> dict[str, Any]:
    """The Orders v0 ``Order`` of ``order``."""
    market = market_for(order.marketplace_id)
    cur = order.currency
    total = sum((_charged(i, *i.charged) for i in order.items), Decimal(0))
    shipped = sum(i.quantity_shipped for i in order.items)
    unshipped = sum(max(i.quantity_unshipped, 0) for i in order.items) if order.status != "Canceled" else 0
    out: dict[str, Any] = {
        "AmazonOrderId": order.order_id,
        "PurchaseDate": iso(order.purchase_date),
        "LastUpdateDate": iso(order.last_update_date),
        "OrderStatus": order.status,
        "FulfillmentChannel": order.fulfillment_channel,
        "SalesChannel": market.name if market else "Amazon",
        "ShipServiceLevel": "Std Dom",
        "OrderTotal": _v0_money(total, cur),
        "NumberOfItemsShipped": shipped,
        "NumberOfItemsUnshipped": unshipped,
        "PaymentMethod": "Other",
        "PaymentMethodDetails": ["Standard"],
        "MarketplaceId": order.marketplace_id,
        "ShipmentServiceLevelCategory": "Standard",
        "OrderType": "StandardOrder",
        "IsBusinessOrder": False,
        "IsPrime": False,
        "IsPremiumOrder": False,
        "IsGlobalExpressEnabled": False,
        "IsReplacementOrder": False,
        "IsSoldByAB": False,
        "IsISPU": False,
        "IsAccessPointOrder": False,
        "HasRegulatedItems": False,
    }
    if order.latest_ship_date is not None:
        out["EarliestShipDate"] = iso(order.purchase_date)
        out["LatestShipDate"] = iso(order.latest_ship_date)
    return out


def order_item_v0(order: SimOrder, item: SimItem) -> dict[str, Any]:
    """The Orders v0 ``OrderItem`` of ``item`` (``BuyerRequestedCancel`` flags are strings, as Amazon sends them)."""
    cur = order.currency
    out: dict[str, Any] = {
        "ASIN": item.asin,
        "SellerSKU": item.sku,
        "OrderItemId": item.order_item_id,
        "Title": item.title,
        "QuantityOrdered": item.quantity_ordered,
        "QuantityShipped": item.quantity_shipped,
        "ProductInfo": {"NumberOfItems": "1"},
        "ItemPrice": _v0_money(_charged(item, "Principal"), cur),
        "ItemTax": _v0_money(_charged(item, "Tax"), cur),
        "ShippingPrice": _v0_money(_charged(item, "Shipping"), cur),
        "ShippingTax": _v0_money(_charged(item, "ShippingTax"), cur),
        "ShippingDiscount": _v0_money(item.discounts.get("Shipping", Decimal(0)), cur),
        "ShippingDiscountTax": _v0_money(Decimal(0), cur),
        "PromotionDiscount": _v0_money(item.discounts.get("Principal", Decimal(0)), cur),
        "PromotionDiscountTax": _v0_money(Decimal(0), cur),
        "IsGift": "false",
        "ConditionId": "New",
        "ConditionSubtypeId": "New",
        "IsTransparency": False,
        "SerialNumberRequired": False,
    }
    if "GiftWrap" in item.charged:
        out["IsGift"] = "true"
    if order.fulfillment_channel == "MFN":
        requested = item.buyer_requested_cancel
        flag: dict[str, str] = {"IsBuyerRequestedCancel": "true" if requested else "false"}
        if requested:
            flag["BuyerCancelReason"] = item.buyer_cancel_reason or ""
        out["BuyerRequestedCancel"] = flag
    return out


# -- Orders API 2026-01-01 -------------------------------------------------------------------------

INCLUDED_DATA: Final = frozenset(
    {
        "BUYER",
        "RECIPIENT",
        "PROCEEDS",
        "EXPENSE",
        "PROMOTION",
        "CANCELLATION",
        "FULFILLMENT",
        "PACKAGES",
        "TAX",
        "PAYMENT",
        "FULFILLMENT_ORDERS",
    }
)
_STATUSES: Final = frozenset(STATUS_2026.values())
_FULFILLED_BY: Final = frozenset({"MERCHANT", "AMAZON"})
_TOKEN_LIFETIME: Final = timedelta(hours=24)
_MIN_AGE: Final = timedelta(minutes=2)
CANCEL_REASONS: Final = {
    "NO_INVENTORY": "NoInventory",
    "BUYER_CANCELLED": "BuyerCanceled",
    "SHIPPING_ADDRESS_UNDELIVERABLE": "ShippingAddressUndeliverable",
    "CUSTOMER_EXCHANGE": "CustomerExchange",
    "PRICING_ERROR": "PricingError",
}


def _included(request: SimRequest) -> tuple[set[str] | None, SimResponse | None]:
    values = set(request.many("includedData"))
    unknown = values - INCLUDED_DATA
    if unknown:
        return None, invalid_input(f"Invalid includedData value(s): {', '.join(sorted(unknown))}.")
    return values, None


def _window(  # noqa: C901, PLR0911 - one answer per documented rule
    sim: SimulatorCore, request: SimRequest
) -> tuple[Callable[[SimOrder], datetime], datetime, datetime | None] | SimResponse:
    created_after, updated_after = request.one("createdAfter"), request.one("lastUpdatedAfter")
    created_before, updated_before = request.one("createdBefore"), request.one("lastUpdatedBefore")
    if (created_after is None) == (updated_after is None):
        return invalid_input("Exactly one of createdAfter and lastUpdatedAfter must be provided.")
    if created_after is not None and (updated_before is not None):
        return invalid_input("lastUpdatedBefore cannot be provided together with createdAfter.")
    if updated_after is not None and (created_before is not None):
        return invalid_input("createdBefore cannot be provided together with lastUpdatedAfter.")
    after_text, before_text = (created_after, created_before) if created_after else (updated_after, updated_before)
    after = parse_iso(after_text)
    if after is None:
        return invalid_input(f"Invalid ISO 8601 date: {after_text}.")
    before: datetime | None = None
    if before_text is not None:
        before = parse_iso(before_text)
        if before is None:
            return invalid_input(f"Invalid ISO 8601 date: {before_text}.")
        if before < after:
            return invalid_input("The Before date must be equal to or after the After date.")
        if before > sim.now() - _MIN_AGE:
            return invalid_input("The Before date must be at least two minutes before the time of the request.")

    def created(order: SimOrder) -> datetime:
        return order.purchase_date

    def updated(order: SimOrder) -> datetime:
        return order.last_update_date

    return (created if created_after else updated), after, before


def search_orders(sim: SimulatorCore, request: SimRequest) -> SimResponse:  # noqa: C901, PLR0911, PLR0912 - one validation per rule
    """``GET /orders/2026-01-01/orders``."""
    window = _window(sim, request)
    if isinstance(window, SimResponse):
        return window
    key, after, before = window
    included, error = _included(request)
    if error is not None or included is None:
        return error or invalid_input("Invalid includedData.")
    statuses = allowed_values(request, "fulfillmentStatuses", _STATUSES)
    if isinstance(statuses, SimResponse):
        return statuses
    fulfilled_by = allowed_values(request, "fulfilledBy", _FULFILLED_BY, "fulfilledBy must be MERCHANT or AMAZON.")
    if isinstance(fulfilled_by, SimResponse):
        return fulfilled_by
    marketplaces = set(request.many("marketplaceIds"))
    if len(marketplaces) > 50:
        return invalid_input("marketplaceIds accepts at most 50 values.")
    unknown = sorted(m for m in marketplaces if not sim.marketplace_known(m))
    if unknown:
        return invalid_input(f"Invalid marketplaceIds: {', '.join(unknown)}.")
    size = page_size(request, "maxResultsPerPage", 100)
    if isinstance(size, SimResponse):
        return size
    binding = query_digest("searchOrders", request.query, "paginationToken")
    cursor: tuple[str, str] | None = None
    token = request.one("paginationToken")
    if token is not None:
        data = decode_token(token)
        issued = parse_iso(str(data.get("t"))) if data else None
        if data is None or issued is None or data.get("h") != binding:
            return invalid_input("Invalid paginationToken: it must be sent with the same parameters as before.")
        if sim.now() - issued > _TOKEN_LIFETIME:
            return invalid_input("The paginationToken has expired.")
        cursor = (str(data["c"][0]), str(data["c"][1]))

    def keep(order: SimOrder) -> bool:
        stamp = key(order)
        if stamp < after or (before is not None and stamp > before):
            return False
        if marketplaces and order.marketplace_id not in marketplaces:
            return False
        if statuses and fulfillment_status(order) not in statuses:
            return False
        by = "MERCHANT" if order.fulfillment_channel == "MFN" else "AMAZON"
        return not fulfilled_by or by in fulfilled_by

    matching = sorted((o for o in sim.world.orders.values() if keep(o)), key=lambda o: (iso(key(o)), o.order_id))
    if cursor is not None:
        matching = [o for o in matching if (iso(key(o)), o.order_id) > cursor]
    page, rest = matching[:size], matching[size:]
    body: dict[str, Any] = {"orders": [omit_optional(sim, order_2026(o, included)) for o in page]}
    if rest and page:
        last = page[-1]
        body["pagination"] = {
            "nextToken": encode_token({"h": binding, "c": [iso(key(last)), last.order_id], "t": iso(sim.now())})
        }
    if before is not None:
        body["createdBefore" if request.one("createdAfter") else "lastUpdatedBefore"] = iso(before)
    return SimResponse(status=200, body=body)


def _find(sim: SimulatorCore, order_id: str, *, v0: bool = False) -> SimOrder | SimResponse:
    """The order, or the answer each API version gives to a malformed (400) or unknown (404) order id."""
    if not ORDER_ID_RE.match(order_id):
        return invalid_input("Invalid Input" if v0 else f"OrderId: {order_id} is invalid, should be in 3-7-7 format.")
    order = sim.world.orders.get(order_id)
    if order is None:
        return not_found(f"Order {order_id} not found." if v0 else f"Order {order_id} is not found.")
    return order


def get_order(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """``GET /orders/2026-01-01/orders/{orderId}``."""
    found = _find(sim, request.path_params["orderId"])
    if isinstance(found, SimResponse):
        return found
    included, error = _included(request)
    if error is not None or included is None:
        return error or invalid_input("Invalid includedData.")
    return SimResponse(status=200, body={"order": omit_optional(sim, order_2026(found, included))})


def cancel_order(sim: SimulatorCore, request: SimRequest) -> SimResponse:  # noqa: PLR0911 - one answer per check
    """``PUT /orders/2026-01-01/orders/{orderId}/cancellation`` (withdrawn from the model; whole orders only)."""
    if sim.cancel_order == "withdrawn":
        # What API Gateway answers for a path the application may not call (Amazon documents nothing): the worst
        # case, since it reads like an authorization problem rather than a missing operation.
        return error_response(403, "Unauthorized", "Access to requested resource is denied.")
    found = _find(sim, request.path_params["orderId"])
    if isinstance(found, SimResponse):
        return found
    body = json_body(request)
    if isinstance(body, SimResponse):
        return body
    code = body.get("cancelReasonCode") if isinstance(body, dict) else None
    if code not in CANCEL_REASONS:
        return invalid_input(f"cancelReasonCode must be one of {', '.join(CANCEL_REASONS)}.")
    if found.fulfillment_channel != "MFN":
        return invalid_input(f"Order {found.order_id} is fulfilled by Amazon and cannot be cancelled.")
    if found.status not in {"Unshipped", "Pending"}:
        return invalid_input(f"Order {found.order_id} cannot be cancelled in status {found.status}.")
    now = sim.now()
    found.status = "Canceled"
    found.cancelled_by = "MERCHANT"
    found.cancel_reason = CANCEL_REASONS[code]
    found.cancelled_at = now
    found.last_update_date = now
    for item in found.items:
        units = max(item.quantity_unshipped, 0)
        if units:
            item.quantity_cancelled += units
            sim.world.cancellations.append(
                SimCancellation(found.order_id, item.order_item_id, units, "orders.cancelOrder", now)
            )
    return SimResponse(status=202, body={})


# -- Orders API v0 --------------------------------------------------------------------------------

_V0_STATUSES: Final = frozenset(get_args(V0Status))
_V0_CHANNELS: Final = frozenset({"MFN", "AFN"})


def _query_from(request: SimRequest) -> dict[str, list[str]] | SimResponse:
    token = request.one("NextToken")
    if token is None:
        return {k: list(v) for k, v in request.query.items()}
    data = decode_token(token)
    if data is None or not isinstance(data.get("q"), dict):
        return invalid_input("Invalid NextToken.")
    query: dict[str, list[str]] = {str(k): [str(x) for x in v] for k, v in data["q"].items()}
    query["_cursor"] = [str(data.get("c", ""))]
    return query


def get_orders_v0(sim: SimulatorCore, request: SimRequest) -> SimResponse:  # noqa: C901, PLR0911, PLR0912 - one rule per check
    """``GET /orders/v0/orders`` (``AmazonOrderIds``: up to 50 ids, still within the date filter)."""
    query = _query_from(request)
    if isinstance(query, SimResponse):
        return query
    q = SimRequest(method="GET", path=request.path, query=query, headers=request.headers, body=b"")
    marketplaces = set(request.many("MarketplaceIds") or q.many("MarketplaceIds"))
    if not marketplaces:
        return invalid_input("MarketplaceIds is required.")
    if len(marketplaces) > 50 or not all(sim.marketplace_known(m) for m in marketplaces):
        return invalid_input("Invalid Input")
    created_after, updated_after = q.one("CreatedAfter"), q.one("LastUpdatedAfter")
    if (created_after is None) == (updated_after is None):
        return invalid_input("Either CreatedAfter or LastUpdatedAfter must be specified, not both.")
    if updated_after is not None and q.one("CreatedBefore") is not None:
        return invalid_input("CreatedBefore cannot be specified with LastUpdatedAfter.")
    after = parse_iso(created_after or updated_after)
    if after is None:
        return invalid_input("Invalid Input")
    before_text = q.one("CreatedBefore") if created_after else q.one("LastUpdatedBefore")
    before = parse_iso(before_text) if before_text else None
    if before_text and before is None:
        return invalid_input("Invalid Input")
    if before is not None and before > sim.now() - _MIN_AGE:
        return invalid_input("Before date must be no later than two minutes before the time of the request.")
    statuses = allowed_values(q, "OrderStatuses", _V0_STATUSES)
    if isinstance(statuses, SimResponse):
        return statuses
    channels = allowed_values(q, "FulfillmentChannels", _V0_CHANNELS, "FulfillmentChannels must be MFN or AFN.")
    if isinstance(channels, SimResponse):
        return channels
    size = page_size(q, "MaxResultsPerPage", 100)
    if isinstance(size, SimResponse):
        return size
    by_created = created_after is not None

    def stamp(order: SimOrder) -> str:
        return iso(order.purchase_date if by_created else order.last_update_date)

    def keep(order: SimOrder) -> bool:
        when = order.purchase_date if by_created else order.last_update_date
        return (
            when >= after
            and (before is None or when <= before)
            and order.marketplace_id in marketplaces
            and (not statuses or order.status in statuses)
            and (not channels or order.fulfillment_channel in channels)
        )

    ids = q.many("AmazonOrderIds")
    if len(ids) > 50:
        return invalid_input("AmazonOrderIds accepts at most 50 values.")
    pool = (
        [sim.world.orders[i] for i in dict.fromkeys(ids) if i in sim.world.orders] if ids else sim.world.orders.values()
    )
    matching = sorted((o for o in pool if keep(o)), key=lambda o: (stamp(o), o.order_id))
    cursor = q.one("_cursor")
    if cursor:
        matching = [o for o in matching if f"{stamp(o)}|{o.order_id}" > cursor]
    page, rest = matching[:size], matching[size:]
    payload: dict[str, Any] = {"Orders": [order_v0(o) for o in page]}
    if rest and page:
        original = {k: v for k, v in query.items() if k not in {"NextToken", "_cursor"}}
        payload["NextToken"] = encode_token({"q": original, "c": f"{stamp(page[-1])}|{page[-1].order_id}"})
    if before is not None:
        payload["CreatedBefore" if by_created else "LastUpdatedBefore"] = iso(before)
    return SimResponse(status=200, body={"payload": payload})


def get_order_v0(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """``GET /orders/v0/orders/{orderId}``."""
    found = _find(sim, request.path_params["orderId"], v0=True)
    if isinstance(found, SimResponse):
        return found
    return SimResponse(status=200, body={"payload": omit_optional_v0(sim, order_v0(found))})


def get_order_items_v0(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """``GET /orders/v0/orders/{orderId}/orderItems`` (pages of 100 items; ``NextToken`` beyond)."""
    found = _find(sim, request.path_params["orderId"], v0=True)
    if isinstance(found, SimResponse):
        return found
    start = BY_ORDER.start(request.one("NextToken"), found.order_id)
    if start is None:
        return invalid_input("Invalid NextToken.")
    items = found.items[start : start + 100]
    payload: dict[str, Any] = {
        "AmazonOrderId": found.order_id,
        "OrderItems": [order_item_v0(found, item) for item in items],
    }
    token = BY_ORDER.following(found.order_id, start, 100, len(found.items))
    if token is not None:
        payload["NextToken"] = token
    return SimResponse(status=200, body={"payload": payload})


# -- what Amazon does to orders on its own (test-facing) ---------------------------------------------


def ship(sim: SimulatorCore, order_id: str, order_item_id: str, quantity: int) -> SimOrder:
    """Confirm the shipment of ``quantity`` unshipped units of one item, as the seller's ship-confirm does.

    ``quantity_shipped`` rises (never ``quantity_cancelled``); the order becomes ``Shipped`` when no unit is
    left to ship, else ``PartiallyShipped``; ``LastUpdateDate`` moves to now. Both Orders APIs show it at once
    (v0 ``QuantityShipped``, 2026-01-01 ``quantityFulfilled``/``quantityUnfulfilled``). ``KeyError`` for an
    unknown order or item; ``ValueError`` for an order that cannot ship (not ``Unshipped`` or
    ``PartiallyShipped``) or more units than are left to ship.
    """
    order = sim.world.orders[order_id]
    item = order.item(order_item_id)
    if item is None:
        raise KeyError(order_item_id)
    if order.status not in {"Unshipped", "PartiallyShipped"}:
        msg = f"order {order_id} is {order.status}; only Unshipped or PartiallyShipped orders ship"
        raise ValueError(msg)
    if not 1 <= quantity <= item.quantity_unshipped:
        msg = f"item {order_item_id} has {item.quantity_unshipped} unit(s) left to ship, not {quantity}"
        raise ValueError(msg)
    item.quantity_shipped += quantity
    order.status = "PartiallyShipped" if any(i.quantity_unshipped > 0 for i in order.items) else "Shipped"
    order.acknowledged = True
    order.last_update_date = sim.now()
    return order


def withdraw_buyer_request(sim: SimulatorCore, order_id: str) -> SimOrder:
    """The buyer's cancellation request disappears: the order no longer shows it, in either Orders API.

    The models describe the request as the order's current state (v0 ``IsBuyerRequestedCancel`` ``"true"`` or
    ``"false"``; 2026-01-01 an optional ``cancellationRequest``) and nothing says it cannot go away, so the
    worst case is simulated: v0 reads ``"false"``, 2026-01-01 has no ``cancellationRequest``, and
    ``LastUpdateDate`` moves to now. A seller cancellation after this counts against the cancellation rate.
    ``KeyError`` for an unknown order; ``ValueError`` when the order shows no request.
    """
    order = sim.world.orders[order_id]
    if not buyer_requested(order):
        msg = f"order {order_id} shows no buyer cancellation request"
        raise ValueError(msg)
    order.buyer_requested_at = None
    for item in order.items:
        item.buyer_requested_cancel = False
        item.buyer_cancel_reason = None
    order.last_update_date = sim.now()
    return order


# Amazon documents no answer for a removed operation: the worst case is the one a client cannot tell from
# "no such order" on ``getOrder``/``getOrderItems``, a 404 ``NotFound`` (docs/orders-api-versions.md).
RETIRED_MESSAGE: Final = "The requested resource was not found."


def _retirable(handler: Handler) -> Handler:
    """``handler``, answering every request with a 404 once the simulator's Orders v0 is retired."""

    def serve(sim: SimulatorCore, request: SimRequest) -> SimResponse:
        if sim.orders_v0 == "retired":
            return not_found(RETIRED_MESSAGE)
        return handler(sim, request)

    serve.__doc__ = handler.__doc__
    return serve


def cancel_by_amazon(sim: SimulatorCore, order_id: str, *, reason: str, late_shipment: bool = False) -> SimOrder:
    """Amazon cancels an order on its own now (a payment failure, a late shipment...): ``cancelledBy`` AMAZON.

    Every unshipped unit is cancelled (not in ``world.cancellations``: that ledger is the seller's requests);
    ``LastUpdateDate`` moves to now. ``late_shipment`` marks the auto-cancel that counts against the seller.
    ``KeyError`` for an unknown order; ``ValueError`` for one already cancelled or with nothing left to ship.
    """
    order = sim.world.orders[order_id]
    if order.status == "Canceled" or not any(i.quantity_unshipped for i in order.items):
        raise ValueError(f"order {order_id} is {order.status}: nothing left for Amazon to cancel")
    for item in order.items:
        item.quantity_cancelled += item.quantity_unshipped
    order.status = "Canceled"
    order.cancelled_by = "AMAZON"
    order.cancel_reason = reason
    order.late_ship_auto_cancel = late_shipment
    order.cancelled_at = order.last_update_date = sim.now()
    return order


def register(router: Router) -> None:
    """Add the Orders 2026-01-01 routes, then the Orders v0 routes (404 for each once v0 is retired)."""
    router.add("GET", "/orders/2026-01-01/orders", "orders.searchOrders", search_orders)
    router.add("GET", "/orders/2026-01-01/orders/{orderId}", "orders.getOrder", get_order)
    router.add("PUT", "/orders/2026-01-01/orders/{orderId}/cancellation", "orders.cancelOrder", cancel_order)
    router.add("GET", "/orders/v0/orders", "ordersV0.getOrders", _retirable(get_orders_v0))
    router.add("GET", "/orders/v0/orders/{orderId}", "ordersV0.getOrder", _retirable(get_order_v0))
    router.add(
        "GET", "/orders/v0/orders/{orderId}/orderItems", "ordersV0.getOrderItems", _retirable(get_order_items_v0)
    )
