"""The message bodies of the order-feed XSDs, for :mod:`._orderschema`.

``OrderAcknowledgement.xsd`` rev 7, ``OrderAdjustment.xsd`` rev 12 and
``ProcessingReport.xsd``, with the ``amzn-base.xsd`` 2012 enumerations they use.
"""

from __future__ import annotations

from typing import Final

from sp_cancel.testing._sim._orderschema_types import (
    _ANY_STRING,
    _ID_NUMBER,
    _ITEM_CODE,
    _NON_NEGATIVE_INTEGER,
    _ORDER_ID,
    _POSITIVE_INTEGER,
    _STRING50,
    _UNBOUNDED,
    _check_amount,
    _Complex,
    _enum,
    _length,
    _non_negative_integer,
    _p,
    _Particle,
    _Simple,
)

__all__ = ["ADJUSTMENT_REASONS", "CANCEL_REASONS", "COMPONENT_TYPES", "CURRENCIES"]

CURRENCIES: Final = ("USD", "GBP", "EUR", "JPY", "CAD", "CNY", "INR")  # BaseCurrencyCode, amzn-base.xsd 2012
CANCEL_REASONS: Final = (
    "NoInventory",
    "ShippingAddressUndeliverable",
    "CustomerExchange",
    "BuyerCanceled",
    "GeneralAdjustment",
    "CarrierCreditDecision",
    "RiskAssessmentInformationNotValid",
    "CarrierCoverageFailure",
    "CustomerReturn",
    "MerchandiseNotReceived",
)
ADJUSTMENT_REASONS: Final = (
    "NoInventory",
    "CustomerReturn",
    "GeneralAdjustment",
    "CouldNotShip",
    "DifferentItem",
    "Abandoned",
    "CustomerCancel",
    "PriceError",
    "ProductOutofStock",
    "CustomerAddressIncorrect",
    "Exchange",
    "Other",
    "CarrierCreditDecision",
    "RiskAssessmentInformationNotValid",
    "CarrierCoverageFailure",
    "TransactionRecord",
    "Undeliverable",
    "RefusedDelivery",
)
COMPONENT_TYPES: Final = (
    "Principal",
    "Shipping",
    "Tax",
    "ShippingTax",
    "RestockingFee",
    "RestockingFeeTax",
    "GiftWrap",
    "GiftWrapTax",
    "Surcharge",
    "ReturnShipping",
    "Goodwill",
    "ExportCharge",
    "COD",
    "CODTax",
    "Other",
    "FreeReplacementReturnShipping",
)

_CURRENCY_CHECK: Final = _enum(CURRENCIES).check
_AMOUNT: Final = _Simple(_check_amount, {"currency": _CURRENCY_CHECK})

_ACK_ITEM: Final = _Complex(
    (
        _p("AmazonOrderItemCode", _ITEM_CODE),
        _p("MerchantOrderItemID", _STRING50, 0),
        _p("CancelReason", _enum(CANCEL_REASONS), 0),
    )
)
_ACK: Final = _Complex(
    (
        _p("AmazonOrderID", _ORDER_ID),
        _p("MerchantOrderID", _STRING50, 0),
        _p("StatusCode", _enum(("Success", "Failure"))),
        _p("Item", _ACK_ITEM, 0, _UNBOUNDED),
    )
)
_PRICE_COMPONENT: Final = _Complex((_p("Type", _enum(COMPONENT_TYPES)), _p("Amount", _AMOUNT)))
_PROMO_COMPONENT: Final = _Complex((_p("Type", _enum(("Principal", "Shipping"))), _p("Amount", _AMOUNT)))
_DIRECT_COMPONENT: Final = _Complex((_p("Type", _ANY_STRING), _p("Amount", _AMOUNT)))
_ADJ_ITEM: Final = _Complex(
    (
        _Particle({"AmazonOrderItemCode": _ITEM_CODE, "MerchantOrderItemID": _STRING50}),
        _p("MerchantAdjustmentItemID", _length("StringNotNull", 1, 50), 0),
        _p("AdjustmentReason", _enum(ADJUSTMENT_REASONS)),
        _p("ItemPriceAdjustments", _Complex((_p("Component", _PRICE_COMPONENT, 1, _UNBOUNDED),)), 0),
        _p(
            "PromotionAdjustments",
            _Complex(
                (
                    _p("PromotionClaimCode", _length("#AnonType_PromotionClaimCode", 6, 12), 0),
                    _p("MerchantPromotionID", _length("#AnonType_MerchantPromotionID", 0, 80), 0),
                    _p("Component", _PROMO_COMPONENT, 1, _UNBOUNDED),
                )
            ),
            0,
            _UNBOUNDED,
        ),
        _p("DirectPaymentAdjustments", _Complex((_p("Component", _DIRECT_COMPONENT, 1, _UNBOUNDED),)), 0),
        _p("QuantityCancelled", _POSITIVE_INTEGER, 0),
        _p("Quantity", _POSITIVE_INTEGER, 0),
    )
)
_ADJ: Final = _Complex(
    (
        _Particle({"AmazonOrderID": _ORDER_ID, "MerchantOrderID": _STRING50}),
        _p("ActionType", _enum(("Refund", "Cancel")), 0),
        _p("CODCollectionMethod", _enum(("DirectPayment",)), 0),
        _p("AdjustedItem", _ADJ_ITEM, 1, _UNBOUNDED),
    )
)
_REPORT: Final = _Complex(
    (
        _p("DocumentTransactionID", _ID_NUMBER),
        _p("StatusCode", _enum(("Complete", "Processing", "Rejected"))),
        _p(
            "ProcessingSummary",
            _Complex(
                tuple(
                    _p(name, _NON_NEGATIVE_INTEGER)
                    for name in ("MessagesProcessed", "MessagesSuccessful", "MessagesWithError", "MessagesWithWarning")
                )
            ),
            0,
        ),
        _p(
            "Result",
            _Complex(
                (
                    _p("MessageID", _non_negative_integer(20, "#AnonType_MessageID")),
                    _p("ResultCode", _enum(("Error", "Warning"))),
                    _p("ResultMessageCode", _ID_NUMBER),
                    _p("ResultDescription", _ANY_STRING),
                    _p(
                        "AdditionalInfo",
                        _Complex(
                            (
                                _p("SKU", _length("SKUType", 1, 40), 0),
                                _p("FulfillmentCenterID", _STRING50, 0),
                                _p("AmazonOrderID", _ORDER_ID, 0),
                                _p("AmazonOrderItemCode", _ITEM_CODE, 0),
                                _p("Marketplace", _ANY_STRING, 0),
                            )
                        ),
                        0,
                    ),
                )
            ),
            0,
            _UNBOUNDED,
        ),
    )
)
