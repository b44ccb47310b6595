"""Reading Amazon's JSON into typed values: the field readers every parser uses, and ``Malformed``.

Each parser in ``transport/`` reads one object of Amazon's model with these helpers, so the rules are the
same everywhere: a required field that is missing, ``null`` or of the wrong type, and an optional one of the
wrong type, raise ``Malformed`` naming the field's path (``order.orderItems[1].quantityOrdered``); a missing
optional field is ``None`` (or an empty tuple for a list); date-times become aware ``datetime`` values (a
time without an offset is UTC, as Amazon's always are); decimals never pass through binary floating point;
fields the parser does not read are kept, read-only, in the value's ``extra``. ``SpApiCore`` turns
``Malformed`` into a ``ServerError`` carrying the operation, status and request id, inside the attempt, so
the retry policy treats it as it treats any unreadable 2xx answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, Final, TypeVar

from sp_cancel.models import CURRENCY_DECIMALS, Money

__all__ = [
    "EMPTY",
    "Malformed",
    "extra",
    "money",
    "obj",
    "opt_bool",
    "opt_decimal",
    "opt_int",
    "opt_list",
    "opt_obj",
    "opt_str",
    "opt_time",
    "req_int",
    "req_list",
    "req_obj",
    "req_str",
    "req_str_list",
    "req_time",
    "str_list",
]

T = TypeVar("T")

#: The ``extra`` of a value whose object held nothing the parser did not read.
EMPTY: Final[Mapping[str, Any]] = MappingProxyType({})


class Malformed(ValueError):  # noqa: N818 - reads as a verdict on the answer: "Malformed: order.orderId is missing"
    """An answer that does not fit Amazon's model: a required field missing or a field of the wrong type."""

    def __init__(self, path: str, problem: str) -> None:
        """``path``: where in the answer (``order.orderItems[0].quantityOrdered``); ``problem``: what is wrong."""
        super().__init__(f"{path} {problem}")
        self.path = path
        self.problem = problem


