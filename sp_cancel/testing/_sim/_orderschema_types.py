r"""XSD building blocks for :mod:`._orderschema`: content models and simple-type checks.

The content-model records (``_Simple``, ``_Particle``, ``_Complex``), the
facet and lexical-space checks (enumerations, patterns with XSD's own ``\w``,
lengths, ``positiveInteger``/``decimal``/``boolean``/``dateTime``) with their
Xerces-style error texts, and the ``amzn-base.xsd`` simple types built from them.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final

__all__ = ["SimpleCheck"]

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


def _positive_integer(pattern_digits: int | None, type_name: str) -> _Simple:
    def check(value: str) -> str | None:
        lexical = value.strip(_WS)
        if not _INTEGER.fullmatch(lexical):
            return _not_valid(lexical, "integer")
        if pattern_digits is not None and not (lexical.isdigit() and len(lexical) <= pattern_digits):
            return _pattern_error(lexical, rf"\d{{1,{pattern_digits}}}", type_name)
        if int(lexical) < 1:
            return (
                f"cvc-minInclusive-valid: Value '{lexical}' is not facet-valid with respect to minInclusive "
                f"'1' for type '{type_name}'."
            )
        return None

    return _Simple(check)


def _non_negative_integer(pattern_digits: int | None, type_name: str) -> _Simple:
    def check(value: str) -> str | None:
        lexical = value.strip(_WS)
        if not _INTEGER.fullmatch(lexical):
            return _not_valid(lexical, "integer")
        if pattern_digits is not None and not (lexical.isdigit() and len(lexical) <= pattern_digits):
            return _pattern_error(lexical, rf"\d{{1,{pattern_digits}}}", type_name)
        if int(lexical) < 0:
            return (
                f"cvc-minInclusive-valid: Value '{lexical}' is not facet-valid with respect to minInclusive "
                f"'0' for type '{type_name}'."
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
_ID_NUMBER: Final = _positive_integer(20, "IDNumber")
_POSITIVE_INTEGER: Final = _positive_integer(None, "positiveInteger")
_NON_NEGATIVE_INTEGER: Final = _non_negative_integer(None, "nonNegativeInteger")
