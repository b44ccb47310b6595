"""Reading Amazon's JSON into typed values: the field readers every parser uses, and ``Malformed``.

Each parser in ``transport/`` reads one object of Amazon's model with these helpers, so the rules are the
same everywhere: a required field that is missing, ``null`` or of the wrong type, and an optional one of the
wrong type, raise ``Malformed`` naming the field's path (``order.orderItems[1].quantityOrdered``); a missing
optional field is ``None`` (or an empty tuple for a list); date-times become aware ``datetime`` values (a
time without an offset is UTC, as Amazon's always are); decimals never pass through binary floating point;
members no attribute declares are kept, read-only, in the value's ``extra``. A typed answer declares each
member once, on its attribute (``Annotated[str, Wire("feedId", req_str)]``), and ``parse_as`` reads it.
``SpApiCore`` turns ``Malformed`` into a ``ServerError`` carrying the operation, status and request id,
inside the attempt, so the retry policy treats it as it treats any unreadable 2xx answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from types import MappingProxyType
from typing import Any, Final, TypeVar, get_type_hints

import attrs

from sp_cancel.models import CURRENCY_DECIMALS, MAX_AMOUNT, Money, rounded_money

__all__ = [
    "EMPTY",
    "Malformed",
    "Reader",
    "Wire",
    "at_path",
    "decimal_money",
    "extra",
    "member",
    "money",
    "obj",
    "opt_bool",
    "opt_decimal",
    "opt_int",
    "opt_list",
    "opt_nested",
    "opt_nonempty_str",
    "opt_obj",
    "opt_str",
    "opt_time",
    "parse_as",
    "req_int",
    "req_list",
    "req_nested",
    "req_obj",
    "req_str",
    "req_str_list",
    "req_time",
    "str_list",
    "within",
]

T = TypeVar("T")
M = TypeVar("M")

#: The ``extra`` of a value whose object held nothing the parser did not read.
EMPTY: Final[Mapping[str, Any]] = MappingProxyType({})


class Malformed(ValueError):  # noqa: N818 - reads as a verdict on the answer: "Malformed: order.orderId is missing"
    """An answer that does not fit Amazon's model: a required field missing or a field of the wrong type."""

    def __init__(self, path: str, problem: str) -> None:
        """``path``: where in the answer (``order.orderItems[0].quantityOrdered``); ``problem``: what is wrong."""
        super().__init__(f"{path} {problem}")
        self.path = path
        self.problem = problem

    def under(self, where: str) -> Malformed:
        """The same problem, its path below ``where`` (a parser that read an object with relative paths)."""
        return Malformed(at_path(where, self.path), self.problem)


def at_path(where: str, key: str) -> str:
    """``key`` below ``where`` (``order`` + ``orderId``: ``order.orderId``; at the top: ``orderId``)."""
    return f"{where}.{key}" if where else key


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


def obj(value: object, where: str) -> Mapping[str, Any]:
    """``value`` as a JSON object, else ``Malformed`` at ``where``."""
    if not isinstance(value, dict):
        raise Malformed(where or "the answer", f"is a JSON {_kind(value)}, not an object")
    return value


# The readers check the common case first and build a field's path only when something is wrong: a parser
# reads dozens of fields per answer, on every call.


def _refused(value: object, where: str, key: str, expected: str) -> Malformed:
    """Why ``data[key]`` (``value``) was not read: missing (``null`` or absent), or not ``expected``."""
    if value is None:
        return Malformed(at_path(where, key), "is missing")
    return Malformed(at_path(where, key), f"is a JSON {_kind(value)}, not {expected}")


