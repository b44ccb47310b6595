r"""A hand-written mirror of Amazon's order-feed XSDs, for the simulator's order feeds.

Mirrors ``order-feeds-envelope.xsd`` and what it includes (``amzn-base.xsd``
2012, ``amzn-header.xsd``, ``OrderAcknowledgement.xsd`` rev 7,
``OrderAdjustment.xsd`` rev 12, ``ProcessingReport.xsd``); the XSD files do not
ship with the package, so they are never loaded. Enforced: element order
(``xsd:sequence``), ``minOccurs``/``maxOccurs``, choices, enumerations,
patterns (with XSD's own ``\w``: any character but punctuation, separators
and "other"), lengths, the ``positiveInteger``/``decimal``/``boolean``/
``dateTime`` lexical spaces, ``totalDigits``/``fractionDigits`` on values
(libxml2's reading: leading zeros and trailing fractional zeros do not count),
stray text in element-only content, and unknown attributes (only
``xsi:noNamespaceSchemaLocation``/``xsi:schemaLocation`` are allowed anywhere).
Error texts follow Xerces (``cvc-...``), which Amazon quotes in its
``XML Parsing Error at Line N, Column M: ...`` descriptions.

The module reads bottom-up: the XSD building blocks (content-model records,
facet and lexical-space checks, the ``amzn-base.xsd`` simple types), then the
message bodies (acknowledgement, adjustment, report), then the envelope, the
header and the validator.

While it checks, the validator turns the document into plain records so the
business rules never walk the tree again: a simple element becomes its text
(an ``Amount`` becomes ``(text, currency-or-None)``), a complex element a
``dict`` of child name to record (a list of records for repeatable children).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, cast

from lxml import etree

__all__ = [
    "ADJUSTMENT_REASONS",
    "CANCEL_REASONS",
    "COMPONENT_TYPES",
    "CURRENCIES",
    "Record",
    "SimpleCheck",
    "validate_envelope",
]

# -- XSD building blocks: content models, simple-type checks, amzn-base.xsd types ------------------

_WS: Final = " \t\r\n"
_UNBOUNDED: Final = sys.maxsize


SimpleCheck = Callable[[str], str | None]  # returns a Xerces-style error text, or None when valid


@dataclass(frozen=True, slots=True)
class _Simple:
    check: SimpleCheck
    attributes: Mapping[str, SimpleCheck] = field(default_factory=dict)
    known: frozenset[str] = frozenset()  # values accepted without calling ``check`` (enumerations)


@dataclass(frozen=True, slots=True)
class _Particle:
    types: Mapping[str, _Simple | _Complex]  # one name for an element, several for an xsd:choice
    min: int = 1
    max: int = 1


@dataclass(frozen=True, slots=True)
class _Complex:
    particles: tuple[_Particle, ...]
    # Derived tables for the fast path: tag -> (particle position, maxOccurs, type); minOccurs per
    # position; for each position, the first position at or after it whose minOccurs > 0 (len = none).
    index: dict[str, tuple[int, int, _Simple | _Complex]] = field(init=False)
    mins: tuple[int, ...] = field(init=False)
    next_required: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        index: dict[str, tuple[int, int, _Simple | _Complex]] = {}
        for position, particle in enumerate(self.particles):
            for name, typ in particle.types.items():
                if name in index:  # pragma: no cover - the order-feed XSDs never repeat a name in one sequence
                    raise ValueError(f"{name} appears twice in one content model")
                index[name] = (position, particle.max, typ)
        last = len(self.particles)
        required = [last] * (last + 1)
        for position in range(last - 1, -1, -1):
            required[position] = position if self.particles[position].min > 0 else required[position + 1]
        object.__setattr__(self, "index", index)
        object.__setattr__(self, "mins", (*(p.min for p in self.particles), 0))
        object.__setattr__(self, "next_required", tuple(required))


def _p(name: str, typ: _Simple | _Complex, min_occurs: int = 1, max_occurs: int = 1) -> _Particle:
    return _Particle({name: typ}, min_occurs, max_occurs)


def _enum(values: tuple[str, ...]) -> _Simple:
    allowed = frozenset(values)
    listing = ", ".join(values)

    def check(value: str) -> str | None:
        if value in allowed:
            return None
        return (
            f"cvc-enumeration-valid: Value '{value}' is not facet-valid with respect to enumeration "
            f"'[{listing}]'. It must be a value from the enumeration."
        )

    return _Simple(check, known=allowed)


def _pattern_error(value: str, pattern: str, type_name: str) -> str:
    return (
        f"cvc-pattern-valid: Value '{value}' is not facet-valid with respect to pattern '{pattern}' "
        f"for type '{type_name}'."
    )


def _xsd_word(char: str) -> bool:
    r"""XSD's ``\w``: every character except punctuation (P*), separators (Z*) and others (C*)."""
    return unicodedata.category(char)[0] not in "PZC"


