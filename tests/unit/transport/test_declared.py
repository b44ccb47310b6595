"""Declared answers: each Amazon member declared once (``Annotated[T, Wire(name, reader)]``), read by ``parse_as``."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

import attrs
import pytest

from sp_cancel import transport
from sp_cancel.transport._parse import (
    EMPTY,
    Malformed,
    Wire,
    member,
    opt_list,
    opt_nested,
    opt_nonempty_str,
    opt_str,
    parse_as,
    req_int,
    req_nested,
    req_str,
    req_time,
)


@attrs.frozen(kw_only=True)
class _Line:
    sku: Annotated[str, Wire("sellerSku", req_str)]
    quantity: Annotated[int, Wire("quantityOrdered", req_int)]
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


@attrs.frozen(kw_only=True)
class _Money:
    currency: Annotated[str | None, Wire("currencyCode", opt_str)] = None


@attrs.frozen(kw_only=True)
class _Answer:
    answer_id: Annotated[str, Wire("answerId", req_str)]
    created: Annotated[datetime, Wire("createdTime", req_time)]
    lines: Annotated[tuple[_Line, ...], Wire("lines", opt_list, _Line)] = ()
    total: Annotated[_Money | None, Wire("total", opt_nested, _Money)] = None
    token: Annotated[
        str | None,
        Wire("pagination", member("nextToken", opt_nonempty_str)),
        Wire("nextToken", opt_nonempty_str),
    ] = None
    request_id: str | None = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


@attrs.frozen(kw_only=True)
class _Wrapper:
    answer: Annotated[_Answer, Wire("answer", req_nested, _Answer)]
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


_DATA: dict[str, Any] = {
    "answerId": "A1",
    "createdTime": "2026-01-01T10:00:00Z",
    "lines": [{"sellerSku": "S1", "quantityOrdered": 1, "gift": True}, {"sellerSku": "S2", "quantityOrdered": 2}],
    "total": {"currencyCode": "USD"},
    "pagination": {"nextToken": "T1"},
    "buyerInfo": {"name": "kept, unread"},
}


def test_every_declared_member_is_read_and_the_rest_is_extra() -> None:
    """Items by their class, a nested object, a member inside another, a caller's value; the rest in extra."""
    answer = parse_as(_Answer, _DATA, request_id="R1")
    assert answer.answer_id == "A1"
    assert answer.created.isoformat() == "2026-01-01T10:00:00+00:00"
    assert [(line.sku, line.quantity) for line in answer.lines] == [("S1", 1), ("S2", 2)]
    assert dict(answer.lines[0].extra) == {"gift": True}
    assert answer.lines[1].extra is EMPTY
    assert answer.total == _Money(currency="USD")
    assert answer.token == "T1"
    assert answer.request_id == "R1"
    assert dict(answer.extra) == {"buyerInfo": {"name": "kept, unread"}}


def test_an_attribute_with_two_wire_takes_the_first_that_holds_a_value_and_knows_both() -> None:
    """``pagination.nextToken`` empty: the top-level ``nextToken``; both are known, neither in extra."""
    data = {**_DATA, "pagination": {"nextToken": ""}, "nextToken": "T2"}
    answer = parse_as(_Answer, data)
    assert answer.token == "T2"
    assert "nextToken" not in answer.extra
    assert "pagination" not in answer.extra
    assert parse_as(_Answer, {k: v for k, v in _DATA.items() if k != "pagination"}).token is None


@pytest.mark.parametrize(
    ("data", "where", "path", "problem"),
    [
        ({**_DATA, "answerId": None}, "", "answerId", "is missing"),
        ({**_DATA, "answerId": 7}, "payload", "payload.answerId", "is a JSON int, not a string"),
        (
            {**_DATA, "lines": [{"sellerSku": "S1", "quantityOrdered": 1}, {"sellerSku": "S2"}]},
            "order",
            "order.lines[1].quantityOrdered",
            "is missing",
        ),
        ({**_DATA, "total": {"currencyCode": 1}}, "", "total.currencyCode", "is a JSON int, not a string"),
        ({**_DATA, "pagination": {"nextToken": 1}}, "", "pagination.nextToken", "is a JSON int, not a string"),
        ({**_DATA, "pagination": []}, "", "pagination", "is a JSON list, not an object"),
        ({**_DATA, "createdTime": "soon"}, "", "createdTime", "is 'soon', not an ISO 8601 date-time"),
    ],
)
def test_a_member_that_does_not_fit_names_its_path(data: dict[str, Any], where: str, path: str, problem: str) -> None:
    """The path and message the hand-written readers gave: below ``where``, through lists and nested objects."""
    with pytest.raises(Malformed) as caught:
        parse_as(_Answer, data, where)
    assert (caught.value.path, caught.value.problem) == (path, problem)


def test_a_nested_required_object_places_its_problems_below_it() -> None:
    """``req_nested``: missing names the member; a problem inside it is placed below it."""
    assert parse_as(_Wrapper, {"answer": _DATA}).answer.answer_id == "A1"
    with pytest.raises(Malformed, match=r"^payload\.answer is missing$"):
        parse_as(_Wrapper, {}, "payload")
    with pytest.raises(Malformed, match=r"^payload\.answer\.lines\[0\]\.sellerSku is missing$"):
        parse_as(_Wrapper, {"answer": {**_DATA, "lines": [{"quantityOrdered": 1}]}}, "payload")


def _declared_classes() -> list[type]:
    found = []
    for name in transport.__all__:
        value = getattr(transport, name)
        if isinstance(value, type) and attrs.has(value):
            found.append(value)
    return found


@pytest.mark.parametrize("cls", _declared_classes(), ids=lambda c: c.__name__)
def test_every_public_answer_type_builds_its_reader(cls: type) -> None:
    """Annotations are evaluated on a class's first answer: a name that does not resolve would only show there."""
    # A required member missing (Malformed), or an attribute only the caller gives (TypeError): the reader was built.
    with contextlib.suppress(Malformed, TypeError):
        parse_as(cls, {})


def test_importing_transport_evaluates_no_annotation() -> None:
    """Readers are built on first use, so importing transport costs no ``get_type_hints``."""
    code = "import sp_cancel.transport, sp_cancel.transport._parse as p; print(len(p._READERS))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603 - this interpreter, our code
    assert out.stdout.strip() == "0"