def _at(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


def obj(value: object, where: str) -> Mapping[str, Any]:
    """``value`` as a JSON object, else ``Malformed`` at ``where``."""
    if not isinstance(value, dict):
        raise Malformed(where or "the answer", f"is a JSON {_kind(value)}, not an object")
    return value


def req_obj(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    """The required object ``data[key]``."""
    value = data.get(key)
    if value is None:
        raise Malformed(_at(where, key), "is missing")
    return obj(value, _at(where, key))


def opt_obj(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any] | None:
    """The optional object ``data[key]`` (``None`` when absent or ``null``)."""
    value = data.get(key)
    if value is None:
        return None
    return obj(value, _at(where, key))


def req_str(data: Mapping[str, Any], key: str, where: str) -> str:
    """The required string ``data[key]``."""
    value = data.get(key)
    if type(value) is str:
        return value
    if value is None:
        raise Malformed(_at(where, key), "is missing")
    raise Malformed(_at(where, key), f"is a JSON {_kind(value)}, not a string")


def opt_str(data: Mapping[str, Any], key: str, where: str) -> str | None:
    """The optional string ``data[key]``."""
    value = data.get(key)
    if value is None or type(value) is str:
        return value
    raise Malformed(_at(where, key), f"is a JSON {_kind(value)}, not a string")


def _int(value: object, path: str) -> int:
    if type(value) is int:
        return value
    raise Malformed(path, f"is a JSON {_kind(value)}, not an integer")


def req_int(data: Mapping[str, Any], key: str, where: str) -> int:
    """The required integer ``data[key]`` (a boolean is not an integer)."""
    value = data.get(key)
    if value is None:
        raise Malformed(_at(where, key), "is missing")
    return _int(value, _at(where, key))


def opt_int(data: Mapping[str, Any], key: str, where: str) -> int | None:
    """The optional integer ``data[key]``."""
    value = data.get(key)
    return None if value is None else _int(value, _at(where, key))


def opt_bool(data: Mapping[str, Any], key: str, where: str) -> bool | None:
    """The optional boolean ``data[key]``."""
    value = data.get(key)
    if value is None or type(value) is bool:
        return value
    raise Malformed(_at(where, key), f"is a JSON {_kind(value)}, not a boolean")


def _time(value: object, path: str) -> datetime:
    if type(value) is not str:
        raise Malformed(path, f"is a JSON {_kind(value)}, not a date-time string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise Malformed(path, f"is {value[:40]!r}, not an ISO 8601 date-time") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def req_time(data: Mapping[str, Any], key: str, where: str) -> datetime:
    """The required date-time ``data[key]``, aware."""
    value = data.get(key)
    if value is None:
        raise Malformed(_at(where, key), "is missing")
    return _time(value, _at(where, key))


def opt_time(data: Mapping[str, Any], key: str, where: str) -> datetime | None:
    """The optional date-time ``data[key]``, aware (``None`` when absent, ``null`` or empty)."""
    value = data.get(key)
    if value is None or value == "":
        return None
    return _time(value, _at(where, key))


def opt_decimal(data: Mapping[str, Any], key: str, where: str) -> Decimal | None:
    """The optional decimal ``data[key]``: a JSON number or a numeric string, never through a binary float."""
    value = data.get(key)
    if value is None:
        return None
    if type(value) is bool or not isinstance(value, str | int | float):
        raise Malformed(_at(where, key), f"is a JSON {_kind(value)}, not a number")
    try:
        # A JSON number arrives as a float: go through its shortest repr, never through binary arithmetic.
        number = Decimal(str(value))
    except InvalidOperation:
        raise Malformed(_at(where, key), f"is {str(value)[:40]!r}, not a number") from None
    if not number.is_finite():
        raise Malformed(_at(where, key), f"is {value!r}, not a finite number")
    return number


def money(amount: Decimal, currency: str, where: str) -> Money:
    """``amount`` in ``currency`` as ``Money``, rounded to the currency's decimals (JPY 0, most 2)."""
    decimals = CURRENCY_DECIMALS.get(currency)
    if decimals is None:
        raise Malformed(where, f"has currency {currency[:10]!r}, not an ISO 4217 code")
    return Money(amount=amount.quantize(Decimal(1).scaleb(-decimals)), currency=currency)


def _list(value: object, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise Malformed(path, f"is a JSON {_kind(value)}, not an array")
    return value


def opt_list(
    data: Mapping[str, Any], key: str, where: str, item: Callable[[Mapping[str, Any], str], T]
) -> tuple[T, ...]:
    """The optional array of objects ``data[key]``, each read by ``item(object, its path)``; ``()`` when absent."""
    value = data.get(key)
    if value is None:
        return ()
    path = _at(where, key)
    return tuple(item(obj(entry, f"{path}[{n}]"), f"{path}[{n}]") for n, entry in enumerate(_list(value, path)))


def req_list(
    data: Mapping[str, Any], key: str, where: str, item: Callable[[Mapping[str, Any], str], T]
) -> tuple[T, ...]:
    """The required array of objects ``data[key]`` (it may be empty)."""
    if data.get(key) is None:
        raise Malformed(_at(where, key), "is missing")
    return opt_list(data, key, where, item)


def str_list(data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    """The optional array of strings ``data[key]``; ``()`` when absent."""
    value = data.get(key)
    if value is None:
        return ()
    path = _at(where, key)
    items = _list(value, path)
    for n, entry in enumerate(items):
        if type(entry) is not str:
            raise Malformed(f"{path}[{n}]", f"is a JSON {_kind(entry)}, not a string")
    return tuple(items)


def req_str_list(data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    """The required array of strings ``data[key]`` (it may be empty)."""
    if data.get(key) is None:
        raise Malformed(_at(where, key), "is missing")
    return str_list(data, key, where)


def extra(data: Mapping[str, Any], known: frozenset[str]) -> Mapping[str, Any]:
    """The members of ``data`` a parser did not read (``known``), read-only; ``EMPTY`` when there are none."""
    if data.keys() <= known:
        return EMPTY
    return MappingProxyType({k: v for k, v in data.items() if k not in known})
