"""Feed builders: golden files, input checks, chunking."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sp_cancel.errors import InvalidInputError
from sp_cancel.feeds import (
    FEED_CONTENT_TYPES,
    MAX_FEED_BYTES,
    AckItem,
    AckMessage,
    AdjustedItem,
    AdjustmentMessage,
    ListingsMessage,
    build_acknowledgement_feed,
    build_adjustment_feed,
    build_listings_feed,
    chunk_messages,
    close_listing_patch,
    document_hash,
)
from sp_cancel.feeds.adjustment import amount_text
from sp_cancel.models import AdjustmentReason, CancelReason, Money, PriceComponent

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
ORDER = "112-1234567-1234567"
ITEM = "12345678901234"


def ack(message_id: int = 1, order_id: str = ORDER, item: str = ITEM) -> AckMessage:
    """A one-item whole-order cancel."""
    return AckMessage(
        message_id=message_id,
        order_id=order_id,
        status="Failure",
        items=(AckItem(order_item_id=item, reason=CancelReason.NO_INVENTORY),),
    )


def refund(
    message_id: int = 1, amount: str = "5.00", currency: str = "USD", **item_kwargs: object
) -> AdjustmentMessage:
    """A one-item Principal refund."""
    item = AdjustedItem(
        order_item_id=ITEM,
        reason=AdjustmentReason.CUSTOMER_RETURN,
        components=((PriceComponent.PRINCIPAL, Money(amount=amount, currency=currency)),),
        **item_kwargs,  # type: ignore[arg-type]
    )
    return AdjustmentMessage(message_id=message_id, order_id=ORDER, items=(item,))


# --- golden files ---------------------------------------------------------------------------------


def test_acknowledgement_golden() -> None:
    """A two-item whole-order cancel matches the golden document byte for byte."""
    messages = [
        AckMessage(
            message_id=1,
            order_id=ORDER,
            status="Failure",
            items=(
                AckItem(order_item_id="12345678901234", reason=CancelReason.NO_INVENTORY),
                AckItem(order_item_id="12345678901235", reason="NoInventory"),
            ),
        )
    ]
    assert build_acknowledgement_feed("A1SELLERID", messages) == (SAMPLES / "ack_two_items.xml").read_bytes()


def test_adjustment_golden() -> None:
    """Refunds, a partial cancel, a non-XSD currency and JPY match the golden document."""
    p = PriceComponent
    messages = [
        AdjustmentMessage(
            message_id=1,
            order_id=ORDER,
            items=(
                AdjustedItem(
                    order_item_id="12345678901234",
                    merchant_adjustment_item_id="adj-7f3c-1",
                    reason=AdjustmentReason.CUSTOMER_RETURN,
                    components=(
                        (p.PRINCIPAL, Money(amount="19.99", currency="USD")),
                        (p.TAX, Money(amount="1.6", currency="USD")),
                        (p.RESTOCKING_FEE, Money(amount="-4", currency="USD")),
                    ),
                ),
            ),
        ),
        AdjustmentMessage(
            message_id=2,
            order_id="112-7654321-7654321",
            items=(
                AdjustedItem(
                    order_item_id="22345678901234",
                    merchant_adjustment_item_id="adj-9a1b-1",
                    reason="NO_INVENTORY",
                    quantity_cancelled=1,
                ),
            ),
        ),
        AdjustmentMessage(
            message_id=3,
            order_id="503-1234567-1234567",
            items=(
                AdjustedItem(
                    order_item_id="32345678901234",
                    merchant_adjustment_item_id="adj-c0de-1",
                    reason=AdjustmentReason.PRICE_ERROR,
                    components={p.PRINCIPAL: Money(amount="12.50", currency="AUD")},
                    quantity=2,
                ),
            ),
        ),
        AdjustmentMessage(
            message_id=4,
            order_id="250-1234567-1234567",
            items=(
                AdjustedItem(
                    order_item_id="42345678901234",
                    merchant_adjustment_item_id="adj-jp-1",
                    reason=AdjustmentReason.CUSTOMER_RETURN,
                    components=((p.PRINCIPAL, Money(amount="1099", currency="JPY")),),
                ),
            ),
        ),
    ]
    assert build_adjustment_feed("A1SELLERID", messages) == (SAMPLES / "adjustment_refund.xml").read_bytes()


def test_listings_golden() -> None:
    """A close (merge quantity 0) and a delete match the golden JSON document."""
    messages = [
        ListingsMessage(
            message_id=1, sku="MY-SKU-1", operation="PATCH", product_type="PRODUCT", patches=close_listing_patch()
        ),
        ListingsMessage(message_id=2, sku="MY-SKU-ÄÖ", operation="DELETE", product_type=None),
    ]
    expected = (SAMPLES / "listings_close_delete.json").read_bytes().rstrip(b"\n")
    assert build_listings_feed("A1SELLERID", messages, issue_locale="en_US") == expected


# --- acknowledgement --------------------------------------------------------------------------------


def test_ack_escapes_seller_id() -> None:
    """Markup characters in the seller id are escaped, not injected."""
    document = build_acknowledgement_feed("A1<x>&", [ack()])
    assert b"<MerchantIdentifier>A1&lt;x&gt;&amp;</MerchantIdentifier>" in document


def test_ack_success_has_no_cancel_reason() -> None:
    """A Success acknowledgement writes items without CancelReason."""
    message = AckMessage(message_id=1, order_id=ORDER, status="Success", items=(AckItem(order_item_id=ITEM),))
    document = build_acknowledgement_feed("A1", [message])
    assert b"<StatusCode>Success</StatusCode>" in document
    assert b"CancelReason" not in document


@pytest.mark.parametrize(
    ("status", "reason", "match"),
    [
        ("Success", CancelReason.NO_INVENTORY, "only sent with StatusCode Failure"),
        ("Failure", None, "needs a CancelReason"),
        ("Cancelled", None, "status must be"),
    ],
)
def test_ack_status_reason_rules(status: str, reason: CancelReason | None, match: str) -> None:
    """CancelReason goes with Failure only, and every Failure item has one."""
    with pytest.raises(InvalidInputError, match=match):
        AckMessage(
            message_id=1,
            order_id=ORDER,
            status=status,  # type: ignore[arg-type]
            items=(AckItem(order_item_id=ITEM, reason=reason),),
        )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"message_id": 0}, "message_id"),
        ({"message_id": True}, "message_id"),
        ({"message_id": 10**20}, "message_id"),
        ({"order_id": "112-123"}, "order_id"),
        ({"order_id": "112-1234567-123456_"}, "order_id"),
        ({"item": "1234"}, "order_item_id"),
    ],
)
def test_ack_rejects_bad_values(kwargs: dict[str, object], field: str) -> None:
    """Malformed ids fail at construction with the field named."""
    with pytest.raises(InvalidInputError) as info:
        ack(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


def test_ack_rejects_duplicate_items() -> None:
    """The same order item twice in one message is refused."""
    item = AckItem(order_item_id=ITEM, reason="NO_INVENTORY")
    with pytest.raises(InvalidInputError, match="twice"):
        AckMessage(message_id=1, order_id=ORDER, status="Failure", items=(item, item))


def test_ack_feed_requires_unique_message_ids() -> None:
    """Two messages with one MessageID are refused (reports correlate on it)."""
    with pytest.raises(InvalidInputError, match="used twice"):
        build_acknowledgement_feed("A1", [ack(1), ack(1, order_id="112-7654321-7654321")])


@pytest.mark.parametrize("seller_id", ["", " ", "x" * 51, "A1\nB", 42])
def test_ack_feed_rejects_bad_seller_id(seller_id: object) -> None:
    """The MerchantIdentifier must be 1..50 characters with no control characters."""
    with pytest.raises(InvalidInputError):
        build_acknowledgement_feed(seller_id, [ack()])  # type: ignore[arg-type]


def test_ack_feed_rejects_empty_and_foreign_messages() -> None:
    """An empty feed and a message of the wrong type are refused."""
    with pytest.raises(InvalidInputError):
        build_acknowledgement_feed("A1", [])
    with pytest.raises(InvalidInputError):
        build_acknowledgement_feed("A1", [refund()])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("build", "other", "feed", "kind"),
    [
        (build_acknowledgement_feed, "refund", "an acknowledgement feed", "AckMessage"),
        (build_adjustment_feed, "ack", "an adjustment feed", "AdjustmentMessage"),
        (build_listings_feed, "ack", "a listings feed", "ListingsMessage"),
    ],
)
def test_each_builder_names_its_feed_and_message_type(build: Any, other: str, feed: str, kind: str) -> None:
    """No messages, or a message of another feed, is refused in words naming the feed and the type it takes."""
    with pytest.raises(InvalidInputError, match=f"^{feed} needs at least one message$"):
        build("A1", [])
    foreign = refund() if other == "refund" else ack()
    with pytest.raises(InvalidInputError, match=f"^messages must be {kind} values, got "):
        build("A1", [foreign])


# --- adjustment -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "amount", "expected"),
    [
        ("USD", "5", '<Amount currency="USD">5.00</Amount>'),
        ("EUR", "-3.9", '<Amount currency="EUR">-3.90</Amount>'),
        ("JPY", "1099", '<Amount currency="JPY">1099</Amount>'),
        ("INR", "10.5", '<Amount currency="INR">10.50</Amount>'),
        ("AUD", "7.25", "<Amount>7.25</Amount>"),
        ("MXN", "100", "<Amount>100.00</Amount>"),
        ("KWD", "1.250", "<Amount>1.25</Amount>"),
    ],
)
def test_adjustment_amounts_and_currency_attribute(currency: str, amount: str, expected: str) -> None:
    """Amounts use the currency's decimals (max 2); currency only for BaseCurrencyCode values."""
    document = build_adjustment_feed("A1", [refund(amount=amount, currency=currency)]).decode()
    assert expected in document