_ASCII_ORDER_ID: Final = re.compile(r"[0-9A-Za-z]{3}-[0-9A-Za-z]{7}-[0-9A-Za-z]{7}")


def _check_order_id(value: str) -> str | None:
    if _ASCII_ORDER_ID.fullmatch(value):  # the usual case, fast
        return None
    ok = (
        len(value) == 19
        and value[3] == "-"
        and value[11] == "-"
        and all(_xsd_word(c) for i, c in enumerate(value) if i not in (3, 11))
    )
    return None if ok else _pattern_error(value, r"\w{3}-\w{7}-\w{7}", "#AnonType_AmazonOrderID")


def _check_item_code(value: str) -> str | None:
    ok = len(value) == 14 and value.isdecimal()
    return None if ok else _pattern_error(value, r"\d{14}", "#AnonType_AmazonOrderItemCode")


def _regex(pattern: str, type_name: str) -> _Simple:
    compiled = re.compile(pattern)

    def check(value: str) -> str | None:
        return None if compiled.fullmatch(value) else _pattern_error(value, pattern, type_name)

    return _Simple(check)


def _length(type_name: str, min_length: int, max_length: int) -> _Simple:
    def check(value: str) -> str | None:
        n = len(value)
        if n > max_length:
            return (
                f"cvc-maxLength-valid: Value '{value}' with length = '{n}' is not facet-valid with respect "
                f"to maxLength '{max_length}' for type '{type_name}'."
            )
        if n < min_length:
            return (
                f"cvc-minLength-valid: Value '{value}' with length = '{n}' is not facet-valid with respect "
                f"to minLength '{min_length}' for type '{type_name}'."
            )
        return None

    return _Simple(check)


_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def _not_valid(value: str, type_name: str) -> str:
    return f"cvc-datatype-valid.1.2.1: '{value}' is not a valid value for '{type_name}'."


def _integer_from(minimum: int, pattern_digits: int | None, type_name: str) -> _Simple:
    """An integer type of at least ``minimum`` (``positiveInteger``: 1, ``nonNegativeInteger``: 0)."""

    def check(value: str) -> str | None:
        lexical = value.strip(_WS)
        if not _INTEGER.fullmatch(lexical):
            return _not_valid(lexical, "integer")
        if pattern_digits is not None and not (lexical.isdigit() and len(lexical) <= pattern_digits):
            return _pattern_error(lexical, rf"\d{{1,{pattern_digits}}}", type_name)
        if int(lexical) < minimum:
            return (
                f"cvc-minInclusive-valid: Value '{lexical}' is not facet-valid with respect to minInclusive "
                f"'{minimum}' for type '{type_name}'."
            )
        return None

    return _Simple(check)


def _decimal_digits(lexical: str) -> tuple[int, int]:
    """Return (total, fraction) significant digits of a valid decimal lexical form."""
    body = lexical.lstrip("+-")
    whole, _, fraction = body.partition(".")
    whole = whole.lstrip("0")
    fraction = fraction.rstrip("0")
    return len(whole) + len(fraction), len(fraction)


def _check_amount(value: str) -> str | None:
    lexical = value.strip(_WS)
    if not _DECIMAL.fullmatch(lexical):
        return _not_valid(lexical, "decimal")
    total, fraction = _decimal_digits(lexical)
    if total > 20:
        return (
            f"cvc-totalDigits-valid: Value '{lexical}' has {total} total digits, but the number of total "
            "digits has been limited to 20."
        )
    if fraction > 2:
        return (
            f"cvc-fractionDigits-valid: Value '{lexical}' has {fraction} fraction digits, but the number of "
            "fraction digits has been limited to 2."
        )
    return None


def _check_boolean(value: str) -> str | None:
    lexical = value.strip(_WS)
    return None if lexical in ("true", "false", "1", "0") else _not_valid(lexical, "boolean")


_DATETIME = re.compile(
    r"(-?)([0-9]{4,})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?"
    r"(Z|[+-]([0-9]{2}):([0-9]{2}))?"
)
_DAYS: Final = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _check_datetime(value: str) -> str | None:
    # libxml2 (what lxml validates with) does not collapse whitespace around dateTime values; neither do we.
    found = _DATETIME.fullmatch(value)
    if not found:
        return _not_valid(value, "dateTime")
    year_text = found.group(2)
    year, month, day = int(year_text), int(found.group(3)), int(found.group(4))
    hour, minute, second = int(found.group(5)), int(found.group(6)), int(found.group(7))
    bad = (len(year_text) > 4 and year_text[0] == "0") or year == 0 or not 1 <= month <= 12
    if not bad:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        days = 29 if month == 2 and leap else _DAYS[month - 1]
        bad = not 1 <= day <= days
    if hour == 24:
        bad = bad or minute != 0 or second != 0 or (found.group(8) is not None and found.group(8).strip(".0") != "")
    elif hour > 23 or minute > 59 or second > 59:
        bad = True
    if found.group(10) is not None:
        tz_hour, tz_minute = int(found.group(10)), int(found.group(11))
        bad = bad or tz_minute > 59 or tz_hour * 60 + tz_minute > 14 * 60
    return _not_valid(value, "dateTime") if bad else None