def req_obj(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    """The required object ``data[key]``."""
    value = data.get(key)
    if isinstance(value, dict):
        return value
    raise _refused(value, where, key, "an object")


def opt_obj(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any] | None:
    """The optional object ``data[key]`` (``None`` when absent or ``null``)."""
    value = data.get(key)
    if value is None or isinstance(value, dict):
        return value
    raise _refused(value, where, key, "an object")


def _required(kind: type[T], expected: str, name: str, doc: str) -> Callable[[Mapping[str, Any], str, str], T]:
    """The reader of a required ``kind`` (its exact type: a boolean is not an integer)."""

    def read(data: Mapping[str, Any], key: str, where: str) -> T:
        value = data.get(key)
        if type(value) is kind:
            return value
        raise _refused(value, where, key, expected)

    read.__name__ = read.__qualname__ = name
    read.__doc__ = doc
    return read


def _optional(kind: type[T], expected: str, name: str, doc: str) -> Callable[[Mapping[str, Any], str, str], T | None]:
    """The reader of an optional ``kind``: ``None`` when absent or ``null``."""

    def read(data: Mapping[str, Any], key: str, where: str) -> T | None:
        value = data.get(key)
        if value is None or type(value) is kind:
            return value
        raise _refused(value, where, key, expected)

    read.__name__ = read.__qualname__ = name
    read.__doc__ = doc
    return read


req_str: Final = _required(str, "a string", "req_str", "The required string ``data[key]``.")
opt_str: Final = _optional(str, "a string", "opt_str", "The optional string ``data[key]``.")
req_int: Final = _required(int, "an integer", "req_int", "The required integer ``data[key]`` (a boolean is not one).")
opt_int: Final = _optional(int, "an integer", "opt_int", "The optional integer ``data[key]``.")
opt_bool: Final = _optional(bool, "a boolean", "opt_bool", "The optional boolean ``data[key]``.")


def opt_nonempty_str(data: Mapping[str, Any], key: str, where: str) -> str | None:
    """The optional string ``data[key]``, an empty one as ``None`` (a next-page token, a document id)."""
    return opt_str(data, key, where) or None


def _time(value: object, where: str, key: str) -> datetime:
    if type(value) is not str:
        raise Malformed(at_path(where, key), f"is a JSON {_kind(value)}, not a date-time string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise Malformed(at_path(where, key), f"is {value[:40]!r}, not an ISO 8601 date-time") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def req_time(data: Mapping[str, Any], key: str, where: str) -> datetime:
    """The required date-time ``data[key]``, aware."""
    value = data.get(key)
    if value is None:
        raise Malformed(at_path(where, key), "is missing")
    return _time(value, where, key)


def opt_time(data: Mapping[str, Any], key: str, where: str) -> datetime | None:
    """The optional date-time ``data[key]``, aware (``None`` when absent, ``null`` or empty)."""
    value = data.get(key)
    if value is None or value == "":
        return None
    return _time(value, where, key)


def opt_decimal(data: Mapping[str, Any], key: str, where: str) -> Decimal | None:
    """The optional decimal ``data[key]``: a JSON number or a numeric string, never through a binary float."""
    value = data.get(key)
    if value is None:
        return None
    if type(value) is bool or not isinstance(value, str | int | float):
        raise Malformed(at_path(where, key), f"is a JSON {_kind(value)}, not a number")
    try:
        # A JSON number arrives as a float: go through its shortest repr, never through binary arithmetic.
        number = Decimal(str(value))
    except InvalidOperation:
        raise Malformed(at_path(where, key), f"is {str(value)[:40]!r}, not a number") from None
    if not number.is_finite():
        raise Malformed(at_path(where, key), f"is {value!r}, not a finite number")
    return number


def decimal_money(data: Mapping[str, Any], amount_key: str, currency_key: str, where: str) -> Money | None:
    """``data[amount_key]`` in ``data[currency_key]`` as rounded ``Money``; ``None`` when either is absent.

    The common case (a numeric string and a known currency code) is read directly; anything else goes
    through ``opt_decimal``/``opt_str``/``money``, which name what is wrong.
    """
    amount, currency = data.get(amount_key), data.get(currency_key)
    if type(amount) is str and type(currency) is str and currency in CURRENCY_DECIMALS:
        try:
            number = Decimal(amount)
        except InvalidOperation:
            pass
        else:
            if number.is_finite() and -MAX_AMOUNT < number < MAX_AMOUNT:
                return rounded_money(number, currency)
    value = opt_decimal(data, amount_key, where)
    code = opt_str(data, currency_key, where)
    if value is None or code is None:
        return None
    return money(value, code, where)


def money(amount: Decimal, currency: str, where: str) -> Money:
    """``amount`` in ``currency`` as ``Money``, rounded to the currency's decimals (JPY 0, most 2)."""
    if currency not in CURRENCY_DECIMALS:
        raise Malformed(where, f"has currency {currency[:10]!r}, not an ISO 4217 code")
    if not -MAX_AMOUNT < amount < MAX_AMOUNT:
        raise Malformed(where, f"has amount {amount}, beyond what Amazon's feeds carry")
    return rounded_money(amount, currency)


def _list(value: object, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise Malformed(path, f"is a JSON {_kind(value)}, not an array")
    return value


def opt_list(data: Mapping[str, Any], key: str, where: str, item: Callable[[Mapping[str, Any]], T]) -> tuple[T, ...]:
    """The optional array of objects ``data[key]``, each read by ``item``; ``()`` when absent.

    ``item`` reads its object with paths relative to it; a problem it raises is placed below
    ``where.key[n]`` here, so no path is built while nothing is wrong.
    """
    value = data.get(key)
    if value is None:
        return ()
    out = []
    for n, entry in enumerate(value if type(value) is list else _list(value, at_path(where, key))):
        if type(entry) is not dict:
            raise Malformed(f"{at_path(where, key)}[{n}]", f"is a JSON {_kind(entry)}, not an object")
        try:
            out.append(item(entry))
        except Malformed as exc:
            raise exc.under(f"{at_path(where, key)}[{n}]") from None
    return tuple(out)


def req_list(data: Mapping[str, Any], key: str, where: str, item: Callable[[Mapping[str, Any]], T]) -> tuple[T, ...]:
    """The required array of objects ``data[key]`` (it may be empty)."""
    if data.get(key) is None:
        raise Malformed(at_path(where, key), "is missing")
    return opt_list(data, key, where, item)


def within(where: str, read: Callable[[Mapping[str, Any]], T], data: Mapping[str, Any]) -> T:
    """``read(data)``, a problem it raises placed below ``where`` (``read`` uses paths relative to ``data``)."""
    try:
        return read(data)
    except Malformed as exc:
        raise exc.under(where) from None


def str_list(data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    """The optional array of strings ``data[key]``; ``()`` when absent."""
    value = data.get(key)
    if value is None:
        return ()
    path = at_path(where, key)
    items = _list(value, path)
    for n, entry in enumerate(items):
        if type(entry) is not str:
            raise Malformed(f"{path}[{n}]", f"is a JSON {_kind(entry)}, not a string")
    return tuple(items)


def req_str_list(data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    """The required array of strings ``data[key]`` (it may be empty)."""
    if data.get(key) is None:
        raise Malformed(at_path(where, key), "is missing")
    return str_list(data, key, where)


def extra(data: Mapping[str, Any], known: frozenset[str]) -> Mapping[str, Any]:
    """The members of ``data`` a parser did not read (``known``), read-only; ``EMPTY`` when there are none."""
    if data.keys() <= known:
        return EMPTY
    return MappingProxyType({k: v for k, v in data.items() if k not in known})


def req_nested(data: Mapping[str, Any], key: str, where: str, item: Callable[[Mapping[str, Any]], T]) -> T:
    """The required object ``data[key]`` read by ``item`` (relative paths, placed below ``where.key``)."""
    return within(at_path(where, key), item, req_obj(data, key, where))


def opt_nested(data: Mapping[str, Any], key: str, where: str, item: Callable[[Mapping[str, Any]], T]) -> T | None:
    """The optional object ``data[key]`` read by ``item``; ``None`` when absent or ``null``."""
    value = opt_obj(data, key, where)
    return None if value is None else within(at_path(where, key), item, value)


# -- Declared models -------------------------------------------------------------------------------
#
# A typed answer declares each of Amazon's members once, on its attribute, as
# ``feed_id: Annotated[str, Wire("feedId", req_str)]``: the wire name and how it is read. ``parse_as`` reads
# every declared attribute and puts the members no attribute declares in ``extra``. A class's reader is
# built on its first answer and kept: one function calling each field's reader with its wire name, then the
# class, as a hand-written parser would (attrs builds ``__init__`` the same way), so no annotation is
# evaluated at import and nothing is looked up per field per call.

#: How one member is read: ``read(data, key, where)``, ``key`` the wire name, ``where`` the object's path.
Reader = Callable[[Mapping[str, Any], str, str], Any]


class Wire:
    """The Amazon member an attribute is read from, in ``Annotated`` metadata: its name and how it is read.

    ``item`` (for ``opt_list``, ``req_list``, ``opt_nested``, ``req_nested``) reads each object the member
    holds: a declared class, read by ``parse_as``, or a function of the object. Several attributes may read
    one member (``attributes`` and what is parsed out of it); an attribute with several ``Wire`` takes the
    first member that holds a value (a token Amazon puts in one place or another), the next read only then.
    """

    __slots__ = ("item", "name", "read")

    def __init__(
        self, name: str, read: Callable[..., Any], item: type | Callable[[Mapping[str, Any]], Any] | None = None
    ) -> None:
        """``name``: the member's wire name; ``read``: its reader (``req_str``, ``opt_time``...); ``item``: above."""
        self.name = name
        self.read = read
        self.item = item

    def item_reader(self) -> Callable[[Mapping[str, Any]], Any] | None:
        """``item`` as a function of the object (a class as its ``parse_as`` reader)."""
        return _reader_of(self.item) if isinstance(self.item, type) else self.item

    def reader(self) -> Reader:
        """``read``, with ``item`` bound when there is one."""
        return self.read if self.item is None else partial(self.read, item=self.item_reader())


#: Each declared class's reader: ``read(data, where="", **given)``.
_READERS: dict[type, Callable[..., Any]] = {}


def _first_of(reads: list[tuple[str, Reader]]) -> Reader:
    def read_first(data: Mapping[str, Any], _key: str, where: str) -> Any:
        for key, read in reads:
            value = read(data, key, where)
            if value is not None:
                return value
        return None

    return read_first


def _reader_of(cls: type) -> Callable[..., Any]:
    """``cls``'s reader, built from its ``Wire`` attributes on first use."""
    found = _READERS.get(cls)
    if found is not None:
        return found
    hints = get_type_hints(cls, include_extras=True)
    names: dict[str, Any] = {"cls": cls}
    arguments = []
    known: set[str] = set()
    for n, field in enumerate(attrs.fields(cls)):
        wires = [m for m in getattr(hints[field.name], "__metadata__", ()) if isinstance(m, Wire)]
        if not wires:
            continue
        known.update(w.name for w in wires)
        if len(wires) > 1:
            names[f"read{n}"] = _first_of([(w.name, w.reader()) for w in wires])
            arguments.append(f"{field.name}=read{n}(data, '', where)")
        elif wires[0].item is None:
            names[f"read{n}"] = wires[0].read
            arguments.append(f"{field.name}=read{n}(data, {wires[0].name!r}, where)")
        else:  # the item passed as it is, not bound: one call less per member
            names[f"read{n}"], names[f"item{n}"] = wires[0].read, wires[0].item_reader()
            arguments.append(f"{field.name}=read{n}(data, {wires[0].name!r}, where, item{n})")
    if "extra" in attrs.fields_dict(cls):
        names["extra"], names["known"] = extra, frozenset(known)
        arguments.append("extra=extra(data, known)")
    arguments.append("**given")
    source = f"def read(data, where='', **given):\n    return cls({', '.join(arguments)})\n"
    exec(compile(source, f"<parse_as {cls.__qualname__}>", "exec"), names)  # noqa: S102 - our own source, above
    read: Callable[..., Any] = names["read"]
    _READERS[cls] = read
    return read


def parse_as(cls: type[M], data: Mapping[str, Any], where: str = "", **given: Any) -> M:
    """``data`` as the attrs class ``cls``: each ``Wire`` attribute read, the members none declares in ``extra``.

    ``where`` is ``data``'s path (``""`` at the top, or in an item read relative to it); ``given`` are the
    attributes that do not come from ``data`` (an answer's ``request_id``).

    Raises:
        Malformed: a member does not fit its reader.
    """
    read = _READERS.get(cls) or _reader_of(cls)
    found: M = read(data, where, **given)
    return found


def member(inner: str, read: Reader) -> Reader:
    """A reader of ``data[key][inner]`` by ``read``, the object ``data[key]`` optional (``pagination.nextToken``)."""

    def read_member(data: Mapping[str, Any], key: str, where: str) -> Any:
        return read(opt_obj(data, key, where) or EMPTY, inner, at_path(where, key))

    return read_member