def test_adjustment_three_decimal_amount_not_representable() -> None:
    """A KWD amount with a third decimal cannot be written with the 2 decimals the XSD allows."""
    with pytest.raises(InvalidInputError, match="2 decimals"):
        refund(amount="1.255", currency="KWD")
    assert amount_text(Money(amount="1.2", currency="KWD")) == "1.20"


def test_adjustment_rejects_too_many_digits() -> None:
    """More than 20 digits do not fit BaseCurrencyAmount."""
    with pytest.raises(InvalidInputError, match="20 digits"):
        refund(amount=str(Decimal(10) ** 19))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"components": ()}, "give price components"),
        ({"components": ((PriceComponent.TAX, Money(amount="1", currency="USD")),) * 2}, "twice"),
        (
            {
                "components": (
                    (PriceComponent.TAX, Money(amount="1", currency="USD")),
                    (PriceComponent.PRINCIPAL, Money(amount="1", currency="EUR")),
                )
            },
            "mixes currencies",
        ),
        ({"components": (("TAX", "1.00"),)}, "must be Money"),
        ({"components": ("TAX",)}, "pairs"),
        ({"merchant_adjustment_item_id": ""}, "1 to 50"),
        ({"merchant_adjustment_item_id": "x" * 51}, "1 to 50"),
        ({"merchant_adjustment_item_id": "a\tb"}, "control characters"),
        ({"quantity_cancelled": 0, "components": ()}, "positive integer"),
        ({"quantity": -1}, "positive integer"),
        ({"reason": "Refund"}, "unknown reason"),
    ],
)
def test_adjusted_item_rejects(kwargs: dict[str, object], match: str) -> None:
    """Bad adjusted items fail at construction."""
    base: dict[str, object] = {
        "order_item_id": ITEM,
        "reason": AdjustmentReason.CUSTOMER_RETURN,
        "components": ((PriceComponent.PRINCIPAL, Money(amount="1", currency="USD")),),
    }
    with pytest.raises(InvalidInputError, match=match):
        AdjustedItem(**(base | kwargs))  # type: ignore[arg-type]