_ANY_STRING: Final = _Simple(lambda _value: None)
_STRING50: Final = _length("String", 0, 50)  # normalizedString; 'replace' keeps the length
_ORDER_ID: Final = _Simple(_check_order_id)
_ITEM_CODE: Final = _Simple(_check_item_code)
_ID_NUMBER: Final = _integer_from(1, 20, "IDNumber")
_POSITIVE_INTEGER: Final = _integer_from(1, None, "positiveInteger")
_NON_NEGATIVE_INTEGER: Final = _integer_from(0, None, "nonNegativeInteger")

# -- message bodies: OrderAcknowledgement.xsd rev 7, OrderAdjustment.xsd rev 12, ProcessingReport.xsd

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
                    _p("MessageID", _integer_from(0, 20, "#AnonType_MessageID")),
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

# -- the envelope, the header, the validator --------------------------------------------------------

Record = dict[str, Any]

_XSI: Final = "{http://www.w3.org/2001/XMLSchema-instance}"
_XSI_ALLOWED: Final = frozenset({f"{_XSI}noNamespaceSchemaLocation", f"{_XSI}schemaLocation"})


class _Invalid(Exception):  # noqa: N818 - internal control flow, never escapes this module
    """A schema violation at ``element``."""

    def __init__(self, element: etree._Element, message: str) -> None:
        super().__init__(message)
        self.element = element
        self.message = message


_HEADER: Final = _Complex(
    (
        _p("DocumentVersion", _regex(r"\d{1,2}\.\d{1,2}", "#AnonType_DocumentVersionHeader")),
        _p("MerchantIdentifier", _STRING50),
        _p("OverrideReleaseId", _regex(r"\d{1,4}\.\d{1,4}", "#AnonType_OverrideReleaseIdHeader"), 0),
    )
)
_MESSAGE: Final = _Complex(
    (
        _p("MessageID", _ID_NUMBER),
        _p("OperationType", _enum(("Update", "Delete", "PartialUpdate")), 0),
        _Particle({"OrderAcknowledgement": _ACK, "OrderAdjustment": _ADJ, "ProcessingReport": _REPORT}),
    )
)
_ENVELOPE: Final = _Complex(
    (
        _p("Header", _HEADER),
        _p("MessageType", _enum(("OrderAcknowledgement", "OrderAdjustment", "ProcessingReport"))),
        _p("PurgeAndReplace", _Simple(_check_boolean), 0),
        _p("EffectiveDate", _Simple(_check_datetime), 0),
        _p("Message", _MESSAGE, 1, _UNBOUNDED),
    )
)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _check_attributes(element: etree._Element, allowed: Mapping[str, SimpleCheck]) -> None:
    for name, value in element.attrib.items():
        key = str(name)
        check = allowed.get(key)
        if check is not None:
            error = check(str(value))
            if error:
                raise _Invalid(
                    element, error.replace("cvc-enumeration-valid", "cvc-attribute.3: cvc-enumeration-valid")
                )
        elif key not in _XSI_ALLOWED:
            raise _Invalid(
                element,
                f"cvc-complex-type.3.2.2: Attribute '{_local(key)}' is not allowed to appear in element "
                f"'{_local(str(element.tag))}'.",
            )


def _simple_value(element: etree._Element) -> str:
    parts = [element.text or ""]
    for child in element:
        tag: object = child.tag
        if type(tag) is str:
            raise _Invalid(
                element,
                f"cvc-type.3.1.2: Element '{_local(element.tag)}' is a simple type, so it must have no element "
                "information item [children].",
            )
        parts.append(child.tail or "")
    return "".join(parts)


def _expected(particles: tuple[_Particle, ...], start: int) -> str:
    names: list[str] = []
    for particle in particles[start:]:
        names.extend(particle.types)
        if particle.min > 0:
            break
    return "{" + ", ".join(names) + "}"


def _char_error(name: str) -> str:
    return (
        f"cvc-complex-type.2.3: Element '{name}' cannot have character [children], because the type's "
        "content type is element-only."
    )