def test_adjustment_message_rules() -> None:
    """A message needs items, in one currency."""
    with pytest.raises(InvalidInputError, match="at least one item"):
        AdjustmentMessage(message_id=1, order_id=ORDER, items=())
    usd, eur = refund().items[0], refund(currency="EUR").items[0]
    with pytest.raises(InvalidInputError, match="mixes currencies"):
        AdjustmentMessage(message_id=1, order_id=ORDER, items=(usd, eur))


def test_adjustment_feed_rejects_repeated_adjustment_ids() -> None:
    """A MerchantAdjustmentItemID (our idempotency key) appears once per document."""
    with pytest.raises(InvalidInputError, match="used twice"):
        build_adjustment_feed(
            "A1",
            [refund(1, merchant_adjustment_item_id="k-1"), refund(2, merchant_adjustment_item_id="k-1")],
        )


def test_adjustment_escapes_adjustment_id() -> None:
    """Markup in the MerchantAdjustmentItemID is escaped."""
    document = build_adjustment_feed("A1", [refund(merchant_adjustment_item_id="a<b&c")])
    assert b"<MerchantAdjustmentItemID>a&lt;b&amp;c</MerchantAdjustmentItemID>" in document


# --- listings ---------------------------------------------------------------------------------------


def test_close_listing_patch_is_amazons_merge() -> None:
    """The close patch is the quantity-0 merge from Amazon's example, and a fresh copy each time."""
    patch = close_listing_patch()
    assert patch == [
        {
            "op": "merge",
            "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 0}],
        }
    ]
    patch[0]["op"] = "replace"
    assert close_listing_patch()[0]["op"] == "merge"


def test_listings_message_copies_patches() -> None:
    """Mutating the caller's patch after construction does not change the message."""
    patches = close_listing_patch()
    message = ListingsMessage(message_id=1, sku="S", operation="PATCH", product_type="PRODUCT", patches=patches)
    patches[0]["value"][0]["quantity"] = 5
    assert message.to_json()["patches"][0]["value"][0]["quantity"] == 0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"operation": "PATCH", "product_type": None, "patches": close_listing_patch()}, "product_type"),
        ({"operation": "PATCH", "product_type": "PRODUCT", "patches": ()}, "at least one patch"),
        ({"operation": "DELETE", "product_type": "PRODUCT"}, "no product_type"),
        ({"operation": "DELETE", "product_type": None, "patches": close_listing_patch()}, "no patches"),
        ({"operation": "UPDATE", "product_type": "PRODUCT"}, "operation must be"),
        ({"operation": "PATCH", "product_type": "P", "patches": [{"op": "move", "path": "/attributes/x"}]}, "op"),
        ({"operation": "PATCH", "product_type": "P", "patches": [{"op": "merge", "path": "/x"}]}, "path"),
        (
            {
                "operation": "PATCH",
                "product_type": "P",
                "patches": [{"op": "merge", "path": "/attributes/x", "value": 1}],
            },
            "value",
        ),
        ({"operation": "PATCH", "product_type": "P", "patches": {"op": "merge"}}, "sequence"),
        ({"operation": "DELETE", "sku": "x" * 41}, "1 to 40"),
        ({"operation": "DELETE", "message_id": 2**31}, "message_id"),
    ],
)
def test_listings_message_rules(kwargs: dict[str, object], match: str) -> None:
    """PATCH needs a product type and patches; DELETE takes neither; ids and SKUs are bounded."""
    base: dict[str, object] = {"message_id": 1, "sku": "SKU-1"}
    with pytest.raises(InvalidInputError, match=match):
        ListingsMessage(**(base | kwargs))  # type: ignore[arg-type]


def test_listings_feed_limits() -> None:
    """More than 25,000 messages, none, or repeated ids are refused."""
    many = [ListingsMessage(message_id=i, sku=f"S{i}", operation="DELETE") for i in range(1, 25_002)]
    assert json.loads(build_listings_feed("A1", many[:25_000]))["messages"][-1]["messageId"] == 25_000
    with pytest.raises(InvalidInputError, match="at most 25000"):
        build_listings_feed("A1", many)
    with pytest.raises(InvalidInputError):
        build_listings_feed("A1", [])
    with pytest.raises(InvalidInputError, match="used twice"):
        build_listings_feed("A1", [many[0], many[0]])


def test_listings_feed_header() -> None:
    """The header has sellerId and version 2.0, plus issueLocale only when asked."""
    document = json.loads(build_listings_feed("A1", [ListingsMessage(message_id=1, sku="S", operation="DELETE")]))
    assert document["header"] == {"sellerId": "A1", "version": "2.0"}
    with pytest.raises(InvalidInputError):
        build_listings_feed("", [ListingsMessage(message_id=1, sku="S", operation="DELETE")])
    with pytest.raises(InvalidInputError):
        build_listings_feed("A1", [ListingsMessage(message_id=1, sku="S", operation="DELETE")], issue_locale=" ")