def _structure_error(element: etree._Element, particles: tuple[_Particle, ...]) -> _Invalid:
    """Run the exact streaming match over ``element``'s children and return the first structural error."""
    last = len(particles)
    position = seen = 0
    for child in element:
        tag: object = child.tag
        if type(tag) is not str:
            continue
        while True:
            if position == last:
                return _Invalid(
                    child,
                    f"cvc-complex-type.2.4.d: Invalid content was found starting with element "
                    f"'{_local(tag)}'. No child element is expected at this point.",
                )
            particle = particles[position]
            if tag in particle.types and seen < particle.max:
                seen += 1
                break
            if seen < particle.min:
                return _Invalid(
                    child,
                    f"cvc-complex-type.2.4.a: Invalid content was found starting with element "
                    f"'{_local(tag)}'. One of '{_expected(particles, position)}' is expected.",
                )
            position += 1
            seen = 0
    while position < last:
        if seen < particles[position].min:
            break
        position += 1
        seen = 0
    return _Invalid(
        element,
        f"cvc-complex-type.2.4.b: The content of element '{_local(element.tag)}' is not complete. "
        f"One of '{_expected(particles, position)}' is expected.",
    )


def _complex(element: etree._Element, typ: _Complex) -> Record:  # noqa: C901, PLR0912 - a hot loop, kept flat
    """Check ``element`` against ``typ`` (attributes, stray text, the sequence, streaming) and return its record."""
    if element.attrib:
        _check_attributes(element, {})
    text = element.text
    if text and text.strip(_WS):
        raise _Invalid(element, _char_error(_local(element.tag)))
    record: Record = {}
    index, mins, required = typ.index, typ.mins, typ.next_required
    position = seen = 0
    for child in element:
        tail = child.tail
        if tail and tail.strip(_WS):
            raise _Invalid(element, _char_error(_local(element.tag)))
        tag: object = child.tag
        if type(tag) is not str:  # comment or processing instruction: ignored by XSD
            continue
        entry = index.get(tag)
        if entry is None:
            raise _structure_error(element, typ.particles)
        at, maximum, child_type = entry
        if at != position:
            if at < position or seen < mins[position] or required[position + 1] < at:
                raise _structure_error(element, typ.particles)
            position, seen = at, 0
        elif seen >= maximum:
            raise _structure_error(element, typ.particles)
        value: Any
        if type(child_type) is _Simple:
            if child.attrib:
                _check_attributes(child, child_type.attributes)
            value = _simple_value(child) if len(child) else (child.text or "")
            if value not in child_type.known:
                error = child_type.check(value)
                if error:
                    raise _Invalid(child, error)
            if child_type.attributes:
                value = (value, child.get("currency"))
        else:
            value = _complex(child, cast("_Complex", child_type))
        if maximum == 1:
            record[tag] = value
        elif seen:
            record[tag].append(value)
        else:
            record[tag] = [value]
        seen += 1
    if seen < mins[position] or required[position + 1] < len(typ.particles):
        raise _structure_error(element, typ.particles)
    return record


def _column(content: bytes, element: etree._Element) -> tuple[int, int]:
    """Best-effort (line, column) of the end of ``element``'s start tag, as Xerces reports it."""
    line = cast("int | None", element.sourceline) or 1
    lines = content.splitlines()
    if line > len(lines):
        return line, 1
    text = lines[line - 1].decode("utf-8", "replace")
    tag = _local(str(element.tag))
    same_line = [e for e in element.getroottree().iter(element.tag) if cast("int | None", e.sourceline) == line]
    nth = next((i for i, e in enumerate(same_line) if e is element), 0)
    starts = [m.start() for m in re.finditer(rf"<{re.escape(tag)}(?=[\s/>])", text)]
    if nth >= len(starts):
        return line, 1
    end = text.find(">", starts[nth])
    return line, (end + 2 if end >= 0 else 1)


def _validate_root(root: etree._Element) -> Record:
    if root.tag != "AmazonEnvelope":
        raise _Invalid(root, f"cvc-elt.1: Cannot find the declaration of element '{_local(str(root.tag))}'.")
    return _complex(root, _ENVELOPE)


def validate_envelope(content: bytes) -> tuple[Record | None, str | None]:
    """Parse and schema-check an order-feed document.

    Returns:
        ``(record, None)`` when the document is valid against the order-feed envelope (see the module doc),
        else ``(None, description)`` with an Amazon-style ``XML Parsing Error at Line N, Column M: ...``.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        return None, f"XML Parsing Error at Line {line}, Column {column}: {exc.msg}"
    tree = root.getroottree()
    if getattr(tree.docinfo, "doctype", ""):
        return None, (
            "XML Parsing Error at Line 1, Column 1: DOCTYPE is disallowed when the feature "
            '"http://apache.org/xml/features/disallow-doctype-decl" set to true.'
        )
    try:
        record = _validate_root(root)
    except _Invalid as invalid:
        line, column = _column(content, invalid.element)
        return None, f"XML Parsing Error at Line {line}, Column {column}: {invalid.message}"
    return record, None