def test_listings_feed_rejects_unencodable_values() -> None:
    """A patch value that is not JSON data is refused as bad input."""
    patch = {"op": "merge", "path": "/attributes/x", "value": [{"n": Decimal("1.5")}]}
    message = ListingsMessage(message_id=1, sku="S", operation="PATCH", product_type="P", patches=[patch])
    with pytest.raises(InvalidInputError, match="UTF-8 JSON"):
        build_listings_feed("A1", [message])


# --- constants, hash, chunking ----------------------------------------------------------------------


def test_content_types_and_hash() -> None:
    """Feed types map to their content types; the document hash is SHA-256 hex."""
    assert FEED_CONTENT_TYPES == {
        "POST_ORDER_ACKNOWLEDGEMENT_DATA": "text/xml; charset=UTF-8",
        "POST_PAYMENT_ADJUSTMENT_DATA": "text/xml; charset=UTF-8",
        "JSON_LISTINGS_FEED": "application/json; charset=UTF-8",
    }
    assert document_hash(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert MAX_FEED_BYTES == 10 * 1024 * 1024


def _acks(count: int) -> list[AckMessage]:
    return [ack(i + 1, order_id=f"112-{i:07d}-1234567", item=f"{i:014d}") for i in range(count)]


def test_chunk_single_document_when_it_fits() -> None:
    """Under the limit, one document with every message is built."""
    messages = _acks(5)
    chunks = chunk_messages(messages, lambda ms: build_acknowledgement_feed("A1", ms))
    assert len(chunks) == 1
    assert list(chunks[0][0]) == messages
    assert chunks[0][1] == build_acknowledgement_feed("A1", messages)


@pytest.mark.parametrize("count", [2, 7, 40, 101])
def test_chunk_splits_at_the_limit(count: int) -> None:
    """Past the limit every chunk fits, every message is in exactly one chunk, in order."""
    messages = _acks(count)

    def build(ms: object) -> bytes:
        return build_acknowledgement_feed("A1", ms)  # type: ignore[arg-type]

    one = len(build(messages[:1]))
    limit = one + 3 * (len(build(messages[:2])) - one) + 10  # room for four messages with longer ids
    chunks = chunk_messages(messages, build, max_bytes=limit)
    assert [m for part, _ in chunks for m in part] == messages
    assert all(len(document) <= limit for _, document in chunks)
    assert all(document == build(part) for part, document in chunks)
    assert len(chunks) == -(-count // 4)


def test_chunk_exact_boundary() -> None:
    """A document exactly max_bytes long is not split."""
    messages = _acks(3)
    size = len(build_acknowledgement_feed("A1", messages))
    assert len(chunk_messages(messages, lambda ms: build_acknowledgement_feed("A1", ms), max_bytes=size)) == 1
    assert len(chunk_messages(messages, lambda ms: build_acknowledgement_feed("A1", ms), max_bytes=size - 1)) == 2


def test_chunk_max_messages() -> None:
    """max_messages caps each chunk (the listings feed's 25,000)."""
    messages = [ListingsMessage(message_id=i, sku=f"S{i}", operation="DELETE") for i in range(1, 11)]
    chunks = chunk_messages(messages, lambda ms: build_listings_feed("A1", ms), max_messages=4)
    assert [len(part) for part, _ in chunks] == [4, 4, 2]


def test_chunk_single_message_too_big() -> None:
    """One message that alone exceeds the limit is refused."""
    with pytest.raises(InvalidInputError, match="alone"):
        chunk_messages(_acks(3), lambda ms: build_acknowledgement_feed("A1", ms), max_bytes=100)


def test_chunk_rejects_empty_and_bad_limits() -> None:
    """No messages, or a non-positive limit, is bad input."""
    with pytest.raises(InvalidInputError):
        chunk_messages([], lambda _: b"")
    with pytest.raises(InvalidInputError):
        chunk_messages(_acks(1), lambda _: b"x", max_bytes=0)
